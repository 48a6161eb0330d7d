import 'aws-sdk-client-mock-jest';
import { DBClusterNotFoundFault, DescribeDBClustersCommand, RDSClient, type DBCluster } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { InvalidResponseError } from '../../../lambda/aws/errors';
import { describeCluster, listClusterPages, toClusterFacts, type ClusterPage } from '../../../lambda/aws/rds';

const rds = mockClient(RDSClient);
const client = new RDSClient({ region: 'eu-west-1' });

const cluster = (id: string, extra: Partial<DBCluster> = {}): DBCluster => ({
  DBClusterIdentifier: id,
  DBClusterArn: `arn:aws:rds:eu-west-1:111122223333:cluster:${id}`,
  DbClusterResourceId: `cluster-${id.toUpperCase()}`,
  Engine: 'aurora-mysql',
  EngineVersion: '8.0.mysql_aurora.3.05.2',
  BacktrackWindow: 86_400,
  ...extra,
});

async function collect(pages: AsyncGenerator<ClusterPage>): Promise<ClusterPage[]> {
  const out: ClusterPage[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

beforeEach(() => {
  rds.reset();
});

describe('toClusterFacts', () => {
  it('maps every field the rules use', () => {
    const created = new Date('2026-01-02T03:04:05Z');
    const earliest = new Date('2026-11-01T00:00:00Z');
    const facts = toClusterFacts(
      'eu-west-1',
      cluster('orders', {
        EngineMode: 'provisioned',
        EarliestBacktrackTime: earliest,
        ClusterCreateTime: created,
        GlobalClusterIdentifier: 'global-1',
        ReplicationSourceIdentifier: 'arn:aws:rds:us-east-1:111122223333:cluster:src',
        ReadReplicaIdentifiers: ['arn:aws:rds:us-west-2:111122223333:cluster:replica'],
        ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 },
        Status: 'available',
        DBClusterMembers: [
          { DBInstanceIdentifier: 'orders-reader', IsClusterWriter: false },
          { DBInstanceIdentifier: 'orders-writer', IsClusterWriter: true },
        ],
        TagList: [{ Key: 'backtrack-check:exempt', Value: 'true' }, { Key: 'empty' }, { Value: 'no key' }],
      }),
    );

    expect(facts).toEqual({
      region: 'eu-west-1',
      identifier: 'orders',
      arn: 'arn:aws:rds:eu-west-1:111122223333:cluster:orders',
      resourceId: 'cluster-ORDERS',
      engine: 'aurora-mysql',
      engineVersion: '8.0.mysql_aurora.3.05.2',
      engineMode: 'provisioned',
      backtrackWindowSeconds: 86_400,
      earliestBacktrackTime: earliest,
      createdAt: created,
      globalClusterIdentifier: 'global-1',
      replicationSourceIdentifier: 'arn:aws:rds:us-east-1:111122223333:cluster:src',
      readReplicaIdentifiers: ['arn:aws:rds:us-west-2:111122223333:cluster:replica'],
      serverlessV2: true,
      status: 'available',
      writerInstanceId: 'orders-writer',
      tags: { 'backtrack-check:exempt': 'true', empty: '' },
      restore: {
        vpcSecurityGroupIds: [],
        deletionProtection: false,
        iamDatabaseAuthentication: false,
        cloudwatchLogsExports: [],
        copyTagsToSnapshot: false,
        associatedRoles: [],
        engineVersion: '8.0.mysql_aurora.3.05.2',
        serverlessV2Scaling: { minCapacity: 0.5, maxCapacity: 4 },
      },
    });
  });

  it('maps what a restore must repeat: subnet group, security groups, parameter group, KMS key of an encrypted cluster, port and settings', () => {
    const facts = toClusterFacts(
      'eu-west-1',
      cluster('orders', {
        DBSubnetGroup: 'db-private',
        VpcSecurityGroups: [
          { VpcSecurityGroupId: 'sg-0a1', Status: 'active' },
          { VpcSecurityGroupId: 'sg-0b2', Status: 'active' },
        ],
        DBClusterParameterGroup: 'orders-params',
        StorageEncrypted: true,
        KmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd',
        Port: 3307,
        DeletionProtection: true,
        IAMDatabaseAuthenticationEnabled: true,
        EnabledCloudwatchLogsExports: ['audit', 'error'],
      }),
    );

    expect('restore' in facts && facts.restore).toEqual({
      dbSubnetGroup: 'db-private',
      vpcSecurityGroupIds: ['sg-0a1', 'sg-0b2'],
      dbClusterParameterGroup: 'orders-params',
      kmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd',
      port: 3307,
      deletionProtection: true,
      iamDatabaseAuthentication: true,
      cloudwatchLogsExports: ['audit', 'error'],
      copyTagsToSnapshot: false,
      associatedRoles: [],
      engineVersion: '8.0.mysql_aurora.3.05.2',
    });
  });

  it('maps what a restore leaves out or sets later: storage type, Serverless v2 capacity, copy-tags-to-snapshot, backups, windows, IAM roles and engine version', () => {
    const facts = toClusterFacts(
      'eu-west-1',
      cluster('orders', {
        StorageType: 'aurora-iopt1',
        ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 16, SecondsUntilAutoPause: 300 },
        CopyTagsToSnapshot: true,
        BackupRetentionPeriod: 14,
        PreferredBackupWindow: '03:00-03:30',
        PreferredMaintenanceWindow: 'sun:05:00-sun:05:30',
        AssociatedRoles: [
          { RoleArn: 'arn:aws:iam::111122223333:role/s3-import', FeatureName: 's3Import', Status: 'ACTIVE' },
          { RoleArn: 'arn:aws:iam::111122223333:role/other', Status: 'ACTIVE' },
          { Status: 'PENDING' },
        ],
        EngineVersion: '8.0.mysql_aurora.3.08.0',
      }),
    );

    expect('restore' in facts && facts.restore).toMatchObject({
      storageType: 'aurora-iopt1',
      serverlessV2Scaling: { minCapacity: 0.5, maxCapacity: 16, secondsUntilAutoPause: 300 },
      copyTagsToSnapshot: true,
      backupRetentionPeriod: 14,
      preferredBackupWindow: '03:00-03:30',
      preferredMaintenanceWindow: 'sun:05:00-sun:05:30',
      associatedRoles: [
        { roleArn: 'arn:aws:iam::111122223333:role/s3-import', featureName: 's3Import' },
        { roleArn: 'arn:aws:iam::111122223333:role/other' },
      ],
      engineVersion: '8.0.mysql_aurora.3.08.0',
    });
  });

  it('leaves out the KMS key of an unencrypted cluster (a restore with a key would encrypt it)', () => {
    const facts = toClusterFacts(
      'eu-west-1',
      cluster('orders', { StorageEncrypted: false, KmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/x' }),
    );

    expect('restore' in facts && facts.restore?.kmsKeyId).toBeUndefined();
  });

  it('leaves an absent BacktrackWindow and EngineMode undefined rather than inventing a value', () => {
    const { BacktrackWindow: _omit, ...noWindow } = cluster('legacy');

    const facts = toClusterFacts('eu-west-1', noWindow);

    expect(facts).not.toHaveProperty('rejected');
    expect(facts).not.toHaveProperty('backtrackWindowSeconds');
    expect(facts).not.toHaveProperty('engineMode');
    expect(facts).toMatchObject({ serverlessV2: false, readReplicaIdentifiers: [], tags: {} });
  });

  it('keeps a BacktrackWindow of 0 as 0', () => {
    expect(toClusterFacts('eu-west-1', cluster('off', { BacktrackWindow: 0 }))).toMatchObject({ backtrackWindowSeconds: 0 });
  });

  it('turns time strings into Dates', () => {
    const facts = toClusterFacts('eu-west-1', cluster('s', { EarliestBacktrackTime: '2026-11-01T00:00:00Z' as unknown as Date }));

    expect(facts).toMatchObject({ earliestBacktrackTime: new Date('2026-11-01T00:00:00Z') });
  });

  it.each(['DBClusterIdentifier', 'DBClusterArn', 'DbClusterResourceId', 'Engine'] as const)(
    'rejects a cluster without %s and names the field',
    (field) => {
      const c = cluster('broken');
      delete c[field];

      const facts = toClusterFacts('eu-west-1', c);

      expect(facts).toHaveProperty('rejected.reason', expect.stringContaining(field));
      expect(facts).toHaveProperty('rejected.reason', expect.stringContaining('eu-west-1'));
    },
  );

  it('rejects a cluster whose EarliestBacktrackTime is not a time', () => {
    const facts = toClusterFacts('eu-west-1', cluster('odd', { EarliestBacktrackTime: 'yesterday' as unknown as Date }));

    expect(facts).toEqual({ rejected: { identifier: 'odd', reason: expect.stringContaining('EarliestBacktrackTime "yesterday"') } });
  });
});

describe('listClusterPages', () => {
  it('follows every Marker across three pages and sends the page size', async () => {
    rds
      .on(DescribeDBClustersCommand)
      .resolvesOnce({ DBClusters: [cluster('a'), cluster('b')], Marker: 'm1' })
      .resolvesOnce({ DBClusters: [cluster('c')], Marker: 'm2' })
      .resolvesOnce({ DBClusters: [cluster('d')] });

    const pages = await collect(listClusterPages(client, 'eu-west-1', { pageSize: 20 }));

    expect(pages.map((p) => p.clusters.map((c) => c.identifier))).toEqual([['a', 'b'], ['c'], ['d']]);
    expect(rds).toHaveReceivedCommandTimes(DescribeDBClustersCommand, 3);
    expect(rds).toHaveReceivedNthCommandWith(1, DescribeDBClustersCommand, { MaxRecords: 20 });
    expect(rds.commandCalls(DescribeDBClustersCommand)[0]?.args[0].input).not.toHaveProperty('Marker');
    expect(rds).toHaveReceivedNthCommandWith(2, DescribeDBClustersCommand, { MaxRecords: 20, Marker: 'm1' });
    expect(rds).toHaveReceivedNthCommandWith(3, DescribeDBClustersCommand, { MaxRecords: 20, Marker: 'm2' });
  });

  it('asks for 100 records per page by default', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });

    await collect(listClusterPages(client, 'eu-west-1'));

    expect(rds).toHaveReceivedCommandWith(DescribeDBClustersCommand, { MaxRecords: 100 });
  });

  it('stops with InvalidResponseError when AWS returns a Marker it already returned', async () => {
    rds
      .on(DescribeDBClustersCommand)
      .resolvesOnce({ DBClusters: [cluster('a')], Marker: 'm1' })
      .resolvesOnce({ DBClusters: [cluster('b')], Marker: 'm2' })
      .resolves({ DBClusters: [cluster('c')], Marker: 'm1' });

    const error: unknown = await collect(listClusterPages(client, 'eu-west-1')).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as Error).message).toMatch(/eu-west-1.*Marker "m1" was returned twice/);
    expect(rds).toHaveReceivedCommandTimes(DescribeDBClustersCommand, 3);
  });

  it('rejects a cluster missing its ARN with a reason while the others on the page pass', async () => {
    const { DBClusterArn: _omit, ...noArn } = cluster('no-arn');
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster('a'), noArn, cluster('b')] });

    const [page] = await collect(listClusterPages(client, 'eu-west-1'));

    expect(page?.clusters.map((c) => c.identifier)).toEqual(['a', 'b']);
    expect(page?.rejected).toEqual([{ identifier: 'no-arn', reason: expect.stringContaining('DBClusterArn') }]);
  });

  it.each([19, 101, 50.5])('refuses page size %p before calling AWS', async (pageSize) => {
    await expect(collect(listClusterPages(client, 'eu-west-1', { pageSize }))).rejects.toThrow(RangeError);
    expect(rds).not.toHaveReceivedCommand(DescribeDBClustersCommand);
  });
});

