/**
 * A source cluster for `migrate` as people have them: its own subnet group and security group,
 * cluster and instance parameter groups, a KMS key ARN, I/O-Optimized storage, backups and windows,
 * an IAM role, tags, and two instances of different classes (one with Performance Insights and
 * enhanced monitoring). Made through the SDK against any endpoint (the proxy, or moto alone).
 */
import { CreateVpcCommand, CreateSubnetCommand, CreateSecurityGroupCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  AddRoleToDBClusterCommand,
  CreateDBClusterCommand,
  CreateDBClusterParameterGroupCommand,
  CreateDBInstanceCommand,
  CreateDBParameterGroupCommand,
  CreateDBSubnetGroupCommand,
  DescribeDBClustersCommand,
  RDSClient,
  type DBCluster,
} from '@aws-sdk/client-rds';
import { emulatedClientConfig } from '../../emulator/emulated-aws';

export const V3 = '8.0.mysql_aurora.3.05.2';

export interface SourceCluster {
  id: string;
  region: string;
  subnetGroup: string;
  securityGroupId: string;
  clusterParameterGroup: string;
  instanceParameterGroup: string;
  kmsKeyArn: string;
  roleArn: string;
  monitoringRoleArn: string;
  piKeyArn: string;
}

export const clients = (endpoint: string, region: string) => ({
  rds: new RDSClient(emulatedClientConfig(endpoint, region)),
  ec2: new EC2Client(emulatedClientConfig(endpoint, region)),
});

/**
 * The source of the "done when" case. `backtrackWindow` 0 (default): Backtrack off. `ioOptimized`
 * needs AllocatedStorage on moto's CreateDBCluster (moto knows no Aurora storage types by
 * themselves); the product never sends it.
 */
export async function makeSource(
  endpoint: string,
  region: string,
  id: string,
  o: { backtrackWindow?: number; ioOptimized?: boolean; instances?: boolean } = {},
): Promise<SourceCluster> {
  const { rds, ec2 } = clients(endpoint, region);
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
  const vpcId = vpc.Vpc?.VpcId ?? '';
  const subnets = await Promise.all(
    ['a', 'b'].map((az, i) =>
      ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.0.${i + 1}.0/24`, AvailabilityZone: `${region}${az}` })),
    ),
  );
  const sg = await ec2.send(new CreateSecurityGroupCommand({ GroupName: `${id}-db`, Description: 'database clients', VpcId: vpcId }));
  const subnetGroup = `${id}-net`;
  await rds.send(
    new CreateDBSubnetGroupCommand({
      DBSubnetGroupName: subnetGroup,
      DBSubnetGroupDescription: 'private subnets',
      SubnetIds: subnets.map((s) => s.Subnet?.SubnetId ?? ''),
    }),
  );
  const clusterParameterGroup = `${id}-cluster-params`;
  const instanceParameterGroup = `${id}-instance-params`;
  await rds.send(
    new CreateDBClusterParameterGroupCommand({
      DBClusterParameterGroupName: clusterParameterGroup,
      DBParameterGroupFamily: 'aurora-mysql8.0',
      Description: 'cluster',
    }),
  );
  await rds.send(
    new CreateDBParameterGroupCommand({
      DBParameterGroupName: instanceParameterGroup,
      DBParameterGroupFamily: 'aurora-mysql8.0',
      Description: 'instances',
    }),
  );
  const source: SourceCluster = {
    id,
    region,
    subnetGroup,
    securityGroupId: sg.GroupId ?? '',
    clusterParameterGroup,
    instanceParameterGroup,
    // moto's RDS does not look keys up: customer-managed key ARNs as AWS writes them.
    kmsKeyArn: `arn:aws:kms:${region}:123456789012:key/1f2e3d4c-0000-4000-8000-${id.length.toString().padStart(12, '0')}`,
    piKeyArn: `arn:aws:kms:${region}:123456789012:key/5a6b7c8d-0000-4000-8000-${id.length.toString().padStart(12, '0')}`,
    roleArn: `arn:aws:iam::123456789012:role/${id}-s3-import`,
    monitoringRoleArn: `arn:aws:iam::123456789012:role/${id}-monitoring`,
  };
  await rds.send(
    new CreateDBClusterCommand({
      DBClusterIdentifier: id,
      Engine: 'aurora-mysql',
      EngineVersion: V3,
      MasterUsername: 'admin',
      MasterUserPassword: 'not-a-secret-1',
      DBSubnetGroupName: subnetGroup,
      VpcSecurityGroupIds: [source.securityGroupId],
      DBClusterParameterGroupName: clusterParameterGroup,
      StorageEncrypted: true,
      KmsKeyId: source.kmsKeyArn,
      Port: 3307,
      ...(o.ioOptimized !== false && { StorageType: 'aurora-iopt1', AllocatedStorage: 1 }),
      BackupRetentionPeriod: 14,
      PreferredBackupWindow: '02:00-02:30',
      PreferredMaintenanceWindow: 'sun:04:00-sun:04:30',
      CopyTagsToSnapshot: true,
      DeletionProtection: true,
      EnableIAMDatabaseAuthentication: true,
      EnableCloudwatchLogsExports: ['error', 'slowquery'],
      ...(o.backtrackWindow ? { BacktrackWindow: o.backtrackWindow } : {}),
      Tags: [
        { Key: 'team', Value: 'payments' },
        { Key: 'cost-center', Value: '42' },
      ],
    }),
  );
  // moto reports a new cluster "creating" once; AddRoleToDBCluster wants it available.
  await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }));
  await rds.send(new AddRoleToDBClusterCommand({ DBClusterIdentifier: id, RoleArn: source.roleArn, FeatureName: 's3Import' }));
  if (o.instances === false) return source;
  await rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: `${id}-writer`,
      DBClusterIdentifier: id,
      Engine: 'aurora-mysql',
      DBInstanceClass: 'db.r6g.xlarge',
      DBParameterGroupName: instanceParameterGroup,
      PromotionTier: 0,
      EnablePerformanceInsights: true,
      PerformanceInsightsKMSKeyId: source.piKeyArn,
      PerformanceInsightsRetentionPeriod: 31,
      MonitoringInterval: 60,
      MonitoringRoleArn: source.monitoringRoleArn,
    }),
  );
  await rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: `${id}-reader`,
      DBClusterIdentifier: id,
      Engine: 'aurora-mysql',
      DBInstanceClass: 'db.r6g.large',
      DBParameterGroupName: instanceParameterGroup,
      PromotionTier: 2,
    }),
  );
  return source;
}

/** One cluster as DescribeDBClusters states it now. */
export async function describe(endpoint: string, region: string, id: string): Promise<DBCluster | undefined> {
  const out = await clients(endpoint, region).rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }));
  return out.DBClusters?.[0];
}
