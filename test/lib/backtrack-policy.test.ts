import { App, Aspects, CfnParameter, Duration, Stack, Tags } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { AuroraMysqlEngineVersion, CfnDBCluster, ClusterInstance, DatabaseCluster, DatabaseClusterEngine } from 'aws-cdk-lib/aws-rds';
import { BacktrackPolicy, type BacktrackPolicyProps } from '../../lib';

const ENV = { account: '111122223333', region: 'eu-west-1' };

/** A stack with one Aurora MySQL 3 DatabaseCluster, the Aspect applied to the whole app. */
/**
 * A plain app, as in a user's own, without aws-cdk-lib's built-in CloudFormation validation (seconds
 * a file; docs/prevention.md's app, run by test/docs/prevention.test.ts, keeps it).
 */
function appWith(
  cluster: Partial<ConstructorParameters<typeof DatabaseCluster>[2]> = {},
  policy: BacktrackPolicyProps = { minWindowHours: 24 },
  env: { account?: string; region?: string } | undefined = ENV,
) {
  const app = new App({ builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'Db', env ? { env } : {});
  const vpc = new Vpc(stack, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'db', subnetType: SubnetType.PRIVATE_ISOLATED }],
  });
  const db = new DatabaseCluster(stack, 'Orders', {
    engine: DatabaseClusterEngine.auroraMysql({ version: AuroraMysqlEngineVersion.VER_3_05_2 }),
    writer: ClusterInstance.serverlessV2('writer'),
    vpc,
    vpcSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
    ...cluster,
  });
  Aspects.of(app).add(new BacktrackPolicy(policy));
  return { app, stack, db };
}

const errors = (stack: Stack) => Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('BacktrackPolicy'));
const warnings = (stack: Stack) => Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('BacktrackPolicy'));

describe('BacktrackPolicy (CDK Aspect)', () => {
  it('stops synth of a DatabaseCluster without Backtrack with the scan reason and the CDK fix', () => {
    const { stack } = appWith();
    const found = errors(stack);
    expect(found).toHaveLength(1);
    const text = JSON.stringify(found[0]?.entry.data);
    expect(text).toContain('Backtrack is disabled (window not set)');
    expect(text).toContain('backtrackWindow: Duration.hours(24) on the DatabaseCluster');
    expect(found[0]?.id).toContain('/Db/Orders/Resource');
  });

  it('passes a DatabaseCluster whose window meets the minimum', () => {
    const { stack } = appWith({ backtrackWindow: Duration.hours(24) });
    expect(errors(stack)).toHaveLength(0);
    expect(warnings(stack)).toHaveLength(0);
  });

  it('fails a window below the minimum, and warns instead with severity "warning"', () => {
    expect(JSON.stringify(errors(appWith({ backtrackWindow: Duration.hours(1) }).stack))).toContain('below the required');
    const { stack } = appWith({}, { minWindowHours: 24, severity: 'warning' });
    expect(errors(stack)).toHaveLength(0);
    expect(JSON.stringify(warnings(stack))).toContain('Backtrack is disabled');
  });

  it('lets a cluster exempt by tag through', () => {
    const { app, stack, db } = appWith();
    Tags.of(db).add('backtrack-check:exempt', 'true');
    Tags.of(db).add('backtrack-check:exempt-reason', 'scratch data, rebuilt nightly');
    app.synth();
    expect(errors(stack)).toHaveLength(0);
  });

  it('honours a per-cluster policy tag and the tag prefix prop', () => {
    const { stack, db } = appWith({ backtrackWindow: Duration.hours(24) }, { minWindowHours: 24, tagPrefix: 'bt:' });
    Tags.of(db).add('bt:min-window-hours', '48');
    expect(JSON.stringify(errors(stack))).toContain('set by the cluster tag');
  });

  it('lets Aurora Serverless v1 and a Region without Backtrack through', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Legacy', { env: ENV });
    new CfnDBCluster(stack, 'V1', { engine: 'aurora-mysql', engineMode: 'serverless' });
    const sp = new Stack(app, 'SaoPaulo', { env: { ...ENV, region: 'sa-east-1' } });
    new CfnDBCluster(sp, 'Db', { engine: 'aurora-mysql' });
    Aspects.of(app).add(new BacktrackPolicy({ minWindowHours: 24 }));
    app.synth();
    expect([...errors(stack), ...warnings(stack), ...errors(sp), ...warnings(sp)]).toHaveLength(0);
  });

  it('warns (does not fail) on what synth cannot know: a parameter without a default, no Region', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Params', { env: ENV });
    const window = new CfnParameter(stack, 'Window', { type: 'Number' });
    new CfnDBCluster(stack, 'Db', { engine: 'aurora-mysql', backtrackWindow: window.valueAsNumber });
    const agnostic = new Stack(app, 'Agnostic');
    new CfnDBCluster(agnostic, 'Db', { engine: 'aurora-mysql', backtrackWindow: 3600 });
    Aspects.of(app).add(new BacktrackPolicy({ minWindowHours: 24 }));
    app.synth();
    expect(errors(stack)).toHaveLength(0);
    expect(JSON.stringify(warnings(stack))).toContain('CfnParameter Window, which has no default');
    expect(JSON.stringify(warnings(agnostic))).toContain('has no environment (env.region)');
  });

  it('stops at a bad prop, naming it', () => {
    expect(() => new BacktrackPolicy({ minWindowHours: 100 })).toThrow(/BacktrackPolicy minWindowHours/);
    expect(() => new BacktrackPolicy({ minWindowHours: 24, backtrackRegions: ['EU-NORTH-1'] })).toThrow(/BacktrackPolicy backtrackRegions/);
  });
});
