import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { BacktrackCheckerStackProps } from '../../lib/backtrack-checker-stack';
import { logicalIdOf, synth } from './stack-fixture';

describe('BacktrackCheckerStack', () => {
  it('outputs the topic ARN, function name, table name and DLQ URL', () => {
    const { template } = synth();

    template.hasOutput('AlertTopicArn', { Value: { Ref: logicalIdOf(template, 'AWS::SNS::Topic', 'CheckerAlertTopic') } });
    template.hasOutput('FunctionName', { Value: { Ref: logicalIdOf(template, 'AWS::Lambda::Function', 'CheckerFunction') } });
    template.hasOutput('StateTableName', { Value: { Ref: logicalIdOf(template, 'AWS::DynamoDB::Table', 'CheckerStateTable') } });
    template.hasOutput('DeadLetterQueueUrl', { Value: { Ref: logicalIdOf(template, 'AWS::SQS::Queue', 'CheckerDeadLetterQueue') } });
  });

  it('synthesises for a concrete account and Region', () => {
    const { stack } = synth({ env: { account: '111122223333', region: 'eu-west-1' } });

    expect(stack.region).toBe('eu-west-1');
  });
});

describe('cdk-nag AwsSolutions', () => {
  const configurations: Array<[string, BacktrackCheckerStackProps]> = [
    ['defaults', {}],
    [
      'every option on, explicit Regions',
      {
        config: {
          regions: ['eu-west-1', 'us-east-1'],
          alertEmails: ['ops@example.com'],
          slackWorkspaceId: 'T0123ABCD',
          slackChannelId: 'C0123ABCD',
        },
      },
    ],
    ['instant re-check and actual window off', { config: { instantRecheck: false, actualWindow: false } }],
    // With a known Region the partition becomes a literal ("aws"), which changes the finding ids.
    ['deployed to a concrete Region as `cdk synth` does', { env: { region: 'us-east-1' } }],
    ['deployed to an account in China', { env: { account: '111122223333', region: 'cn-north-1' } }],
  ];

  it.each(configurations)('reports no unacknowledged error or warning (%s)', (_name, props) => {
    const { app } = synth(props);

    const report = new AwsSolutionsChecks(app).validateScope(app);

    expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('acknowledges findings one by one, so a new wildcard on the function role is still reported', () => {
    const { app, stack } = synth();
    stack.checker.functionRole.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));

    const report = new AwsSolutionsChecks(app).validateScope(app);

    expect(report.violations.map((v) => v.ruleName)).toEqual(['AwsSolutions-IAM5[Action::s3:*]']);
  });

  it('gives every acknowledgement a written reason', () => {
    const { stack } = synth({ config: { slackWorkspaceId: 'T0123ABCD', slackChannelId: 'C0123ABCD' } });
    const acknowledgements = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));

    expect(acknowledgements.length).toBeGreaterThanOrEqual(5);
    for (const [id, reason] of acknowledgements) {
      expect(id).toMatch(/AwsSolutions-/);
      expect(reason.length).toBeGreaterThan(40);
    }
  });
});
