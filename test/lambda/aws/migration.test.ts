import 'aws-sdk-client-mock-jest';
import {
  CreateDBInstanceCommand,
  DBClusterNotFoundFault,
  DBClusterSnapshotNotFoundFault,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBInstancesCommand,
  ModifyDBClusterCommand,
  RDSClient,
  RestoreDBClusterToPointInTimeCommand,
  type DBCluster,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { readWorld, runStep, settingsOf, waitUntilAvailable, WaitTimeoutError } from '../../../lambda/aws/migration';

const rds = mockClient(RDSClient);
const client = new RDSClient({ region: 'eu-west-1' });

const SOURCE: DBCluster = {
  DBClusterIdentifier: 'orders',
  DBClusterArn: 'arn:aws:rds:eu-west-1:111122223333:cluster:orders',
  DbClusterResourceId: 'cluster-ORDERS',
  Engine: 'aurora-mysql',
  EngineVersion: '8.0.mysql_aurora.3.05.2',
  BacktrackWindow: 0,
  Status: 'available',
  DBSubnetGroup: 'orders-net',
  VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-1', Status: 'active' }],
  DBClusterParameterGroup: 'orders-params',
  StorageEncrypted: true,
  KmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/k',
  Port: 3307,
  StorageType: 'aurora-iopt1',
  ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 8 },
  BackupRetentionPeriod: 14,
  PreferredBackupWindow: '02:00-02:30',
  PreferredMaintenanceWindow: 'sun:04:00-sun:04:30',
  CopyTagsToSnapshot: true,
  DeletionProtection: true,
  IAMDatabaseAuthenticationEnabled: true,
  EnabledCloudwatchLogsExports: ['error'],
  AssociatedRoles: [{ RoleArn: 'arn:aws:iam::111122223333:role/s3', FeatureName: 's3Import', Status: 'ACTIVE' }],
  Endpoint: 'orders.cluster-x.eu-west-1.rds.amazonaws.com',
  ReaderEndpoint: 'orders.cluster-ro-x.eu-west-1.rds.amazonaws.com',
  DBClusterMembers: [
    { DBInstanceIdentifier: 'orders-1', IsClusterWriter: true },
    { DBInstanceIdentifier: 'orders-2', IsClusterWriter: false },
  ],
};

beforeEach(() => {
  rds.reset();
});

describe('settingsOf', () => {
  it('reads every setting a restore must repeat from DescribeDBClusters', () => {
    expect(settingsOf(SOURCE)).toEqual({
      dbSubnetGroup: 'orders-net',
      vpcSecurityGroupIds: ['sg-1'],
      dbClusterParameterGroup: 'orders-params',
      kmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/k',
      port: 3307,
      storageType: 'aurora-iopt1',
      serverlessV2Scaling: { minCapacity: 0.5, maxCapacity: 8 },
      backupRetentionPeriod: 14,
      preferredBackupWindow: '02:00-02:30',
      preferredMaintenanceWindow: 'sun:04:00-sun:04:30',
      copyTagsToSnapshot: true,
      deletionProtection: true,
      iamDatabaseAuthentication: true,
      cloudwatchLogsExports: ['error'],
      associatedRoles: [{ roleArn: 'arn:aws:iam::111122223333:role/s3', featureName: 's3Import' }],
      endpoint: 'orders.cluster-x.eu-west-1.rds.amazonaws.com',
      readerEndpoint: 'orders.cluster-ro-x.eu-west-1.rds.amazonaws.com',
    });
  });

  it('takes no key from an unencrypted cluster (moto names a default key there)', () => {
    expect(settingsOf({ ...SOURCE, StorageEncrypted: false, KmsKeyId: 'default_kms_key_id' }).kmsKeyId).toBeUndefined();
  });
});

