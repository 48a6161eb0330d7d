/**
 * Restores and new instances through the AWS-behaviour proxy, with the real SDK: the proxy refuses
 * the windows AWS refuses, gives a restored cluster AWS's defaults for what the restore did not
 * send (moto copies the source's), and keeps the Performance Insights moto drops.
 */
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  ModifyDBClusterCommand,
  RDSClient,
  RestoreDBClusterToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import { startEmulatedAws, type EmulatedAws } from '../../emulator/emulated-aws';
import { workerMoto } from '../worker-moto';
import { backtrackRefusal, insightsOf, restoreDefaults, withInsights } from '../../emulator/rds-restore';

jest.setTimeout(60_000);

const V3 = '8.0.mysql_aurora.3.05.2';
let aws: EmulatedAws;

beforeAll(async () => {
  aws = await startEmulatedAws({ moto: await workerMoto() });
}, 600_000);

afterAll(async () => {
  await aws?.stop();
});

const rds = (region = 'eu-west-1') => new RDSClient(aws.clientConfig(region));
const cluster = (id: string, extra: Record<string, unknown> = {}) =>
  new CreateDBClusterCommand({
    DBClusterIdentifier: id,
    Engine: 'aurora-mysql',
    EngineVersion: V3,
    MasterUsername: 'a',
    MasterUserPassword: 'password-1',
    ...extra,
  });
const describe1 = async (id: string, region = 'eu-west-1') =>
  (await rds(region).send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))).DBClusters?.[0];

describe('the proxy refuses the Backtrack windows AWS refuses', () => {
  beforeAll(async () => aws.reset());

  it('refuses a window on a copy-on-write clone of a source without Backtrack (InvalidParameterCombination)', async () => {
    await rds().send(cluster('plain'));
    const clone = new RestoreDBClusterToPointInTimeCommand({
      SourceDBClusterIdentifier: 'plain',
      DBClusterIdentifier: 'plain-clone',
      RestoreType: 'copy-on-write',
      UseLatestRestorableTime: true,
      BacktrackWindow: 3600,
    });
    await expect(rds().send(clone)).rejects.toMatchObject({
      name: 'InvalidParameterCombination',
      message: expect.stringContaining('full-copy'),
    });
    expect(await describe1('plain-clone').catch(() => undefined)).toBeUndefined();
  });

  it('clones with a window a source that has Backtrack, and restores a full copy of one without', async () => {
    await rds().send(cluster('tracked', { BacktrackWindow: 7200 }));
    await rds().send(
      new RestoreDBClusterToPointInTimeCommand({
        SourceDBClusterIdentifier: 'tracked',
        DBClusterIdentifier: 'tracked-clone',
        RestoreType: 'copy-on-write',
        UseLatestRestorableTime: true,
        BacktrackWindow: 3600,
      }),
    );
    expect((await describe1('tracked-clone'))?.BacktrackWindow).toBe(3600);
    await rds().send(
      new RestoreDBClusterToPointInTimeCommand({
        SourceDBClusterIdentifier: 'plain',
        DBClusterIdentifier: 'plain-copy',
        RestoreType: 'full-copy',
        UseLatestRestorableTime: true,
        BacktrackWindow: 3600,
      }),
    );
    expect((await describe1('plain-copy'))?.BacktrackWindow).toBe(3600);
  });

  it('refuses a window in a Region where AWS offers no Backtrack (InvalidParameterValue), on create and on modify', async () => {
    await expect(rds('eu-north-1').send(cluster('nordic', { BacktrackWindow: 3600 }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: expect.stringContaining('eu-north-1'),
    });
    await rds('eu-north-1').send(cluster('nordic'));
    await expect(
      rds('eu-north-1').send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'nordic', BacktrackWindow: 3600 })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
  });
});

