import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { RAISE_ACTION } from '../../lambda/core/raise-window';
import { ConfigError, type ConfigProblem } from '../../lib/config';
import { loadContext } from '../../lib/context';
import type { BacktrackCheckerStackProps } from '../../lib/backtrack-checker-stack';
import { synthHub } from './hub/hub-fixture';
import { asList, logicalIdOf, statementsOfRole, synth } from './stack-fixture';

const clusterArns = {
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':rds:*:', { Ref: 'AWS::AccountId' }, ':cluster:*']],
};

function problemsOf(context: Record<string, unknown>): readonly ConfigProblem[] {
  try {
    loadContext(context);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const modifyStatements = (props: BacktrackCheckerStackProps) => {
  const { template } = synth(props);
  const statements = statementsOfRole(template, logicalIdOf(template, 'AWS::IAM::Role', 'CheckerFunctionRole'));
  return statements.filter((s) => asList(s.Action).some((a) => String(a).startsWith('rds:') && a !== 'rds:DescribeDBClusters'));
};

describe('remediationAction off (the default)', () => {
  it('makes no custom action, no rule for it and no permission to modify a cluster', () => {
    const { template } = synth();

    template.resourceCountIs('AWS::SecurityHub::ActionTarget', 0);
    expect(JSON.stringify(template.toJSON())).not.toContain('Security Hub Findings - Custom Action');
    expect(JSON.stringify(template.toJSON())).not.toContain('rds:ModifyDBCluster');
  });

  it('is the same as remediationAction=false', () => {
    expect(synth({ config: { remediationAction: false } }).template.toJSON()).toEqual(synth().template.toJSON());
  });
});

describe('remediationAction on', () => {
  const { template } = synth({ config: { remediationAction: true } });

  it('registers the Security Hub custom action with a name and id CreateActionTarget accepts', () => {
    template.resourceCountIs('AWS::SecurityHub::ActionTarget', 1);
    template.hasResourceProperties('AWS::SecurityHub::ActionTarget', {
      Id: 'RaiseBacktrack',
      Name: 'Raise Backtrack',
      Description: RAISE_ACTION.description,
    });
    // CreateActionTarget: a name of up to 20 characters, an id of up to 20 alphanumerics.
    expect(RAISE_ACTION.name.length).toBeLessThanOrEqual(20);
    expect(RAISE_ACTION.id).toMatch(/^[A-Za-z0-9]{1,20}$/);
    expect(RAISE_ACTION.description.length).toBeLessThanOrEqual(256);
  });

  it("sends the action's events, and only those, to the checker function", () => {
    const actionId = logicalIdOf(template, 'AWS::SecurityHub::ActionTarget', 'CheckerRaiseActionTarget');
    const functionId = logicalIdOf(template, 'AWS::Lambda::Function', 'CheckerFunction');

    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.securityhub'],
        'detail-type': ['Security Hub Findings - Custom Action'],
        resources: [{ 'Fn::GetAtt': [actionId, 'ActionTargetArn'] }],
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [functionId, 'Arn'] }, RetryPolicy: Match.objectLike({}) })],
    });
    const ruleId = logicalIdOf(template, 'AWS::Events::Rule', 'CheckerRaiseActionRule');
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
    });
  });

  it("grants rds:ModifyDBCluster alone, on this account's clusters, in every Region when watching all Regions", () => {
    expect(modifyStatements({ config: { remediationAction: true } })).toEqual([
      { Sid: 'RaiseBacktrackWindow', Effect: 'Allow', Action: 'rds:ModifyDBCluster', Resource: clusterArns },
    ]);
  });

  it('limits rds:ModifyDBCluster to the watched Regions when they are listed', () => {
    expect(modifyStatements({ config: { remediationAction: true, regions: ['eu-west-1', 'us-east-1'] } })).toEqual([
      {
        Sid: 'RaiseBacktrackWindow',
        Effect: 'Allow',
        Action: 'rds:ModifyDBCluster',
        Resource: clusterArns,
        Condition: { StringEquals: { 'aws:RequestedRegion': ['eu-west-1', 'us-east-1'] } },
      },
    ]);
  });

  it.each<[string, BacktrackCheckerStackProps]>([
    ['all Regions', { config: { remediationAction: true } }],
    ['explicit Regions', { config: { remediationAction: true, regions: ['eu-west-1'] } }],
    ['a concrete Region, as `cdk synth` does', { config: { remediationAction: true }, env: { region: 'us-east-1' } }],
  ])('leaves cdk-nag AwsSolutions nothing unacknowledged (%s), with a written reason for the cluster wildcard', (_name, props) => {
    const { app } = synth(props);

    const report = new AwsSolutionsChecks(app).validateScope(app);

    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });
});

// remediationAction where CloudFormation has no custom action (China): in template-validation.test.ts,
// since aws-cdk-lib's built-in validation is what stops that synth.

describe('remediationAction in the CDK context', () => {
  it('is read from -c remediationAction=true', () => {
    expect(loadContext({ remediationAction: 'true' }).remediationAction).toBe(true);
    expect(loadContext({}).remediationAction).toBe(false);
  });

  it('stops synth on a value that is not true or false', () => {
    expect(problemsOf({ remediationAction: 'yes' })).toEqual([
      expect.objectContaining({
        key: 'remediationAction',
        problem: expect.stringContaining('is not true or false'),
        example: 'remediationAction=true',
      }),
    ]);
  });

  it.each(['remediationActon', 'remediationActions', 'remediation-action'])(
    'stops synth on the typo %p, naming remediationAction',
    (key) => {
      expect(problemsOf({ [key]: 'true' })).toEqual([
        expect.objectContaining({ key, problem: 'is not a setting of the checker; did you mean remediationAction?' }),
      ]);
    },
  );
});

describe('remediationAction in an organization', () => {
  it("gives each member the action for its own account's clusters, through the member template", () => {
    const { member } = synthHub({ env: { account: '111122223333', region: 'us-east-1' }, config: { remediationAction: true } });

    member.resourceCountIs('AWS::SecurityHub::ActionTarget', 1);
    const statements = Object.values(member.findResources('AWS::IAM::Policy')).flatMap(
      (p) => (p as { Properties: { PolicyDocument: { Statement: Array<Record<string, unknown>> } } }).Properties.PolicyDocument.Statement,
    );
    expect(statements.filter((s) => s.Action === 'rds:ModifyDBCluster')).toEqual([
      expect.objectContaining({ Sid: 'RaiseBacktrackWindow', Resource: clusterArns }),
    ]);
  });
});
