/**
 * `aurora-backtrack-check migrate`, the built CLI talking HTTP to the emulator: the plan writes
 * nothing, --apply turns a source without Backtrack into a new cluster that passes with every
 * setting carried (read back from the emulator and the proxy's request log), a re-run changes
 * nothing, a short window is raised at once, refusals exit 2, a failure midway exits 3 and a re-run
 * completes; and the same run on moto alone, without the proxy.
 */
import { CreateDBClusterCommand, DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import type { EmulatedAws } from '../../emulator';
import type { ProxyCall } from '../../emulator/aws-proxy';
import { useEmulatedAws } from './emulated-account';
import { clients, describe as describeCluster, makeSource, V3 } from './migrate-world';
import { runCliWith } from './shells';

jest.setTimeout(180_000);

const REGION = 'eu-west-1';
let aws: EmulatedAws;
useEmulatedAws((started) => (aws = started));

interface StepJson {
  n: number;
  call: string;
  params: Record<string, unknown>;
  status: string;
}
interface MigrateJson {
  outcome: string;
  plan?: { kind: string; target: string; steps: StepJson[] };
  refusal?: { kind: string; message: string };
  failure?: { step: number; code: string; message: string };
  verdict?: { cluster: string; status: string };
  endpoints?: { writer?: string; reader?: string; port?: number };
  cutOver?: string[];
}

async function migrate(
  args: string[],
  endpoint = aws.endpoint,
  region = REGION,
): Promise<{ code: number; json: MigrateJson; stderr: string }> {
  const r = await runCliWith(['migrate', '--region', region, '--format', 'json', '--poll-seconds', '0', ...args], {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: region,
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  return { code: r.code, json: JSON.parse(r.stdout) as MigrateJson, stderr: r.stderr };
}

const writes = (calls: readonly ProxyCall[]) => calls.filter((c) => c.service === 'rds' && !/^Describe/.test(c.operation));
const callOf = (operation: string) => aws.proxy.callsFor({ service: 'rds', operation });

describe('migrate a cluster without Backtrack (the proxy in front of moto)', () => {
  beforeAll(async () => {
    await aws.reset();
    await makeSource(aws.endpoint, REGION, 'shop');
  });
  beforeEach(() => aws.proxy.clearCalls());

  it('plans every step with its call and parameters and makes no write call', async () => {
    const r = await migrate(['--cluster', 'shop']);
    expect(r.code).toBe(0);
    expect(r.json.outcome).toBe('planned');
    expect(r.json.plan?.steps.map((s) => s.call)).toEqual([
      'RestoreDBClusterToPointInTime',
      'ModifyDBCluster',
      'AddRoleToDBCluster',
      'CreateDBInstance',
      'CreateDBInstance',
    ]);
    expect(aws.proxy.calls.length).toBeGreaterThan(0);
    expect(writes(aws.proxy.calls)).toEqual([]);
    expect(await describeCluster(aws.endpoint, REGION, 'shop-bt').catch(() => undefined)).toBeUndefined();
  });

  it('--apply makes a new cluster that passes, with every setting in the restore and instance calls, and leaves the source untouched', async () => {
    const before = await describeCluster(aws.endpoint, REGION, 'shop');
    const r = await migrate(['--cluster', 'shop', '--apply']);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ outcome: 'done', verdict: { cluster: 'shop-bt', status: 'PASSED' } });
    expect(r.json.endpoints?.writer).toMatch(/^shop-bt\.cluster-/);
    expect(r.json.cutOver?.length).toBe(3);

    // What the product sent (the proxy's request log).
    const [restore] = callOf('RestoreDBClusterToPointInTime');
    expect(restore?.params).toMatchObject({
      SourceDBClusterIdentifier: 'shop',
      DBClusterIdentifier: 'shop-bt',
      RestoreType: 'full-copy',
      UseLatestRestorableTime: 'true',
      BacktrackWindow: '86400',
      DBSubnetGroupName: 'shop-net',
      DBClusterParameterGroupName: 'shop-cluster-params',
      KmsKeyId: before?.KmsKeyId,
      Port: '3307',
      StorageType: 'aurora-iopt1',
      CopyTagsToSnapshot: 'true',
      DeletionProtection: 'true',
      EnableIAMDatabaseAuthentication: 'true',
    });
    expect(Object.values(restore?.params ?? {})).toEqual(
      expect.arrayContaining([before?.VpcSecurityGroups?.[0]?.VpcSecurityGroupId, 'error', 'slowquery']),
    );
    const instances = callOf('CreateDBInstance').map((c) => c.params);
    expect(instances).toEqual([
      expect.objectContaining({
        DBInstanceIdentifier: 'shop-bt-writer',
        DBInstanceClass: 'db.r6g.xlarge',
        DBParameterGroupName: 'shop-instance-params',
        PromotionTier: '0',
        EnablePerformanceInsights: 'true',
        PerformanceInsightsRetentionPeriod: '31',
        MonitoringInterval: '60',
      }),
      expect.objectContaining({ DBInstanceIdentifier: 'shop-bt-reader', DBInstanceClass: 'db.r6g.large', PromotionTier: '2' }),
    ]);

    // What the emulator now holds (the proxy gives AWS's defaults for whatever a restore does not send).
    const target = await describeCluster(aws.endpoint, REGION, 'shop-bt');
    expect(target).toMatchObject({
      BacktrackWindow: 86400,
      DBSubnetGroup: 'shop-net',
      VpcSecurityGroups: [expect.objectContaining({ VpcSecurityGroupId: before?.VpcSecurityGroups?.[0]?.VpcSecurityGroupId })],
      DBClusterParameterGroup: 'shop-cluster-params',
      KmsKeyId: before?.KmsKeyId,
      StorageType: 'aurora-iopt1',
      Port: 3307,
      BackupRetentionPeriod: 14,
      PreferredBackupWindow: '02:00-02:30',
      PreferredMaintenanceWindow: 'sun:04:00-sun:04:30',
      CopyTagsToSnapshot: true,
      DeletionProtection: true,
      IAMDatabaseAuthenticationEnabled: true,
      EnabledCloudwatchLogsExports: ['error', 'slowquery'],
      AssociatedRoles: [expect.objectContaining({ RoleArn: before?.AssociatedRoles?.[0]?.RoleArn, FeatureName: 's3Import' })],
    });
    expect(target?.TagList).toEqual(
      expect.arrayContaining([
        { Key: 'team', Value: 'payments' },
        { Key: 'cost-center', Value: '42' },
        { Key: 'backtrack-check:restored-from', Value: before?.DBClusterArn },
      ]),
    );
    expect(target?.DBClusterMembers?.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier).toBe('shop-bt-writer');
    const made = await clients(aws.endpoint, REGION).rds.send(
      new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: ['shop-bt'] }] }),
    );
    const writer = made.DBInstances?.find((i) => i.DBInstanceIdentifier === 'shop-bt-writer');
    expect(writer).toMatchObject({
      DBInstanceClass: 'db.r6g.xlarge',
      PromotionTier: 0,
      PerformanceInsightsEnabled: true,
      PerformanceInsightsRetentionPeriod: 31,
      MonitoringInterval: 60,
      DBParameterGroups: [expect.objectContaining({ DBParameterGroupName: 'shop-instance-params' })],
    });
    expect(made.DBInstances?.find((i) => i.DBInstanceIdentifier === 'shop-bt-reader')).toMatchObject({
      DBInstanceClass: 'db.r6g.large',
      PromotionTier: 2,
    });

    // The source: no write call names it, and it reads as before.
    expect(writes(aws.proxy.calls).filter((c) => c.params?.DBClusterIdentifier === 'shop')).toEqual([]);
    const after = await describeCluster(aws.endpoint, REGION, 'shop');
    expect(after).toMatchObject({
      BacktrackWindow: 0,
      Status: 'available',
      TagList: before?.TagList,
      StorageType: before?.StorageType,
      DeletionProtection: before?.DeletionProtection,
      DBClusterMembers: before?.DBClusterMembers,
    });
  });

  it('a second run changes nothing: every step is done and no write call is made', async () => {
    const r = await migrate(['--cluster', 'shop', '--apply']);
    expect(r.code).toBe(0);
    expect(r.json.outcome).toBe('done');
    expect(r.json.plan?.steps.map((s) => s.status)).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(writes(aws.proxy.calls)).toEqual([]);
  });
});

