/**
 * What the end-to-end tests read back and compare with the fixtures' expected verdicts: the
 * findings in Security Hub, the alert as subscribers receive it, and the clusters as the emulator
 * describes them.
 */
import { paginateDescribeDBClusters, type DBCluster } from '@aws-sdk/client-rds';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import type { Deployment, ReceivedAlert } from '../../emulator/deployment';
import type { SeedCluster } from '../../emulator/sample-account';

export const FIELD = (name: string) => `aurora-backtrack-checker/${name}`;
export const BACKTRACK_DOC_URL = 'https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Managing.Backtrack.html';

/** `id (region)`: how alerts name a cluster. */
export const where = (c: { id: string; region: string }) => `${c.id} (${c.region})`;

export const consoleLink = (c: { id: string; region: string }) =>
  `https://${c.region}.console.aws.amazon.com/rds/home?region=${c.region}#database:id=${encodeURIComponent(c.id)};is-cluster=true`;

/** Clusters people must be told about: FAILED or WARNING and not exempt. */
export function failingUnsuppressed(clusters: SeedCluster[]): SeedCluster[] {
  return clusters.filter(
    (c) => c.expected.scope === 'in-scope' && (c.expected.status === 'FAILED' || c.expected.status === 'WARNING') && !c.expected.suppressed,
  );
}

/** Every cluster of the Regions as the emulator (through the proxy) describes them, by identifier. */
export async function describeAll(d: Deployment, regions: string[]): Promise<Map<string, DBCluster>> {
  const out = new Map<string, DBCluster>();
  for (const region of regions) {
    for await (const page of paginateDescribeDBClusters({ client: d.rds(region) }, {})) {
      for (const c of page.DBClusters ?? []) out.set(`${region}/${c.DBClusterIdentifier}`, c);
    }
  }
  return out;
}

export const findingOf = (findings: AwsSecurityFinding[], arn: string | undefined) => findings.filter((f) => f.Resources?.[0]?.Id === arn);

/**
 * Asserts that the findings of `regions` are exactly those the fixtures call for: one per in-scope
 * cluster (none for out-of-scope ones, nothing else), with the right compliance status, workflow,
 * record state, id, condition and remediation. Returns the findings by cluster identifier.
 */
export async function expectFindingsExactlyRight(
  d: Deployment,
  clusters: SeedCluster[],
  regions: string[],
): Promise<Map<string, AwsSecurityFinding>> {
  const described = await describeAll(d, regions);
  const byId = new Map<string, AwsSecurityFinding>();
  for (const region of regions) {
    const findings = await d.findings(region);
    const here = clusters.filter((c) => c.region === region);
    const inScope = here.filter((c) => c.expected.scope === 'in-scope');
    expect({ region, findings: findings.length }).toEqual({ region, findings: inScope.length });
    for (const c of here) {
      const cluster = described.get(`${region}/${c.id}`);
      expect(cluster).toBeDefined();
      const mine = findingOf(findings, cluster?.DBClusterArn);
      if (c.expected.scope === 'out-of-scope') {
        expect({ cluster: c.id, findings: mine.length }).toEqual({ cluster: c.id, findings: 0 });
        continue;
      }
      expect({ cluster: c.id, findings: mine.length }).toEqual({ cluster: c.id, findings: 1 });
      const f = mine[0] as AwsSecurityFinding;
      byId.set(c.id, f);
      const seen = {
        cluster: c.id,
        status: f.Compliance?.Status,
        workflow: f.Workflow?.Status,
        recordState: f.RecordState,
        condition: f.ProductFields?.[FIELD('condition')],
        resourceType: f.Resources?.[0]?.Type,
        idHasResourceId: Boolean(cluster?.DbClusterResourceId && f.Id?.includes(cluster.DbClusterResourceId)),
      };
      expect(seen).toEqual({
        cluster: c.id,
        status: c.expected.status,
        workflow: c.expected.suppressed ? 'SUPPRESSED' : 'NEW',
        recordState: 'ACTIVE',
        condition: c.expected.condition,
        resourceType: 'AwsRdsDbCluster',
        idHasResourceId: true,
      });
      expectRemediation(c, f);
    }
  }
  return byId;
}

