/**
 * The hub's relay: the one path from another account to the organization's topic. Rules on the
 * hub's event bus take the members' "Checker alert" events and their checker alarms' state changes
 * to an SQS queue (SSE, TLS only, its own redrive dead-letter queue); the relay function reads it
 * in batches, with a bounded number of concurrent invocations (the event source mapping's maximum
 * concurrency), so a flood from one member waits in the queue instead of starving the others, and
 * each account has an hourly budget counted in a table of the hub. Every message is published with
 * `account_id` from the event's envelope, which EventBridge stamps with the sender's account.
 *
 * Other hub wiring (the hub's own alarms, generic function and queue alarms) attaches through
 * `inputQueue`, `deadLetterQueue`, `relayFunction` and `droppedAlarm`.
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lambdaEventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { BUDGET_TTL_ATTRIBUTE } from '../../lambda/aws/relay-budget';
import { CHECKER_ALERT } from '../../lambda/core/hub-alert';
import { ALARM_STATE_CHANGE, RELAYED_STATES } from '../../lambda/hub/alarm-event';
import {
  DEFAULT_MESSAGES_PER_ACCOUNT_PER_HOUR,
  RELAY_DROPPED_METRIC,
  RELAY_SERVICE,
  relayEnvironment,
} from '../../lambda/hub/relay-settings';
import { TELEMETRY } from '../../lambda/settings/schema';
import { bundleRelayHandler } from '../bundle';
import { bundledCode } from '../bundled-code';
import { createDeadLetterQueue } from '../dead-letter-queue';

/** The relay function's timeout; the queue's visibility timeout is six times it (AWS's advice for SQS event sources). */
const FUNCTION_TIMEOUT = Duration.minutes(1);
/** Deliveries of one message before it moves to the dead-letter queue. */
export const RELAY_MAX_RECEIVE_COUNT = 5;
/** At most this many relay invocations at once (the event source mapping's maximum concurrency; 2 is its minimum). */
export const RELAY_MAX_CONCURRENCY = 2;
/** Messages per invocation, and how long the mapping may wait to fill a batch. */
export const RELAY_BATCH_SIZE = 10;
const RELAY_BATCH_WINDOW = Duration.seconds(5);

export interface HubRelayProps {
  /** The hub's event bus, where the members' alerts and alarm state changes arrive. */
  readonly bus: events.IEventBus;
  readonly topic: sns.ITopic;
  readonly topicKey: kms.IKey;
  /** The members' alarms are named `<memberAlarmNamePrefix><Name>`; no other member alarm is relayed. */
  readonly memberAlarmNamePrefix: string;
  /** The hub's own alarms' prefix: relayed too when they come from the hub's own account; the dropped alarm is named with it. */
  readonly alarmNamePrefix: string;
  /**
   * Messages relayed per account and hour; more are dropped (logged, counted, alarmed).
   * @default 120
   */
  readonly messagesPerAccountPerHour?: number;
}

