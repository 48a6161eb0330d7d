/**
 * The checker's alarms and dashboard. Quiet must mean healthy: a checker that stops, runs degraded,
 * crashes, is throttled or loses events raises an alarm on the alert topic. Every alarm is named
 * `<prefix><Name>`, so the topic and key policies can admit exactly these alarms.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { HeartbeatWindow } from '../lambda/settings/schedule';
import { TELEMETRY } from '../lambda/settings/schema';

/** The function's Powertools metrics: namespace and the `service` dimension it adds to every metric. */
export const METRICS_NAMESPACE = TELEMETRY.metricsNamespace;
export const SERVICE_NAME = TELEMETRY.serviceName;
/** Metrics the function emits per Region (extra dimension `Region`), one per verdict. */
export const VERDICT_METRICS = [
  'ClustersFailed',
  'ClustersWarning',
  'ClustersPassed',
  'ClustersNotAvailable',
  'ClustersSuppressed',
] as const;

/** Period of the event-count alarms: the alarm fires within minutes of the event. */
const EVENT_PERIOD = Duration.minutes(5);

export interface MonitoringProps {
  readonly checkerFunction: lambda.Function;
  readonly deadLetterQueue: sqs.IQueue;
  /**
   * The topic the alarms notify directly. Absent in member mode, where the topic is in another
   * account and the alarms' state changes are forwarded through EventBridge instead.
   */
  readonly alertTopic?: sns.ITopic;
  /** Every alarm's name starts with this; the topic policy admits `alarm:<prefix>*`. */
  readonly alarmNamePrefix: string;
  /** Window of the heartbeat alarm, derived from the scan schedule. */
  readonly heartbeat: HeartbeatWindow;
  /** Whether failed async invocations go to a Lambda on-failure destination (then its delivery failures are watched). */
  readonly hasFailureDestination: boolean;
}

export interface CheckerAlarms {
  readonly heartbeat: cloudwatch.Alarm;
  readonly degraded: cloudwatch.Alarm;
  readonly errors: cloudwatch.Alarm;
  readonly throttles: cloudwatch.Alarm;
  readonly asyncEventsDropped: cloudwatch.Alarm;
  readonly destinationDeliveryFailures?: cloudwatch.Alarm;
  readonly deadLetter: cloudwatch.Alarm;
}

/** A metric the checker itself emits, with the Powertools `service` dimension. */
export function checkerMetric(metricName: string, statistic: string, period: Duration): cloudwatch.Metric {
  return new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: SERVICE_NAME }, statistic, period });
}

interface AlarmSpec {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly metric: cloudwatch.IMetric;
  readonly threshold?: number;
  readonly below?: boolean;
  readonly evaluationPeriods?: number;
  readonly treatMissingData: cloudwatch.TreatMissingData;
  /** Tell the topic when the alarm clears too (recovery that means something, not the end of a 5-minute window). */
  readonly notifyRecovery: boolean;
}

const RECOVERY_NOTIFIED = new WeakSet<cloudwatch.IAlarm>();

/** Whether the alarm's subscribers are told when it clears (only where recovery means something). */
export const notifiesRecovery = (alarm: cloudwatch.IAlarm): boolean => RECOVERY_NOTIFIED.has(alarm);

