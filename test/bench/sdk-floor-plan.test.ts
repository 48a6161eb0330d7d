import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { RDSClient } from '@aws-sdk/client-rds';
import { startFakeAws, type FakeAws } from '../../bench/fake-aws';
import { BENCH_MIN_WINDOW_HOURS, expectationsOf, generateFleet } from '../../bench/fleet';
import { minimumCalls } from '../../bench/minimum-calls';
import { buildAuditPlan, buildSdkFloorPlans, clusterFactsOf, metricsOf, ratioToFloors, type PlanOptions } from '../../bench/sdk-floor-plan';
import { getBacktrackMetrics } from '../../lambda/aws/cloudwatch';
import { listClusterPages } from '../../lambda/aws/rds';
import type { ClusterFacts } from '../../lambda/core/types';

const NOW = new Date('2026-11-25T12:00:00Z');

const OPTIONS: PlanOptions = {
  policy: {
    minWindowHours: BENCH_MIN_WINDOW_HOURS,
    tagPrefix: 'backtrack-check:',
    exemptTagKey: 'backtrack-check:exempt',
    maxExemptionDays: 90,
    backtrackRegions: [],
  },
  now: NOW,
  homeRegion: 'us-east-1',
  tableName: 'state',
  topicArn: 'arn:aws:sns:us-east-1:123456789012:alerts',
  clientSettings: { maxAttempts: 8, retryMode: 'adaptive' },
  importLimit: { rate: 10, burst: 30 },
};

describe('facts and metrics of the plan', () => {
  const fleet = generateFleet({ clusters: 240, regions: 2, now: NOW });
  let fake: FakeAws;
  const client = { region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };

  beforeAll(async () => {
    fake = await startFakeAws({ fleet, latencyMs: 0 });
  });
  afterAll(() => fake.close());

  it('are the facts the checker reads from the fake’s DescribeDBClusters', async () => {
    const read: ClusterFacts[] = [];
    for (const region of fleet.regions) {
      for await (const page of listClusterPages(new RDSClient({ ...client, region, endpoint: fake.url }), region))
        read.push(...page.clusters);
    }

    expect(read).toEqual(fleet.regions.flatMap((r) => fleet.byRegion.get(r) ?? []).map(clusterFactsOf));
  });

  it('are the metrics the checker derives from the fake’s CloudWatch', async () => {
    const region = fleet.regions[0] as string;
    const clusters = (fleet.byRegion.get(region) ?? []).filter((c) => c.backtrackWindow).slice(0, 80);

    const read = await getBacktrackMetrics(
      new CloudWatchClient({ ...client, region, endpoint: fake.url }),
      clusters.map(clusterFactsOf),
      NOW,
    );

    for (const c of clusters) expect(read.get(c.arn)).toEqual(metricsOf(c));
    expect(read.size).toBeGreaterThan(0);
  });
});

