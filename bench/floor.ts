/**
 * The floor: the shortest wall time any implementation of a scan could reach under the
 * benchmark's latency and rate-limit model. The benchmark reports wall / floor.
 */
import { MAX_PAGE_SIZE } from '../lambda/aws/rds';
import { ORGANIZATIONS_LIMITS, ORGANIZATIONS_RATES, SECURITY_HUB_RATES, type RateLimit } from '../emulator/aws-limits';

export interface FloorRegion {
  region: string;
  /** Clusters DescribeDBClusters lists in the Region. */
  clusters: number;
  /** BatchImportFindings calls (≥ ceil(in-scope findings / 100)). */
  importCalls: number;
  /** BatchUpdateFindings calls (workflow changes), 0 when nothing changes. */
  updateCalls: number;
  /** GetMetricData calls (≥ ceil(queries / 500)), 0 when no cluster needs metrics. */
  metricCalls: number;
  /**
   * GetFindings pages of the check for failing clusters' findings suppressed or resolved outside the
   * checker (after the Region's imports and workflow updates); 0 or absent: no check.
   */
  findingPages?: number;
}

export interface FloorInput {
  /** Time from sending a call to having its response, every call, ms. */
  latencyMs: number;
  regions: FloorRegion[];
  /** REGIONS=all: DescribeRegions must answer before any Region is listed. */
  discoverRegions: boolean;
  /** An alert is published this run (one SNS Publish). */
  publish: boolean;
  /** BatchWriteItem calls to the state table (0 when nothing changed). */
  stateWriteCalls: number;
  /**
   * The run holds a lease item in the state table (conditional PutItem): taking it can overlap the
   * first reads, but giving it back comes after the last state write, one more call at the end.
   */
  lease?: boolean;
  /** DescribeDBClusters MaxRecords (default the checker's, the largest AWS allows). */
  pageSize?: number;
  importLimit?: RateLimit;
  updateLimit?: RateLimit;
}

export type Binding = 'pages' | 'metrics' | 'import-latency' | 'import-rate' | 'update' | 'workflow-check';

export interface RegionFloor {
  region: string;
  pages: number;
  /** Last DescribeDBClusters page answered. */
  listedMs: number;
  /** Every verdict of the Region known (last page, then its metrics). */
  verdictsMs: number;
  /** Last BatchImportFindings answered. */
  importedMs: number;
  /** Last BatchUpdateFindings answered. */
  updatedMs: number;
  /** Last GetFindings page of the workflow check answered (0: no check). */
  checkedMs: number;
  endMs: number;
  /** Which constraint sets endMs. */
  binding: Binding;
}

export interface Floor {
  totalMs: number;
  /** The slowest Region's end (before the run-wide tail). */
  regionsMs: number;
  /** Publish and state writes after every Region: the sequential tail. */
  tailMs: number;
  /** The Region that sets regionsMs. */
  slowestRegion?: string;
  regions: RegionFloor[];
}