describe('a restored cluster and a new instance as AWS makes them', () => {
  beforeAll(async () => aws.reset());

  it("gives a restore that sends none of them AWS's defaults, not the source's storage type, tags, protection or log exports", async () => {
    await rds().send(
      cluster('rich', {
        StorageType: 'aurora-iopt1',
        AllocatedStorage: 1,
        DeletionProtection: true,
        CopyTagsToSnapshot: true,
        EnableIAMDatabaseAuthentication: true,
        EnableCloudwatchLogsExports: ['error'],
        ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 },
        Tags: [{ Key: 'team', Value: 'payments' }],
      }),
    );
    await rds().send(
      new RestoreDBClusterToPointInTimeCommand({
        SourceDBClusterIdentifier: 'rich',
        DBClusterIdentifier: 'bare',
        UseLatestRestorableTime: true,
      }),
    );
    const bare = await describe1('bare');
    expect(bare).toMatchObject({
      StorageType: 'aurora',
      DeletionProtection: false,
      CopyTagsToSnapshot: false,
      IAMDatabaseAuthenticationEnabled: false,
    });
    expect(bare?.TagList ?? []).toEqual([]);
    expect(bare?.EnabledCloudwatchLogsExports ?? []).toEqual([]);
    expect(bare?.ServerlessV2ScalingConfiguration).toBeUndefined();
    expect((await describe1('rich'))?.StorageType).toBe('aurora-iopt1');
  });

  it('keeps what a restore sends, and what a later ModifyDBCluster sets', async () => {
    await rds().send(
      new RestoreDBClusterToPointInTimeCommand({
        SourceDBClusterIdentifier: 'rich',
        DBClusterIdentifier: 'carried',
        UseLatestRestorableTime: true,
        StorageType: 'aurora-iopt1',
        Tags: [{ Key: 'team', Value: 'payments' }],
      }),
    );
    expect(await describe1('carried')).toMatchObject({
      StorageType: 'aurora-iopt1',
      TagList: [{ Key: 'team', Value: 'payments' }],
      DeletionProtection: false,
    });
    await rds().send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'carried', DeletionProtection: true, ApplyImmediately: true }));
    expect((await describe1('carried'))?.DeletionProtection).toBe(true);
  });

  it('states the Performance Insights a CreateDBInstance set (moto keeps none of it)', async () => {
    await rds().send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: 'rich-1',
        DBClusterIdentifier: 'rich',
        Engine: 'aurora-mysql',
        DBInstanceClass: 'db.r6g.large',
        EnablePerformanceInsights: true,
        PerformanceInsightsKMSKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/pi',
        PerformanceInsightsRetentionPeriod: 31,
      }),
    );
    await rds().send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: 'rich-2',
        DBClusterIdentifier: 'rich',
        Engine: 'aurora-mysql',
        DBInstanceClass: 'db.r6g.large',
      }),
    );
    const out = await rds().send(new DescribeDBInstancesCommand({}));
    expect(out.DBInstances?.find((i) => i.DBInstanceIdentifier === 'rich-1')).toMatchObject({
      PerformanceInsightsEnabled: true,
      PerformanceInsightsKMSKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/pi',
      PerformanceInsightsRetentionPeriod: 31,
    });
    expect(out.DBInstances?.find((i) => i.DBInstanceIdentifier === 'rich-2')?.PerformanceInsightsEnabled).toBeUndefined();
  });
});

describe('the rules behind them', () => {
  const params = (o: Record<string, string>) => new URLSearchParams(o);

  it('refuses a window only where it is set above 0', () => {
    expect(backtrackRefusal('CreateDBCluster', 'eu-north-1', params({ BacktrackWindow: '0' }))).toBeUndefined();
    expect(backtrackRefusal('CreateDBCluster', 'eu-central-2', params({ BacktrackWindow: '60' }))?.code).toBe('InvalidParameterValue');
    expect(backtrackRefusal('DescribeDBClusters', 'eu-north-1', params({ BacktrackWindow: '60' }))).toBeUndefined();
    const cow = params({ BacktrackWindow: '60', RestoreType: 'copy-on-write', SourceDBClusterIdentifier: 's' });
    expect(backtrackRefusal('RestoreDBClusterToPointInTime', 'eu-west-1', cow, 0)?.code).toBe('InvalidParameterCombination');
    expect(backtrackRefusal('RestoreDBClusterToPointInTime', 'eu-west-1', cow, 60)).toBeUndefined();
  });

  it('overrides only what the restore did not send', () => {
    expect(restoreDefaults(params({ StorageType: 'aurora-iopt1', 'Tags.Tag.1.Key': 'a', DeletionProtection: 'true' }))).toEqual({
      ServerlessV2ScalingConfiguration: null,
      CopyTagsToSnapshot: false,
      IAMDatabaseAuthenticationEnabled: false,
      EnabledCloudwatchLogsExports: null,
    });
  });

  it('adds Performance Insights to the instance it belongs to, leaving the others', () => {
    const xml =
      '<DBInstances><DBInstance><DBInstanceIdentifier>a</DBInstanceIdentifier></DBInstance><DBInstance><DBInstanceIdentifier>b</DBInstanceIdentifier></DBInstance></DBInstances>';
    const pi = insightsOf(params({ EnablePerformanceInsights: 'true' }));
    expect(pi).toEqual({ enabled: true, retentionDays: 7 });
    const out = withInsights(xml, (id) => (id === 'a' ? pi : undefined));
    expect(out).toContain('<DBInstanceIdentifier>a</DBInstanceIdentifier><PerformanceInsightsEnabled>true</PerformanceInsightsEnabled>');
    expect(out).toContain('<DBInstanceIdentifier>b</DBInstanceIdentifier></DBInstance>');
  });
});
