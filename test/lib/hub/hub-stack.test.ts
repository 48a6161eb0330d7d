import { Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { GENERATOR_ID, PRODUCT_NAME } from '../../../lambda/core/finding';
import { MEMBER_ALARM_FORWARDER_ROLE_NAME, MEMBER_FUNCTION_ROLE_NAME } from '../../../lib/hub/member-roles';
import { logicalIdOf } from '../stack-fixture';
import { ORG, OUS, synthHub } from './hub-fixture';

jest.setTimeout(120_000);

const hub = synthHub({ config: { alertEmails: ['sec@example.com'], allowNoSubscribers: false } });

describe('HubStack StackSet', () => {
  it('deploys with service-managed permissions, auto-deployment that removes stacks of leaving accounts, and named-IAM capability', () => {
    hub.template.hasResourceProperties('AWS::CloudFormation::StackSet', {
      PermissionModel: 'SERVICE_MANAGED',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      CallAs: 'DELEGATED_ADMIN',
      Capabilities: ['CAPABILITY_NAMED_IAM'],
    });
  });

  it('targets every given OU in the hub Region, the members home Region', () => {
    hub.template.hasResourceProperties('AWS::CloudFormation::StackSet', {
      StackInstancesGroup: [{ DeploymentTargets: { OrganizationalUnitIds: OUS }, Regions: ['eu-west-1'] }],
    });
  });

  it('keeps rolling out when accounts fail: full failure tolerance, Regions in parallel', () => {
    hub.template.hasResourceProperties('AWS::CloudFormation::StackSet', {
      OperationPreferences: { FailureTolerancePercentage: 100, MaxConcurrentPercentage: 100, RegionConcurrencyType: 'PARALLEL' },
    });
  });

  it('calls as SELF when deployed from the management account', () => {
    const { template } = synthHub({ delegatedAdmin: false });

    template.hasResourceProperties('AWS::CloudFormation::StackSet', { CallAs: 'SELF' });
  });

  it("gives the member template the hub's bus and the asset bucket prefix, never the hub's topic or key", () => {
    const stackSet = Object.values(hub.template.findResources('AWS::CloudFormation::StackSet'))[0];
    const parameters = stackSet?.Properties.Parameters as { ParameterKey: string; ParameterValue: unknown }[];

    expect(parameters.map((p) => p.ParameterKey).sort()).toEqual(['AssetBucketPrefix', 'HubEventBusArn']);
    expect(parameters).toContainEqual({
      ParameterKey: 'AssetBucketPrefix',
      ParameterValue: 'aurora-backtrack-checker-assets-111122223333',
    });
  });

  it('names the asset bucket <prefix>-<Region> and lets only accounts of the organization read the code', () => {
    hub.template.hasResourceProperties('AWS::S3::Bucket', { BucketName: 'aurora-backtrack-checker-assets-111122223333-eu-west-1' });
    hub.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { AWS: '*' },
            Action: 's3:GetObject',
            Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG } },
          }),
        ]),
      },
    });
  });
});

describe('HubStack alert topic', () => {
  it('grants sns:Publish on the topic to no principal of another account: only its own alarms through CloudWatch', () => {
    const statements = Object.values(hub.template.findResources('AWS::SNS::TopicPolicy')).flatMap(
      (p) => (p.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
    );

    expect(statements.filter((s) => s.Effect === 'Allow')).toEqual([
      expect.objectContaining({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Condition: {
          StringEquals: { 'aws:SourceAccount': '111122223333' },
          ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:eu-west-1:111122223333:alarm:${hub.stack.alertTopic.alarmNamePrefix}*` },
        },
      }),
    ]);
  });

  it("lets no principal of another account use the topic's key: only the hub account and its own alarms", () => {
    const key = Object.values(hub.template.findResources('AWS::KMS::Key'))[0];
    const statements = (key?.Properties.KeyPolicy as { Statement: { Principal: unknown }[] }).Statement;

    expect(statements.map((s) => s.Principal)).toEqual([
      { AWS: 'arn:aws:iam::111122223333:root' },
      { Service: 'cloudwatch.amazonaws.com' },
    ]);
  });

  it('names no member role and no organization in the topic or key policy', () => {
    const policies = JSON.stringify([hub.template.findResources('AWS::SNS::TopicPolicy'), hub.template.findResources('AWS::KMS::Key')]);

    expect(policies).not.toContain(MEMBER_FUNCTION_ROLE_NAME);
    expect(policies).not.toContain(MEMBER_ALARM_FORWARDER_ROLE_NAME);
    expect(policies).not.toContain('aws:PrincipalOrg');
  });

  it('subscribes the e-mail addresses to the central topic', () => {
    hub.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'sec@example.com' });
  });
});

describe('HubStack subscribers', () => {
  const warnings = (stack: ReturnType<typeof synthHub>['stack']) =>
    Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('alert topic has no subscriber'));

  it('warns when no one is subscribed to the organization topic, and not when e-mail or Slack is given or allowed', () => {
    expect(warnings(synthHub({ config: { allowNoSubscribers: false } }).stack)).toHaveLength(1);
    expect(warnings(hub.stack)).toHaveLength(0);
    expect(
      warnings(synthHub({ config: { slackWorkspaceId: 'T0123ABCD', slackChannelId: 'C0123ABCD', allowNoSubscribers: false } }).stack),
    ).toHaveLength(0);
    expect(warnings(synthHub().stack)).toHaveLength(0);
  });

  it('gives the Slack channel the organization topic', () => {
    const { template } = synthHub({ config: { slackWorkspaceId: 'T0123ABCD', slackChannelId: 'C0123ABCD' } });

    template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      SlackWorkspaceId: 'T0123ABCD',
      SlackChannelId: 'C0123ABCD',
      SnsTopicArns: [{ Ref: logicalIdOf(template, 'AWS::SNS::Topic', 'Alerts') }],
    });
  });
});

describe('HubStack insight', () => {
  it("groups this checker's active, open FAILED findings by account", () => {
    const eq = (...values: string[]) => values.map((Value) => ({ Comparison: 'EQUALS', Value }));
    hub.template.hasResourceProperties('AWS::SecurityHub::Insight', {
      Name: 'Aurora Backtrack: failing clusters by account',
      GroupByAttribute: 'AwsAccountId',
      Filters: {
        ProductName: eq(PRODUCT_NAME),
        GeneratorId: eq(GENERATOR_ID),
        ComplianceStatus: eq('FAILED'),
        RecordState: eq('ACTIVE'),
        WorkflowStatus: eq('NEW', 'NOTIFIED'),
      },
    });
  });
});

describe('HubStack cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged finding on the hub and member templates', () => {
    const report = new AwsSolutionsChecks(hub.app).validateScope(hub.app);

    expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });

  it('reports no unacknowledged finding with a Slack channel and an environment-agnostic stack', () => {
    const { app } = synthHub({ env: {}, config: { slackWorkspaceId: 'T0123ABCD', slackChannelId: 'C0123ABCD' } });

    const report = new AwsSolutionsChecks(app).validateScope(app);

    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });

  it('gives every acknowledgement of the hub a written reason', () => {
    const acknowledgements = hub.stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));

    expect(acknowledgements.length).toBeGreaterThanOrEqual(4);
    for (const [, reason] of acknowledgements) expect(reason.length).toBeGreaterThan(40);
  });
});
