import { Match } from 'aws-cdk-lib/assertions';
import { ALARM_RELAY_ENV } from '../../../lambda/hub/alarm-relay-settings';
import { MEMBER_ALARM_NAME_PREFIX } from '../../../lib/hub/member-roles';
import { logicalIdOf, statementsOfRole } from '../stack-fixture';
import { synthHub } from './hub-fixture';

jest.setTimeout(120_000);

const hub = synthHub();
const { template } = hub;
const relayFunction = () => logicalIdOf(template, 'AWS::Lambda::Function', 'AlarmRelayFunction');
const topic = () => ({ Ref: logicalIdOf(template, 'AWS::SNS::Topic', 'Alerts') });
const deadLetterQueueArn = () => ({ 'Fn::GetAtt': [logicalIdOf(template, 'AWS::SQS::Queue', 'CoverageDeadLetterQueue'), 'Arn'] });

describe('hub alarm relay', () => {
  it("takes the member checkers' ALARM and OK state changes from the hub's bus, and no other event", () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: logicalIdOf(template, 'AWS::Events::EventBus', 'CoverageBus') },
      EventPattern: {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: { alarmName: [{ prefix: MEMBER_ALARM_NAME_PREFIX }], state: { value: ['ALARM', 'OK'] } },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [relayFunction(), 'Arn'] },
          DeadLetterConfig: { Arn: deadLetterQueueArn() },
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        }),
      ],
    });
    // Only that rule may invoke the relay.
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).filter((p) =>
      JSON.stringify(p.Properties.FunctionName).includes(relayFunction()),
    );
    expect(permissions.map((p) => [p.Properties.Principal as unknown, p.Properties.SourceArn as unknown])).toEqual([
      ['events.amazonaws.com', { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::Events::Rule', 'AlarmRelayRule'), 'Arn'] }],
    ]);
  });

  it('is told the topic and the members alarm name prefix, and retries a failed invocation twice before the dead-letter queue', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Environment: {
        Variables: Match.objectLike({ [ALARM_RELAY_ENV.topicArn]: topic(), [ALARM_RELAY_ENV.alarmNamePrefix]: MEMBER_ALARM_NAME_PREFIX }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: relayFunction() },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: deadLetterQueueArn() } },
    });
  });

  it('may write its logs, publish to the topic, use its key and send to the dead-letter queue, nothing else', () => {
    const role = logicalIdOf(template, 'AWS::IAM::Role', 'AlarmRelayRole');
    const key = { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::KMS::Key', 'Alerts'), 'Arn'] };
    const logGroup = { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::Logs::LogGroup', 'AlarmRelayLogGroup'), 'Arn'] };

    expect(statementsOfRole(template, role)).toEqual([
      { Sid: 'WriteOwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: logGroup },
      { Sid: 'PublishAlarms', Effect: 'Allow', Action: 'sns:Publish', Resource: topic() },
      { Sid: 'UseTopicKey', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: key },
      { Effect: 'Allow', Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'], Resource: deadLetterQueueArn() },
    ]);
    template.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: Match.absent(),
      Description: Match.stringLikeRegexp('alarm relay'),
    });
  });

  it('raises its Errors alarm on the topic at the first failed invocation', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `${hub.stack.alertTopic.alarmNamePrefix}AlarmRelayErrors`,
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: relayFunction() } }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [topic()],
    });
  });
});
