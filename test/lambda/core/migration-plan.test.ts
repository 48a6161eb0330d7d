import {
  buildPlan,
  cutOverSteps,
  instanceName,
  RDS_IDENTIFIER,
  refusalText,
  restoreParameters,
  writerFirst,
} from '../../../lambda/core/migration-plan';
import type { InstanceFacts, MigrationCluster, MigrationPlan, MigrationWorld, PlanOutcome } from '../../../lambda/core/migration-types';
import type { ClusterFacts } from '../../../lambda/core/types';
import { cluster, HOUR, NOW, POLICY, policy } from '../fixtures';

const ARN = 'arn:aws:rds:eu-west-1:111122223333:cluster:orders';
const FROM = 'backtrack-check:restored-from';

function instance(identifier: string, o: Partial<InstanceFacts> = {}): InstanceFacts {
  return {
    identifier,
    instanceClass: 'db.r6g.large',
    isWriter: false,
    performanceInsights: { enabled: false },
    monitoring: { intervalSeconds: 0 },
    ...o,
  };
}

function source(facts: Partial<ClusterFacts> = {}, o: Partial<MigrationCluster> = {}): MigrationCluster {
  return {
    facts: cluster({ backtrackWindowSeconds: 0, status: 'available', tags: { team: 'payments' }, ...facts }),
    settings: {
      dbSubnetGroup: 'orders-net',
      vpcSecurityGroupIds: ['sg-1', 'sg-2'],
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
      cloudwatchLogsExports: ['error', 'slowquery'],
      associatedRoles: [{ roleArn: 'arn:aws:iam::111122223333:role/s3', featureName: 's3Import' }],
    },
    instances: [
      instance('orders-reader', { instanceClass: 'db.r6g.large', promotionTier: 2 }),
      instance('orders-writer', {
        instanceClass: 'db.r6g.xlarge',
        isWriter: true,
        promotionTier: 0,
        dbParameterGroup: 'orders-instance-params',
        publiclyAccessible: false,
        performanceInsights: { enabled: true, kmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/pi', retentionDays: 31 },
        monitoring: { intervalSeconds: 60, roleArn: 'arn:aws:iam::111122223333:role/monitoring' },
      }),
    ],
    ...o,
  };
}

const world = (o: Partial<MigrationWorld> = {}): MigrationWorld => ({ source: source(), ...o });
const plan = (outcome: PlanOutcome): MigrationPlan => {
  if (!('plan' in outcome)) throw new Error(`refused: ${refusalText(outcome.refusal)}`);
  return outcome.plan;
};
const options = { policy: POLICY, now: NOW, snapshot: false };

describe('buildPlan: Backtrack off, restore into a new cluster', () => {
  it('restores at the latest restorable time into <id>-bt with every setting of the source, then backups, roles and instances, writer first', () => {
    const p = plan(buildPlan(world(), options));

    expect(p).toMatchObject({ kind: 'restore', target: 'orders-bt', windowSeconds: 24 * HOUR, via: 'point-in-time' });
    expect(p.steps.map((s) => [s.call, s.state])).toEqual([
      ['RestoreDBClusterToPointInTime', 'todo'],
      ['ModifyDBCluster', 'todo'],
      ['AddRoleToDBCluster', 'todo'],
      ['CreateDBInstance', 'todo'],
      ['CreateDBInstance', 'todo'],
    ]);
    expect(p.steps[0]?.params).toEqual({
      SourceDBClusterIdentifier: 'orders',
      RestoreType: 'full-copy',
      UseLatestRestorableTime: true,
      DBClusterIdentifier: 'orders-bt',
      BacktrackWindow: 86_400,
      DBSubnetGroupName: 'orders-net',
      VpcSecurityGroupIds: ['sg-1', 'sg-2'],
      DBClusterParameterGroupName: 'orders-params',
      KmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/k',
      Port: 3307,
      StorageType: 'aurora-iopt1',
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 8 },
      CopyTagsToSnapshot: true,
      DeletionProtection: true,
      EnableIAMDatabaseAuthentication: true,
      EnableCloudwatchLogsExports: ['error', 'slowquery'],
      Tags: [
        { Key: 'team', Value: 'payments' },
        { Key: FROM, Value: ARN },
      ],
    });
    expect(p.steps[1]?.params).toEqual({
      DBClusterIdentifier: 'orders-bt',
      BackupRetentionPeriod: 14,
      PreferredBackupWindow: '02:00-02:30',
      PreferredMaintenanceWindow: 'sun:04:00-sun:04:30',
      ApplyImmediately: true,
    });
    expect(p.steps[2]?.params).toEqual({
      DBClusterIdentifier: 'orders-bt',
      RoleArn: 'arn:aws:iam::111122223333:role/s3',
      FeatureName: 's3Import',
    });
    expect(p.steps[3]?.params).toEqual({
      DBInstanceIdentifier: 'orders-bt-writer',
      DBClusterIdentifier: 'orders-bt',
      Engine: 'aurora-mysql',
      DBInstanceClass: 'db.r6g.xlarge',
      DBParameterGroupName: 'orders-instance-params',
      PromotionTier: 0,
      PubliclyAccessible: false,
      EnablePerformanceInsights: true,
      PerformanceInsightsKMSKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/pi',
      PerformanceInsightsRetentionPeriod: 31,
      MonitoringInterval: 60,
      MonitoringRoleArn: 'arn:aws:iam::111122223333:role/monitoring',
    });
    expect(p.steps[4]?.params).toMatchObject({
      DBInstanceIdentifier: 'orders-bt-reader',
      DBInstanceClass: 'db.r6g.large',
      PromotionTier: 2,
    });
    expect(p.steps[4]?.params).not.toHaveProperty('PerformanceInsightsKMSKeyId');
    expect(p.steps[4]?.params).not.toHaveProperty('MonitoringRoleArn');
  });

  it('never names the source in a write call except as the source of the restore', () => {
    const p = plan(buildPlan(world(), options));

    for (const step of p.steps) {
      expect(step.params.DBClusterIdentifier).not.toBe('orders');
      expect(step.params.DBInstanceIdentifier ?? '').not.toMatch(/^orders-(writer|reader)$/);
    }
  });

  it('with --snapshot, takes a manual snapshot and restores from it with the engine and its version', () => {
    const p = plan(buildPlan(world(), { ...options, snapshot: true, target: 'orders-new' }));

    expect(p.via).toBe('snapshot');
    expect(p.steps[0]).toMatchObject({
      call: 'CreateDBClusterSnapshot',
      params: { DBClusterIdentifier: 'orders', DBClusterSnapshotIdentifier: 'orders-new-source' },
      wait: { kind: 'snapshot', identifier: 'orders-new-source' },
    });
    expect(p.steps[1]).toMatchObject({
      call: 'RestoreDBClusterFromSnapshot',
      params: {
        SnapshotIdentifier: 'orders-new-source',
        Engine: 'aurora-mysql',
        EngineVersion: '8.0.mysql_aurora.3.05.2',
        DBClusterIdentifier: 'orders-new',
      },
    });
  });

  it('leaves out the key of an unencrypted source, the scaling of a provisioned one and empty lists', () => {
    const s = source();
    const bare = {
      ...s,
      settings: { ...s.settings, vpcSecurityGroupIds: [], cloudwatchLogsExports: [], kmsKeyId: undefined, serverlessV2Scaling: undefined },
    };
    const params = restoreParameters(bare, 'orders-bt', 3600, POLICY);

    expect(Object.keys(params)).not.toEqual(
      expect.arrayContaining(['KmsKeyId', 'ServerlessV2ScalingConfiguration', 'VpcSecurityGroupIds', 'EnableCloudwatchLogsExports']),
    );
    for (const key of ['KmsKeyId', 'ServerlessV2ScalingConfiguration', 'VpcSecurityGroupIds', 'EnableCloudwatchLogsExports']) {
      expect(params).not.toHaveProperty(key);
    }
  });

  it('does not copy AWS-reserved tags, and replaces an older restored-from tag with this source', () => {
    const s = source({ tags: { 'aws:cloudformation:stack-name': 'x', [FROM]: 'arn:aws:rds:eu-west-1:1:cluster:older', team: 'a' } });

    expect(restoreParameters(s, 't', 3600, POLICY).Tags).toEqual([
      { Key: 'team', Value: 'a' },
      { Key: FROM, Value: ARN },
    ]);
  });

  it('gives the required window of the cluster (its tag may ask more than --window-hours)', () => {
    const tagged = world({ source: source({ tags: { 'backtrack-check:min-window-hours': '48' } }) });

    expect(plan(buildPlan(tagged, options)).windowSeconds).toBe(48 * HOUR);
    expect(plan(buildPlan(world(), { ...options, policy: policy({ minWindowHours: 0 }) })).windowSeconds).toBe(24 * HOUR);
    expect(plan(buildPlan(world(), { ...options, policy: policy({ minWindowHours: 6 }) })).windowSeconds).toBe(6 * HOUR);
  });
});

