/**
 * End to end, both shells: the actual window (EarliestBacktrackTime and CloudWatch's
 * BacktrackWindowAlert), the change-records cost hint, the per-cluster policy tag, and exemptions
 * with reason and expiry, as they appear in Security Hub and in the CLI.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { EmulatedAws } from '../../emulator';
import { expectFindingsExactlyRight, FIELD } from './checks';
import { deploy, type Deployment } from '../../emulator/deployment';
import { useEmulatedAws } from './emulated-account';
import { REGIONS_OF, SAMPLE_ACCOUNT, seedClusters, seedMetrics } from '../../emulator/sample-account';
import { METRICS_AND_POLICY_CLUSTERS, fixtureNamed } from './fixtures';
import { runCli, SHELLS, type CliCluster, type ScanRun } from './shells';

jest.setTimeout(120_000);

const ACCOUNT = [...SAMPLE_ACCOUNT, ...METRICS_AND_POLICY_CLUSTERS];
const REGIONS = REGIONS_OF(ACCOUNT);
const H = 3600;
const cluster = fixtureNamed(ACCOUNT);

let aws: EmulatedAws;
useEmulatedAws((started) => (aws = started));

async function freshDeployment(): Promise<Deployment> {
  await aws.reset();
  const d = await deploy(aws, { regions: REGIONS });
  const now = new Date();
  await seedClusters(
    (r) => d.rds(r),
    ACCOUNT,
    (r, id, o) => aws.proxy.setClusterOverrides(r, id, o),
    now,
  );
  await seedMetrics((r) => new CloudWatchClient(aws.clientConfig(r)), ACCOUNT, now);
  aws.proxy.clearCalls();
  return d;
}

describe.each(SHELLS)('$name', (shell) => {
  let d: Deployment;
  let run: ScanRun;
  let findings: Map<string, AwsSecurityFinding>;
  const fields = (id: string) => findings.get(id)?.ProductFields ?? {};
  /** The CLI's line for a cluster (the handler's summary has none). */
  const shown = (id: string): CliCluster | undefined => run.summary?.clusters?.find((c) => c.identifier === id);

  beforeAll(async () => {
    d = await freshDeployment();
    run = await shell.scan(d);
    findings = await expectFindingsExactlyRight(d, ACCOUNT, REGIONS);
  });

  it('warns when the actual window from EarliestBacktrackTime is below the minimum, saying what was measured and the write-load fix', () => {
    const f = findings.get('events-v3-write-heavy');
    expect(f?.Compliance?.Status).toBe('WARNING');
    const actual = Number(fields('events-v3-write-heavy')[FIELD('actualWindowSeconds')]);
    expect(actual).toBeGreaterThanOrEqual(6 * H);
    expect(actual).toBeLessThan(6 * H + 120);
    expect(fields('events-v3-write-heavy')[FIELD('earliestBacktrackTime')]).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(f?.Description).toContain(`the actual window is ${actual} s`);
    expect(f?.Remediation?.Recommendation?.Text).toMatch(/^Write load makes Aurora keep fewer change records/);
    if (shell.kind === 'cli')
      expect(shown('events-v3-write-heavy')).toMatchObject({ status: 'WARNING', condition: 'actual-short', actualWindowSeconds: actual });
  });

  it('warns from BacktrackWindowAlert in CloudWatch when the target equals the minimum and AWS gives no EarliestBacktrackTime', () => {
    const f = findings.get('queue-v3-alarm-at-minimum');
    expect(f?.Compliance?.Status).toBe('WARNING');
    expect(fields('queue-v3-alarm-at-minimum')[FIELD('windowAlertCount24h')]).toBe('3');
    expect(fields('queue-v3-alarm-at-minimum')[FIELD('actualWindowSeconds')]).toBeUndefined();
    expect(f?.Description).toContain('AWS reported the actual window below the target 3 time(s) in the last 24 h');
    if (shell.kind === 'cli') expect(shown('queue-v3-alarm-at-minimum')).toMatchObject({ status: 'WARNING', condition: 'actual-short' });
  });

  it('states that no metrics exist rather than guessing, for a passing cluster without CloudWatch data', () => {
    expect(findings.get('catalog-v3-at-minimum')?.Compliance?.Status).toBe('PASSED');
    expect(fields('catalog-v3-at-minimum')[FIELD('actualWindow')]).toContain('no Backtrack metrics in CloudWatch for the last 24 h');
    expect(fields('catalog-v3-at-minimum')[FIELD('changeRecordsPerHour')]).toBeUndefined();
  });

  it('reads the metrics of a Region in one batched GetMetricData call, not one per cluster', () => {
    // Clusters whose target meets the policy are the ones measured.
    const measured = ACCOUNT.filter(
      (c) =>
        c.region === 'us-east-1' &&
        c.expected.scope === 'in-scope' &&
        (c.expected.condition === 'ok' || c.expected.condition === 'actual-short'),
    );
    expect(measured.length).toBeGreaterThan(1);
    expect(aws.proxy.callsFor({ service: 'cloudwatch', region: 'us-east-1', operation: 'GetMetricData' })).toHaveLength(1);
  });

  it('shows the change-records cost hint from BacktrackChangeRecordsCreationRate in the finding (and in the CLI JSON)', () => {
    // 250 records per 5 minutes seeded: 3000 per hour.
    expect(fields('inventory-v3-cost-hint')[FIELD('changeRecordsPerHour')]).toBe('3000');
    expect(findings.get('inventory-v3-cost-hint')?.Description).toContain('Cost hint: about 3000 change records per hour');
    if (shell.kind === 'cli') expect(shown('inventory-v3-cost-hint')?.changeRecordsPerHour).toBe(3000);
  });

  it('applies the per-cluster minimum from the tag', () => {
    expect(fields('dev-tagged-1h')).toMatchObject({ [FIELD('policySource')]: 'tag', [FIELD('requiredWindowSeconds')]: String(1 * H) });
    expect(findings.get('dev-tagged-1h')?.Compliance?.Status).toBe('PASSED');
    expect(fields('prod-tagged-72h')).toMatchObject({ [FIELD('policySource')]: 'tag', [FIELD('requiredWindowSeconds')]: String(72 * H) });
    expect(findings.get('prod-tagged-72h')?.Compliance?.Status).toBe('FAILED');
    if (shell.kind === 'cli') {
      expect(shown('dev-tagged-1h')).toMatchObject({ policySource: 'tag', requiredWindowSeconds: H });
      expect(shown('prod-tagged-72h')).toMatchObject({ policySource: 'tag', requiredWindowSeconds: 72 * H });
    }
  });

  it('reports an invalid policy tag in the finding and the run summary, and applies the account minimum', () => {
    const id = 'tools-bad-policy-tag';
    expect(fields(id)).toMatchObject({ [FIELD('policySource')]: 'account', [FIELD('requiredWindowSeconds')]: String(24 * H) });
    expect(fields(id)[FIELD('tagProblems')]).toContain('tag backtrack-check:min-window-hours: "a lot" is not a number of hours');
    expect(findings.get(id)?.Compliance?.Status).toBe('FAILED');
    const problem = run.summary?.tagProblems.find((p) => p.startsWith(`${id} (eu-west-1): `));
    expect(problem).toContain('the account minimum of 24 h applies');
    if (shell.kind === 'cli') expect(shown(id)).toMatchObject({ policySource: 'account', requiredWindowSeconds: 24 * H });
  });

  it('puts an exemption reason, the expiry the tag gives and the maxExemptionDays cap in the finding note (and in the CLI JSON)', () => {
    const c = cluster('archive-exempt-until-2099');
    const f = findings.get(c.id);
    expect(f?.Workflow?.Status).toBe('SUPPRESSED');
    // First seen now: capped 90 days from now, well before the tag's 2099-12-31.
    const cap = fields(c.id)[FIELD('exemptCappedAt')] ?? '';
    const days = (Date.parse(cap) - Date.parse(fields(c.id)[FIELD('exemptSince')] ?? '')) / 86_400_000;
    expect(days).toBe(90);
    expect(aws.proxy.workflowOf(c.region, f?.Id ?? '')?.note?.Text).toBe(
      `Exempt from the Backtrack check until ${cap} (capped: the longest an exemption may last; the tag says 2099-12-31): read-only archive`,
    );
    expect(fields(c.id)).toMatchObject({ [FIELD('exemptReason')]: 'read-only archive', [FIELD('exemptUntil')]: '2099-12-31' });
    if (shell.kind === 'cli') {
      expect(shown(c.id)).toMatchObject({
        suppressed: true,
        exemption: { active: true, reason: 'read-only archive', until: '2099-12-31' },
      });
    }
  });
});

