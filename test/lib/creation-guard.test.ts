import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '../../lib/config';
import { loadContext } from '../../lib/context';
import { CREATION_GUARD_ALIAS, CREATION_GUARD_HANDLER } from '../../lib/creation-guard';
import { asList, logicalIdOf, statementsOfRole, synth } from './stack-fixture';
import { synthHub } from './hub/hub-fixture';

jest.setTimeout(120_000);

const HOOK = 'AWS::CloudFormation::LambdaHook';

describe('creationGuard', () => {
  it('without the setting there is no hook, no guard function and no hook role', () => {
    const { template } = synth();

    template.resourceCountIs(HOOK, 0);
    template.resourcePropertiesCountIs('AWS::Lambda::Function', { Handler: CREATION_GUARD_HANDLER }, 0);
    expect(JSON.stringify(template.findResources('AWS::IAM::Role'))).not.toContain('hooks.cloudformation.amazonaws.com');
  });

  it.each([
    ['fail', 'FAIL'],
    ['warn', 'WARN'],
  ] as const)(
    'creationGuard=%s adds a Lambda hook in %s mode on AWS::RDS::DBCluster create and update, before provisioning',
    (mode, failureMode) => {
      const { template } = synth({ config: { creationGuard: mode } });

      template.resourceCountIs(HOOK, 1);
      template.hasResourceProperties(HOOK, {
        Alias: CREATION_GUARD_ALIAS,
        FailureMode: failureMode,
        HookStatus: 'ENABLED',
        TargetOperations: ['RESOURCE'],
        TargetFilters: { Actions: ['CREATE', 'UPDATE'], InvocationPoints: ['PRE_PROVISION'], TargetNames: ['AWS::RDS::DBCluster'] },
        LambdaFunction: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::Lambda::Function', 'CheckerCreationGuardFunction'), 'Arn'] },
        ExecutionRole: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::IAM::Role', 'CheckerCreationGuardHookExecutionRole'), 'Arn'] },
      });
    },
  );

  it('has an alias of the form AWS requires: three parts of 2–64 letters or digits, not starting with AWS', () => {
    expect(CREATION_GUARD_ALIAS).toMatch(/^(?!(?:aws|AWS|Aws))[A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}$/);
  });

  it("runs the checker's own bundle (the same asset), through its hook entry, within the hook's 30 seconds", () => {
    const { template } = synth({ config: { creationGuard: 'fail' } });
    const functions = template.findResources('AWS::Lambda::Function');
    const guard = functions[logicalIdOf(template, 'AWS::Lambda::Function', 'CheckerCreationGuardFunction')];
    const checker = functions[logicalIdOf(template, 'AWS::Lambda::Function', 'CheckerFunction')];

    expect(guard?.Properties.Handler).toBe('index.hookHandler');
    expect(guard?.Properties.Code).toEqual(checker?.Properties.Code);
    expect(guard?.Properties.Timeout).toBeLessThan(30);
  });

  it("judges by the checker's policy settings and is told nothing else (no topic, table or Regions to scan)", () => {
    const { template } = synth({
      config: { creationGuard: 'warn', minWindowHours: 48, tagPrefix: 'bt:', maxExemptionDays: 30, backtrackRegions: ['eu-north-1'] },
    });
    const guard =
      template.findResources('AWS::Lambda::Function')[logicalIdOf(template, 'AWS::Lambda::Function', 'CheckerCreationGuardFunction')];
    const variables = guard?.Properties.Environment.Variables as Record<string, string>;

    expect(
      Object.keys(variables)
        .filter((k) => !k.startsWith('POWERTOOLS_'))
        .sort(),
    ).toEqual(['BACKTRACK_REGIONS', 'EXEMPT_TAG_KEY', 'MAX_EXEMPTION_DAYS', 'MIN_WINDOW_HOURS', 'TAG_PREFIX']);
    expect(variables).toMatchObject({ MIN_WINDOW_HOURS: '48', TAG_PREFIX: 'bt:', EXEMPT_TAG_KEY: 'bt:exempt', MAX_EXEMPTION_DAYS: '30' });
  });

  it('least privilege: the hook role, assumable only by CloudFormation hooks of this account, may invoke the guard function and nothing else', () => {
    const { template } = synth({ config: { creationGuard: 'fail' } });
    const roleId = logicalIdOf(template, 'AWS::IAM::Role', 'CheckerCreationGuardHookExecutionRole');
    const guardId = logicalIdOf(template, 'AWS::Lambda::Function', 'CheckerCreationGuardFunction');

    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'hooks.cloudformation.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ],
      },
    });
    expect(template.findResources('AWS::IAM::Role')[roleId]?.Properties.ManagedPolicyArns).toBeUndefined();
    expect(statementsOfRole(template, roleId)).toEqual([
      { Sid: 'InvokeCreationGuard', Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { 'Fn::GetAtt': [guardId, 'Arn'] } },
    ]);
  });

  it("least privilege: the guard function's role may write its own log and make no AWS call", () => {
    const { template } = synth({ config: { creationGuard: 'fail' } });
    const roleId = logicalIdOf(template, 'AWS::IAM::Role', 'CheckerCreationGuardFunctionRole');
    const actions = statementsOfRole(template, roleId).flatMap((s) => asList(s.Action));

    expect(template.findResources('AWS::IAM::Role')[roleId]?.Properties.ManagedPolicyArns).toBeUndefined();
    expect(actions.sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
  });

  it('raises CreationGuardErrors on the alert topic when the guard function errs or is throttled, and pages no one without invocations', () => {
    const { template } = synth({ config: { creationGuard: 'fail' } });
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((a) =>
      String((a as { Properties: { AlarmName: unknown } }).Properties.AlarmName).endsWith('-CreationGuardErrors'),
    );

    expect(alarms).toHaveLength(1);
    expect(alarms[0]?.Properties).toMatchObject({
      AlarmActions: [{ Ref: logicalIdOf(template, 'AWS::SNS::Topic', 'CheckerAlertTopic') }],
      TreatMissingData: 'notBreaching',
      Threshold: 1,
    });
    expect(JSON.stringify(alarms[0]?.Properties.Metrics)).toMatch(/Errors.*Throttles|Throttles.*Errors/);
  });

  it("in a member, names the alarm with the members' prefix the alarm forwarder relays to the hub", () => {
    const { member } = synthHub({ config: { creationGuard: 'warn' } });

    member.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'AuroraBacktrackChecker-Member-CreationGuardErrors',
      AlarmActions: Match.absent(),
    });
  });

  it.each(['fail', 'warn'] as const)('cdk-nag reports nothing unacknowledged with creationGuard=%s', (mode) => {
    const { app } = synth({ config: { creationGuard: mode }, env: { region: 'us-east-1' } });

    const report = new AwsSolutionsChecks(app).validateScope(app);

    expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });

  it('a value other than warn or fail stops synth, naming what is allowed', () => {
    expect(() => loadContext({ creationGuard: 'block' })).toThrow(ConfigError);
    expect(() => loadContext({ creationGuard: 'block' })).toThrow(
      /creationGuard: "block" is not warn or fail\.\n\s+allowed: warn .* or fail/,
    );
  });

  it('a mistyped key stops synth and names creationGuard', () => {
    expect(() => loadContext({ creationGaurd: 'fail' })).toThrow(
      /creationGaurd: "fail" is not a setting of the checker; did you mean creationGuard\?/,
    );
  });

  it("through the hub, every member's StackSet template has the hook, and the hub itself none", () => {
    const { template, member } = synthHub({ config: { creationGuard: 'fail' } });

    template.resourceCountIs(HOOK, 0);
    member.resourceCountIs(HOOK, 1);
    member.hasResourceProperties(HOOK, { FailureMode: 'FAIL', TargetFilters: Match.objectLike({ TargetNames: ['AWS::RDS::DBCluster'] }) });
  });
});
