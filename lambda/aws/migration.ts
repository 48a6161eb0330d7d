/**
 * `migrate`'s way to RDS: reads the source, the target and the snapshot into the facts the plan is
 * built from (lambda/core/migration-plan.ts), makes one planned call, and waits for a resource to
 * become available by polling Describe*. Only calls moto implements too: the endpoints come from
 * DescribeDBClusters, not DescribeDBClusterEndpoints. No decisions here: what to call, and when,
 * is the plan's.
 */
import {
  AddRoleToDBClusterCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBInstancesCommand,
  ModifyDBClusterCommand,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBClusterToPointInTimeCommand,
  type AddRoleToDBClusterCommandInput,
  type CreateDBClusterSnapshotCommandInput,
  type CreateDBInstanceCommandInput,
  type DBCluster,
  type DBInstance,
  type ModifyDBClusterCommandInput,
  RDSClient,
  type RestoreDBClusterFromSnapshotCommandInput,
  type RestoreDBClusterToPointInTimeCommandInput,
} from '@aws-sdk/client-rds';
import type { InstanceFacts, MigrationCluster, MigrationWorld, PlanStep, SourceSettings, StepWait } from '../core/migration-types';
import { CLIENT_SETTINGS } from '../default-deps';
import { InvalidResponseError } from './errors';
import { toClusterFacts } from './rds';

/** The RDS client of one Region, with the checker's retries and timeouts. */
export const rdsClientFor = (region: string): RDSClient => new RDSClient({ region, ...CLIENT_SETTINGS });

/** Non-empty string, or undefined. */
const text = (value: string | undefined | null): string | undefined => (value ? value : undefined);

const notFound = (err: unknown, name: string) => (err as { name?: unknown } | null)?.name === name;

/** Everything of a cluster a restore must repeat, from its DescribeDBClusters entry. */
export function settingsOf(c: DBCluster): SourceSettings {
  const scaling = c.ServerlessV2ScalingConfiguration;
  const subnetGroup = text(c.DBSubnetGroup);
  const parameterGroup = text(c.DBClusterParameterGroup);
  const kmsKeyId = c.StorageEncrypted === true ? text(c.KmsKeyId) : undefined;
  const storageType = text(c.StorageType);
  const backupWindow = text(c.PreferredBackupWindow);
  const maintenanceWindow = text(c.PreferredMaintenanceWindow);
  const endpoint = text(c.Endpoint);
  const readerEndpoint = text(c.ReaderEndpoint);
  return {
    ...(subnetGroup !== undefined && { dbSubnetGroup: subnetGroup }),
    vpcSecurityGroupIds: (c.VpcSecurityGroups ?? []).flatMap((g) => (g.VpcSecurityGroupId ? [g.VpcSecurityGroupId] : [])),
    ...(parameterGroup !== undefined && { dbClusterParameterGroup: parameterGroup }),
    ...(kmsKeyId !== undefined && { kmsKeyId }),
    ...(typeof c.Port === 'number' && { port: c.Port }),
    ...(storageType !== undefined && { storageType }),
    ...(scaling && {
      serverlessV2Scaling: {
        ...(typeof scaling.MinCapacity === 'number' && { minCapacity: scaling.MinCapacity }),
        ...(typeof scaling.MaxCapacity === 'number' && { maxCapacity: scaling.MaxCapacity }),
        ...(typeof scaling.SecondsUntilAutoPause === 'number' && { secondsUntilAutoPause: scaling.SecondsUntilAutoPause }),
      },
    }),
    ...(typeof c.BackupRetentionPeriod === 'number' && { backupRetentionPeriod: c.BackupRetentionPeriod }),
    ...(backupWindow !== undefined && { preferredBackupWindow: backupWindow }),
    ...(maintenanceWindow !== undefined && { preferredMaintenanceWindow: maintenanceWindow }),
    copyTagsToSnapshot: c.CopyTagsToSnapshot === true,
    deletionProtection: c.DeletionProtection === true,
    iamDatabaseAuthentication: c.IAMDatabaseAuthenticationEnabled === true,
    cloudwatchLogsExports: (c.EnabledCloudwatchLogsExports ?? []).filter((x) => x !== ''),
    associatedRoles: (c.AssociatedRoles ?? []).flatMap((r) =>
      r.RoleArn ? [{ roleArn: r.RoleArn, ...(text(r.FeatureName) !== undefined && { featureName: r.FeatureName }) }] : [],
    ),
    ...(endpoint !== undefined && { endpoint }),
    ...(readerEndpoint !== undefined && { readerEndpoint }),
  };
}

