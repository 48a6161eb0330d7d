import { shellArg } from './text';
import { DEFAULT_TAG_PREFIX } from './rules';
import type { ClusterFacts, Policy, RestoreSettings } from './types';

/** The suffix of the new cluster a restore creates. */
export const RESTORED_SUFFIX = '-bt';

/** Tag key a restore adds to the new cluster, naming its source (after the configured tag prefix). */
export const RESTORED_FROM_TAG = 'restored-from';
/** AWS allows at most 50 tags on a resource: the source's tags come first. */
const MAX_CLUSTER_TAGS = 50;

/**
 * What a restore into a new cluster cannot carry, stated once per message and in the finding: the
 * instances, the endpoints' names, and the settings set after it.
 */
export const NOT_CARRIED =
  "A restore carries neither the instances (create them like the source's, writer first) nor the endpoints' names " +
  "(clients move to the new cluster's endpoints; custom endpoints are made again); the new cluster keeps the source's engine version";

/**
 * How to turn Backtrack on where it is disabled, stated once per message: it cannot be switched on
 * in place, so the data moves into a new cluster that has a window.
 */
export const CUT_OVER_PROCEDURE = [
  'Backtrack cannot be turned on for an existing cluster, and a window once set to 0 can never be raised again on it: move the data into a new cluster that has a window.',
  '1. Stop writes to the cluster and wait until its LatestRestorableTime (aws rds describe-db-clusters) is after the last write.',
  "2. Restore it into a new cluster with the command given for it (it repeats the source's subnet group, security groups, parameter group, encryption key, port, storage type, Serverless v2 capacity, tags and other settings), then run the commands given after it once the new cluster is available (backup retention and windows, IAM roles).",
  `3. Add a writer: aws rds create-db-instance --db-cluster-identifier <cluster>${RESTORED_SUFFIX} --db-instance-identifier <cluster>${RESTORED_SUFFIX}-1 --engine <engine> --db-instance-class <class>, then readers like the source's.`,
  '4. Move clients to the new endpoints, then retire the old cluster (with a final snapshot).',
  `${NOT_CARRIED}.`,
].join('\n');

/** The tag policy a restore command is written for (the checker's defaults when none is given). */
export type TagPolicy = Pick<Policy, 'tagPrefix' | 'exemptTagKey'>;
const DEFAULT_TAG_POLICY: TagPolicy = { tagPrefix: DEFAULT_TAG_PREFIX, exemptTagKey: `${DEFAULT_TAG_PREFIX}exempt` };

/**
 * The new cluster's tags: the source's, then one naming the source (while AWS's 50 allow it). The
 * exemption tags stay behind: an exemption was granted for the source, which has no Backtrack.
 */
/**
 * The new cluster's tags: the source's, less those AWS reserves (`aws:`: a call that sets one is
 * refused) and the exemption tags (granted to a cluster without Backtrack), plus
 * `<prefix>restored-from` = the source's ARN (what `migrate` checks before it continues on a
 * target). AWS allows 50 tags: where the source's fill them, the source's come first.
 */
export function restoredTags(
  tags: Readonly<Record<string, string>>,
  sourceArn: string,
  policy: TagPolicy,
): Array<{ Key: string; Value: string }> {
  const from = `${policy.tagPrefix}${RESTORED_FROM_TAG}`;
  const dropped = new Set([policy.exemptTagKey, `${policy.tagPrefix}exempt-reason`, `${policy.tagPrefix}exempt-until`, from]);
  const kept = Object.entries(tags)
    .filter(([Key]) => !dropped.has(Key) && !Key.toLowerCase().startsWith('aws:'))
    .map(([Key, Value]) => ({ Key, Value }));
  return kept.length < MAX_CLUSTER_TAGS ? [...kept, { Key: from, Value: sourceArn }] : kept;
}

/** `MinCapacity=0.5,MaxCapacity=16`: the CLI's shorthand for a ServerlessV2ScalingConfiguration. */
function scalingArg(s: NonNullable<RestoreSettings['serverlessV2Scaling']>): string {
  const parts = [
    ...(s.minCapacity !== undefined ? [`MinCapacity=${s.minCapacity}`] : []),
    ...(s.maxCapacity !== undefined ? [`MaxCapacity=${s.maxCapacity}`] : []),
    ...(s.secondsUntilAutoPause !== undefined ? [`SecondsUntilAutoPause=${s.secondsUntilAutoPause}`] : []),
  ];
  return parts.join(',');
}

/**
 * `aws rds restore-db-cluster-to-point-in-time` into `<id>-bt` with a window, repeating what the
 * source cluster has that a restore does not copy (without them AWS uses the default security group
 * and parameter group, Standard storage, no Serverless v2 capacity and no tags). Flag names as in the
 * SDK's RestoreDBClusterToPointInTime model (the CLI's are their kebab-case). Tags are user text:
 * passed as one JSON argument, shell-quoted, never interpolated raw. The engine version is not a
 * parameter: a point-in-time restore keeps the source's.
 */
