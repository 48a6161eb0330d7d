/**
 * Restores and new instances as AWS makes them, where moto does otherwise (read from moto 5.2's
 * rds/models.py):
 * - moto's RestoreDBClusterToPointInTime copies the source's settings into the new cluster; AWS
 *   copies none of these, so a restore that does not send them gets AWS's defaults (Standard
 *   storage, no Serverless v2 scaling, no tags, protection, IAM auth or log exports);
 * - moto accepts Performance Insights on CreateDBInstance and keeps none of it; the proxy keeps
 *   it and states it in DescribeDBInstances;
 * - moto accepts a BacktrackWindow AWS refuses: on a copy-on-write clone of a source without
 *   Backtrack (user guide: a clone can have it only if its source was created with it), and in a
 *   Region where AWS offers no Backtrack (lambda/core/rules.ts, with the source of each Region).
 * Pure functions on request parameters and XML; service-handlers.ts wires them to the operations.
 */
import { REGIONS_WITHOUT_BACKTRACK } from '../lambda/core/rules';
import { xmlEscape, type AwsErrorSpec } from './aws-errors';
import { queryParams, type RawRequest } from './aws-request';
import { clusterField, clusterKey, splitClusters, type ClusterOverrides } from './rds-clusters-xml';
import type { Handler, HandlerContext } from './handler-types';

/** Operations that take a BacktrackWindow. */
export const BACKTRACK_OPERATIONS = new Set([
  'CreateDBCluster',
  'ModifyDBCluster',
  'RestoreDBClusterToPointInTime',
  'RestoreDBClusterFromSnapshot',
  'RestoreDBClusterFromS3',
]);

const windowOf = (params: URLSearchParams): number => Number(params.get('BacktrackWindow') ?? '0') || 0;

/** AWS's refusal of a window where Backtrack cannot be had, or undefined. `sourceWindow`: the clone source's window. */
export function backtrackRefusal(
  operation: string,
  region: string,
  params: URLSearchParams,
  sourceWindow?: number,
): AwsErrorSpec | undefined {
  if (!BACKTRACK_OPERATIONS.has(operation) || windowOf(params) <= 0) return undefined;
  const entry = REGIONS_WITHOUT_BACKTRACK[region];
  if (entry) {
    return {
      code: 'InvalidParameterValue',
      status: 400,
      message: `Backtrack is not available in ${region} (${entry.name}). Remove BacktrackWindow or choose another Region.`,
    };
  }
  if (operation === 'RestoreDBClusterToPointInTime' && params.get('RestoreType') === 'copy-on-write' && (sourceWindow ?? 0) <= 0) {
    return {
      code: 'InvalidParameterCombination',
      status: 400,
      message:
        `Cannot enable Backtrack on a clone of DB cluster ${params.get('SourceDBClusterIdentifier') ?? ''}: ` +
        'a copy-on-write clone can have Backtrack only if its source was created with it. Use RestoreType full-copy.',
    };
  }
  return undefined;
}

/** Whether the request names a parameter (also as a list, `Tags.Tag.1.Key` for `Tags`). */
const sent = (params: URLSearchParams, name: string) => [...params.keys()].some((k) => k === name || k.startsWith(`${name}.`));

/**
 * What AWS shows on a restored cluster for the settings the restore did not send (moto copies the
 * source's instead): the fields to override in DescribeDBClusters.
 */
export function restoreDefaults(params: URLSearchParams): ClusterOverrides {
  const out: ClusterOverrides = {};
  if (!sent(params, 'StorageType')) out.StorageType = 'aurora';
  if (!sent(params, 'ServerlessV2ScalingConfiguration')) out.ServerlessV2ScalingConfiguration = null;
  if (!sent(params, 'Tags')) out.TagList = null;
  if (!sent(params, 'DeletionProtection')) out.DeletionProtection = false;
  if (!sent(params, 'CopyTagsToSnapshot')) out.CopyTagsToSnapshot = false;
  if (!sent(params, 'EnableIAMDatabaseAuthentication')) out.IAMDatabaseAuthenticationEnabled = false;
  if (!sent(params, 'EnableCloudwatchLogsExports')) out.EnabledCloudwatchLogsExports = null;
  return out;
}

/** Overrides a ModifyDBCluster makes stale: the fields it sets are moto's to state again. */
export function modifiedFields(params: URLSearchParams): string[] {
  const fields: Record<string, string> = {
    StorageType: 'StorageType',
    DeletionProtection: 'DeletionProtection',
    CopyTagsToSnapshot: 'CopyTagsToSnapshot',
    EnableIAMDatabaseAuthentication: 'IAMDatabaseAuthenticationEnabled',
    ServerlessV2ScalingConfiguration: 'ServerlessV2ScalingConfiguration',
    CloudwatchLogsExportConfiguration: 'EnabledCloudwatchLogsExports',
  };
  return Object.entries(fields).flatMap(([param, field]) => (sent(params, param) ? [field] : []));
}

/** Performance Insights as CreateDBInstance set it (moto keeps none of it). */
export interface InstanceInsights {
  enabled: boolean;
  kmsKeyId?: string;
  retentionDays?: number;
}

