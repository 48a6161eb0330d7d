/**
 * A synthetic, deterministic fleet of DB clusters for the benchmark: the same seed, size and
 * Regions always give the same clusters, identifiers and verdict mix.
 *
 * Mix (shares of the whole fleet, exact counts, remainder to Backtrack on):
 *   60 % Aurora MySQL with Backtrack on, window ≥ 24 h   → PASSED
 *   15 % Aurora MySQL with Backtrack off (0 or absent)  → FAILED (one in five exempt: SUPPRESSED)
 *   10 % Aurora MySQL with a window below 24 h          → FAILED
 *    5 % Aurora Serverless v1                           → NOT_AVAILABLE
 *    3 % members of an Aurora global database           → NOT_AVAILABLE
 *    7 % not Aurora MySQL (Aurora PostgreSQL, Multi-AZ mysql/postgres, Neptune) → no finding
 * Clusters are spread evenly over the Regions (cluster i goes to Region i mod R). In a Region where
 * AWS does not offer Backtrack (sa-east-1 and eu-north-1 of the 17 default Regions) every Aurora
 * MySQL cluster is NOT_AVAILABLE instead.
 */
import { MAX_WINDOW_SECONDS, REGIONS_WITHOUT_BACKTRACK } from '../lambda/core/rules';
import type { ComplianceStatus } from '../lambda/core/types';
import { seededRandom } from '../emulator/faults';

/** The account minimum the fleet is built around (the handler gets MIN_WINDOW_HOURS=24). */
export const BENCH_MIN_WINDOW_HOURS = 24;
export const BENCH_ACCOUNT_ID = '123456789012';
export const DEFAULT_SEED = 20_261_125;

/** The 17 commercial Regions enabled by default in every account (no opt-in). */
export const DEFAULT_REGIONS: readonly string[] = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ca-central-1',
  'sa-east-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-north-1',
  'ap-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-southeast-1',
  'ap-southeast-2',
];

export type Category = 'backtrack-on' | 'backtrack-off' | 'below-minimum' | 'serverless-v1' | 'global-member' | 'out-of-scope';

export const CATEGORY_SHARES: Readonly<Record<Category, number>> = {
  'backtrack-on': 0.6,
  'backtrack-off': 0.15,
  'below-minimum': 0.1,
  'serverless-v1': 0.05,
  'global-member': 0.03,
  'out-of-scope': 0.07,
};

/** Tag keys the checker reads (default prefix). */
export const TAG = {
  exempt: 'backtrack-check:exempt',
  exemptReason: 'backtrack-check:exempt-reason',
  exemptUntil: 'backtrack-check:exempt-until',
  minWindowHours: 'backtrack-check:min-window-hours',
} as const;

export interface Tag {
  Key: string;
  Value: string;
}

export interface ExpectedVerdict {
  scope: 'in-scope' | 'out-of-scope';
  /** Compliance status of the finding; absent for out-of-scope clusters (no finding). */
  status?: ComplianceStatus;
  /** Carries an active exemption: its finding should end up Workflow SUPPRESSED. */
  exempt: boolean;
  /** Exemption reason and expiry: clusters in one group can share one BatchUpdateFindings note. */
  exemptGroup?: string;
  /** Backtrack on and meeting the minimum: the only clusters whose verdict reads CloudWatch. */
  needsMetrics: boolean;
}

export interface SyntheticCluster {
  index: number;
  region: string;
  category: Category;
  identifier: string;
  arn: string;
  resourceId: string;
  engine: string;
  engineVersion: string;
  engineMode: 'provisioned' | 'serverless';
  /** Seconds; undefined = the field is absent from the response. */
  backtrackWindow?: number;
  earliestBacktrackTime?: Date;
  backtrackConsumedChangeRecords?: number;
  createdAt: Date;
  globalClusterIdentifier?: string;
  /** Writer first; empty for Serverless v1. */
  instanceIds: string[];
  serverlessV2: boolean;
  multiAz: boolean;
  port: number;
  tags: Tag[];
  /** Which CloudWatch dimension set has Backtrack metrics (AWS documents one, the console shows the other). */
  metricsSource: 'cluster' | 'writer-instance';
  /** Synthetic BacktrackChangeRecordsCreationRate (records per 5 minutes). */
  changeRecordsPer5Min: number;
  expected: ExpectedVerdict;
}

export interface Fleet {
  seed: number;
  accountId: string;
  regions: string[];
  generatedAt: Date;
  clusters: SyntheticCluster[];
  byRegion: Map<string, SyntheticCluster[]>;
}