export class HubRelay extends Construct {
  /** The queue the bus's rules put events on; a rule of another bus (the hub's own alarms) may target it too. */
  readonly inputQueue: sqs.Queue;
  /** Messages the relay could not publish after RELAY_MAX_RECEIVE_COUNT deliveries, and events the rules could not deliver. */
  readonly deadLetterQueue: sqs.Queue;
  readonly relayFunction: lambda.Function;
  readonly role: iam.Role;
  readonly budgetTable: dynamodb.Table;
  readonly alertRule: events.Rule;
  readonly alarmRule: events.Rule;
  /** RelayDropped ≥ 1: an event was dropped (malformed, too large, over budget). */
  readonly droppedAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: HubRelayProps) {
    super(scope, id);
    this.deadLetterQueue = createDeadLetterQueue(
      this,
      'DeadLetterQueue',
      "This queue is itself the relay's dead-letter queue (messages not published after retries, events the rules could not deliver).",
    );
    this.inputQueue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(FUNCTION_TIMEOUT.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: RELAY_MAX_RECEIVE_COUNT },
    });

    this.budgetTable = new dynamodb.Table(this, 'BudgetTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      // Counters that expire after two hours: nothing to recover.
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: false },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: BUDGET_TTL_ATTRIBUTE,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.budgetTable).acknowledge({
      id: 'AwsSolutions-DDB3',
      reason:
        'The table holds only hourly message counters per account, which expire (TTL) after two hours: a backup would restore nothing of use.',
    });

    const logGroup = new logs.LogGroup(this, 'LogGroup', { retention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: "Aurora Backtrack checker relay: publish the members' alerts and alarms to the organization's alert topic",
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    this.role.addToPolicy(new iam.PolicyStatement({ sid: 'PublishToTopic', actions: ['sns:Publish'], resources: [props.topic.topicArn] }));
    this.role.addToPolicy(
      new iam.PolicyStatement({ sid: 'UseTopicKey', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [props.topicKey.keyArn] }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({ sid: 'CountBudget', actions: ['dynamodb:UpdateItem'], resources: [this.budgetTable.tableArn] }),
    );

    this.relayFunction = new lambda.Function(this, 'Function', {
      description:
        "Aurora Backtrack checker relay: the members' alerts and alarms to the organization's topic, account_id from EventBridge",
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: bundledCode(bundleRelayHandler),
      memorySize: 256,
      timeout: FUNCTION_TIMEOUT,
      role: this.role,
      logGroup,
      environment: {
        ...relayEnvironment({
          topicArn: props.topic.topicArn,
          alarmNamePrefix: props.memberAlarmNamePrefix,
          hubAlarmNamePrefix: props.alarmNamePrefix,
          hubAccount: Stack.of(this).account,
          budgetTable: this.budgetTable.tableName,
          perAccountPerHour: props.messagesPerAccountPerHour ?? DEFAULT_MESSAGES_PER_ACCOUNT_PER_HOUR,
        }),
        POWERTOOLS_SERVICE_NAME: RELAY_SERVICE,
        POWERTOOLS_METRICS_NAMESPACE: TELEMETRY.metricsNamespace,
      },
    });
    Validations.of(this.relayFunction).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Node.js 22 is the runtime this product targets (esbuild target node22), as the checker and coverage functions.',
    });
    this.relayFunction.addEventSource(
      new lambdaEventSources.SqsEventSource(this.inputQueue, {
        batchSize: RELAY_BATCH_SIZE,
        maxBatchingWindow: RELAY_BATCH_WINDOW,
        maxConcurrency: RELAY_MAX_CONCURRENCY,
        reportBatchItemFailures: true,
      }),
    );

    const target = new eventsTargets.SqsQueue(this.inputQueue, {
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: 3,
      maxEventAge: Duration.hours(1),
    });
    this.alertRule = new events.Rule(this, 'AlertRule', {
      eventBus: props.bus,
      description: "Aurora Backtrack checker: the member checkers' alerts to the relay",
      eventPattern: { source: [CHECKER_ALERT.source], detailType: [CHECKER_ALERT.detailType] },
      targets: [target],
    });
    this.alarmRule = new events.Rule(this, 'AlarmRule', {
      eventBus: props.bus,
      description: "Aurora Backtrack checker: the member checkers' alarm state changes to the relay",
      eventPattern: {
        source: [ALARM_STATE_CHANGE.source],
        detailType: [ALARM_STATE_CHANGE.detailType],
        detail: { alarmName: events.Match.prefix(props.memberAlarmNamePrefix), state: { value: [...RELAYED_STATES] } },
      },
      targets: [target],
    });

    this.droppedAlarm = new cloudwatch.Alarm(this, 'DroppedAlarm', {
      alarmName: `${props.alarmNamePrefix}RelayDropped`,
      alarmDescription:
        "The relay dropped at least one event for the organization's topic (malformed, too large, or over its account's hourly budget). The relay's log names the account and the reason; see docs/operations.md, \"Relay\".",
      metric: new cloudwatch.Metric({
        namespace: TELEMETRY.metricsNamespace,
        metricName: RELAY_DROPPED_METRIC,
        dimensionsMap: { service: RELAY_SERVICE },
        statistic: cloudwatch.Stats.SUM,
        period: Duration.minutes(5),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.droppedAlarm.addAlarmAction(new cloudwatchActions.SnsAction(props.topic));
  }
}
