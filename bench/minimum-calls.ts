/**
 * The fewest API calls a correct scan of a fleet can make, per operation, and the floor input
 * they imply. Operations are named `<signing service>:<Operation>` as the fake AWS counts them.
 */
import { METRICS_PER_DIMENSION_SET, QUERIES_PER_CALL, QUERIES_PER_CLUSTER } from '../lambda/aws/cloudwatch';
import { MAX_PAGE_SIZE } from '../lambda/aws/rds';
import { FINDINGS_PER_CALL, FINDINGS_PER_PAGE } from '../lambda/aws/security-hub';
import { BATCH_WRITE_LIMIT } from '../lambda/aws/state';
import { ORGANIZATIONS_LIMITS } from '../emulator/aws-limits';
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
  /**
   * The run keeps state in a table, takes the run lease and alerts (the deployed checker, a CLI
   * scan with --state-table and --alert-topic-arn); default true. false: an audit from one seat
   * (`scan --accounts`), with no table, no lease and no alert: every run is a first run.
   */
  state?: boolean;
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

function regionCalls(r: RegionExpectation, run: RunKind, state: boolean): FloorRegion {
  // Each metric by cluster, and again by writer instance when the cluster has one.
  const queries = r.needsMetricsWithWriter * QUERIES_PER_CLUSTER + (r.needsMetrics - r.needsMetricsWithWriter) * METRICS_PER_DIMENSION_SET;
  // A cluster the state table does not remember gets its workflow set explicitly (its finding may
  // exist from before a lost table): on the first run, NEW for the clusters that are not exempt,
  // 100 per call, and SUPPRESSED with each exemption's own note. An unchanged fleet needs none.
  // Without a state table no workflow is ever set.
  const updateCalls =
    run === 'first' && state
      ? ceilDiv(r.inScope - r.exempt, LIMITS.importBatch) +
        Object.values(r.exemptGroups).reduce((a, n) => a + ceilDiv(n, LIMITS.importBatch), 0)
      : 0;
  // With a state table, a Region with failing clusters whose workflow the run did not set itself
  // (every cluster after the first run) is checked for findings hidden outside the checker: one
  // GetFindings page, more when its exempt failing clusters' SUPPRESSED findings fill pages.
  const findingPages = run === 'steady' && state && r.failing > 0 ? Math.max(1, ceilDiv(r.exemptFailing, FINDINGS_PER_PAGE)) : 0;
  return {
    region: r.region,
    clusters: r.clusters,
    importCalls: ceilDiv(r.inScope, LIMITS.importBatch),
    updateCalls,
    metricCalls: ceilDiv(queries, LIMITS.metricQueries),
    findingPages,
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
 *   none at all without a state table (a stateless run never changes a workflow);
 * - GetFindings on a steady run with a state table, per Region with failing clusters: the check
 *   for findings suppressed or resolved outside the checker (none found in a bench fleet), one
 *   page, or more when exempt failing clusters' SUPPRESSED findings fill pages of 100;
 * - the run lease: one conditional PutItem to take it, one to give it back;
 * - state: the whole table read once (Scan pages of 1 MB, ≥ 1; the meta item comes with it), one
 *   item written per in-scope cluster on the first run with the run-meta item, 25 per
 *   BatchWriteItem, nothing on a steady-state run; one Publish on the first run (there are failures), none after.
 */
export function minimumCalls(input: MinimumCallsInput): MinimumCalls {
  const { expectation: e, run } = input;
  const state = input.state ?? true;
  const regions = e.regions.map((r) => regionCalls(r, run, state));
  const sum = (f: (r: FloorRegion) => number) => regions.reduce((a, r) => a + f(r), 0);
  const publish = state && run === 'first' && e.alertable > 0;
  // The first run also writes the run-meta item, in the same batches.
  const stateWriteCalls = state && run === 'first' ? ceilDiv(e.inScope + 1, LIMITS.batchWrite) : 0;
  const total: Record<string, number> = {
    'sts:GetCallerIdentity': 0,
    'ec2:DescribeRegions': input.discoverRegions ? 1 : 0,
    'rds:DescribeDBClusters': sum((r) => Math.max(1, ceilDiv(r.clusters, LIMITS.describeClustersPage))),
    'securityhub:BatchImportFindings': sum((r) => r.importCalls),
    'securityhub:BatchUpdateFindings': sum((r) => r.updateCalls),
    'securityhub:GetFindings': sum((r) => r.findingPages ?? 0),
    'monitoring:GetMetricData': sum((r) => r.metricCalls),
    'sns:Publish': publish ? 1 : 0,
    'dynamodb:Scan': state ? Math.max(1, ceilDiv(input.stateBytes, LIMITS.scanPageBytes)) : 0,
    'dynamodb:GetItem': 0,
    'dynamodb:Query': 0,
    // The run lease: taken and given back with a conditional PutItem each.
    'dynamodb:PutItem': state ? 2 : 0,
    'dynamodb:DeleteItem': 0,
    'dynamodb:BatchWriteItem': stateWriteCalls,
  };
  return { total, regions, publish, stateWriteCalls };
}

export interface OrganizationMinimum {
  /** Each account's own scan, in the order of `accounts`. */
  accounts: MinimumCalls[];
  /** Organizations ListAccounts pages. */
  listPages: number;
  /** Per operation, over the organization. */
  total: Record<string, number>;
}

/**
 * Minimum calls of `scan --accounts all --role-name …` with `--publish-findings`: one
 * GetCallerIdentity (the caller's partition), ListAccounts in pages of 20, one AssumeRole per
 * account (its credentials name the account: no GetCallerIdentity there), then each account's scan
 * with no state table, no lease and no alert.
 */
export function organizationMinimumCalls(accounts: readonly FleetExpectation[]): OrganizationMinimum {
  const perAccount = accounts.map((expectation) =>
    minimumCalls({ expectation, run: 'first', discoverRegions: false, stateBytes: 0, state: false }),
  );
  const listPages = Math.max(1, ceilDiv(accounts.length, ORGANIZATIONS_LIMITS.accountsPerPage));
  const total: Record<string, number> = {};
  for (const m of perAccount) for (const [op, n] of Object.entries(m.total)) total[op] = (total[op] ?? 0) + n;
  total['sts:GetCallerIdentity'] = 1;
  total['sts:AssumeRole'] = accounts.length;
  total['organizations:ListAccounts'] = listPages;
  return { accounts: perAccount, listPages, total };
}

/** The floor input that goes with a minimum. */
export function floorInputFor(min: MinimumCalls, latencyMs: number, discoverRegions: boolean): FloorInput {
  const lease = (min.total['dynamodb:PutItem'] ?? 0) > 0;
  return { latencyMs, regions: min.regions, discoverRegions, publish: min.publish, stateWriteCalls: min.stateWriteCalls, lease };
}