/** One instance as the plan copies it; the writer is the cluster's say (DBClusterMembers). */
export function instanceOf(i: DBInstance, writers: ReadonlySet<string>): InstanceFacts | undefined {
  if (!i.DBInstanceIdentifier || !i.DBInstanceClass) return undefined;
  const parameterGroup = text(i.DBParameterGroups?.[0]?.DBParameterGroupName);
  const piKey = text(i.PerformanceInsightsKMSKeyId);
  const monitoringRole = text(i.MonitoringRoleArn);
  return {
    identifier: i.DBInstanceIdentifier,
    instanceClass: i.DBInstanceClass,
    isWriter: writers.has(i.DBInstanceIdentifier),
    ...(text(i.DBInstanceStatus) !== undefined && { status: i.DBInstanceStatus }),
    ...(parameterGroup !== undefined && { dbParameterGroup: parameterGroup }),
    ...(typeof i.PromotionTier === 'number' && { promotionTier: i.PromotionTier }),
    ...(typeof i.PubliclyAccessible === 'boolean' && { publiclyAccessible: i.PubliclyAccessible }),
    performanceInsights: {
      enabled: i.PerformanceInsightsEnabled === true,
      ...(piKey !== undefined && { kmsKeyId: piKey }),
      ...(typeof i.PerformanceInsightsRetentionPeriod === 'number' && { retentionDays: i.PerformanceInsightsRetentionPeriod }),
    },
    monitoring: {
      intervalSeconds: typeof i.MonitoringInterval === 'number' ? i.MonitoringInterval : 0,
      ...(monitoringRole !== undefined && { roleArn: monitoringRole }),
    },
  };
}

async function describeRawCluster(client: RDSClient, identifier: string): Promise<DBCluster | undefined> {
  try {
    const out = await client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifier }));
    return out.DBClusters?.find((c) => c.DBClusterIdentifier?.toLowerCase() === identifier.toLowerCase());
  } catch (err) {
    if (notFound(err, 'DBClusterNotFoundFault')) return undefined;
    throw err;
  }
}

/** A cluster with its settings and instances, or undefined when none has that identifier. */
export async function readCluster(client: RDSClient, region: string, identifier: string): Promise<MigrationCluster | undefined> {
  const raw = await describeRawCluster(client, identifier);
  if (!raw) return undefined;
  const facts = toClusterFacts(region, raw);
  if ('rejected' in facts) throw new InvalidResponseError('RDS DescribeDBClusters', region, facts.rejected.reason);
  const out = await client.send(new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: [facts.identifier] }] }));
  const writers = new Set(
    (raw.DBClusterMembers ?? []).flatMap((m) => (m.IsClusterWriter && m.DBInstanceIdentifier ? [m.DBInstanceIdentifier] : [])),
  );
  const instances = (out.DBInstances ?? [])
    .filter((i) => i.DBClusterIdentifier?.toLowerCase() === facts.identifier.toLowerCase())
    .flatMap((i) => instanceOf(i, writers) ?? []);
  return { facts, settings: settingsOf(raw), instances };
}

async function readSnapshot(client: RDSClient, identifier: string): Promise<MigrationWorld['snapshot']> {
  try {
    const out = await client.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: identifier }));
    const s = out.DBClusterSnapshots?.find((x) => x.DBClusterSnapshotIdentifier?.toLowerCase() === identifier.toLowerCase());
    if (!s) return undefined;
    return {
      identifier,
      ...(text(s.Status) !== undefined && { status: s.Status }),
      ...(text(s.DBClusterIdentifier) !== undefined && { sourceClusterIdentifier: s.DBClusterIdentifier }),
    };
  } catch (err) {
    if (notFound(err, 'DBClusterSnapshotNotFoundFault')) return undefined;
    throw err;
  }
}