export function insightsOf(params: URLSearchParams): InstanceInsights | undefined {
  if (!sent(params, 'EnablePerformanceInsights')) return undefined;
  const kmsKeyId = params.get('PerformanceInsightsKMSKeyId') ?? undefined;
  const retention = params.get('PerformanceInsightsRetentionPeriod');
  const enabled = params.get('EnablePerformanceInsights') === 'true';
  return {
    enabled,
    ...(enabled && kmsKeyId !== undefined && { kmsKeyId }),
    ...(enabled && { retentionDays: retention === null ? 7 : Number(retention) }),
  };
}

/** Adds the kept Performance Insights fields to each `<DBInstance>` of a DescribeDBInstances answer. */
export function withInsights(xml: string, insightsOf: (identifier: string) => InstanceInsights | undefined): string {
  return xml.replace(/<DBInstance>([\s\S]*?)<\/DBInstance>/g, (whole, inner: string) => {
    const id = /<DBInstanceIdentifier>([^<]*)<\/DBInstanceIdentifier>/.exec(inner)?.[1];
    const pi = id === undefined ? undefined : insightsOf(id);
    if (!pi || inner.includes('<PerformanceInsightsEnabled>')) return whole;
    const extra =
      `<PerformanceInsightsEnabled>${pi.enabled}</PerformanceInsightsEnabled>` +
      (pi.kmsKeyId !== undefined ? `<PerformanceInsightsKMSKeyId>${xmlEscape(pi.kmsKeyId)}</PerformanceInsightsKMSKeyId>` : '') +
      (pi.retentionDays !== undefined
        ? `<PerformanceInsightsRetentionPeriod>${pi.retentionDays}</PerformanceInsightsRetentionPeriod>`
        : '');
    return `<DBInstance>${inner}${extra}</DBInstance>`;
  });
}

/**
 * The proxy's RDS handlers for the above: refusals before moto sees the call, AWS's defaults on a
 * restored cluster, and Performance Insights kept per instance.
 */
export function rdsRestoreHandlers(ctx: HandlerContext): Record<string, Handler> {
  const { forward, asResponse, clusterOverrides, callerAccount } = ctx;
  const insights = new Map<string, InstanceInsights>();
  const instanceKey = (raw: RawRequest, region: string, id: string) => `${callerAccount(raw)}\u0000${region}\u0000${id.toLowerCase()}`;

  /** The clone source's window as DescribeDBClusters states it (the proxy's overrides included). */
  async function sourceWindow(raw: RawRequest, region: string, source: string): Promise<number> {
    const body = Buffer.from(`Action=DescribeDBClusters&Version=2014-10-31&DBClusterIdentifier=${encodeURIComponent(source)}`, 'utf8');
    const up = await forward({ ...raw, body }, body);
    if (up.status !== 200) return 0;
    const cluster = splitClusters(up.body.toString('utf8')).clusters[0];
    const override = clusterOverrides.get(clusterKey(region, source.toLowerCase()))?.BacktrackWindow;
    if (override !== undefined) return Number(override ?? 0);
    return cluster === undefined ? 0 : Number(clusterField(cluster, 'BacktrackWindow') ?? '0') || 0;
  }

  const checked =
    (operation: string, after?: (params: URLSearchParams, region: string) => void): Handler =>
    async (raw, info) => {
      const params = queryParams(raw);
      const source = params.get('SourceDBClusterIdentifier');
      const cow = operation === 'RestoreDBClusterToPointInTime' && params.get('RestoreType') === 'copy-on-write' && source !== null;
      const refused = backtrackRefusal(operation, info.region, params, cow ? await sourceWindow(raw, info.region, source) : undefined);
      if (refused) return refused;
      const up = await forward(raw);
      if (up.status === 200) after?.(params, info.region);
      return asResponse(up);
    };

  const restored = (params: URLSearchParams, region: string) => {
    const id = (params.get('DBClusterIdentifier') ?? '').toLowerCase();
    const key = clusterKey(region, id);
    clusterOverrides.set(key, { ...clusterOverrides.get(key), ...restoreDefaults(params) });
  };

  return {
    'rds:CreateDBCluster': checked('CreateDBCluster'),
    'rds:RestoreDBClusterFromS3': checked('RestoreDBClusterFromS3'),
    'rds:RestoreDBClusterToPointInTime': checked('RestoreDBClusterToPointInTime', restored),
    'rds:RestoreDBClusterFromSnapshot': checked('RestoreDBClusterFromSnapshot', restored),
    'rds:ModifyDBCluster': checked('ModifyDBCluster', (params, region) => {
      const key = clusterKey(region, (params.get('DBClusterIdentifier') ?? '').toLowerCase());
      const existing = clusterOverrides.get(key);
      if (!existing) return;
      const stale = new Set(modifiedFields(params));
      clusterOverrides.set(key, Object.fromEntries(Object.entries(existing).filter(([k]) => !stale.has(k))));
    }),
    'rds:CreateDBInstance': async (raw, info) => {
      const params = queryParams(raw);
      const up = await forward(raw);
      const id = params.get('DBInstanceIdentifier');
      if (up.status === 200 && id !== null) {
        const pi = insightsOf(params);
        if (pi) insights.set(instanceKey(raw, info.region, id), pi);
        else insights.delete(instanceKey(raw, info.region, id));
      }
      return asResponse(up);
    },
    'rds:DescribeDBInstances': async (raw, info) => {
      const up = await forward(raw);
      if (up.status !== 200) return asResponse(up);
      return asResponse(
        up,
        withInsights(up.body.toString('utf8'), (id) => insights.get(instanceKey(raw, info.region, id))),
      );
    },
  };
}
