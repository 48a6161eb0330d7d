import { Match } from 'aws-cdk-lib/assertions';
import { RELAY_ENV, RELAY_SERVICE } from '../../../lambda/hub/relay-settings';
import { logicalIdOf } from '../stack-fixture';
import { synthHub } from './hub-fixture';

jest.setTimeout(120_000);

const hub = synthHub({ config: { schedule: 'rate(6 hours)' } });
const { template } = hub;
const prefix = hub.stack.alertTopic.alarmNamePrefix;

interface AlarmProps {
  AlarmName: string;
  MetricName?: string;
  Namespace?: string;
  Dimensions?: Array<{ Name: string; Value: unknown }>;
  AlarmActions?: unknown[];
  OKActions?: unknown[];
}
const alarms = (): Array<[string, AlarmProps]> =>
  Object.entries(template.findResources('AWS::CloudWatch::Alarm')).map(([id, r]) => [id, r.Properties as AlarmProps]);
const alarmsOn = (dimension: string, value: unknown) =>
  alarms().filter(([, a]) => JSON.stringify(a.Dimensions ?? []) === JSON.stringify([{ Name: dimension, Value: value }]));

/** The product's functions: not the handlers CloudFormation itself calls during a deployment (a failure there fails the deployment). */
function hubFunctions(): string[] {
  const serviceTokens = JSON.stringify(
    Object.values(template.toJSON().Resources as Record<string, { Type: string; Properties?: { ServiceToken?: unknown } }>)
      // aws-cdk-lib's own providers (BucketDeployment…); the hub's functions also answer their own first-run resource.
      .filter(
        (r) =>
          (r.Type.startsWith('Custom::') && !r.Type.startsWith('Custom::AuroraBacktrack')) ||
          r.Type === 'AWS::CloudFormation::CustomResource',
      )
      .map((r) => r.Properties?.ServiceToken),
  );
  return Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) => !serviceTokens.includes(`"${id}"`));
}

/** The rules on the default bus (no EventBusName) that put CloudWatch alarm state changes on the relay's queue. */
function relayRulesOnDefaultBus(state: 'ALARM' | 'OK'): Array<{ names: string[] }> {
  const relayQueue = logicalIdOf(template, 'AWS::SQS::Queue', 'RelayQueue');
  const nameOf = new Map(alarms().map(([id, a]) => [id, a.AlarmName]));
  return Object.values(template.findResources('AWS::Events::Rule'))
    .map(
      (r) =>
        r.Properties as {
          EventBusName?: unknown;
          EventPattern: { 'detail-type'?: unknown; detail?: { state?: unknown; alarmName?: unknown[] } };
          Targets: Array<{ Arn: unknown }>;
        },
    )
    .filter(
      (r) =>
        r.EventBusName === undefined &&
        JSON.stringify(r.EventPattern['detail-type']) === '["CloudWatch Alarm State Change"]' &&
        JSON.stringify(r.EventPattern.detail?.state) === JSON.stringify({ value: [state] }) &&
        r.Targets.some((t) => JSON.stringify(t.Arn) === JSON.stringify({ 'Fn::GetAtt': [relayQueue, 'Arn'] })),
    )
    .map((r) => ({
      names: (r.EventPattern.detail?.alarmName ?? []).map((n) =>
        typeof n === 'string' ? n : (nameOf.get((n as { Ref: string }).Ref) ?? JSON.stringify(n)),
      ),
    }));
}