describe('migrate a short window, refusals and failures', () => {
  beforeAll(async () => {
    await aws.reset();
  });
  beforeEach(() => aws.proxy.clearCalls());

  it('raises a short window in place, applied immediately, as the only write', async () => {
    await makeSource(aws.endpoint, REGION, 'ledger', { backtrackWindow: 3600, instances: false });
    aws.proxy.clearCalls();
    const r = await migrate(['--cluster', 'ledger', '--apply', '--window-hours', '24']);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ outcome: 'done', plan: { kind: 'modify-window' }, verdict: { cluster: 'ledger', status: 'PASSED' } });
    expect(writes(aws.proxy.calls).map((c) => [c.operation, c.params])).toEqual([
      ['ModifyDBCluster', expect.objectContaining({ DBClusterIdentifier: 'ledger', BacktrackWindow: '86400', ApplyImmediately: 'true' })],
    ]);
    expect((await describeCluster(aws.endpoint, REGION, 'ledger'))?.BacktrackWindow).toBe(86400);
  });

  it('refuses a cluster that already passes, with exit 2 and the reason', async () => {
    const r = await migrate(['--cluster', 'ledger']);
    expect(r.code).toBe(2);
    expect(r.json.refusal).toMatchObject({ kind: 'already-passes', message: expect.stringContaining('already passes') });
  });

  it('refuses a cluster in a Region without Backtrack and an Aurora PostgreSQL cluster, with exit 2 and the reason', async () => {
    const { rds } = clients(aws.endpoint, 'eu-north-1');
    await rds.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: 'nordic',
        Engine: 'aurora-mysql',
        EngineVersion: V3,
        MasterUsername: 'a',
        MasterUserPassword: 'password-1',
      }),
    );
    aws.proxy.clearCalls();
    const nordic = await migrate(['--cluster', 'nordic'], aws.endpoint, 'eu-north-1');
    expect(nordic.code).toBe(2);
    expect(nordic.json.refusal).toMatchObject({ kind: 'backtrack-unsupported', message: expect.stringContaining('eu-north-1') });
    expect(writes(aws.proxy.calls)).toEqual([]);
    await clients(aws.endpoint, REGION).rds.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: 'pg',
        Engine: 'aurora-postgresql',
        MasterUsername: 'a',
        MasterUserPassword: 'password-1',
      }),
    );
    aws.proxy.clearCalls();
    const pg = await migrate(['--cluster', 'pg']);
    expect(pg.code).toBe(2);
    expect(pg.json.refusal?.kind).toBe('not-aurora-mysql');
    expect(writes(aws.proxy.calls)).toEqual([]);
  });

  it('refuses a target that exists but was not made from this source', async () => {
    await makeSource(aws.endpoint, REGION, 'orders', { instances: false });
    await clients(aws.endpoint, REGION).rds.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: 'orders-bt',
        Engine: 'aurora-mysql',
        EngineVersion: V3,
        MasterUsername: 'a',
        MasterUserPassword: 'password-1',
      }),
    );
    aws.proxy.clearCalls();
    const r = await migrate(['--cluster', 'orders', '--apply']);
    expect(r.code).toBe(2);
    expect(r.json.refusal).toMatchObject({ kind: 'target-taken', message: expect.stringContaining('orders-bt') });
    expect(writes(aws.proxy.calls)).toEqual([]);
  });

  it('a failure midway exits 3 with the plan and the failed step, and the same command then completes', async () => {
    await makeSource(aws.endpoint, REGION, 'billing');
    aws.proxy.clearCalls();
    aws.proxy.addFault({
      service: 'rds',
      operation: 'CreateDBInstance',
      kind: 'error',
      code: 'InsufficientDBInstanceCapacity',
      status: 400,
      message: 'Cannot create a DB instance of class db.r6g.xlarge in eu-west-1a now',
      count: 1,
    });
    const failed = await migrate(['--cluster', 'billing', '--apply']);
    expect(failed.code).toBe(3);
    expect(failed.json).toMatchObject({
      outcome: 'failed',
      failure: { step: 4, code: expect.stringMatching(/^InsufficientDBInstanceCapacity/) },
    });
    expect(failed.json.plan?.steps.map((s) => s.status)).toEqual(['applied', 'applied', 'applied', 'failed', 'not-run']);
    const again = await migrate(['--cluster', 'billing', '--apply']);
    expect(again.code).toBe(0);
    expect(again.json).toMatchObject({ outcome: 'done', verdict: { status: 'PASSED' } });
    expect(again.json.plan?.steps.map((s) => s.status)).toEqual(['done', 'done', 'done', 'applied', 'applied']);
    expect(callOf('RestoreDBClusterToPointInTime')).toHaveLength(1);
  });

  it('--snapshot restores from a fresh manual snapshot of the source, with its engine version', async () => {
    await makeSource(aws.endpoint, REGION, 'archive', { instances: false });
    aws.proxy.clearCalls();
    const r = await migrate(['--cluster', 'archive', '--apply', '--snapshot']);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ outcome: 'done', plan: { target: 'archive-bt' }, verdict: { status: 'PASSED' } });
    expect(writes(aws.proxy.calls).map((c) => c.operation)).toEqual([
      'CreateDBClusterSnapshot',
      'RestoreDBClusterFromSnapshot',
      'ModifyDBCluster',
      'AddRoleToDBCluster',
    ]);
    expect(callOf('RestoreDBClusterFromSnapshot')[0]?.params).toMatchObject({
      SnapshotIdentifier: 'archive-bt-source',
      EngineVersion: V3,
      BacktrackWindow: '86400',
      StorageType: 'aurora-iopt1',
    });
  });
});

describe('migrate on plain moto (no proxy)', () => {
  beforeAll(async () => {
    await aws.reset();
  });

  it('--apply runs to the end with only the calls moto implements', async () => {
    await makeSource(aws.moto.endpoint, REGION, 'plain');
    const r = await migrate(['--cluster', 'plain', '--apply'], aws.moto.endpoint);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ outcome: 'done', verdict: { cluster: 'plain-bt', status: 'PASSED' } });
    const target = await describeCluster(aws.moto.endpoint, REGION, 'plain-bt');
    expect(target?.BacktrackWindow).toBe(86400);
    expect(target?.DBClusterMembers?.map((m) => m.DBInstanceIdentifier).sort()).toEqual(['plain-bt-reader', 'plain-bt-writer']);
  });
});
