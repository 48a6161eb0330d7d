/**
 * The hub watches itself, as every member checker is watched (lib/monitoring.ts): for each hub
 * function its Errors, Throttles, AsyncEventsDropped and (with a failure destination)
 * DestinationDeliveryFailures; for each queue that holds lost work (messages visible ≥ 1); and a
 * heartbeat on the coverage check, breaching when no check completed for two check periods.
 *
 * A CloudWatch alarm action publishes to the topic without message attributes, so a team's filtered
 * subscription never sees it. The hub's alarms therefore have no alarm action: a rule on the hub
 * account's default bus takes their state changes (ALARM, and OK back from ALARM where recovery
 * means something, as lib/hub/alarm-forwarder.ts does in the members) to the alarm relay, which
 * publishes them with the hub's account id. The relay's own alarms are the exception: a broken relay
 * cannot relay the news that it is broken, so they (and the queues that hold its lost work) keep a
 * direct action on the topic and reach unfiltered subscribers only; the rule leaves them out, so no
 * one is told twice. Every alarm is named `<prefix><Name>`, the names the topic policy admits.
 */
import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { COVERAGE_CHECK_COMPLETED, COVERAGE_SERVICE } from '../../lambda/coverage/metric-names';
import { ALARM_STATE_CHANGE } from '../../lambda/hub/alarm-event';
import { heartbeatWindow } from '../../lambda/settings/schedule';
import { TELEMETRY } from '../../lambda/settings/schema';

/** Period of the event-count alarms, as the member's: the alarm fires within minutes of the event. */
const EVENT_PERIOD = Duration.minutes(5);

/**
 * Alarms moved here from the construct that made them keep their logical id: a new id would make
 * CloudFormation create the "new" alarm under the same name, then delete the "old" one by name,
 * leaving no alarm at all.
 */
const KEPT_LOGICAL_IDS: Readonly<Record<string, string>> = {
  CoverageErrors: 'CoverageErrorsAlarmA50F1BE1',
};

export interface WatchedFunction {
  /** Start of its alarms' names (`Coverage` → `<prefix>CoverageErrors`, `<prefix>CoverageThrottles`, …). */
  readonly name: string;
  /** What it is, for the alarm descriptions ("coverage function"). */
  readonly label: string;
  readonly fn: lambda.IFunction;
  /** What its Errors alarm means and where to look. */
  readonly errorsDescription: string;
  /** Whether failed async invocations go to a Lambda on-failure destination (then its delivery failures are watched). */
  readonly hasFailureDestination: boolean;
  /** Its alarms notify the topic directly instead of through the relay (the relay itself). */
  readonly direct?: boolean;
}

export interface WatchedQueue {
  /** The alarm's name (`DeadLetter` → `<prefix>DeadLetter`). */
  readonly name: string;
  readonly queue: sqs.IQueue;
  /** What a message there is and what to do. */
  readonly description: string;
  /** Its alarm notifies the topic directly (a queue that holds the relay's lost work). */
  readonly direct?: boolean;
  /**
   * A queue of work in flight, not of lost work: its alarm fires when its oldest message has waited
   * this long (ApproximateAgeOfOldestMessage), not at the first message.
   * @default - lost work: messages visible ≥ 1
   */
  readonly backlogSeconds?: number;
}

export interface HubMonitoringProps {
  readonly topic: sns.ITopic;
  /** The hub topic's alarm name prefix: the topic and key policies admit alarms named with it. */
  readonly alarmNamePrefix: string;
  /** Every function of the hub. */
  readonly functions: readonly WatchedFunction[];
  /** Every queue of the hub that holds lost work. */
  readonly queues: readonly WatchedQueue[];
  /** The coverage check's schedule (the members' scan schedule): the heartbeat's window. */
  readonly checkSchedule: string;
  /** The hub's other alarms (made by their own constructs, without actions), relayed too. */
  readonly otherAlarms?: readonly { readonly alarm: cloudwatch.IAlarm; readonly notifyRecovery: boolean }[];
  /** Alarms of other constructs that notify the topic themselves (the relay's RelayDropped): shown on the dashboard only. */
  readonly directAlarms?: readonly cloudwatch.IAlarm[];
  /** Where the rule sends the hub's alarm state changes: the alarm relay. */
  readonly relayTarget: events.IRuleTarget;
  /** The hub's dashboard: a row of the hub's own health is added to it. */
  readonly dashboard: cloudwatch.Dashboard;
}