describe('buildPlan: a re-run continues from what exists', () => {
  const restored = (o: Partial<MigrationCluster> = {}): MigrationCluster => {
    const s = source();
    return source(
      { identifier: 'orders-bt', backtrackWindowSeconds: 86_400, tags: { [FROM]: ARN } },
      { settings: { ...s.settings, associatedRoles: [] }, instances: [], ...o },
    );
  };

  it('skips the restore when the target exists and names this source, and plans what is missing', () => {
    const p = plan(buildPlan(world({ target: restored({ instances: [instance('orders-bt-writer', { isWriter: true })] }) }), options));

    expect(p.steps.map((s) => s.state)).toEqual(['done', 'done', 'todo', 'done', 'todo']);
  });

  it('marks every step done when everything exists (a second run makes no call)', () => {
    const s = source();
    const done = restored({ settings: s.settings, instances: [instance('orders-bt-writer'), instance('orders-bt-reader')] });

    expect(plan(buildPlan(world({ target: done }), options)).steps.every((x) => x.state === 'done')).toBe(true);
  });

  it('plans the backup settings again when the target differs from the source', () => {
    const s = source();
    const t = restored({ settings: { ...s.settings, backupRetentionPeriod: 1 } });

    expect(plan(buildPlan(world({ target: t }), options)).steps[1]).toMatchObject({ call: 'ModifyDBCluster', state: 'todo' });
  });

  it('refuses a target that exists without the tag naming this source', () => {
    const foreign = source({ identifier: 'orders-bt', tags: {} });
    const other = source({ identifier: 'orders-bt', tags: { [FROM]: 'arn:aws:rds:eu-west-1:111122223333:cluster:billing' } });

    expect(buildPlan(world({ target: foreign }), options)).toEqual({ refusal: { kind: 'target-taken', target: 'orders-bt' } });
    const refused = buildPlan(world({ target: other }), options);
    expect(refused).toMatchObject({ refusal: { kind: 'target-taken', restoredFrom: expect.stringContaining('billing') } });
    if ('refusal' in refused) expect(refusalText(refused.refusal)).toContain('choose another --target');
  });

  it('refuses a snapshot of that name taken of another cluster, and skips one of this source', () => {
    const o = { ...options, snapshot: true };

    expect(buildPlan(world({ snapshot: { identifier: 'orders-bt-source', sourceClusterIdentifier: 'billing' } }), o)).toMatchObject({
      refusal: { kind: 'snapshot-taken' },
    });
    expect(
      plan(buildPlan(world({ snapshot: { identifier: 'orders-bt-source', sourceClusterIdentifier: 'orders' } }), o)).steps[0]?.state,
    ).toBe('done');
  });
});

