import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Stack } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { BacktrackChecker } from '../../lib/backtrack-checker';
import { BacktrackCheckerStack } from '../../lib/backtrack-checker-stack';
import { logicalIdOf, synth, testApp } from './stack-fixture';

/** The alarm whose AlarmName ends with `-<name>`, with its properties. */
function alarmNamed(template: Template, name: string): Record<string, unknown> {
  const found = Object.values(template.findResources('AWS::CloudWatch::Alarm'))
    .map((r) => r.Properties as Record<string, unknown>)
    .filter((p) => String(p.AlarmName).endsWith(`-${name}`));
  if (found.length !== 1) throw new Error(`expected one alarm named *-${name}, found ${found.length}`);
  return found[0] as Record<string, unknown>;
}

describe('alarms reach the alert topic', () => {
  const { template, stack } = synth();
  const topicId = logicalIdOf(template, 'AWS::SNS::Topic', 'CheckerAlertTopic');
  const prefix = stack.checker.alarmNamePrefix;
  const ownAlarms = {
    StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
    ArnLike: {
      'aws:SourceArn': {
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:alarm:${prefix}*`],
        ],
      },
    },
  };

  it('names every alarm with one prefix derived from the stack name', () => {
    const names = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((r) => String(r.Properties.AlarmName));

    expect(prefix).toMatch(/^Checker-[0-9A-F]{8}-$/);
    expect(names).toHaveLength(7);
    for (const name of names) expect(name.startsWith(prefix)).toBe(true);
  });

  it("lets only this account's alarms of this stack publish to the topic, beside the TLS-only Deny", () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          {
            Sid: 'AllowThisStacksAlarmsToPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: topicId },
            Condition: ownAlarms,
          },
        ],
      },
    });
  });

  it('lets only those alarms use the topic key, and no other service', () => {
    const key = Object.values(template.findResources('AWS::KMS::Key'))[0];
    const statements = key?.Properties.KeyPolicy.Statement as Array<Record<string, unknown>>;
    const services = statements.flatMap((s) => JSON.stringify((s.Principal as Record<string, unknown>).Service ?? []));

    expect(statements).toContainEqual({
      Sid: 'AllowThisStacksAlarmsToUseTheTopicKey',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Resource: '*',
      Condition: ownAlarms,
    });
    expect(services.join()).not.toContain('events.amazonaws.com');
  });

  it('sends every alarm to the topic', () => {
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
    }
  });
});

describe('alarm definitions', () => {
  const { template } = synth();
  const topic = { Ref: logicalIdOf(template, 'AWS::SNS::Topic', 'CheckerAlertTopic') };
  const functionDimension = [{ Name: 'FunctionName', Value: { Ref: logicalIdOf(template, 'AWS::Lambda::Function', 'CheckerFunction') } }];
  const service = [{ Name: 'service', Value: 'aurora-backtrack-checker' }];

  it('raises the heartbeat alarm when no scan completed in two 12-hour periods, missing data breaching, and tells when runs resume', () => {
    expect(alarmNamed(template, 'Heartbeat')).toMatchObject({
      Namespace: 'AuroraBacktrackChecker',
      MetricName: 'ScanCompleted',
      Dimensions: service,
      Statistic: 'Sum',
      Period: 43_200,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      OKActions: [topic],
    });
  });

  it.each([
    ['rate(1 hour)', 3600, 2],
    ['cron(0 6 * * ? *)', 86_400, 2],
    ['rate(3 days)', 86_400, 6],
    ['rate(6 days)', 86_400, 7],
  ])('derives the heartbeat window from the scan schedule %p', (schedule, period, periods) => {
    const { template: custom } = synth({ config: { schedule } });

    expect(alarmNamed(custom, 'Heartbeat')).toMatchObject({ Period: period, EvaluationPeriods: periods, DatapointsToAlarm: periods });
  });

  it('raises the degradation alarm on one degradation, keeps it until a clean run, and tells when it clears', () => {
    expect(alarmNamed(template, 'Degraded')).toMatchObject({
      Namespace: 'AuroraBacktrackChecker',
      MetricName: 'Degradations',
      Dimensions: service,
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'ignore',
      OKActions: [topic],
    });
  });

  it('raises the errors alarm on one function error (crash or configuration error) and tells when an invocation succeeds', () => {
    expect(alarmNamed(template, 'Errors')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: functionDimension,
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'ignore',
      OKActions: [topic],
    });
  });

  it.each(['Throttles', 'AsyncEventsDropped', 'DestinationDeliveryFailures'])(
    'raises an alarm on one %s of the function within 5 minutes',
    (metricName) => {
      const alarm = alarmNamed(template, metricName);

      expect(alarm).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: metricName,
        Dimensions: functionDimension,
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
      expect(alarm.OKActions).toBeUndefined();
    },
  );

  it('raises the dead-letter alarm on each message sent to the queue, not on its visible depth', () => {
    const alarm = alarmNamed(template, 'DeadLetter');

    expect(alarm).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'NumberOfMessagesSent',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::SQS::Queue', 'CheckerDeadLetterQueue'), 'QueueName'] } },
      ],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(JSON.stringify(template.toJSON())).not.toContain('ApproximateNumberOfMessagesVisible');
  });

  it('watches delivery failures because failed invocations go to an on-failure destination (the queue)', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
    template.hasResourceProperties('AWS::Lambda::Function', { DeadLetterConfig: Match.absent() });
  });
});

describe('dashboard', () => {
  const { template } = synth();
  const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]?.Properties.DashboardBody);

  it('is part of the stack', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it.each(['ScanCompleted', 'RunDuration', 'Degradations', 'RegionsNotScanned', 'RecheckDegradations', 'ReminderDegradations'])(
    'graphs the checker metric %s',
    (metric) => {
      expect(body).toContain(`\\"AuroraBacktrackChecker\\",\\"${metric}\\",\\"service\\",\\"aurora-backtrack-checker\\"`);
    },
  );

  it.each(['Errors', 'Throttles', 'AsyncEventsDropped'])('graphs the Lambda metric %s', (metric) => {
    expect(body).toContain(`\\"AWS/Lambda\\",\\"${metric}\\",\\"FunctionName\\"`);
  });

  it.each(['ClustersFailed', 'ClustersWarning', 'ClustersPassed', 'ClustersNotAvailable', 'ClustersSuppressed'])(
    'graphs %s by Region with a SEARCH expression, whatever Regions report',
    (metric) => {
      expect(body).toContain(
        `SEARCH('{AuroraBacktrackChecker,Region,service} MetricName=\\\\\\"${metric}\\\\\\" service=\\\\\\"aurora-backtrack-checker\\\\\\"', 'Maximum', 43200)`,
      );
    },
  );

  it('shows the state of every alarm', () => {
    expect(body).toContain('\\"type\\":\\"alarm\\"');
    for (const name of [
      'Heartbeat',
      'Degraded',
      'Errors',
      'Throttles',
      'AsyncEventsDropped',
      'DestinationDeliveryFailures',
      'DeadLetter',
    ]) {
      expect(body).toContain(`${name}Alarm`);
    }
  });
});

describe('no-subscriber warning', () => {
  const warningsOf = (stack: Stack) => Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('no subscriber'));

  it('warns at synth when the topic would get no e-mail and no Slack subscriber', () => {
    const stack = new BacktrackCheckerStack(testApp(), 'Checker');

    expect(warningsOf(stack)).toHaveLength(1);
    expect(JSON.stringify(warningsOf(stack)[0]?.entry.data)).toContain('allowNoSubscribers=true');
  });

  it.each([
    ['allowNoSubscribers=true', { allowNoSubscribers: true }],
    ['an e-mail address', { alertEmails: ['ops@example.com'] }],
    ['a Slack channel', { slackWorkspaceId: 'T0123ABCD', slackChannelId: 'C0123ABCD' }],
  ])('does not warn with %s', (_name, config) => {
    const stack = new BacktrackCheckerStack(testApp(), 'Checker', { config });

    expect(warningsOf(stack)).toHaveLength(0);
  });

  it('does not warn for an existing topic, whose subscribers it cannot see', () => {
    const stack = new Stack(testApp(), 'Host');
    new BacktrackChecker(stack, 'Checker', {
      alertTopic: sns.Topic.fromTopicArn(stack, 'Topic', 'arn:aws:sns:eu-west-1:111122223333:ops'),
    });

    expect(warningsOf(stack)).toHaveLength(0);
  });
});
