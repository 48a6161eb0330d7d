/**
 * The demo's sample account: clusters covering every row of the verdict table, each stating the
 * verdict a correct checker must give it, and the functions that create such clusters in the
 * emulator (with the fields moto cannot produce set through the AWS-behaviour proxy). Used by
 * `npm run demo`, `npm run emulator -- serve --seed` and the end-to-end tests.
 */
import { PutMetricDataCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CreateDBClusterCommand, CreateGlobalClusterCommand, RDSClient } from '@aws-sdk/client-rds';
import type { ClusterOverrides } from './rds-clusters-xml';

export type Expected =
  | { scope: 'out-of-scope' }
  | {
      scope: 'in-scope';
      status: 'PASSED' | 'WARNING' | 'FAILED' | 'NOT_AVAILABLE';
      condition: 'disabled' | 'below-policy' | 'actual-short' | 'ok' | 'unsupported';
      suppressed?: boolean;
    };

export interface SeedCluster {
  region: string;
  id: string;
  engine: string;
  engineVersion?: string;
  engineMode?: string;
  backtrackWindow?: number;
  tags?: Record<string, string>;
  globalCluster?: string;
  serverlessV2?: boolean;
  /** Fields moto cannot produce (EarliestBacktrackTime, ClusterCreateTime, legacy engine), set by the proxy. */
  overrides?: (now: Date) => ClusterOverrides;
  /** AWS/RDS datapoints (dimension DBClusterIdentifier) that AWS would have recorded; see seedMetrics. */
  metrics?: SeedMetric[];
  expected: Expected;
}

export interface SeedMetric {
  name: 'BacktrackWindowActual' | 'BacktrackWindowAlert' | 'BacktrackChangeRecordsCreationRate';
  value: number;
  /** Age of the datapoint. */
  secondsAgo: number;
}

/** An Aurora MySQL 3 (8.0) version that supports Backtrack. */
export const V3 = '8.0.mysql_aurora.3.05.2';
/** An Aurora MySQL 2 (5.7) version that supports Backtrack. */
export const V2 = '5.7.mysql_aurora.2.11.2';
const H = 3600;
const DAY = 86_400;
/** The ISO 8601 time `seconds` before `now`. */
export const ago = (now: Date, seconds: number) => new Date(now.getTime() - seconds * 1000).toISOString();
/** A cluster old enough for a full window, with the actual window given. */
export const aged = (actualSeconds: number) => (now: Date) => ({
  ClusterCreateTime: ago(now, 30 * DAY),
  EarliestBacktrackTime: ago(now, actualSeconds),
});