/** Restore into a new cluster when Backtrack is off; modify in place when the window is short; nothing when compliant. */
export function expectRemediation(c: SeedCluster, f: AwsSecurityFinding): void {
  if (c.expected.scope !== 'in-scope') return;
  const rec = f.Remediation?.Recommendation;
  const text = rec?.Text ?? '';
  switch (c.expected.condition) {
    case 'disabled': {
      // A restore that repeats the source's settings and tags may not fit in 512 characters: the
      // text then points to the finding field that holds the whole command.
      const pointer = text.includes(`is in this finding's field ${FIELD('fixCommand')}`);
      const command = pointer ? (f.ProductFields?.[FIELD('fixCommand')] ?? '') : text;
      expect(command).toContain(`restore-db-cluster-to-point-in-time --source-db-cluster-identifier ${c.id}`);
      expect(command).toContain('--backtrack-window');
      expect(text).not.toContain('modify-db-cluster');
      // Either way the checker's own migrate command for it is named.
      expect(pointer ? text : (f.ProductFields?.[FIELD('migrateCommand')] ?? '')).toContain(
        `aurora-backtrack-check migrate --cluster ${c.id}`,
      );
      expect(rec?.Url).toBe(BACKTRACK_DOC_URL);
      break;
    }
    case 'below-policy':
      expect(text).toContain(`modify-db-cluster --db-cluster-identifier ${c.id} --backtrack-window`);
      expect(text).not.toContain('restore');
      expect(rec?.Url).toBe(BACKTRACK_DOC_URL);
      break;
    case 'actual-short':
      expect(text).toMatch(/write/i);
      expect(text).toContain(`modify-db-cluster --db-cluster-identifier ${c.id}`);
      expect(text).not.toContain('restore');
      break;
    default:
      expect({ cluster: c.id, remediation: f.Remediation }).toEqual({ cluster: c.id, remediation: undefined });
  }
}

/** The sections of an alert e-mail: heading (e.g. `NEW FAILURES`) → the entries' first lines. */
export function emailSections(email: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of email.split('\n')) {
    const heading = /^([A-Z][A-Z0-9 :,]+) \((\d+)\)$/.exec(line);
    if (heading?.[1]) {
      current = [];
      out.set(heading[1], current);
    } else if (line.startsWith('- ') && current) {
      current.push(line.slice(2));
    } else if (line === '') {
      current = undefined;
    }
  }
  return out;
}

/** The e-mail entry (all its lines) of one cluster. */
export function emailEntry(email: string, c: { id: string; region: string }): string {
  const lines = email.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`- ${where(c)}: `));
  if (start < 0) return '';
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => !l.startsWith('  '));
  return [lines[start], ...rest.slice(0, end < 0 ? rest.length : end)].join('\n');
}

/** Clusters named in the e-mail section, as `id (region)`. */
export function namedIn(email: string, heading: string): string[] {
  return (emailSections(email).get(heading) ?? []).map((line) => line.slice(0, line.indexOf(': '))).sort();
}

/** Clusters named in the Chatbot card, as `id (region)`. */
export function namedInCard(alert: ReceivedAlert): string[] {
  return [...alert.card.content.description.matchAll(/• \*([^*]+)\* \(([a-z0-9-]+)\)/g)].map((m) => `${m[1]} (${m[2]})`).sort();
}

/**
 * The `default` body is an AWS Chatbot custom notification: version 1.0, source custom, a
 * client-markdown content with a title and a description (and string next steps when present).
 */
export function expectValidChatbotCard(alert: ReceivedAlert): void {
  const card = alert.card as unknown as Record<string, unknown>;
  expect(card.version).toBe('1.0');
  expect(card.source).toBe('custom');
  const content = card.content as Record<string, unknown>;
  expect(content.textType).toBe('client-markdown');
  expect(typeof content.title).toBe('string');
  expect((content.title as string).length).toBeGreaterThan(0);
  expect((content.title as string).length).toBeLessThanOrEqual(250);
  expect(typeof content.description).toBe('string');
  expect((content.description as string).length).toBeGreaterThan(0);
  if (content.nextSteps !== undefined) {
    expect(Array.isArray(content.nextSteps)).toBe(true);
    for (const s of content.nextSteps as unknown[]) expect(typeof s).toBe('string');
  }
  // An e-mail subject: under 100 characters, one line.
  expect(alert.subject.length).toBeLessThan(100);
  expect(alert.subject).not.toMatch(/[\r\n]/);
}

/**
 * The e-mail names each cluster with its Region, the account, the fix for its condition and a
 * console link.
 */
export function expectEmailNamesEach(alert: ReceivedAlert, accountId: string, clusters: SeedCluster[]): void {
  expect(alert.email.split('\n')[0]).toContain(`account ${accountId}`);
  for (const c of clusters) {
    const entry = emailEntry(alert.email, c);
    expect({ cluster: c.id, named: entry !== '' }).toEqual({ cluster: c.id, named: true });
    expect(entry).toContain(`Console: ${consoleLink(c)}`);
    if (c.expected.scope !== 'in-scope') continue;
    if (c.expected.condition === 'disabled') expect(entry).toMatch(/Fix: .*restore-db-cluster-to-point-in-time/);
    if (c.expected.condition === 'below-policy' || c.expected.condition === 'actual-short') {
      expect(entry).toMatch(new RegExp(`Fix: .*modify-db-cluster --db-cluster-identifier ${c.id} `));
    }
  }
}