describe('readWorld', () => {
  it('reads the source with its instances (writer from DBClusterMembers), and no target or snapshot where none exists', async () => {
    rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: 'orders' }).resolves({ DBClusters: [SOURCE] });
    rds
      .on(DescribeDBClustersCommand, { DBClusterIdentifier: 'orders-bt' })
      .rejects(new DBClusterNotFoundFault({ message: 'none', $metadata: {} }));
    rds.on(DescribeDBClusterSnapshotsCommand).rejects(new DBClusterSnapshotNotFoundFault({ message: 'none', $metadata: {} }));
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        {
          DBInstanceIdentifier: 'orders-1',
          DBClusterIdentifier: 'orders',
          DBInstanceClass: 'db.r6g.xlarge',
          DBInstanceStatus: 'available',
          DBParameterGroups: [{ DBParameterGroupName: 'orders-instance-params' }],
          PromotionTier: 0,
          PerformanceInsightsEnabled: true,
          PerformanceInsightsKMSKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/pi',
          PerformanceInsightsRetentionPeriod: 31,
          MonitoringInterval: 60,
          MonitoringRoleArn: 'arn:aws:iam::111122223333:role/monitoring',
        },
        { DBInstanceIdentifier: 'orders-2', DBClusterIdentifier: 'orders', DBInstanceClass: 'db.r6g.large', PromotionTier: 2 },
        { DBInstanceIdentifier: 'other-1', DBClusterIdentifier: 'other', DBInstanceClass: 'db.r6g.large' },
      ],
    });

    const world = await readWorld(client, 'eu-west-1', { source: 'orders', target: 'orders-bt', snapshot: 'orders-bt-source' });

    expect(world?.target).toBeUndefined();
    expect(world?.snapshot).toBeUndefined();
    expect(world?.source.facts).toMatchObject({ identifier: 'orders', backtrackWindowSeconds: 0, status: 'available' });
    expect(world?.source.instances).toEqual([
      {
        identifier: 'orders-1',
        instanceClass: 'db.r6g.xlarge',
        isWriter: true,
        status: 'available',
        dbParameterGroup: 'orders-instance-params',
        promotionTier: 0,
        performanceInsights: { enabled: true, kmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/pi', retentionDays: 31 },
        monitoring: { intervalSeconds: 60, roleArn: 'arn:aws:iam::111122223333:role/monitoring' },
      },
      {
        identifier: 'orders-2',
        instanceClass: 'db.r6g.large',
        isWriter: false,
        promotionTier: 2,
        performanceInsights: { enabled: false },
        monitoring: { intervalSeconds: 0 },
      },
    ]);
    expect(rds).toHaveReceivedCommandWith(DescribeDBInstancesCommand, { Filters: [{ Name: 'db-cluster-id', Values: ['orders'] }] });
  });

  it('is undefined when the source does not exist', async () => {
    rds.on(DescribeDBClustersCommand).rejects(new DBClusterNotFoundFault({ message: 'none', $metadata: {} }));

    expect(await readWorld(client, 'eu-west-1', { source: 'gone' })).toBeUndefined();
  });
});

describe('runStep', () => {
  it('sends each call with its parameters exactly as planned', async () => {
    rds.on(RestoreDBClusterToPointInTimeCommand).resolves({});
    rds.on(ModifyDBClusterCommand).resolves({});
    rds.on(CreateDBInstanceCommand).resolves({});
    const restore = { SourceDBClusterIdentifier: 'orders', DBClusterIdentifier: 'orders-bt', BacktrackWindow: 86_400 };

    await runStep(client, { call: 'RestoreDBClusterToPointInTime', params: restore, why: '', state: 'todo' });
    await runStep(client, {
      call: 'ModifyDBCluster',
      params: { DBClusterIdentifier: 'orders', BacktrackWindow: 1, ApplyImmediately: true },
      why: '',
      state: 'todo',
    });

    expect(rds).toHaveReceivedCommandWith(RestoreDBClusterToPointInTimeCommand, restore);
    expect(rds).toHaveReceivedCommandWith(ModifyDBClusterCommand, {
      DBClusterIdentifier: 'orders',
      BacktrackWindow: 1,
      ApplyImmediately: true,
    });
    expect(rds).not.toHaveReceivedCommand(CreateDBInstanceCommand);
  });
});

describe('waitUntilAvailable', () => {
  it('polls the status until the resource is available, reporting each check', async () => {
    rds
      .on(DescribeDBInstancesCommand)
      .rejectsOnce(Object.assign(new Error('none'), { name: 'DBInstanceNotFoundFault' }))
      .resolvesOnce({ DBInstances: [{ DBInstanceStatus: 'creating' }] })
      .resolves({ DBInstances: [{ DBInstanceStatus: 'available' }] });
    const seen: (string | undefined)[] = [];

    await waitUntilAvailable(
      client,
      { kind: 'instance', identifier: 'orders-bt-1' },
      { pollMs: 0, timeoutMs: 60_000, onPoll: (s) => seen.push(s), sleep: () => Promise.resolve() },
    );

    expect(seen).toEqual([undefined, 'creating', 'available']);
  });

  it('gives up after the timeout with the last status (a re-run continues)', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ DBClusterIdentifier: 'orders-bt', Status: 'creating' }] });
    let now = 0;

    await expect(
      waitUntilAvailable(
        client,
        { kind: 'cluster', identifier: 'orders-bt' },
        { pollMs: 1000, timeoutMs: 5000, nowMs: () => now, sleep: (ms) => Promise.resolve(void (now += ms)) },
      ),
    ).rejects.toThrow(WaitTimeoutError);
  });
});