/** The verdict table, one or more clusters per row, spread over three Regions. Policy: 24 h. */
export const SAMPLE_ACCOUNT: SeedCluster[] = [
  // us-east-1
  {
    region: 'us-east-1',
    id: 'orders-v3-off',
    engine: 'aurora-mysql',
    engineVersion: V3,
    expected: { scope: 'in-scope', status: 'FAILED', condition: 'disabled' },
  },
  {
    region: 'us-east-1',
    id: 'billing-v2-below',
    engine: 'aurora-mysql',
    engineVersion: V2,
    backtrackWindow: 1 * H,
    expected: { scope: 'in-scope', status: 'FAILED', condition: 'below-policy' },
  },
  {
    region: 'us-east-1',
    id: 'ledger-v3-one-second-short',
    engine: 'aurora-mysql',
    engineVersion: V3,
    backtrackWindow: DAY - 1,
    expected: { scope: 'in-scope', status: 'FAILED', condition: 'below-policy' },
  },
  {
    region: 'us-east-1',
    id: 'catalog-v3-at-minimum',
    engine: 'aurora-mysql',
    engineVersion: V3,
    backtrackWindow: DAY,
    overrides: aged(DAY),
    expected: { scope: 'in-scope', status: 'PASSED', condition: 'ok' },
  },
  {
    region: 'us-east-1',
    id: 'search-v2-above',
    engine: 'aurora-mysql',
    engineVersion: V2,
    backtrackWindow: 72 * H,
    overrides: aged(72 * H),
    expected: { scope: 'in-scope', status: 'PASSED', condition: 'ok' },
  },
  {
    region: 'us-east-1',
    id: 'events-v3-write-heavy',
    engine: 'aurora-mysql',
    engineVersion: V3,
    backtrackWindow: 48 * H,
    overrides: aged(6 * H),
    expected: { scope: 'in-scope', status: 'WARNING', condition: 'actual-short' },
  },
  {
    region: 'us-east-1',
    id: 'legacy-56-off',
    engine: 'aurora-mysql',
    engineVersion: V3,
    overrides: () => ({ Engine: 'aurora', EngineVersion: '5.6.mysql_aurora.1.23.4' }),
    expected: { scope: 'in-scope', status: 'FAILED', condition: 'disabled' },
  },
  { region: 'us-east-1', id: 'analytics-pg', engine: 'aurora-postgresql', engineVersion: '15.4', expected: { scope: 'out-of-scope' } },
  { region: 'us-east-1', id: 'graph-neptune', engine: 'neptune', expected: { scope: 'out-of-scope' } },
  // eu-west-1
  {
    region: 'eu-west-1',
    id: 'shop-v3-off',
    engine: 'aurora-mysql',
    engineVersion: V3,
    expected: { scope: 'in-scope', status: 'FAILED', condition: 'disabled' },
  },
  {
    region: 'eu-west-1',
    id: 'sandbox-exempt',
    engine: 'aurora-mysql',
    engineVersion: V3,
    tags: { 'backtrack-check:exempt': 'TRUE', 'backtrack-check:exempt-reason': 'throwaway test data' },
    expected: { scope: 'in-scope', status: 'FAILED', condition: 'disabled', suppressed: true },
  },
  {
    region: 'eu-west-1',
    id: 'crm-exempt-yes-is-not-true',
    engine: 'aurora-mysql',
    engineVersion: V3,
    tags: { 'backtrack-check:exempt': 'yes' },
    expected: { scope: 'in-scope', status: 'FAILED', condition: 'disabled' },
  },
  {
    region: 'eu-west-1',
    id: 'dev-tagged-1h',
    engine: 'aurora-mysql',
    engineVersion: V3,
    backtrackWindow: 2 * H,
    tags: { 'backtrack-check:min-window-hours': '1' },
    overrides: aged(2 * H),
    expected: { scope: 'in-scope', status: 'PASSED', condition: 'ok' },
  },
  {
    region: 'eu-west-1',
    id: 'prod-tagged-72h',
    engine: 'aurora-mysql',
    engineVersion: V3,
    backtrackWindow: 48 * H,
    tags: { 'backtrack-check:min-window-hours': '72' },
    expected: { scope: 'in-scope', status: 'FAILED', condition: 'below-policy' },
  },
  {
    region: 'eu-west-1',
    id: 'serverless-v1',
    engine: 'aurora-mysql',
    engineVersion: '5.7.mysql_aurora.2.08.3',
    engineMode: 'serverless',
    expected: { scope: 'in-scope', status: 'NOT_AVAILABLE', condition: 'unsupported' },
  },
  {
    region: 'eu-west-1',
    id: 'serverless-v2',
    engine: 'aurora-mysql',
    engineVersion: V3,
    serverlessV2: true,
    backtrackWindow: 24 * H,
    overrides: aged(24 * H),
    expected: { scope: 'in-scope', status: 'PASSED', condition: 'ok' },
  },
  { region: 'eu-west-1', id: 'multi-az-mysql', engine: 'mysql', engineVersion: '8.0.35', expected: { scope: 'out-of-scope' } },
  // ap-southeast-2
  {
    region: 'ap-southeast-2',
    id: 'global-member',
    engine: 'aurora-mysql',
    engineVersion: V3,
    globalCluster: 'payments-global',
    expected: { scope: 'in-scope', status: 'NOT_AVAILABLE', condition: 'unsupported' },
  },
  {
    region: 'ap-southeast-2',
    id: 'v3-02-old',
    engine: 'aurora-mysql',
    engineVersion: '8.0.mysql_aurora.3.02.2',
    expected: { scope: 'in-scope', status: 'NOT_AVAILABLE', condition: 'unsupported' },
  },
  {
    region: 'ap-southeast-2',
    id: 'multimaster',
    engine: 'aurora-mysql',
    engineVersion: '5.6.10a',
    engineMode: 'multimaster',
    expected: { scope: 'in-scope', status: 'NOT_AVAILABLE', condition: 'unsupported' },
  },
  {
    region: 'ap-southeast-2',
    id: 'reports-v3-ok',
    engine: 'aurora-mysql',
    engineVersion: V3,
    backtrackWindow: 30 * H,
    overrides: aged(30 * H),
    expected: { scope: 'in-scope', status: 'PASSED', condition: 'ok' },
  },
  { region: 'ap-southeast-2', id: 'multi-az-postgres', engine: 'postgres', engineVersion: '16.1', expected: { scope: 'out-of-scope' } },
];

