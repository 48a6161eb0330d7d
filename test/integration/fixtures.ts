/**
 * Clusters for the end-to-end tests beyond the demo's sample account (emulator/sample-account.ts):
 * cases that need CloudWatch data or unusual tags, Regions without Backtrack, and bulk clusters.
 */
import { aged, ago, V2, V3, type SeedCluster } from '../../emulator/sample-account';

const H = 3600;
const DAY = 86_400;

/**
 * Cases that need CloudWatch data or unusual tags: the actual window known only from AWS's
 * BacktrackWindowAlert, the change-records cost hint, an invalid policy tag, and an exemption with
 * an expiry. Seed their metrics with seedMetrics.
 */
export const METRICS_AND_POLICY_CLUSTERS: SeedCluster[] = [
  {
    region: 'us-east-1',
    id: 'queue-v3-alarm-at-minimum',
    engine: 'aurora-mysql',
    engineVersion: V3,
    backtrackWindow: DAY,
    // Old enough for a full window; no EarliestBacktrackTime, so only AWS's alert tells the window is short.
    overrides: (now) => ({ ClusterCreateTime: ago(now, 30 * DAY) }),
    metrics: [{ name: 'BacktrackWindowAlert', value: 3, secondsAgo: 2 * H }],
    expected: { scope: 'in-scope', status: 'WARNING', condition: 'actual-short' },
  },
  {
    region: 'us-east-1',
    id: 'inventory-v3-cost-hint',
    engine: 'aurora-mysql',
    engineVersion: V3,
    backtrackWindow: 30 * H,
    overrides: aged(30 * H),
    // 250 change records per 5 minutes = 3000 per hour.
    metrics: [{ name: 'BacktrackChangeRecordsCreationRate', value: 250, secondsAgo: H }],
    expected: { scope: 'in-scope', status: 'PASSED', condition: 'ok' },
  },
  {
    region: 'eu-west-1',
    id: 'tools-bad-policy-tag',
    engine: 'aurora-mysql',
    engineVersion: V3,
    backtrackWindow: 2 * H,
    tags: { 'backtrack-check:min-window-hours': 'a lot' },
    overrides: aged(2 * H),
    expected: { scope: 'in-scope', status: 'FAILED', condition: 'below-policy' },
  },
  {
    region: 'eu-west-1',
    id: 'archive-exempt-until-2099',
    engine: 'aurora-mysql',
    engineVersion: V3,
    tags: {
      'backtrack-check:exempt': 'true',
      'backtrack-check:exempt-reason': 'read-only archive',
      'backtrack-check:exempt-until': '2099-12-31',
    },
    expected: { scope: 'in-scope', status: 'FAILED', condition: 'disabled', suppressed: true },
  },
];

/**
 * Aurora MySQL clusters in Regions where AWS does not offer Backtrack (Stockholm, from the Knowledge
 * Center page; São Paulo likewise): not applicable, however their window is set.
 */
export const NO_BACKTRACK_REGION_CLUSTERS: SeedCluster[] = [
  {
    region: 'eu-north-1',
    id: 'stockholm-v3-off',
    engine: 'aurora-mysql',
    engineVersion: V3,
    expected: { scope: 'in-scope', status: 'NOT_AVAILABLE', condition: 'unsupported' },
  },
  {
    region: 'sa-east-1',
    id: 'saopaulo-v2-off',
    engine: 'aurora-mysql',
    engineVersion: V2,
    expected: { scope: 'in-scope', status: 'NOT_AVAILABLE', condition: 'unsupported' },
  },
  { region: 'sa-east-1', id: 'saopaulo-pg', engine: 'aurora-postgresql', engineVersion: '15.4', expected: { scope: 'out-of-scope' } },
];

/** `n` extra clusters in one Region, to cross DescribeDBClusters pages (a mix of pass and fail). */
export function bulkClusters(region: string, n: number): SeedCluster[] {
  return Array.from({ length: n }, (_, i) => {
    const fails = i % 10 === 0;
    return {
      region,
      id: `bulk-${String(i).padStart(3, '0')}`,
      engine: 'aurora-mysql',
      engineVersion: V3,
      ...(fails ? {} : { backtrackWindow: DAY, overrides: aged(DAY) }),
      expected: fails
        ? { scope: 'in-scope' as const, status: 'FAILED' as const, condition: 'disabled' as const }
        : { scope: 'in-scope' as const, status: 'PASSED' as const, condition: 'ok' as const },
    };
  });
}

/** Looks a fixture cluster up by id (a typo fails the test loudly). */
export const fixtureNamed =
  (clusters: SeedCluster[]) =>
  (id: string): SeedCluster => {
    const c = clusters.find((x) => x.id === id);
    if (!c) throw new Error(`no fixture cluster ${id}`);
    return c;
  };