describe('describeCluster', () => {
  it('filters by db-cluster-id and returns the cluster', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster('orders')] });

    const facts = await describeCluster(client, 'eu-west-1', 'orders');

    expect(facts?.identifier).toBe('orders');
    expect(rds).toHaveReceivedCommandWith(DescribeDBClustersCommand, {
      Filters: [{ Name: 'db-cluster-id', Values: ['orders'] }],
    });
  });

  it('matches the identifier without regard to case, as RDS stores it in lower case', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster('orders')] });

    expect((await describeCluster(client, 'eu-west-1', 'Orders'))?.identifier).toBe('orders');
  });

  it('returns undefined when the cluster no longer exists (empty list)', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });

    await expect(describeCluster(client, 'eu-west-1', 'gone')).resolves.toBeUndefined();
  });

  it('returns undefined on DBClusterNotFoundFault', async () => {
    rds.on(DescribeDBClustersCommand).rejects(new DBClusterNotFoundFault({ message: 'DBCluster gone not found.', $metadata: {} }));

    await expect(describeCluster(client, 'eu-west-1', 'gone')).resolves.toBeUndefined();
  });

  it('raises other errors unchanged', async () => {
    rds.on(DescribeDBClustersCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));

    await expect(describeCluster(client, 'eu-west-1', 'orders')).rejects.toThrow('denied');
  });

  it('raises InvalidResponseError for a cluster that exists but cannot be checked, not "deleted"', async () => {
    const { Engine: _omit, ...noEngine } = cluster('orders');
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [noEngine] });

    await expect(describeCluster(client, 'eu-west-1', 'orders')).rejects.toThrow(InvalidResponseError);
  });
});