describe('buildSdkFloorPlans', () => {
  const fleet = generateFleet({ clusters: 500, regions: 3, now: NOW });
  const expectation = expectationsOf(fleet);
  const plans = buildSdkFloorPlans(fleet, OPTIONS);

  it('gives every in-scope cluster one finding in its own Region and every listed cluster a role', () => {
    for (const r of plans.first.regions) {
      const e = expectation.regions.find((x) => x.region === r.region);
      const roles = Object.values(r.clusters);

      expect(roles).toHaveLength(e?.clusters ?? -1);
      expect(r.findings).toHaveLength(e?.inScope ?? -1);
      expect(
        roles
          .filter((x) => x.finding !== undefined)
          .map((x) => x.finding)
          .sort((a, b) => a! - b!),
      ).toEqual(r.findings.map((_, i) => i));
      expect(r.findings.every((f) => f.Resources[0]?.Region === r.region)).toBe(true);
    }
  });

  it('reads metrics for exactly the clusters whose verdict needs them', () => {
    const withMetrics = plans.first.regions.reduce((a, r) => a + Object.values(r.clusters).filter((x) => x.metrics).length, 0);

    expect(withMetrics).toBe(expectation.regions.reduce((a, r) => a + r.needsMetrics, 0));
  });

  it('gives findings the fleet’s verdicts', () => {
    const statuses = plans.first.regions.flatMap((r) => r.findings.map((f) => f.Compliance.Status));

    for (const [status, count] of Object.entries(expectation.byStatus)) expect(statuses.filter((s) => s === status)).toHaveLength(count);
  });

  it('writes every in-scope cluster and publishes one alert on a first run', () => {
    const streamed = plans.first.regions.reduce((a, r) => a + r.stateItems.length, 0);

    expect(streamed + plans.first.afterAlert.length).toBe(expectation.inScope);
    expect(plans.first.alert?.subject).toBeTruthy();
  });

  it('on a first run holds back every in-scope item, since each cluster gets its workflow set, and writes the run-meta item', () => {
    expect(plans.first.afterAlert).toHaveLength(expectation.inScope);
    expect(plans.first.afterAlert.every((s) => s.workflow === (s.suppressed ? 'SUPPRESSED' : 'NEW'))).toBe(true);
    expect(plans.first.meta?.pk).toBe(`meta#${fleet.accountId}`);
    expect(plans.steady.meta).toBeUndefined();
  });

  it('sets the workflow of every in-scope cluster on a first run in as many calls as the minimum, none on a steady run', () => {
    const min = minimumCalls({ expectation, run: 'first', discoverRegions: false, stateBytes: 0 });
    const calls = plans.first.regions.flatMap((r) => r.updates);

    expect(calls).toHaveLength(min.total['securityhub:BatchUpdateFindings'] ?? -1);
    expect(calls.reduce((a, c) => a + c.ids.length, 0)).toBe(expectation.inScope);
    expect(calls.every((c) => c.ids.length <= 100)).toBe(true);
    expect(calls.filter((c) => c.status === 'NEW').every((c) => c.note?.UpdatedBy === 'aurora-backtrack-checker')).toBe(true);
    expect(plans.steady.regions.flatMap((r) => r.updates)).toEqual([]);
  });

  it('writes nothing and publishes nothing on a steady run, and keeps each finding’s first-seen time', () => {
    const firstCreated = plans.first.regions.flatMap((r) => r.findings.map((f) => f.CreatedAt));

    expect(plans.steady.afterAlert).toHaveLength(0);
    expect(plans.steady.regions.every((r) => r.stateItems.length === 0)).toBe(true);
    expect(plans.steady.alert).toBeUndefined();
    expect(plans.steady.regions.flatMap((r) => r.findings.map((f) => f.CreatedAt))).toEqual(firstCreated);
    expect(plans.steady.now > plans.first.now).toBe(true);
  });
});

describe('buildAuditPlan', () => {
  const fleet = generateFleet({ clusters: 500, regions: 3, now: NOW, accountId: '200000000007' });
  const expectation = expectationsOf(fleet);
  const plan = buildAuditPlan(fleet, OPTIONS);

  it('imports every in-scope finding into the fleet’s own account and writes no state, no run-meta item and no alert', () => {
    const findings = plan.regions.flatMap((r) => r.findings);

    expect(plan.accountId).toBe('200000000007');
    expect(findings).toHaveLength(expectation.inScope);
    expect(findings.every((f) => f.AwsAccountId === '200000000007' && f.ProductArn.includes(':200000000007:product/'))).toBe(true);
    expect(plan.regions.every((r) => r.stateItems.length === 0 && Object.values(r.clusters).every((c) => c.state === undefined))).toBe(
      true,
    );
    expect(plan.afterAlert).toEqual([]);
    expect(plan.meta).toBeUndefined();
    expect(plan.alert).toBeUndefined();
  });

  it('sets no workflow, exempt clusters included, and checks none: an audit imports findings only', () => {
    const min = minimumCalls({ expectation, run: 'first', discoverRegions: false, stateBytes: 0, state: false });
    const exempt = expectation.regions.reduce((a, r) => a + r.exempt, 0);

    expect(exempt).toBeGreaterThan(0);
    expect(plan.regions.flatMap((r) => r.updates)).toEqual([]);
    expect(plan.regions.some((r) => r.checkHidden)).toBe(false);
    expect(min.total['securityhub:BatchUpdateFindings']).toBe(0);
    expect(min.total['securityhub:GetFindings']).toBe(0);
  });
});

describe('ratioToFloors', () => {
  it('divides the wall time by the larger of the two floors', () => {
    expect(ratioToFloors(4400, 400, 4000)).toBeCloseTo(1.1);
    expect(ratioToFloors(1000, 800, 500)).toBeCloseTo(1.25);
  });

  it('uses the model floor alone when there is no SDK floor', () => {
    expect(ratioToFloors(1000, 500, undefined)).toBe(2);
  });
});
