import { Match } from 'aws-cdk-lib/assertions';
import { RELAY_ENV } from '../../../lambda/hub/relay-settings';
import { MEMBER_ALARM_NAME_PREFIX } from '../../../lib/hub/member-roles';
import { logicalIdOf, statementsOfRole } from '../stack-fixture';
import { synthHub } from './hub-fixture';

jest.setTimeout(120_000);

const hub = synthHub();
const { template } = hub;
const relayFunction = () => logicalIdOf(template, 'AWS::Lambda::Function', 'RelayFunction');
const topic = () => ({ Ref: logicalIdOf(template, 'AWS::SNS::Topic', 'Alerts') });
const queueArn = (prefix: string) => ({ 'Fn::GetAtt': [logicalIdOf(template, 'AWS::SQS::Queue', prefix), 'Arn'] });
const bus = () => ({ Ref: logicalIdOf(template, 'AWS::Events::EventBus', 'CoverageBus') });

describe('hub relay', () => {
  it("puts the members' alerts and their checker alarms' ALARM and OK changes from the hub's bus on the relay's queue", () => {
    const target = Match.objectLike({
      Arn: queueArn('RelayQueue'),
      DeadLetterConfig: { Arn: queueArn('RelayDeadLetterQueue') },
      RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
    });

    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: bus(),
      EventPattern: { source: ['aurora-backtrack-checker'], 'detail-type': ['Checker alert'] },
      Targets: [target],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: bus(),
      EventPattern: {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: { alarmName: [{ prefix: MEMBER_ALARM_NAME_PREFIX }], state: { value: ['ALARM', 'OK'] } },
      },
      Targets: [target],
    });
    // No rule invokes the relay directly: everything waits in the queue.
    expect(
      Object.values(template.findResources('AWS::Lambda::Permission')).filter((p) => JSON.stringify(p).includes(relayFunction())),
    ).toEqual([]);
  });

  it('keeps the queue and its dead-letter queue encrypted and TLS-only, and redrives after five deliveries', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 360,
      RedrivePolicy: { deadLetterTargetArn: queueArn('RelayDeadLetterQueue'), maxReceiveCount: 5 },
    });
    for (const id of ['RelayQueue', 'RelayDeadLetterQueue']) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: logicalIdOf(template, 'AWS::SQS::Queue', id) }],
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
    }
  });

  it('reads the queue in batches with a bounded concurrency, failing only the records it could not publish', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: relayFunction() },
      EventSourceArn: queueArn('RelayQueue'),
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 5,
      ScalingConfig: { MaximumConcurrency: 2 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it("is told the topic, the members' and the hub's alarm prefixes, the hub account and the per-account budget", () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Environment: {
        Variables: Match.objectLike({
          [RELAY_ENV.topicArn]: topic(),
          [RELAY_ENV.alarmNamePrefix]: MEMBER_ALARM_NAME_PREFIX,
          [RELAY_ENV.hubAlarmNamePrefix]: hub.stack.alertTopic.alarmNamePrefix,
          [RELAY_ENV.hubAccount]: '111122223333',
          [RELAY_ENV.budgetTable]: { Ref: logicalIdOf(template, 'AWS::DynamoDB::Table', 'RelayBudgetTable') },
          [RELAY_ENV.perAccountPerHour]: '120',
        }),
      },
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });

  it('may write its logs, publish to the topic, use its key, count its budget and read its queue, nothing else', () => {
    const role = logicalIdOf(template, 'AWS::IAM::Role', 'RelayRole');
    const key = { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::KMS::Key', 'Alerts'), 'Arn'] };
    const logGroup = { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::Logs::LogGroup', 'RelayLogGroup'), 'Arn'] };
    const table = { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::DynamoDB::Table', 'RelayBudgetTable'), 'Arn'] };

    expect(statementsOfRole(template, role)).toEqual([
      { Sid: 'WriteOwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: logGroup },
      { Sid: 'PublishToTopic', Effect: 'Allow', Action: 'sns:Publish', Resource: topic() },
      { Sid: 'UseTopicKey', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: key },
      { Sid: 'CountBudget', Effect: 'Allow', Action: 'dynamodb:UpdateItem', Resource: table },
      {
        Effect: 'Allow',
        Action: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
        Resource: queueArn('RelayQueue'),
      },
    ]);
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent(), Description: Match.stringLikeRegexp('relay') });
  });

  it('raises RelayDropped on the topic at the first dropped event', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `${hub.stack.alertTopic.alarmNamePrefix}RelayDropped`,
      MetricName: 'RelayDropped',
      Namespace: 'AuroraBacktrackChecker',
      Dimensions: [{ Name: 'service', Value: 'aurora-backtrack-checker-relay' }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [topic()],
    });
  });

  it('exposes the queue, its dead-letter queue, the function and the dropped alarm for the hub to wire', () => {
    const { relay } = hub.stack;

    expect([relay.inputQueue, relay.deadLetterQueue, relay.relayFunction, relay.droppedAlarm].every(Boolean)).toBe(true);
  });
});
