import {
  DBClusterNotFoundFault,
  DescribeDBClustersCommand,
  type DBCluster,
  type DescribeDBClustersCommandInput,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { ClusterFacts, RestoreSettings } from '../core/types';
import { InvalidResponseError } from './errors';

/** A cluster DescribeDBClusters returned that cannot be checked, and why. */
export interface RejectedCluster {
  identifier?: string;
  reason: string;
}

export interface ClusterPage {
  clusters: ClusterFacts[];
  rejected: RejectedCluster[];
}

/** DescribeDBClusters accepts MaxRecords 20–100. */
export const MIN_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

const REQUIRED_FIELDS = ['DBClusterIdentifier', 'DBClusterArn', 'DbClusterResourceId', 'Engine'] as const;

/** A time field as a Date; undefined when absent, null when present but not a valid time. */
function toDate(value: unknown): Date | undefined | null {
  if (value === undefined || value === null) return undefined;
  const date = value instanceof Date ? value : typeof value === 'string' || typeof value === 'number' ? new Date(value) : null;
  return date && !Number.isNaN(date.getTime()) ? date : null;
}

function tagsOf(c: DBCluster): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const tag of c.TagList ?? []) {
    if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
  }
  return tags;
}

const writerOf = (c: DBCluster): string | undefined => c.DBClusterMembers?.find((m) => m.IsClusterWriter === true)?.DBInstanceIdentifier;

/** Non-empty string, or undefined. */
const text = (value: string | undefined): string | undefined => (value ? value : undefined);

/** What a restore of this cluster must repeat: its network, parameters, encryption and settings. */
function restoreSettingsOf(c: DBCluster): RestoreSettings {
  const kmsKeyId = c.StorageEncrypted === true ? text(c.KmsKeyId) : undefined;
  const dbSubnetGroup = text(c.DBSubnetGroup);
  const dbClusterParameterGroup = text(c.DBClusterParameterGroup);
  const scaling = scalingOf(c);
  return {
    ...(dbSubnetGroup !== undefined && { dbSubnetGroup }),
    vpcSecurityGroupIds: (c.VpcSecurityGroups ?? []).flatMap((g) => (g.VpcSecurityGroupId ? [g.VpcSecurityGroupId] : [])),
    ...(dbClusterParameterGroup !== undefined && { dbClusterParameterGroup }),
    ...(kmsKeyId !== undefined && { kmsKeyId }),
    ...(typeof c.Port === 'number' && { port: c.Port }),
    deletionProtection: c.DeletionProtection === true,
    iamDatabaseAuthentication: c.IAMDatabaseAuthenticationEnabled === true,
    cloudwatchLogsExports: (c.EnabledCloudwatchLogsExports ?? []).filter((x) => x !== ''),
    ...(text(c.StorageType) !== undefined && { storageType: c.StorageType }),
    ...(scaling && { serverlessV2Scaling: scaling }),
    copyTagsToSnapshot: c.CopyTagsToSnapshot === true,
    ...(typeof c.BackupRetentionPeriod === 'number' && { backupRetentionPeriod: c.BackupRetentionPeriod }),
    ...(text(c.PreferredBackupWindow) !== undefined && { preferredBackupWindow: c.PreferredBackupWindow }),
    ...(text(c.PreferredMaintenanceWindow) !== undefined && { preferredMaintenanceWindow: c.PreferredMaintenanceWindow }),
    associatedRoles: (c.AssociatedRoles ?? []).flatMap((r) =>
      r.RoleArn ? [{ roleArn: r.RoleArn, ...(text(r.FeatureName) !== undefined && { featureName: r.FeatureName }) }] : [],
    ),
    ...(text(c.EngineVersion) !== undefined && { engineVersion: c.EngineVersion }),
  };
}

/** The Serverless v2 capacity range as DescribeDBClusters gives it, or undefined (not Serverless v2). */
function scalingOf(c: DBCluster): RestoreSettings['serverlessV2Scaling'] {
  const s = c.ServerlessV2ScalingConfiguration;
  if (!s) return undefined;
  return {
    ...(typeof s.MinCapacity === 'number' && { minCapacity: s.MinCapacity }),
    ...(typeof s.MaxCapacity === 'number' && { maxCapacity: s.MaxCapacity }),
    ...(typeof s.SecondsUntilAutoPause === 'number' && { secondsUntilAutoPause: s.SecondsUntilAutoPause }),
  };
}

/**
 * Reduces one DescribeDBClusters entry to the facts the rules use. A cluster that lacks an
 * identifying field is rejected with the reason, so the caller can report it and go on.
 */