describe('CLI table', () => {
  it('shows the actual window, the policy source, the change records and the exemption of each cluster', async () => {
    const d = await freshDeployment();

    const r = await runCli(d, ['--format', 'table']);

    expect(r.code).toBe(1);
    const header = r.stdout.split('\n').find((l) => l.startsWith('REGION'));
    expect(header?.split(/\s{2,}/)).toEqual([
      'REGION',
      'CLUSTER',
      'VERDICT',
      'CONDITION',
      'WINDOW',
      'REQUIRED (SOURCE)',
      'ACTUAL',
      'CHANGE REC/H',
      'EXEMPTION',
    ]);
    const row = (id: string) =>
      r.stdout
        .split('\n')
        .find((l) => l.split(/\s{2,}/)[1] === id)
        ?.split(/\s{2,}/) ?? [];
    const inventory = row('inventory-v3-cost-hint');
    expect([...inventory.slice(0, 6), ...inventory.slice(7)]).toEqual([
      'us-east-1',
      'inventory-v3-cost-hint',
      'PASSED',
      'ok',
      '30 h',
      '24 h account',
      '3000',
      '-',
    ]);
    // Actual window: 30 h plus the seconds between seeding and the run.
    expect(inventory[6]).toMatch(/^30 h( \d+ s)?$/);
    expect(row('dev-tagged-1h').slice(5, 6)).toEqual(['1 h tag']);
    expect(row('queue-v3-alarm-at-minimum').slice(2, 7)).toEqual(['WARNING', 'actual-short', '24 h', '24 h account', 'no data']);
    expect(row('archive-exempt-until-2099').slice(2, 3)).toEqual(['FAILED (exempt)']);
    expect(row('archive-exempt-until-2099').at(-1)).toMatch(/^until \d{4}-\d{2}-\d{2} \(capped; tag 2099-12-31\): read-only archive$/);
    expect(row('sandbox-exempt').at(-1)).toMatch(/^until \d{4}-\d{2}-\d{2} \(capped\): throwaway test data$/);
    expect(r.stdout).toContain('tools-bad-policy-tag (eu-west-1): tag backtrack-check:min-window-hours');
  });
});