export interface FleetOptions {
  clusters: number;
  /** Region codes, or a count n meaning the first n of DEFAULT_REGIONS. */
  regions: readonly string[] | number;
  seed?: number;
  now?: Date;
  accountId?: string;
}

/** The same deterministic generator the emulator's faults use (mulberry32). */
export { seededRandom };

/** Exact number of clusters of each category for a fleet of n (remainder goes to Backtrack on). */
export function categoryCounts(n: number): Record<Category, number> {
  const counts = {} as Record<Category, number>;
  let assigned = 0;
  for (const [category, share] of Object.entries(CATEGORY_SHARES) as [Category, number][]) {
    counts[category] = Math.floor(n * share);
    assigned += counts[category];
  }
  counts['backtrack-on'] += n - assigned;
  return counts;
}

const pick = <T>(rand: () => number, items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;

function shuffled<T>(rand: () => number, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const resourceIdFrom = (rand: () => number) => `cluster-${Array.from({ length: 26 }, () => pick(rand, ALNUM.split(''))).join('')}`;

const HOUR = 3600;
const DAY_MS = 86_400_000;
const ON_WINDOWS = [24 * HOUR, 24 * HOUR, 48 * HOUR, MAX_WINDOW_SECONDS];
const BELOW_WINDOWS = [HOUR, 6 * HOUR, 12 * HOUR, 24 * HOUR - 1];
const MYSQL_VERSIONS = ['5.7.mysql_aurora.2.11.4', '5.7.mysql_aurora.2.12.2', '8.0.mysql_aurora.3.05.2', '8.0.mysql_aurora.3.08.0'];
const EXEMPT_REASONS = ['legacy application, replacement planned', 'vendor-managed schema, approved by security'];
const OWNER_TAGS = [
  { Key: 'env', Value: 'prod' },
  { Key: 'env', Value: 'staging' },
  { Key: 'env', Value: 'dev' },
];

interface Shape {
  engine: string;
  engineVersion: string;
  engineMode: 'provisioned' | 'serverless';
  backtrackWindow?: number;
  globalClusterIdentifier?: string;
  instances: number;
  serverlessV2?: boolean;
  multiAz?: boolean;
  port: number;
  extraTags: Tag[];
  expected: ExpectedVerdict;
}

function shapeFor(category: Category, i: number, rand: () => number): Shape {
  const mysql = { engine: 'aurora-mysql', engineVersion: pick(rand, MYSQL_VERSIONS), engineMode: 'provisioned' as const, port: 3306 };
  const inScope = (status: ComplianceStatus, needsMetrics = false) => ({ scope: 'in-scope' as const, status, exempt: false, needsMetrics });
  switch (category) {
    case 'backtrack-on': {
      const window = pick(rand, ON_WINDOWS);
      // One in ten states its own minimum by tag, never above its window (still PASSED).
      const extraTags = i % 10 === 3 ? [{ Key: TAG.minWindowHours, Value: String(window / HOUR) }] : [];
      return {
        ...mysql,
        backtrackWindow: window,
        instances: 1 + (i % 3),
        serverlessV2: i % 7 === 0,
        extraTags,
        expected: inScope('PASSED', true),
      };
    }
    case 'backtrack-off': {
      // Half say 0, half omit the field; a few are on the legacy `aurora` engine (MySQL 5.6).
      const legacy = i % 13 === 0;
      const exempt = i % 5 === 1;
      const reason = EXEMPT_REASONS[i % EXEMPT_REASONS.length] as string;
      const until = i % 2 === 0 ? '2099-12-31' : undefined;
      const extraTags: Tag[] = exempt
        ? [
            { Key: TAG.exempt, Value: 'true' },
            { Key: TAG.exemptReason, Value: reason },
            ...(until ? [{ Key: TAG.exemptUntil, Value: until }] : []),
          ]
        : [];
      return {
        ...mysql,
        ...(legacy && { engine: 'aurora', engineVersion: '5.6.mysql_aurora.1.23.4' }),
        ...(i % 2 === 0 && { backtrackWindow: 0 }),
        instances: 1 + (i % 2),
        extraTags,
        expected: { ...inScope('FAILED'), exempt, ...(exempt && { exemptGroup: `${reason}|${until ?? ''}` }) },
      };
    }
    case 'below-minimum':
      return { ...mysql, backtrackWindow: pick(rand, BELOW_WINDOWS), instances: 2, extraTags: [], expected: inScope('FAILED') };
    case 'serverless-v1':
      return {
        ...mysql,
        engineVersion: '5.7.mysql_aurora.2.08.3',
        engineMode: 'serverless',
        instances: 0,
        extraTags: [],
        expected: inScope('NOT_AVAILABLE'),
      };
    case 'global-member':
      return {
        ...mysql,
        engineVersion: '8.0.mysql_aurora.3.04.1',
        globalClusterIdentifier: `global-${i % 40}`,
        instances: 2,
        extraTags: [],
        expected: inScope('NOT_AVAILABLE'),
      };
    case 'out-of-scope': {
      const outOfScope = { scope: 'out-of-scope' as const, exempt: false, needsMetrics: false };
      const variant = i % 4;
      if (variant === 0)
        return {
          engine: 'aurora-postgresql',
          engineVersion: '15.4',
          engineMode: 'provisioned',
          port: 5432,
          instances: 2,
          extraTags: [],
          expected: outOfScope,
        };
      if (variant === 1)
        return {
          engine: 'mysql',
          engineVersion: '8.0.35',
          engineMode: 'provisioned',
          port: 3306,
          instances: 3,
          multiAz: true,
          extraTags: [],
          expected: outOfScope,
        };
      if (variant === 2)
        return {
          engine: 'neptune',
          engineVersion: '1.3.1.0',
          engineMode: 'provisioned',
          port: 8182,
          instances: 1,
          extraTags: [],
          expected: outOfScope,
        };
      return {
        engine: 'postgres',
        engineVersion: '16.1',
        engineMode: 'provisioned',
        port: 5432,
        instances: 3,
        multiAz: true,
        extraTags: [],
        expected: outOfScope,
      };
    }
  }
}

function regionList(regions: FleetOptions['regions']): string[] {
  if (typeof regions !== 'number') return [...regions];
  if (regions < 1 || regions > DEFAULT_REGIONS.length) {
    throw new RangeError(`regions must be 1–${DEFAULT_REGIONS.length}, got ${regions}`);
  }
  return DEFAULT_REGIONS.slice(0, regions);
}

/**
 * Where AWS does not offer Backtrack (lambda/core/rules.ts), an Aurora MySQL cluster is not
 * applicable whatever its settings: NOT_AVAILABLE, and its verdict reads no metrics.
 */
function expectedIn(region: string, e: ExpectedVerdict): ExpectedVerdict {
  if (e.scope !== 'in-scope' || !(region in REGIONS_WITHOUT_BACKTRACK)) return e;
  return { ...e, status: 'NOT_AVAILABLE', needsMetrics: false };
}

/** Builds the fleet. Deterministic for a given (clusters, regions, seed); times are relative to `now`. */
export function generateFleet(options: FleetOptions): Fleet {
  const seed = options.seed ?? DEFAULT_SEED;
  const accountId = options.accountId ?? BENCH_ACCOUNT_ID;
  const now = options.now ?? new Date();
  const regions = regionList(options.regions);
  if (!Number.isInteger(options.clusters) || options.clusters < 0) {
    throw new RangeError(`clusters must be a whole number ≥ 0, got ${options.clusters}`);
  }
  const rand = seededRandom(seed);
  const counts = categoryCounts(options.clusters);
  const categories = shuffled(
    rand,
    (Object.entries(counts) as [Category, number][]).flatMap(([c, k]) => Array<Category>(k).fill(c)),
  );

  const clusters = categories.map((category, index): SyntheticCluster => {
    const region = regions[index % regions.length] as string;
    const shape = shapeFor(category, index, rand);
    const identifier = `${shape.engine.replace('aurora-', 'am-').replace('aurora', 'a56')}-${String(index).padStart(5, '0')}`;
    const createdAt = new Date(now.getTime() - (30 + Math.floor(rand() * 900)) * DAY_MS);
    const window = shape.backtrackWindow;
    const ownerTags = index % 3 === 0 ? [pick(rand, OWNER_TAGS), { Key: 'team', Value: `team-${index % 17}` }] : [];
    return {
      index,
      region,
      category,
      identifier,
      arn: `arn:aws:rds:${region}:${accountId}:cluster:${identifier}`,
      resourceId: resourceIdFrom(rand),
      engine: shape.engine,
      engineVersion: shape.engineVersion,
      engineMode: shape.engineMode,
      ...(window !== undefined && { backtrackWindow: window }),
      // A full window: the earliest point is the whole target ago (a minute more, for clock skew).
      ...(window !== undefined &&
        window > 0 && {
          earliestBacktrackTime: new Date(now.getTime() - (window + 60) * 1000),
          backtrackConsumedChangeRecords: Math.floor(rand() * 5_000_000),
        }),
      createdAt,
      ...(shape.globalClusterIdentifier && { globalClusterIdentifier: shape.globalClusterIdentifier }),
      instanceIds: Array.from({ length: shape.instances }, (_, k) => `${identifier}-instance-${k + 1}`),
      serverlessV2: shape.serverlessV2 ?? false,
      multiAz: shape.multiAz ?? false,
      port: shape.port,
      tags: [...ownerTags, ...shape.extraTags],
      metricsSource: index % 2 === 0 ? 'cluster' : 'writer-instance',
      changeRecordsPer5Min: Math.round(rand() * 20_000) / 10,
      expected: expectedIn(region, shape.expected),
    };
  });

  const byRegion = new Map<string, SyntheticCluster[]>(regions.map((r) => [r, []]));
  for (const c of clusters) byRegion.get(c.region)?.push(c);
  return { seed, accountId, regions, generatedAt: now, clusters, byRegion };
}

/** What a correct run must produce for one Region (and the counts the minimum and floor use). */
export interface RegionExpectation {
  region: string;
  clusters: number;
  inScope: number;
  outOfScope: number;
  byStatus: Partial<Record<ComplianceStatus, number>>;
  exempt: number;
  /** Distinct (reason, expiry) exemption groups: each needs its own BatchUpdateFindings note. */
  exemptGroups: Record<string, number>;
  /** In-scope clusters FAILED or WARNING, exempt or not. */
  failing: number;
  /** Exempt clusters FAILED or WARNING: their SUPPRESSED findings answer the workflow check's GetFindings. */
  exemptFailing: number;
  needsMetrics: number;
  /** Clusters needing metrics that have a writer instance (two dimension sets instead of one). */
  needsMetricsWithWriter: number;
}

export interface FleetExpectation {
  clusters: number;
  regions: RegionExpectation[];
  inScope: number;
  byStatus: Partial<Record<ComplianceStatus, number>>;
  /** FAILED and not exempt: what the first run's alert must name. */
  alertable: number;
}

/** Per-Region and total expectations of a fleet. */
export function expectationsOf(fleet: Fleet): FleetExpectation {
  const regions = fleet.regions.map((region): RegionExpectation => {
    const list = fleet.byRegion.get(region) ?? [];
    const byStatus: Partial<Record<ComplianceStatus, number>> = {};
    const exemptGroups: Record<string, number> = {};
    let inScope = 0;
    let exempt = 0;
    let failing = 0;
    let exemptFailing = 0;
    let needsMetrics = 0;
    let needsMetricsWithWriter = 0;
    for (const c of list) {
      const e = c.expected;
      if (e.scope === 'in-scope') inScope++;
      if (e.status) byStatus[e.status] = (byStatus[e.status] ?? 0) + 1;
      const fails = e.scope === 'in-scope' && (e.status === 'FAILED' || e.status === 'WARNING');
      if (fails) failing++;
      if (fails && e.exempt) exemptFailing++;
      if (e.exempt) {
        exempt++;
        const g = e.exemptGroup ?? '';
        exemptGroups[g] = (exemptGroups[g] ?? 0) + 1;
      }
      if (e.needsMetrics) {
        needsMetrics++;
        if (c.instanceIds.length > 0) needsMetricsWithWriter++;
      }
    }
    return {
      region,
      clusters: list.length,
      inScope,
      outOfScope: list.length - inScope,
      byStatus,
      exempt,
      exemptGroups,
      failing,
      exemptFailing,
      needsMetrics,
      needsMetricsWithWriter,
    };
  });
  const byStatus: Partial<Record<ComplianceStatus, number>> = {};
  for (const r of regions) {
    for (const [s, k] of Object.entries(r.byStatus) as [ComplianceStatus, number][]) byStatus[s] = (byStatus[s] ?? 0) + k;
  }
  const alertable = fleet.clusters.filter((c) => c.expected.status === 'FAILED' && !c.expected.exempt).length;
  return {
    clusters: fleet.clusters.length,
    regions,
    inScope: regions.reduce((a, r) => a + r.inScope, 0),
    byStatus,
    alertable,
  };
}
