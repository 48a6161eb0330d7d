/**
 * The fewest API calls a correct scan of a fleet can make, per operation, and the floor input
 * they imply. Operations are named `<signing service>:<Operation>` as the fake AWS counts them.
 */
import { METRICS_PER_DIMENSION_SET, QUERIES_PER_CALL, QUERIES_PER_CLUSTER } from '../lambda/aws/cloudwatch';
import { MAX_PAGE_SIZE } from '../lambda/aws/rds';
import { FINDINGS_PER_CALL } from '../lambda/aws/security-hub';
import { BATCH_WRITE_LIMIT } from '../lambda/aws/state';
import type { FleetExpectation, RegionExpectation } from './fleet';
import type { FloorInput, FloorRegion } from './floor';

export type RunKind = 'first' | 'steady';

/** The largest batch of each call, as the checker's adapters send them. */
export const LIMITS = {
  describeClustersPage: MAX_PAGE_SIZE,
  importBatch: FINDINGS_PER_CALL,
  metricQueries: QUERIES_PER_CALL,
  batchWrite: BATCH_WRITE_LIMIT,
  /** A Scan page stops at 1 MB of items read. */
  scanPageBytes: 1024 * 1024,
} as const;

export interface MinimumCallsInput {
  expectation: FleetExpectation;
  run: RunKind;
  /** REGIONS=all (DescribeRegions needed) rather than a list. */
  discoverRegions: boolean;
  /** Bytes held by the state table when the run starts (sets the Scan page count). */
  stateBytes: number;
}

export interface MinimumCalls {
  /** Per operation, summed over Regions. */
  total: Record<string, number>;
  /** Per Region: the counts the floor needs. */
  regions: FloorRegion[];
  publish: boolean;
  stateWriteCalls: number;
}

const ceilDiv = (a: number, b: number) => Math.ceil(a / b);

function regionCalls(r: RegionExpectation, run: RunKind): FloorRegion {
  // Each metric by cluster, and again by writer instance when the cluster has one.
  const queries = r.needsMetricsWithWriter * QUERIES_PER_CLUSTER + (r.needsMetrics - r.needsMetricsWithWriter) * METRICS_PER_DIMENSION_SET;
  // A cluster the state table does not remember gets its workflow set explicitly (its finding may
  // exist from before a lost table): on the first run, NEW for the clusters that are not exempt,
  // 100 per call, and SUPPRESSED with each exemption's own note. An unchanged fleet needs none.
  const updateCalls =
    run === 'first'
      ? ceilDiv(r.inScope - r.exempt, LIMITS.importBatch) +
        Object.values(r.exemptGroups).reduce((a, n) => a + ceilDiv(n, LIMITS.importBatch), 0)
      : 0;
  return {
    region: r.region,
    clusters: r.clusters,
    importCalls: ceilDiv(r.inScope, LIMITS.importBatch),
    updateCalls,
    metricCalls: ceilDiv(queries, LIMITS.metricQueries),
  };
}

/**
 * Minimum calls of one scan. Assumptions (what "minimum" means here):
 * - no GetCallerIdentity: in Lambda the account and partition come from the function's own ARN
 *   (the invocation context); DescribeRegions only when Regions are discovered;
 * - DescribeDBClusters with MaxRecords 100, one call per page (≥ 1 per Region);
 * - every in-scope finding re-imported every run, 100 per call, in its own Region;
 * - GetMetricData only for clusters whose verdict reads it (Backtrack on, meeting the minimum),
 *   both dimension sets, 500 queries per call;
 * - BatchUpdateFindings only on the first run: every cluster is new to the state table, so its
 *   workflow is set explicitly (NEW 100 at a time, SUPPRESSED per exemption note); none after;
 * - the run lease: one conditional PutItem to take it, one to give it back;
 * - state: the whole table read once (Scan pages of 1 MB, ≥ 1; the meta item comes with it), one
 *   item written per in-scope cluster on the first run, 25 per BatchWriteItem, nothing on a
 *   steady-state run; one Publish on the first run (there are failures), none after.
 */
export function minimumCalls(input: MinimumCallsInput): MinimumCalls {
  const { expectation: e, run } = input;
  const regions = e.regions.map((r) => regionCalls(r, run));
  const sum = (f: (r: FloorRegion) => number) => regions.reduce((a, r) => a + f(r), 0);
  const publish = run === 'first' && e.alertable > 0;
  const stateWriteCalls = run === 'first' ? ceilDiv(e.inScope, LIMITS.batchWrite) : 0;
  const total: Record<string, number> = {
    'sts:GetCallerIdentity': 0,
    'ec2:DescribeRegions': input.discoverRegions ? 1 : 0,
    'rds:DescribeDBClusters': sum((r) => Math.max(1, ceilDiv(r.clusters, LIMITS.describeClustersPage))),
    'securityhub:BatchImportFindings': sum((r) => r.importCalls),
    'securityhub:BatchUpdateFindings': sum((r) => r.updateCalls),
    'securityhub:GetFindings': 0,
    'monitoring:GetMetricData': sum((r) => r.metricCalls),
    'sns:Publish': publish ? 1 : 0,
    'dynamodb:Scan': Math.max(1, ceilDiv(input.stateBytes, LIMITS.scanPageBytes)),
    'dynamodb:GetItem': 0,
    'dynamodb:Query': 0,
    // The run lease: taken and given back with a conditional PutItem each.
    'dynamodb:PutItem': 2,
    'dynamodb:DeleteItem': 0,
    'dynamodb:BatchWriteItem': stateWriteCalls,
  };
  return { total, regions, publish, stateWriteCalls };
}

/** The floor input that goes with a minimum. */
export function floorInputFor(min: MinimumCalls, latencyMs: number, discoverRegions: boolean): FloorInput {
  return { latencyMs, regions: min.regions, discoverRegions, publish: min.publish, stateWriteCalls: min.stateWriteCalls, lease: true };
}