/**
 * Floor of one scan run, in ms. Model and assumptions:
 * - Every call takes exactly L = latencyMs from send to response; the checker's own CPU time is
 *   zero; calls that do not depend on each other run concurrently without limit (perfect
 *   pipelining), except where AWS rate-limits them. So this is a lower bound, not a schedule:
 *   each term below is a constraint every correct run must meet.
 * - Setup: s0 = L when Regions must be discovered (DescribeRegions), else 0. The account id comes
 *   from the function's ARN (no call), and the state-table read starts at 0 and needs one round
 *   trip (parallel Scan segments), so it adds nothing to the critical path while a Region has ≥ 1
 *   page.
 * - Per Region r (all Regions in parallel; AWS limits are per Region):
 *     P_r        = max(1, ceil(clusters_r / pageSize))                  Marker pages are sequential
 *     listed_r   = s0 + P_r·L
 *     verdicts_r = listed_r + (metricCalls_r > 0 ? L : 0)               metrics of the last page's
 *                                                                       clusters need that page
 *     first_r    = s0 + L                                               page 1: earliest finding
 *     imported_r = B_r = 0 ? 0 : max(verdicts_r, first_r + max(0, B_r − burst)/rate) + L
 *                  (B_r import calls; a bucket of `burst` tokens refilled at `rate`/s and full
 *                  at first_r lets call k go no earlier than first_r + (k − burst)/rate)
 *     updated_r  = U_r = 0 ? 0 : first_r + 2L + max(0, U_r − burst)/rate
 *                  (a workflow update needs its finding imported first)
 *     checked_r  = G_r = 0 ? 0 : max(imported_r, updated_r) + max(G_r·L, L + (G_r − 1)/rate_get)
 *                  (G_r GetFindings pages of the workflow check, which follows the Region's own
 *                  workflow updates; pages are sequential and paced to GetFindings' rate)
 *     end_r      = max(listed_r, verdicts_r, imported_r, updated_r, checked_r)
 * - Run-wide tail (the alert summarises every Region and says whether imports failed, and the
 *   state records what was alerted only once the alert is out):
 *     regions    = max_r end_r
 *     published  = publish ? regions + L : regions
 *     written    = stateWriteCalls > 0 ? (publish ? published : max_r verdicts_r) + L : 0
 *     floor      = max(regions, published, written)
 *   BatchWriteItem calls all go in parallel (on-demand table, no throttling modelled).
 * - Not modelled: CloudWatch and RDS API rate limits, retries, cold start, network transfer time.
 * A design that imports one batch at a time per Region pays max(B_r·L, the rate term) instead;
 * one that awaits each GetMetricData call pays metricCalls_r·L.
 */
export function computeFloor(input: FloorInput): Floor {
  const L = input.latencyMs;
  const pageSize = input.pageSize ?? MAX_PAGE_SIZE;
  const imp = input.importLimit ?? SECURITY_HUB_RATES.BatchImportFindings;
  const upd = input.updateLimit ?? SECURITY_HUB_RATES.BatchUpdateFindings;
  const get = SECURITY_HUB_RATES.GetFindings;
  if (!(L >= 0) || !(pageSize >= 1)) throw new RangeError(`latencyMs must be ≥ 0 and pageSize ≥ 1 (got ${L}, ${pageSize})`);
  const rateWait = (calls: number, limit: RateLimit) => (Math.max(0, calls - limit.burst) / limit.rate) * 1000;
  const s0 = input.discoverRegions ? L : 0;

  const regions = input.regions.map((r): RegionFloor => {
    const pages = Math.max(1, Math.ceil(r.clusters / pageSize));
    const listedMs = s0 + pages * L;
    const verdictsMs = listedMs + (r.metricCalls > 0 ? L : 0);
    const firstMs = s0 + L;
    const importLatency = verdictsMs + L;
    const importRate = firstMs + rateWait(r.importCalls, imp) + L;
    const importedMs = r.importCalls === 0 ? 0 : Math.max(importLatency, importRate);
    const updatedMs = r.updateCalls === 0 ? 0 : firstMs + 2 * L + rateWait(r.updateCalls, upd);
    const pagesToCheck = r.findingPages ?? 0;
    // Pages follow NextToken one after another, and no faster than GetFindings' rate.
    const checkedMs =
      pagesToCheck === 0 ? 0 : Math.max(importedMs, updatedMs) + Math.max(pagesToCheck * L, L + ((pagesToCheck - 1) / get.rate) * 1000);
    const endMs = Math.max(listedMs, verdictsMs, importedMs, updatedMs, checkedMs);
    const binding: Binding =
      pagesToCheck > 0 && endMs === checkedMs
        ? 'workflow-check'
        : endMs === updatedMs && updatedMs > importedMs
          ? 'update'
          : r.importCalls > 0 && endMs === importedMs
            ? importRate > importLatency
              ? 'import-rate'
              : 'import-latency'
            : endMs === verdictsMs && verdictsMs > listedMs
              ? 'metrics'
              : 'pages';
    return { region: r.region, pages, listedMs, verdictsMs, importedMs, updatedMs, checkedMs, endMs, binding };
  });

  const slowest = regions.reduce<RegionFloor | undefined>((a, r) => (a === undefined || r.endMs > a.endMs ? r : a), undefined);
  const regionsMs = slowest?.endMs ?? s0;
  const verdictsMs = Math.max(s0, ...regions.map((r) => r.verdictsMs));
  const publishedMs = input.publish ? regionsMs + L : regionsMs;
  const writtenMs = input.stateWriteCalls > 0 ? (input.publish ? publishedMs : verdictsMs) + L : 0;
  const totalMs = Math.max(regionsMs, publishedMs, writtenMs) + (input.lease ? L : 0);
  return {
    totalMs,
    regionsMs,
    tailMs: totalMs - regionsMs,
    ...(slowest && { slowestRegion: slowest.region }),
    regions,
  };
}