interface AlarmSpec {
  readonly name: string;
  readonly description: string;
  readonly metric: cloudwatch.IMetric;
  readonly below?: boolean;
  /** @default 1 */
  readonly threshold?: number;
  readonly evaluationPeriods?: number;
  readonly treatMissingData: cloudwatch.TreatMissingData;
  readonly notifyRecovery: boolean;
  readonly direct: boolean;
}

export class HubMonitoring extends Construct {
  /** Every alarm of the hub's own health, by name without the prefix (`CoverageErrors`). */
  readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;
  /**
   * No coverage check completed for two check periods. Breaching on missing data: it is in ALARM
   * until the first check has run, so the first check must run at deploy (a dependency on that).
   */
  readonly heartbeatAlarm: cloudwatch.Alarm;
  /** The alarms that notify the topic directly (the relay's own): reach unfiltered subscribers only. */
  readonly directAlarms: readonly cloudwatch.Alarm[];
  /** ALARM of every other hub alarm, to the relay (default bus). */
  readonly alarmRule: events.Rule;
  /** OK back from ALARM of the relayed alarms whose recovery means something. */
  readonly recoveryRule: events.Rule;

  constructor(scope: Construct, id: string, props: HubMonitoringProps) {
    super(scope, id);
    const window = heartbeatWindow(props.checkSchedule);
    if ('problem' in window) throw new Error(`schedule ${props.checkSchedule} ${window.problem}`); // loadConfig refused it already
    const action = new cloudwatchActions.SnsAction(props.topic);
    const alarms: Record<string, cloudwatch.Alarm> = {};
    const direct: cloudwatch.Alarm[] = [];
    const relayed: cloudwatch.IAlarm[] = [];
    const recovered: cloudwatch.IAlarm[] = [];

    const alarm = (spec: AlarmSpec): cloudwatch.Alarm => {
      const periods = spec.evaluationPeriods ?? 1;
      const created = new cloudwatch.Alarm(this, `${spec.name}Alarm`, {
        alarmName: `${props.alarmNamePrefix}${spec.name}`,
        alarmDescription: spec.description,
        metric: spec.metric,
        threshold: spec.threshold ?? 1,
        evaluationPeriods: periods,
        datapointsToAlarm: periods,
        comparisonOperator: spec.below
          ? cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD
          : cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: spec.treatMissingData,
      });
      const kept = KEPT_LOGICAL_IDS[spec.name];
      if (kept) (created.node.defaultChild as cloudwatch.CfnAlarm).overrideLogicalId(kept);
      if (spec.direct) {
        created.addAlarmAction(action);
        if (spec.notifyRecovery) created.addOkAction(action);
        direct.push(created);
      } else {
        relayed.push(created);
        if (spec.notifyRecovery) recovered.push(created);
      }
      return (alarms[spec.name] = created);
    };
    const eventCount = (metric: cloudwatch.IMetric) => ({
      metric,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      notifyRecovery: false,
    });

    const see = 'See docs/operations.md, "The hub\'s own alarms".';
    for (const f of props.functions) {
      const own = { direct: f.direct ?? false };
      alarm({
        ...own,
        name: `${f.name}Errors`,
        description: f.errorsDescription,
        metric: f.fn.metricErrors({ period: EVENT_PERIOD, statistic: cloudwatch.Stats.SUM }),
        treatMissingData: cloudwatch.TreatMissingData.IGNORE,
        notifyRecovery: true,
      });
      alarm({
        ...own,
        name: `${f.name}Throttles`,
        description: `The hub's ${f.label} was throttled: the account's Lambda concurrency was exhausted. Lambda retries queued events for up to an hour, then sends them to the hub's dead-letter queue. ${see}`,
        ...eventCount(f.fn.metricThrottles({ period: EVENT_PERIOD, statistic: cloudwatch.Stats.SUM })),
      });
      alarm({
        ...own,
        name: `${f.name}AsyncEventsDropped`,
        description: `Lambda gave up on invocations of the hub's ${f.label} (failed after its retries, or waited more than an hour, e.g. throttled): each is in the hub's dead-letter queue. ${see}`,
        ...eventCount(f.fn.metric('AsyncEventsDropped', { period: EVENT_PERIOD, statistic: cloudwatch.Stats.SUM })),
      });
      if (f.hasFailureDestination) {
        alarm({
          ...own,
          name: `${f.name}DestinationDeliveryFailures`,
          description: `Lambda could not deliver a failed invocation of the hub's ${f.label} to its dead-letter queue (queue deleted, or its policy or key changed): the failure is lost. ${see}`,
          ...eventCount(f.fn.metric('DestinationDeliveryFailures', { period: EVENT_PERIOD, statistic: cloudwatch.Stats.SUM })),
        });
      }
    }
    for (const q of props.queues) {
      const metric =
        q.backlogSeconds !== undefined
          ? q.queue.metricApproximateAgeOfOldestMessage({ period: EVENT_PERIOD, statistic: cloudwatch.Stats.MAXIMUM })
          : // Messages visible, not sent: SQS does not count a message its redrive policy moves in NumberOfMessagesSent.
            q.queue.metricApproximateNumberOfMessagesVisible({ period: EVENT_PERIOD, statistic: cloudwatch.Stats.MAXIMUM });
      alarm({
        direct: q.direct ?? false,
        name: q.name,
        description: q.description,
        ...(q.backlogSeconds !== undefined ? { threshold: q.backlogSeconds } : {}),
        ...eventCount(metric),
      });
    }
    const { periodSeconds, evaluationPeriods } = window.ok;
    const checksCompleted = new cloudwatch.Metric({
      namespace: TELEMETRY.metricsNamespace,
      metricName: COVERAGE_CHECK_COMPLETED,
      dimensionsMap: { service: COVERAGE_SERVICE },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.seconds(periodSeconds),
    });
    this.heartbeatAlarm = alarm({
      direct: false,
      name: 'CoverageHeartbeat',
      description: `No coverage check completed for ${evaluationPeriods} periods of ${periodSeconds / 3600} hour(s): the hub has stopped judging coverage (check schedule disabled or deleted, coverage function failing before the end, or not invoked), so an uncovered account goes unnoticed. ${see}`,
      metric: checksCompleted,
      below: true,
      evaluationPeriods,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      notifyRecovery: true,
    });
    for (const other of props.otherAlarms ?? []) {
      relayed.push(other.alarm);
      if (other.notifyRecovery) recovered.push(other.alarm);
    }
    this.alarms = alarms;
    this.directAlarms = direct;

    // The names as written (not Refs to the alarms): the rules then do not wait for the alarms, so the
    // heartbeat alarm can be created after the first coverage check, which waits for the StackSet,
    // which waits for the relay's queue, whose policy names these rules.
    const nameOf = (a: cloudwatch.IAlarm): string => {
      const written = (a.node.defaultChild as cloudwatch.CfnAlarm | undefined)?.alarmName;
      if (written === undefined || Token.isUnresolved(written))
        throw new Error(`hub alarm ${a.node.path} needs a literal alarmName to be relayed`);
      return written;
    };
    // The default bus: CloudWatch puts this account's alarm state changes there.
    const rule = (ruleId: string, description: string, detail: Record<string, unknown>) =>
      new events.Rule(this, ruleId, {
        description,
        eventPattern: { source: [ALARM_STATE_CHANGE.source], detailType: [ALARM_STATE_CHANGE.detailType], detail },
        targets: [props.relayTarget],
      });
    this.alarmRule = rule('AlarmRule', "Aurora Backtrack checker hub: relay the hub's own alarms to the organization's topic", {
      alarmName: relayed.map(nameOf),
      state: { value: ['ALARM'] },
    });
    this.recoveryRule = rule('RecoveryRule', "Aurora Backtrack checker hub: relay the recovery of the hub's own alarms", {
      alarmName: recovered.map(nameOf),
      state: { value: ['OK'] },
      previousState: { value: ['ALARM'] },
    });

    const hour = Duration.hours(1);
    props.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "The hub's functions: errors, throttles, lost events; coverage checks completed",
        left: props.functions.flatMap((f) => [
          f.fn.metricErrors({ period: hour, statistic: cloudwatch.Stats.SUM, label: `${f.name} errors` }),
          f.fn.metricThrottles({ period: hour, statistic: cloudwatch.Stats.SUM, label: `${f.name} throttles` }),
          f.fn.metric('AsyncEventsDropped', { period: hour, statistic: cloudwatch.Stats.SUM, label: `${f.name} events dropped` }),
        ]),
        right: [checksCompleted.with({ label: 'Coverage checks completed' })],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: "The hub's queues of lost work: messages visible",
        left: props.queues.map((q) =>
          q.queue.metricApproximateNumberOfMessagesVisible({ period: hour, statistic: cloudwatch.Stats.MAXIMUM, label: q.name }),
        ),
        width: 8,
      }),
      new cloudwatch.AlarmStatusWidget({
        title: "The hub's own alarms",
        alarms: [...Object.values(alarms), ...(props.directAlarms ?? [])],
        width: 8,
      }),
    );
  }
}