export function createAlarms(scope: Construct, props: MonitoringProps): CheckerAlarms {
  const action = props.alertTopic ? new cloudwatchActions.SnsAction(props.alertTopic) : undefined;
  const fn = props.checkerFunction;
  const alarm = (spec: AlarmSpec): cloudwatch.Alarm => {
    const periods = spec.evaluationPeriods ?? 1;
    const created = new cloudwatch.Alarm(scope, spec.id, {
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
    if (spec.notifyRecovery) RECOVERY_NOTIFIED.add(created);
    if (action) {
      created.addAlarmAction(action);
      if (spec.notifyRecovery) created.addOkAction(action);
    }
    return created;
  };
  const eventCount = (metric: cloudwatch.IMetric) => ({
    metric,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    notifyRecovery: false,
  });

  const { periodSeconds, evaluationPeriods } = props.heartbeat;
  const heartbeat = alarm({
    id: 'HeartbeatAlarm',
    name: 'Heartbeat',
    description: `No Aurora Backtrack scan completed for ${evaluationPeriods} periods of ${periodSeconds / 3600} hour(s): the checker has stopped (schedule disabled or deleted, function failing before the end, or not invoked). Silence is not compliance until this is OK again. See docs/operations.md.`,
    metric: checkerMetric('ScanCompleted', cloudwatch.Stats.SUM, Duration.seconds(periodSeconds)),
    below: true,
    evaluationPeriods,
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    notifyRecovery: true,
  });
  const degraded = alarm({
    id: 'DegradedAlarm',
    name: 'Degraded',
    description:
      'An Aurora Backtrack checker scan finished degraded: a Region not scanned, Security Hub not enabled, findings rejected or the alert not published. The run alert and the function logs name the cause. OK again after a clean scan (re-checks and reminders do not write this metric). See docs/operations.md.',
    metric: checkerMetric('Degradations', cloudwatch.Stats.SUM, EVENT_PERIOD),
    treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    notifyRecovery: true,
  });
  const errors = alarm({
    id: 'ErrorsAlarm',
    name: 'Errors',
    description:
      'The Aurora Backtrack checker function failed (invalid configuration, a crash or its 15-minute timeout): no verdicts or alerts from that run. See the function logs. OK again after an invocation without error. See docs/operations.md.',
    metric: fn.metricErrors({ period: EVENT_PERIOD, statistic: cloudwatch.Stats.SUM }),
    treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    notifyRecovery: true,
  });
  const throttles = alarm({
    id: 'ThrottlesAlarm',
    name: 'Throttles',
    description:
      "The Aurora Backtrack checker function was throttled: the account's Lambda concurrency was exhausted. Lambda retries queued events for up to an hour, then drops them into the dead-letter queue. See docs/operations.md.",
    ...eventCount(fn.metricThrottles({ period: EVENT_PERIOD, statistic: cloudwatch.Stats.SUM })),
  });
  const asyncEventsDropped = alarm({
    id: 'AsyncEventsDroppedAlarm',
    name: 'AsyncEventsDropped',
    description:
      'Lambda gave up on Aurora Backtrack checker invocations (the run failed, or the event waited more than an hour, e.g. throttled): a scan or re-check did not complete. Each is also sent to the dead-letter queue. See docs/operations.md.',
    ...eventCount(fn.metric('AsyncEventsDropped', { period: EVENT_PERIOD, statistic: cloudwatch.Stats.SUM })),
  });
  const destinationDeliveryFailures = props.hasFailureDestination
    ? alarm({
        id: 'DestinationDeliveryFailuresAlarm',
        name: 'DestinationDeliveryFailures',
        description:
          'Lambda could not deliver a failed Aurora Backtrack checker invocation to its dead-letter queue (queue deleted, or its policy or key changed): the failure is lost. See docs/operations.md.',
        ...eventCount(fn.metric('DestinationDeliveryFailures', { period: EVENT_PERIOD, statistic: cloudwatch.Stats.SUM })),
      })
    : undefined;
  const deadLetter = alarm({
    id: 'DeadLetterAlarm',
    name: 'DeadLetter',
    description:
      'A failed Aurora Backtrack checker invocation or an undeliverable schedule or re-check event was sent to the dead-letter queue. Read the message, fix the cause, then delete it. See docs/operations.md.',
    ...eventCount(props.deadLetterQueue.metricNumberOfMessagesSent({ period: EVENT_PERIOD, statistic: cloudwatch.Stats.SUM })),
  });
  return {
    heartbeat,
    degraded,
    errors,
    throttles,
    asyncEventsDropped,
    ...(destinationDeliveryFailures ? { destinationDeliveryFailures } : {}),
    deadLetter,
  };
}

/** One line per Region of a per-Region verdict metric, whatever Regions report (the Region list may be `all`). */
export function verdictByRegion(metricName: (typeof VERDICT_METRICS)[number], period: Duration): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: `SEARCH('{${METRICS_NAMESPACE},Region,service} MetricName="${metricName}" service="${SERVICE_NAME}"', 'Maximum', ${period.toSeconds()})`,
    usingMetrics: {},
    label: "${PROP('Dim.Region')}",
    period,
  });
}

/** The checker's health (runs, duration, degradations, Lambda faults, alarms) and the fleet's verdicts by Region. */
export function createDashboard(scope: Construct, props: MonitoringProps, alarms: CheckerAlarms): cloudwatch.Dashboard {
  const fn = props.checkerFunction;
  const period = Duration.seconds(props.heartbeat.periodSeconds);
  const hour = Duration.hours(1);
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', {
    defaultInterval: Duration.days(14),
  });
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Scans completed (heartbeat)',
      left: [checkerMetric('ScanCompleted', cloudwatch.Stats.SUM, period)],
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'Run duration (ms)',
      left: [
        checkerMetric('RunDuration', cloudwatch.Stats.AVERAGE, hour).with({ label: 'Average' }),
        checkerMetric('RunDuration', cloudwatch.Stats.MAXIMUM, hour).with({ label: 'Maximum' }),
      ],
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'Degradations and Regions not scanned',
      left: [
        checkerMetric('Degradations', cloudwatch.Stats.SUM, hour),
        checkerMetric('RegionsNotScanned', cloudwatch.Stats.SUM, hour),
        // Re-checks' and reminders' problems: graphed, not alarmed (what they miss is done again later).
        checkerMetric('RecheckDegradations', cloudwatch.Stats.SUM, hour),
        checkerMetric('ReminderDegradations', cloudwatch.Stats.SUM, hour),
      ],
      width: 8,
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Lambda errors, throttles and lost events',
      left: [
        fn.metricErrors({ period: hour, statistic: cloudwatch.Stats.SUM }),
        fn.metricThrottles({ period: hour, statistic: cloudwatch.Stats.SUM }),
        fn.metric('AsyncEventsDropped', { period: hour, statistic: cloudwatch.Stats.SUM }),
        props.deadLetterQueue.metricNumberOfMessagesSent({
          period: hour,
          statistic: cloudwatch.Stats.SUM,
          label: 'Sent to dead-letter queue',
        }),
      ],
      width: 12,
    }),
    new cloudwatch.AlarmStatusWidget({
      title: 'Alarms',
      alarms: Object.values(alarms).filter((a): a is cloudwatch.Alarm => a !== undefined),
      width: 12,
    }),
  );
  dashboard.addWidgets(
    ...VERDICT_METRICS.map(
      (metricName) =>
        new cloudwatch.GraphWidget({
          title: `${metricName.replace(/^Clusters/, 'Clusters ').replace(/([a-z])([A-Z])/g, '$1 $2')} by Region`,
          left: [verdictByRegion(metricName, period)],
          width: 8,
        }),
    ),
  );
  return dashboard;
}
