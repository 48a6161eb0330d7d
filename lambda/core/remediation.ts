import { shellArg } from './text';
import type { ClusterFacts } from './types';

/** The suffix of the new cluster a restore creates. */
export const RESTORED_SUFFIX = '-bt';

/**
 * How to turn Backtrack on where it is disabled, stated once per message: it cannot be switched on
 * in place, so the data moves into a new cluster that has a window.
 */
export const CUT_OVER_PROCEDURE = [
  'Backtrack cannot be turned on for an existing cluster: move the data into a new cluster that has a window.',
  '1. Stop writes to the cluster and wait until its LatestRestorableTime (aws rds describe-db-clusters) is after the last write.',
  "2. Restore it into a new cluster with the command given for it (it repeats the source's subnet group, security groups, parameter group, encryption key, port and other settings).",
  `3. Add a writer: aws rds create-db-instance --db-cluster-identifier <cluster>${RESTORED_SUFFIX} --db-instance-identifier <cluster>${RESTORED_SUFFIX}-1 --engine <engine> --db-instance-class <class>.`,
  '4. Move clients to the new endpoints, then retire the old cluster (with a final snapshot).',
].join('\n');

/**
 * `aws rds restore-db-cluster-to-point-in-time` into `<id>-bt` with a window, repeating what the
 * source cluster has that a restore does not copy (without them AWS uses the default security group
 * and parameter group). Flag names as in the AWS CLI reference of restore-db-cluster-to-point-in-time.
 */
export function restoreCommand(c: ClusterFacts, windowSeconds: number): string {
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
  parts.push(`--region ${c.region}`);
  return parts.join(' ');
}

/** `aws rds modify-db-cluster --backtrack-window`: changes the window of a cluster that has Backtrack. */
export const modifyCommand = (c: ClusterFacts, windowSeconds: number) =>
  `aws rds modify-db-cluster --db-cluster-identifier ${shellArg(c.identifier)} --backtrack-window ${windowSeconds} --region ${c.region}`;