/** Writes each cluster's datapoints into namespace AWS/RDS of its Region, as RDS would. */
export async function seedMetrics(
  clientFor: (region: string) => CloudWatchClient,
  clusters: SeedCluster[],
  now: Date = new Date(),
): Promise<void> {
  for (const c of clusters) {
    if (!c.metrics?.length) continue;
    await clientFor(c.region).send(
      new PutMetricDataCommand({
        Namespace: 'AWS/RDS',
        MetricData: c.metrics.map((m) => ({
          MetricName: m.name,
          Dimensions: [{ Name: 'DBClusterIdentifier', Value: c.id }],
          Value: m.value,
          Timestamp: new Date(now.getTime() - m.secondsAgo * 1000),
          Unit: m.name === 'BacktrackWindowActual' ? 'None' : 'Count',
        })),
      }),
    );
  }
}

export const REGIONS_OF = (clusters: SeedCluster[]) => [...new Set(clusters.map((c) => c.region))].sort();

const MULTI_AZ = { DBClusterInstanceClass: 'db.m6gd.large', AllocatedStorage: 100, StorageType: 'io1', Iops: 1000 };

/** Creates the clusters through the emulator (a few at a time per Region). */
export async function seedClusters(
  clientFor: (region: string) => RDSClient,
  clusters: SeedCluster[],
  applyOverrides?: (region: string, id: string, o: ClusterOverrides) => void,
  now: Date = new Date(),
): Promise<void> {
  const globals = new Map<string, Promise<unknown>>();
  const create = async (c: SeedCluster) => {
    const rds = clientFor(c.region);
    if (c.globalCluster && !globals.has(c.globalCluster)) {
      globals.set(
        c.globalCluster,
        rds.send(
          new CreateGlobalClusterCommand({ GlobalClusterIdentifier: c.globalCluster, Engine: c.engine, EngineVersion: c.engineVersion }),
        ),
      );
    }
    if (c.globalCluster) await globals.get(c.globalCluster);
    await rds.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: c.id,
        Engine: c.engine,
        EngineVersion: c.engineVersion,
        EngineMode: c.engineMode,
        MasterUsername: 'admin',
        MasterUserPassword: 'not-a-secret-1',
        ...(c.backtrackWindow !== undefined ? { BacktrackWindow: c.backtrackWindow } : {}),
        ...(c.globalCluster ? { GlobalClusterIdentifier: c.globalCluster } : {}),
        ...(c.serverlessV2 ? { ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 } } : {}),
        ...(c.engine === 'mysql' || c.engine === 'postgres' ? MULTI_AZ : {}),
        ...(c.tags ? { Tags: Object.entries(c.tags).map(([Key, Value]) => ({ Key, Value })) } : {}),
      }),
    );
    if (c.overrides && applyOverrides) applyOverrides(c.region, c.id, c.overrides(now));
  };
  const queue = [...clusters];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let c = queue.shift(); c; c = queue.shift()) await create(c);
    }),
  );
}