describe('buildPlan: a short window is raised in place', () => {
  it('modifies the source window to the required minimum, applied immediately, as the only step', () => {
    const p = plan(buildPlan(world({ source: source({ backtrackWindowSeconds: HOUR }) }), options));

    expect(p).toMatchObject({ kind: 'modify-window', target: 'orders', windowSeconds: 86_400 });
    expect(p.steps).toEqual([
      expect.objectContaining({
        call: 'ModifyDBCluster',
        params: { DBClusterIdentifier: 'orders', BacktrackWindow: 86_400, ApplyImmediately: true },
        state: 'todo',
      }),
    ]);
  });

  it('has no cut-over: the cluster stays where it is', () => {
    const p = plan(buildPlan(world({ source: source({ backtrackWindowSeconds: HOUR }) }), options));

    expect(cutOverSteps(p, {})).toEqual([]);
  });
});

describe('buildPlan: refusals come from the scan verdict', () => {
  it.each([
    ['an Aurora PostgreSQL cluster', { engine: 'aurora-postgresql' }, 'not-aurora-mysql'],
    ['a Region without Backtrack', { region: 'eu-north-1' }, 'backtrack-unsupported'],
    ['Zurich', { region: 'eu-central-2' }, 'backtrack-unsupported'],
    ['a global database member', { globalClusterIdentifier: 'g1' }, 'backtrack-unsupported'],
    ['a binlog replica', { replicationSourceIdentifier: 'arn:aws:rds:eu-west-1:1:cluster:x' }, 'backtrack-unsupported'],
    ['Serverless v1', { engineMode: 'serverless' }, 'backtrack-unsupported'],
    ['a cluster that already passes', { backtrackWindowSeconds: 86_400 }, 'already-passes'],
  ] as const)('refuses %s', (_name, facts, kind) => {
    const outcome = buildPlan(world({ source: source(facts) }), options);

    expect(outcome).toMatchObject({ refusal: { kind } });
    if ('refusal' in outcome) expect(refusalText(outcome.refusal).length).toBeGreaterThan(20);
  });

  it('refuses a target that is the source, and a source that is not available', () => {
    expect(buildPlan(world(), { ...options, target: 'ORDERS' })).toMatchObject({ refusal: { kind: 'target-is-source' } });
    expect(buildPlan(world({ source: source({ status: 'stopped' }) }), options)).toMatchObject({
      refusal: { kind: 'source-not-available', status: 'stopped' },
    });
  });

  it('doubles a target whose real window falls short (as the scan advises), and refuses when it is already 72 h', () => {
    const short = (target: number) =>
      source({ backtrackWindowSeconds: target, earliestBacktrackTime: new Date(NOW.getTime() - HOUR * 1000) });

    expect(plan(buildPlan(world({ source: short(86_400) }), options))).toMatchObject({ kind: 'modify-window', windowSeconds: 2 * 86_400 });
    const outcome = buildPlan(world({ source: short(259_200) }), options);
    expect(outcome).toMatchObject({ refusal: { kind: 'window-not-raised', currentSeconds: 259_200 } });
    if ('refusal' in outcome) expect(refusalText(outcome.refusal)).toContain('would not raise it');
  });
});

describe('names', () => {
  it('names the new instances after the source instances, with the target instead of the source', () => {
    expect(instanceName('orders', 'orders-bt', 'orders-1', 0)).toBe('orders-bt-1');
    expect(instanceName('orders', 'orders-bt', 'primary', 0)).toBe('orders-bt-primary');
    expect(instanceName('orders', 'x'.repeat(60), 'orders-instance-1', 1)).toBe(`${'x'.repeat(60)}-2`);
  });

  it('accepts RDS identifiers only', () => {
    expect(['a', 'orders-bt', 'A1-b2'].every((x) => RDS_IDENTIFIER.test(x))).toBe(true);
    expect(['1a', 'a--b', 'a-', '', 'a_b', 'a'.repeat(64)].some((x) => RDS_IDENTIFIER.test(x))).toBe(false);
  });

  it('orders instances writer first, then by promotion tier and name', () => {
    const order = writerFirst([
      instance('c', { promotionTier: 1 }),
      instance('b', { promotionTier: 0 }),
      instance('a', { isWriter: true, promotionTier: 15 }),
    ]);

    expect(order.map((i) => i.identifier)).toEqual(['a', 'b', 'c']);
  });
});