export function restoreCommand(c: ClusterFacts, windowSeconds: number, tagPolicy: TagPolicy = DEFAULT_TAG_POLICY): string {
  const r = c.restore;
  const parts = [
    'aws rds restore-db-cluster-to-point-in-time',
    `--source-db-cluster-identifier ${shellArg(c.identifier)}`,
    `--db-cluster-identifier ${shellArg(`${c.identifier}${RESTORED_SUFFIX}`)}`,
    '--restore-type full-copy --use-latest-restorable-time',
    `--backtrack-window ${windowSeconds}`,
  ];
  if (r?.dbSubnetGroup) parts.push(`--db-subnet-group-name ${shellArg(r.dbSubnetGroup)}`);
  if (r?.vpcSecurityGroupIds.length) parts.push(`--vpc-security-group-ids ${r.vpcSecurityGroupIds.map(shellArg).join(' ')}`);
  if (r?.dbClusterParameterGroup) parts.push(`--db-cluster-parameter-group-name ${shellArg(r.dbClusterParameterGroup)}`);
  if (r?.kmsKeyId) parts.push(`--kms-key-id ${shellArg(r.kmsKeyId)}`);
  if (r?.port !== undefined) parts.push(`--port ${r.port}`);
  if (r?.deletionProtection) parts.push('--deletion-protection');
  if (r?.iamDatabaseAuthentication) parts.push('--enable-iam-database-authentication');
  if (r?.cloudwatchLogsExports.length) parts.push(`--enable-cloudwatch-logs-exports ${r.cloudwatchLogsExports.map(shellArg).join(' ')}`);
  if (r?.storageType) parts.push(`--storage-type ${shellArg(r.storageType)}`);
  const scaling = r?.serverlessV2Scaling ? scalingArg(r.serverlessV2Scaling) : '';
  if (scaling) parts.push(`--serverless-v2-scaling-configuration ${scaling}`);
  if (r?.copyTagsToSnapshot) parts.push('--copy-tags-to-snapshot');
  parts.push(`--tags ${shellArg(JSON.stringify(restoredTags(c.tags, c.arn, tagPolicy)))}`);
  parts.push(`--region ${c.region}`);
  return parts.join(' ');
}

/**
 * What follows the restore on the new cluster, once it is available: the backup retention and the
 * preferred windows (modify-db-cluster; the maintenance window is no restore parameter, and older
 * CLIs have none of them on a restore) and each associated IAM role (add-role-to-db-cluster).
 */
export function afterRestoreCommands(c: ClusterFacts): string[] {
  const r = c.restore;
  const target = shellArg(`${c.identifier}${RESTORED_SUFFIX}`);
  const settings = [
    ...(r?.backupRetentionPeriod !== undefined ? [`--backup-retention-period ${r.backupRetentionPeriod}`] : []),
    ...(r?.preferredBackupWindow ? [`--preferred-backup-window ${shellArg(r.preferredBackupWindow)}`] : []),
    ...(r?.preferredMaintenanceWindow ? [`--preferred-maintenance-window ${shellArg(r.preferredMaintenanceWindow)}`] : []),
  ];
  const commands: string[] = [];
  if (settings.length) {
    commands.push(
      `aws rds modify-db-cluster --db-cluster-identifier ${target} ${settings.join(' ')} --apply-immediately --region ${c.region}`,
    );
  }
  for (const role of r?.associatedRoles ?? []) {
    const feature = role.featureName ? ` --feature-name ${shellArg(role.featureName)}` : '';
    commands.push(
      `aws rds add-role-to-db-cluster --db-cluster-identifier ${target} --role-arn ${shellArg(role.roleArn)}${feature} --region ${c.region}`,
    );
  }
  // The restore returns while the new cluster is being created; these calls need it available.
  if (commands.length) commands.unshift(`aws rds wait db-cluster-available --db-cluster-identifier ${target} --region ${c.region}`);
  return commands;
}

/**
 * `aws rds modify-db-cluster --backtrack-window --apply-immediately`: changes the window of a cluster
 * that has Backtrack. Without --apply-immediately AWS may wait for the maintenance window
 * (ApplyImmediately defaults to false), and the cluster keeps failing until then.
 */
export const modifyCommand = (c: ClusterFacts, windowSeconds: number) =>
  `aws rds modify-db-cluster --db-cluster-identifier ${shellArg(c.identifier)} --backtrack-window ${windowSeconds} --apply-immediately --region ${c.region}`;

/** A window in hours as `migrate --window-hours` takes it: hundredths, rounded up (never shorter). */
const windowHours = (seconds: number) => Math.ceil(seconds / 36) / 100;

/** The checker's own command that plans (and with --apply performs) the fix for one cluster. */
export const migrateCommand = (c: ClusterFacts, windowSeconds: number) =>
  `aurora-backtrack-check migrate --cluster ${shellArg(c.identifier)} --region ${c.region} --window-hours ${windowHours(windowSeconds)}`;