describe('hub monitoring', () => {
  it("raises an alarm on every hub queue: a queue of lost work at its first message, the relay's input queue when a message waited 15 minutes", () => {
    const queues = Object.keys(template.findResources('AWS::SQS::Queue'));
    const input = logicalIdOf(template, 'AWS::SQS::Queue', 'RelayQueue');

    expect(queues.length).toBeGreaterThanOrEqual(3);
    for (const queue of queues) {
      const [[, alarm] = [], ...more] = alarmsOn('QueueName', { 'Fn::GetAtt': [queue, 'QueueName'] });
      expect(more).toEqual([]);
      if (queue === input) {
        expect(alarm).toMatchObject({
          AlarmName: `${prefix}RelayBacklog`,
          MetricName: 'ApproximateAgeOfOldestMessage',
          Statistic: 'Maximum',
          Threshold: 900,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        });
        continue;
      }
      expect(alarm).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Namespace: 'AWS/SQS',
        Statistic: 'Maximum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it('raises Errors, Throttles and AsyncEventsDropped alarms for every hub function, and DestinationDeliveryFailures where a failure destination is set', () => {
    const functions = hubFunctions();
    const withDestination = JSON.stringify(
      template.findResources('AWS::Lambda::EventInvokeConfig', { Properties: { DestinationConfig: Match.anyValue() } }),
    );

    expect(functions).toHaveLength(2);
    for (const fn of functions) {
      const watched = alarmsOn('FunctionName', { Ref: fn }).map(([, a]) => a);
      const expected = [
        'Errors',
        'Throttles',
        'AsyncEventsDropped',
        ...(withDestination.includes(`"${fn}"`) ? ['DestinationDeliveryFailures'] : []),
      ];
      expect(watched.map((a) => [a.Namespace, a.MetricName])).toEqual(expected.map((m) => ['AWS/Lambda', m]));
      for (const a of watched) expect(a.AlarmName.startsWith(prefix)).toBe(true);
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `${prefix}CoverageErrors`,
      MetricName: 'Errors',
      Statistic: 'Sum',
      Period: 300,
      TreatMissingData: 'ignore',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: `${prefix}CoverageThrottles`, TreatMissingData: 'notBreaching' });
  });

  it('keeps the moved Errors alarms under their logical ids, so an update does not delete them by name', () => {
    expect(logicalIdOf(template, 'AWS::CloudWatch::Alarm', 'CoverageErrorsAlarm')).toBe('CoverageErrorsAlarmA50F1BE1');
  });

  it('raises the coverage heartbeat when no check completed for two check periods, missing data breaching', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `${prefix}CoverageHeartbeat`,
      MetricName: 'CoverageCheckCompleted',
      Namespace: 'AuroraBacktrackChecker',
      Dimensions: [{ Name: 'service', Value: 'aurora-backtrack-checker-coverage' }],
      Statistic: 'Sum',
      Period: 6 * 3600,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  it("sends every hub alarm but the relay's own to the relay through a default-bus rule, without a direct action; the relay's own notify the topic directly and are not relayed", () => {
    const relay = logicalIdOf(template, 'AWS::Lambda::Function', 'RelayFunction');
    // The queues that hold the relay's lost work: its failure destination, and the queue it reads with that queue's
    // redrive dead-letter queue, if any.
    const relayRefs = JSON.stringify([
      template.findResources('AWS::Lambda::EventInvokeConfig', { Properties: { FunctionName: { Ref: relay } } }),
      template.findResources('AWS::Lambda::EventSourceMapping', { Properties: { FunctionName: { Ref: relay } } }),
    ]);
    const queues = Object.entries(template.findResources('AWS::SQS::Queue'));
    const relayInputs = queues
      .filter(([id]) => relayRefs.includes(`"${id}"`))
      .map(([, q]) => JSON.stringify(q.Properties?.RedrivePolicy ?? {}));
    const relayQueues = relayRefs + relayInputs.join();
    const queueOf = (a: AlarmProps) => (a.Dimensions?.[0]?.Value as { 'Fn::GetAtt'?: string[] } | undefined)?.['Fn::GetAtt']?.[0];
    const topic = { Ref: logicalIdOf(template, 'AWS::SNS::Topic', 'Alerts') };
    const [alarmRule, ...moreAlarmRules] = relayRulesOnDefaultBus('ALARM');
    const [recoveryRule, ...moreRecoveryRules] = relayRulesOnDefaultBus('OK');

    expect([moreAlarmRules, moreRecoveryRules]).toEqual([[], []]);
    const relaysOwn = ([, a]: [string, AlarmProps]) =>
      JSON.stringify(a.Dimensions).includes(`"${relay}"`) ||
      JSON.stringify(a.Dimensions).includes(`"${RELAY_SERVICE}"`) ||
      (a.Namespace === 'AWS/SQS' && relayQueues.includes(`"${queueOf(a)}"`));
    const own = alarms().filter(relaysOwn);
    const others = alarms().filter((a) => !relaysOwn(a));
    expect(own.map(([, a]) => a.AlarmName)).toEqual(
      expect.arrayContaining([
        `${prefix}RelayErrors`,
        `${prefix}RelayThrottles`,
        `${prefix}RelayDropped`,
        `${prefix}RelayBacklog`,
        `${prefix}RelayDeadLetter`,
      ]),
    );
    expect(others.length).toBeGreaterThanOrEqual(5);
    for (const [, a] of own) {
      expect(a.AlarmActions).toEqual([topic]);
      expect(alarmRule?.names).not.toContain(a.AlarmName);
      expect(recoveryRule?.names).not.toContain(a.AlarmName);
    }
    for (const [, a] of others) {
      expect([a.AlarmName, a.AlarmActions, a.OKActions]).toEqual([a.AlarmName, undefined, undefined]);
      expect(alarmRule?.names).toContain(a.AlarmName);
    }
    expect(recoveryRule?.names.sort()).toEqual(
      [`${prefix}CoverageErrors`, `${prefix}CoverageHeartbeat`, `${prefix}UncoveredAccounts`].sort(),
    );
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.absent(),
      EventPattern: Match.objectLike({ source: ['aws.cloudwatch'], detail: Match.objectLike({ previousState: { value: ['ALARM'] } }) }),
    });
  });

  it("tells the relay the hub's account and alarm prefix, so it relays the hub's own alarms with the hub's account id", () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ [RELAY_ENV.hubAccount]: '111122223333', [RELAY_ENV.hubAlarmNamePrefix]: prefix }),
      },
    });
  });

  it('shows every hub alarm on the dashboard', () => {
    const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]?.Properties.DashboardBody);

    for (const [id] of alarms()) expect(body).toContain(`"${id}"`);
  });
});
