/**
 * End to end, both shells: the first run on an account with every verdict in three Regions and
 * more than 100 clusters in one, then a second run with nothing changed.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import type { EmulatedAws } from '../../emulator';
import {
  expectEmailNamesEach,
  expectFindingsExactlyRight,
  expectValidChatbotCard,
  failingUnsuppressed,
  namedIn,
  namedInCard,
  where,
} from './checks';
import { deploy, type Deployment, type ReceivedAlert } from '../../emulator/deployment';
import { useEmulatedAws } from './emulated-account';
import { REGIONS_OF, SAMPLE_ACCOUNT, seedClusters } from '../../emulator/sample-account';
import { bulkClusters } from './fixtures';
import { SHELLS, type ScanRun } from './shells';

jest.setTimeout(120_000);

const ACCOUNT = [...SAMPLE_ACCOUNT, ...bulkClusters('us-east-1', 105)];
const REGIONS = REGIONS_OF(ACCOUNT);
const FAILING = failingUnsuppressed(ACCOUNT);

let aws: EmulatedAws;
useEmulatedAws((started) => (aws = started));

describe.each(SHELLS)('$name', (shell) => {
  let d: Deployment;
  let first: ScanRun;
  let firstAlerts: ReceivedAlert[];
  let firstFindings: AwsSecurityFinding[];
  let describePages: number;

  beforeAll(async () => {
    await aws.reset();
    d = await deploy(aws, { regions: REGIONS });
    await seedClusters(
      (r) => d.rds(r),
      ACCOUNT,
      (r, id, o) => aws.proxy.setClusterOverrides(r, id, o),
    );
    aws.proxy.clearCalls();
    first = await shell.scan(d);
    describePages = aws.proxy.callsFor({ service: 'rds', operation: 'DescribeDBClusters', region: 'us-east-1' }).length;
    firstAlerts = await d.drainAlerts();
    firstFindings = (await Promise.all(REGIONS.map((r) => d.findings(r)))).flat();
  });

  it('reads every page of a Region with more than 100 clusters and judges every cluster', () => {
    expect(ACCOUNT.filter((c) => c.region === 'us-east-1').length).toBeGreaterThan(100);
    expect(describePages).toBeGreaterThanOrEqual(2);
    expect(first.summary?.totals.clusters).toBe(ACCOUNT.length);
    expect(first.summary?.regions.map((r) => [r.region, r.scanned, r.clusters])).toEqual(
      REGIONS.map((r) => [r, true, ACCOUNT.filter((c) => c.region === r).length]),
    );
  });

  it('exits with the status for failing clusters, the checker not degraded', () => {
    expect({ code: first.code, error: first.error, degraded: first.summary?.degraded }).toEqual({
      code: shell.exit.failing,
      error: undefined,
      degraded: [],
    });
    expect(first.summary?.totals.failedUnsuppressed).toBe(
      FAILING.filter((c) => c.expected.scope === 'in-scope' && c.expected.status === 'FAILED').length,
    );
  });

  it('imports exactly the right finding for every in-scope cluster of every Region, none for out-of-scope clusters', async () => {
    await expectFindingsExactlyRight(d, ACCOUNT, REGIONS);
  });

  it('suppresses the exempt cluster in Security Hub with its reason as the note', () => {
    const exempt = ACCOUNT.filter((c) => c.expected.scope === 'in-scope' && c.expected.suppressed);
    expect(exempt.length).toBeGreaterThan(0);
    for (const c of exempt) {
      const f = firstFindings.find((x) => x.Resources?.[0]?.Details?.AwsRdsDbCluster?.DbClusterIdentifier === c.id);
      const workflow = aws.proxy.workflowOf(c.region, f?.Id ?? '');
      expect(workflow?.workflowStatus).toBe('SUPPRESSED');
      expect(workflow?.note?.Text).toContain(c.tags?.['backtrack-check:exempt-reason'] ?? 'no reason given');
    }
  });

  it('sends exactly one alert, read through the SQS subscriber, naming exactly the failing non-exempt clusters as new failures (warnings counted apart in the subject)', () => {
    expect(firstAlerts).toHaveLength(1);
    const alert = firstAlerts[0] as ReceivedAlert;
    const sections = [...(alert.email.match(/^[A-Z][A-Z0-9 :,]+ \(\d+\)$/gm) ?? [])];
    expect(sections).toEqual([`NEW FAILURES (${FAILING.length})`]);
    expect(namedIn(alert.email, 'NEW FAILURES')).toEqual(FAILING.map(where).sort());
    // The subject counts the WARNING clusters apart from the FAILED ones.
    const warnings = FAILING.filter((c) => c.expected.scope === 'in-scope' && c.expected.status === 'WARNING').length;
    expect(warnings).toBeGreaterThan(0);
    expect(alert.subject).toBe(
      `Aurora Backtrack: ${FAILING.length - warnings} new failures, ${warnings} new warning${warnings === 1 ? '' : 's'} (account ${aws.accountId})`,
    );
    expect(JSON.parse(alert.attributes.event?.Value ?? '[]')).toEqual(['new-failure']);
    expect(alert.attributes.account_id).toEqual({ Type: 'String', Value: aws.accountId });
  });

  it('makes the alert a valid Chatbot card that names only failing clusters, and an e-mail with Region, account, fix and console link for each', () => {
    const alert = firstAlerts[0] as ReceivedAlert;
    expectValidChatbotCard(alert);
    const inCard = namedInCard(alert);
    const failing = new Set(FAILING.map(where));
    // The card lists the first 15 and counts the rest; the e-mail lists every one.
    expect(inCard.length).toBe(Math.min(15, FAILING.length));
    for (const name of inCard) expect(failing.has(name)).toBe(true);
    if (FAILING.length > 15) expect(alert.card.content.description).toContain(`… and ${FAILING.length - 15} more`);
    expectEmailNamesEach(alert, aws.accountId, FAILING);
  });

  describe('second run with nothing changed', () => {
    let second: ScanRun;
    let secondAlerts: ReceivedAlert[];
    let publishedBefore: number;

    beforeAll(async () => {
      publishedBefore = aws.proxy.published.length;
      second = await shell.scan(d);
      secondAlerts = await d.drainAlerts();
    });

    it('creates no new finding: the same ids, updated in place', async () => {
      const findings = (await Promise.all(REGIONS.map((r) => d.findings(r)))).flat();
      expect(findings.map((f) => f.Id).sort()).toEqual(firstFindings.map((f) => f.Id).sort());
      const before = new Map(firstFindings.map((f) => [f.Id, f.UpdatedAt]));
      for (const f of findings) expect(Date.parse(f.UpdatedAt ?? '')).toBeGreaterThan(Date.parse(before.get(f.Id) ?? ''));
    });

    it('sends no alert and reports no change', () => {
      expect(secondAlerts).toEqual([]);
      expect(aws.proxy.published.length).toBe(publishedBefore);
      expect(second.summary?.events).toEqual([]);
      expect(second.code).toBe(shell.exit.failing);
    });
  });
});
