import { judgeDeclared, type WindowFix } from '../../../lambda/core/declared';
import { clusterFromCloudFormation, Unknown, type CloudFormationClusterInput } from '../../../lambda/iac/cloudformation-cluster';
import { NOW, policy } from '../fixtures';

const fix: WindowFix = (s) => `set BacktrackWindow: ${s}`;

const judge = (input: Partial<CloudFormationClusterInput> & { properties?: unknown }) =>
  judgeDeclared(
    clusterFromCloudFormation({ logicalId: 'Db', region: 'eu-west-1', ...input, properties: input.properties }),
    policy({ minWindowHours: 24 }),
    NOW,
    fix,
  );

const mysql = { Engine: 'aurora-mysql', EngineVersion: '8.0.mysql_aurora.3.05.2' };

describe('clusterFromCloudFormation', () => {
  it('maps the properties the rules read, naming the cluster by its identifier or else its logical id', () => {
    const d = clusterFromCloudFormation({
      logicalId: 'Orders',
      region: 'eu-west-1',
      properties: {
        ...mysql,
        EngineMode: 'Provisioned',
        BacktrackWindow: '86400',
        DBClusterIdentifier: 'orders-db',
        ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 },
        Tags: [{ Key: 'team', Value: 'payments' }],
      },
    });
    expect(d.unknowns).toEqual([]);
    expect(d.facts).toMatchObject({
      region: 'eu-west-1',
      identifier: 'orders-db',
      resourceId: 'Orders',
      engine: 'aurora-mysql',
      engineMode: 'provisioned',
      backtrackWindowSeconds: 86_400,
      serverlessV2: true,
      tags: { team: 'payments' },
    });
    expect(clusterFromCloudFormation({ logicalId: 'Orders', region: 'eu-west-1', properties: mysql }).facts.identifier).toBe('Orders');
  });

  it('records each value it cannot know with why, and a reference to a global cluster resource as membership', () => {
    const d = clusterFromCloudFormation({
      logicalId: 'Db',
      region: new Unknown('no Region given'),
      properties: {
        Engine: 'aurora-mysql',
        EngineVersion: new Unknown('Ref to parameter Version, which has no value'),
        BacktrackWindow: new Unknown('Fn::If on condition IsProd'),
        GlobalClusterIdentifier: new Unknown('Ref to resource Global', 'Global'),
        Tags: [{ Key: 'backtrack-check:exempt', Value: new Unknown('Ref to parameter Exempt') }],
      },
    });
    expect(d.unknowns.map((u) => u.fact).sort()).toEqual(['backtrackWindow', 'engineVersion', 'region', 'tags']);
    expect(d.unknowns.find((u) => u.fact === 'tags')).toMatchObject({ tagKey: 'backtrack-check:exempt' });
    expect(d.facts.globalClusterIdentifier).toBe('Global');
  });
});

describe('judgeDeclared on a CloudFormation cluster', () => {
  it('fails a cluster without BacktrackWindow with the scan reason and the template fix', () => {
    const e = judge({ properties: mysql });
    expect(e.status).toBe('FAILED');
    expect(e.condition).toBe('disabled');
    expect(e.reason).toContain('Backtrack is disabled (window not set)');
    expect(e.remediation).toContain('set BacktrackWindow: 86400');
  });

  it('fails a window below the minimum and passes one that meets it', () => {
    expect(judge({ properties: { ...mysql, BacktrackWindow: 3600 } }).condition).toBe('below-policy');
    const ok = judge({ properties: { ...mysql, BacktrackWindow: 86_400 } });
    expect(ok.status).toBe('PASSED');
    expect(ok.reason).not.toContain('filling');
  });

  it('reports an unknown window as a WARNING "unknown", never a pass', () => {
    const e = judge({ properties: { ...mysql, BacktrackWindow: new Unknown('Ref to parameter Window, which has no value') } });
    expect(e.status).toBe('WARNING');
    expect(e.condition).toBe('unknown');
    expect(e.reason).toContain('Backtrack window (BacktrackWindow: Ref to parameter Window, which has no value)');
  });

  it('does not let an unknown that cannot change the verdict hide it', () => {
    // Serverless v1 cannot have Backtrack whatever the window.
    const e = judge({ properties: { ...mysql, EngineMode: 'serverless', BacktrackWindow: new Unknown('a condition') } });
    expect(e.status).toBe('NOT_AVAILABLE');
    // A PostgreSQL cluster is out of scope whatever its tags say.
    expect(judge({ properties: { Engine: 'aurora-postgresql', Tags: new Unknown('Ref to a list') } }).scope).toBe('out-of-scope');
  });

  it('judges an unknown Region as unknown when the Region decides, and a Region without Backtrack as NOT_AVAILABLE', () => {
    expect(judge({ region: new Unknown('no Region given'), properties: mysql }).condition).toBe('unknown');
    expect(judge({ region: 'eu-north-1', properties: mysql }).status).toBe('NOT_AVAILABLE');
  });

  it('takes a global member (a reference to an AWS::RDS::GlobalCluster) as NOT_AVAILABLE', () => {
    const e = judge({ properties: { ...mysql, GlobalClusterIdentifier: new Unknown('Ref to resource Global', 'Global') } });
    expect(e.status).toBe('NOT_AVAILABLE');
    expect(e.reason).toContain('global database');
  });

  it('honours the exemption tag, and an unknown value of it is unknown', () => {
    const exempt = [
      { Key: 'backtrack-check:exempt', Value: 'true' },
      { Key: 'backtrack-check:exempt-reason', Value: 'scratch data' },
    ];
    const e = judge({ properties: { ...mysql, Tags: exempt } });
    expect(e.status).toBe('FAILED');
    expect(e.exemption.active).toBe(true);
    const open = judge({
      properties: { ...mysql, Tags: [{ Key: 'backtrack-check:exempt', Value: new Unknown('Ref to parameter Exempt') }] },
    });
    expect(open.condition).toBe('unknown');
    // Other tags' unknown values do not matter.
    const other = judge({ properties: { ...mysql, BacktrackWindow: 86_400, Tags: [{ Key: 'team', Value: new Unknown('Ref') }] } });
    expect(other.status).toBe('PASSED');
  });

  it('fails a copy-on-write clone of a source without Backtrack, and is unknown when the source is not known', () => {
    const props = { ...mysql, BacktrackWindow: 86_400, RestoreType: 'copy-on-write', SourceDBClusterIdentifier: 'legacy' };
    const e = judge({ properties: props, sourceWindow: () => 0 });
    expect(e.status).toBe('FAILED');
    expect(e.reason).toContain('copy-on-write clone of legacy, which has no Backtrack window');
    expect(judge({ properties: props, sourceWindow: () => 86_400 }).status).toBe('PASSED');
    const unknownSource = judge({ properties: props });
    expect(unknownSource.condition).toBe('unknown');
    expect(unknownSource.reason).toContain('legacy is not in this template');
    // A snapshot restore can have Backtrack.
    expect(judge({ properties: { ...mysql, BacktrackWindow: 86_400, SnapshotIdentifier: 'snap' } }).status).toBe('PASSED');
  });
});