export interface OrganizationFloorInput {
  latencyMs: number;
  /** Each account's scan (its own floor input), in the order Organizations lists them. */
  accounts: FloorInput[];
  /** Accounts audited at once (`--account-concurrency`). */
  concurrency: number;
  accountsPerPage?: number;
  listLimit?: RateLimit;
}

export interface OrganizationFloor {
  totalMs: number;
  /** ListAccounts pages and when the last one answered. */
  listPages: number;
  listedMs: number;
  /** One account's part (AssumeRole, then its scan): the shortest and the longest. */
  accountMinMs: number;
  accountMaxMs: number;
}

/**
 * Floor of `scan --accounts all` over an organization, in ms, in the model of computeFloor:
 * - GetCallerIdentity (the caller's partition) and ListAccounts page 1 start at 0. Pages follow
 *   NextToken, so page k starts when page k − 1 has answered, and no earlier than Organizations'
 *   token bucket allows: call k at (k − burst)/rate.
 * - An account can start once the page listing it and the caller's identity are in; at most
 *   `concurrency` accounts are in flight; each starts in list order in the first free slot.
 * - An account takes L for AssumeRole, then its own scan's floor (computeFloor), with that
 *   account's own per-Region limits: accounts do not share Security Hub's rate.
 *   floor = max over accounts of its end.
 */
export function computeOrganizationFloor(input: OrganizationFloorInput): OrganizationFloor {
  const L = input.latencyMs;
  const perPage = input.accountsPerPage ?? ORGANIZATIONS_LIMITS.accountsPerPage;
  const limit = input.listLimit ?? ORGANIZATIONS_RATES.ListAccounts;
  if (!(input.concurrency >= 1) || !(perPage >= 1)) {
    throw new RangeError(`concurrency and accountsPerPage must be ≥ 1 (got ${input.concurrency}, ${perPage})`);
  }
  const listPages = Math.max(1, Math.ceil(input.accounts.length / perPage));
  const pageEnds: number[] = [];
  for (let k = 1; k <= listPages; k++) {
    const start = Math.max(pageEnds[k - 2] ?? 0, (Math.max(0, k - limit.burst) / limit.rate) * 1000);
    pageEnds.push(start + L);
  }
  const listedMs = pageEnds[listPages - 1] as number;
  const slots = Array<number>(Math.min(input.concurrency, Math.max(1, input.accounts.length))).fill(0);
  const durations = input.accounts.map((a) => L + computeFloor(a).totalMs);
  let totalMs = listedMs;
  durations.forEach((d, i) => {
    const available = Math.max(L, pageEnds[Math.floor(i / perPage)] as number);
    const slot = slots.indexOf(Math.min(...slots));
    const end = Math.max(available, slots[slot] as number) + d;
    slots[slot] = end;
    totalMs = Math.max(totalMs, end);
  });
  return {
    totalMs,
    listPages,
    listedMs,
    accountMinMs: durations.length ? Math.min(...durations) : 0,
    accountMaxMs: durations.length ? Math.max(...durations) : 0,
  };
}