export function toClusterFacts(region: string, c: DBCluster): ClusterFacts | { rejected: RejectedCluster } {
  const identifier = text(c.DBClusterIdentifier) ?? text(c.DBClusterArn) ?? text(c.DbClusterResourceId);
  const missing = REQUIRED_FIELDS.filter((field) => !text(c[field]));
  if (missing.length > 0) {
    return {
      rejected: {
        ...(identifier !== undefined && { identifier }),
        reason: `DescribeDBClusters in ${region} returned ${identifier ? `cluster "${identifier}"` : 'a cluster'} without ${missing.join(', ')}; it cannot be checked until AWS reports it`,
      },
    };
  }
  const earliestBacktrackTime = toDate(c.EarliestBacktrackTime);
  const createdAt = toDate(c.ClusterCreateTime);
  const badTimes = [
    ...(earliestBacktrackTime === null ? [`EarliestBacktrackTime "${String(c.EarliestBacktrackTime)}"`] : []),
    ...(createdAt === null ? [`ClusterCreateTime "${String(c.ClusterCreateTime)}"`] : []),
  ];
  if (badTimes.length > 0) {
    return {
      rejected: {
        identifier: c.DBClusterIdentifier!,
        reason: `DescribeDBClusters in ${region} returned cluster "${c.DBClusterIdentifier}" with an invalid time: ${badTimes.join(', ')}`,
      },
    };
  }
  const writerInstanceId = writerOf(c);
  return {
    region,
    identifier: c.DBClusterIdentifier!,
    arn: c.DBClusterArn!,
    resourceId: c.DbClusterResourceId!,
    engine: c.Engine!,
    // ClusterFacts requires a string; an absent version matches no version rule.
    engineVersion: c.EngineVersion ?? '',
    ...(text(c.EngineMode) !== undefined && { engineMode: c.EngineMode }),
    ...(typeof c.BacktrackWindow === 'number' && { backtrackWindowSeconds: c.BacktrackWindow }),
    ...(earliestBacktrackTime && { earliestBacktrackTime }),
    ...(createdAt && { createdAt }),
    ...(text(c.GlobalClusterIdentifier) !== undefined && { globalClusterIdentifier: c.GlobalClusterIdentifier }),
    ...(text(c.ReplicationSourceIdentifier) !== undefined && {
      replicationSourceIdentifier: c.ReplicationSourceIdentifier,
    }),
    readReplicaIdentifiers: [...(c.ReadReplicaIdentifiers ?? [])],
    serverlessV2: c.ServerlessV2ScalingConfiguration !== undefined && c.ServerlessV2ScalingConfiguration !== null,
    ...(text(c.Status) !== undefined && { status: c.Status }),
    ...(writerInstanceId !== undefined && { writerInstanceId }),
    tags: tagsOf(c),
    restore: restoreSettingsOf(c),
  };
}

function toPage(region: string, raw: DBCluster[]): ClusterPage {
  const page: ClusterPage = { clusters: [], rejected: [] };
  for (const c of raw) {
    const facts = toClusterFacts(region, c);
    if ('rejected' in facts) page.rejected.push(facts.rejected);
    else page.clusters.push(facts);
  }
  return page;
}

/**
 * Every cluster in the client's Region, one page at a time (DescribeDBClusters, following every
 * Marker). A Marker AWS already returned once would loop forever, so it ends the listing with an
 * InvalidResponseError.
 */
export async function* listClusterPages(client: RDSClient, region: string, opts: { pageSize?: number } = {}): AsyncGenerator<ClusterPage> {
  const pageSize = opts.pageSize ?? MAX_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < MIN_PAGE_SIZE || pageSize > MAX_PAGE_SIZE) {
    throw new RangeError(
      `DescribeDBClusters page size ${pageSize} is not allowed: use a whole number from ${MIN_PAGE_SIZE} to ${MAX_PAGE_SIZE}`,
    );
  }
  const seen = new Set<string>();
  let marker: string | undefined;
  do {
    const input: DescribeDBClustersCommandInput = { MaxRecords: pageSize, ...(marker !== undefined && { Marker: marker }) };
    const out = await client.send(new DescribeDBClustersCommand(input));
    yield toPage(region, out.DBClusters ?? []);
    marker = text(out.Marker);
    if (marker !== undefined) {
      if (seen.has(marker)) {
        throw new InvalidResponseError(
          'RDS DescribeDBClusters',
          region,
          `page Marker "${marker}" was returned twice, so the listing would never end (${seen.size + 1} pages read)`,
        );
      }
      seen.add(marker);
    }
  } while (marker !== undefined);
}

/**
 * One cluster by identifier (or ARN), or undefined when it does not exist. A cluster that exists
 * but cannot be checked raises InvalidResponseError: answering "undefined" would read as deleted.
 */
export async function describeCluster(client: RDSClient, region: string, identifier: string): Promise<ClusterFacts | undefined> {
  let raw: DBCluster[];
  try {
    const out = await client.send(new DescribeDBClustersCommand({ Filters: [{ Name: 'db-cluster-id', Values: [identifier] }] }));
    raw = out.DBClusters ?? [];
  } catch (err) {
    if (err instanceof DBClusterNotFoundFault || (err as { name?: unknown })?.name === 'DBClusterNotFoundFault') {
      return undefined;
    }
    throw err;
  }
  // Cluster identifiers are stored in lower case; the filter matches the identifier or the ARN.
  const wanted = identifier.toLowerCase();
  const match =
    raw.find((c) => c.DBClusterIdentifier?.toLowerCase() === wanted || c.DBClusterArn?.toLowerCase() === wanted) ??
    (raw.length === 1 ? raw[0] : undefined);
  if (!match) return undefined;
  const facts = toClusterFacts(region, match);
  if ('rejected' in facts) throw new InvalidResponseError('RDS DescribeDBClusters', region, facts.rejected.reason);
  return facts;
}