/** What exists now: the source (undefined when it does not exist), the target and the snapshot. */
export async function readWorld(
  client: RDSClient,
  region: string,
  names: { source: string; target?: string; snapshot?: string },
): Promise<MigrationWorld | undefined> {
  const source = await readCluster(client, region, names.source);
  if (!source) return undefined;
  const target = names.target === undefined ? undefined : await readCluster(client, region, names.target);
  const snapshot = names.snapshot === undefined ? undefined : await readSnapshot(client, names.snapshot);
  return { source, ...(target && { target }), ...(snapshot && { snapshot }) };
}

/** Makes a step's call with its parameters exactly as planned. */
export async function runStep(client: RDSClient, step: PlanStep): Promise<void> {
  const p = step.params;
  switch (step.call) {
    case 'ModifyDBCluster':
      await client.send(new ModifyDBClusterCommand(p as unknown as ModifyDBClusterCommandInput));
      return;
    case 'CreateDBClusterSnapshot':
      await client.send(new CreateDBClusterSnapshotCommand(p as unknown as CreateDBClusterSnapshotCommandInput));
      return;
    case 'RestoreDBClusterToPointInTime':
      await client.send(new RestoreDBClusterToPointInTimeCommand(p as unknown as RestoreDBClusterToPointInTimeCommandInput));
      return;
    case 'RestoreDBClusterFromSnapshot':
      await client.send(new RestoreDBClusterFromSnapshotCommand(p as unknown as RestoreDBClusterFromSnapshotCommandInput));
      return;
    case 'AddRoleToDBCluster':
      await client.send(new AddRoleToDBClusterCommand(p as unknown as AddRoleToDBClusterCommandInput));
      return;
    case 'CreateDBInstance':
      await client.send(new CreateDBInstanceCommand(p as unknown as CreateDBInstanceCommandInput));
      return;
  }
}

/** The status of what a step waits for; undefined while it does not exist (yet). */
export async function statusOf(client: RDSClient, wait: StepWait): Promise<string | undefined> {
  if (wait.kind === 'cluster') return text((await describeRawCluster(client, wait.identifier))?.Status);
  if (wait.kind === 'snapshot') return (await readSnapshot(client, wait.identifier))?.status;
  try {
    const out = await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: wait.identifier }));
    return text(out.DBInstances?.[0]?.DBInstanceStatus);
  } catch (err) {
    if (notFound(err, 'DBInstanceNotFoundFault')) return undefined;
    throw err;
  }
}

export interface WaitOptions {
  pollMs: number;
  timeoutMs: number;
  /** Called after each status check (progress on a terminal). */
  onPoll?: (status: string | undefined, waitedMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
  nowMs?: () => number;
}

/** Polls until the resource is `available`; throws a WaitTimeoutError after `timeoutMs`. */
export async function waitUntilAvailable(client: RDSClient, wait: StepWait, o: WaitOptions): Promise<void> {
  const now = o.nowMs ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const started = now();
  for (;;) {
    const status = await statusOf(client, wait);
    o.onPoll?.(status, now() - started);
    if (status === 'available') return;
    if (now() - started >= o.timeoutMs) throw new WaitTimeoutError(wait, status, o.timeoutMs);
    await sleep(o.pollMs);
  }
}

/** A resource did not become available in time; running migrate again continues from it. */
export class WaitTimeoutError extends Error {
  constructor(
    readonly wait: StepWait,
    readonly lastStatus: string | undefined,
    timeoutMs: number,
  ) {
    super(
      `${wait.kind} ${wait.identifier} was not available after ${Math.round(timeoutMs / 60_000)} min (last status: ${lastStatus ?? 'not found'})`,
    );
    this.name = 'WaitTimeoutError';
  }
}
