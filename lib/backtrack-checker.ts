/**
 * The Aurora Backtrack checker as one construct: the function and its schedules, the instant
 * re-check rule, run-to-run state, the alert topic with its key and subscriptions, the optional
 * Slack channel, the dead-letter queue and the alarms. Embed it in any stack:
 *
 *   new BacktrackChecker(this, 'BacktrackChecker', { config: { minWindowHours: 48, alertEmails: ['ops@example.com'] } });
 */
import { Annotations, type CustomResource, Duration, Names, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lambdaDestinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as snsSubscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { bundleHandler } from './bundle';
import { bundledCode } from './bundled-code';
import { createDeadLetterQueue } from './dead-letter-queue';
import { RECHECK_EVENT_NAMES } from '../lambda/events';
import { createTopic, createTopicKey } from './alert-topic';
import { CreationGuard, policyEnvironment } from './creation-guard';
import { loadConfig, type CheckerConfig } from './config';
import { telemetryEnvironment, toEnvironment } from '../lambda/settings/schema';
import { grantFunctionPermissions } from './function-permissions';
import { AlarmForwarder } from './hub/alarm-forwarder';
import { assertMemberConfig, assertMemberWiring } from './hub/member-config';
import { MEMBER_ALARM_FORWARDER_ROLE_NAME, MEMBER_ALARM_NAME_PREFIX, MEMBER_FUNCTION_ROLE_NAME } from './hub/member-roles';
import { createAlarms, createDashboard, notifiesRecovery, type CheckerAlarms } from './monitoring';
import { nagResource } from './nag';
import { createRaiseAction, type RaiseAction } from './raise-action';
import { runOnDeploy } from './run-on-deploy';
import { createSlackChannel } from './slack-channel';
import { heartbeatWindow } from '../lambda/settings/schedule';

/** CloudTrail-recorded RDS calls that can change a cluster's Backtrack verdict (the handler's own list). */
export { RECHECK_EVENT_NAMES };

/** How long a scheduled or event-driven invocation may wait (throttled behind a running scan) before it goes to the DLQ. */
const MAX_EVENT_AGE = Duration.hours(1);

export interface BacktrackCheckerProps {
  /**
   * Checker settings; missing values take their defaults, invalid ones throw a `ConfigError` that
   * lists every problem. Use `loadConfig` to validate context values first.
   * @default - all defaults (24 h minimum, every enabled Region, scan every 12 hours)
   */
  readonly config?: Partial<CheckerConfig>;
  /**
   * Publish alerts to this existing topic instead of creating one (with its own KMS key). If the
   * topic is encrypted, pass its key as `alertTopicKey` so the function may use it. The alarms
   * publish to the topic too: its policy (and its key's) must let `cloudwatch.amazonaws.com`
   * publish for alarms named `<alarmNamePrefix>*` of this account.
   * @default - a new topic encrypted with a new customer-managed key
   */
  readonly alertTopic?: sns.ITopic;
  /**
   * The KMS key of `alertTopic`, when that topic is encrypted with a customer-managed key.
   * @default - no key permissions for an existing topic
   */
  readonly alertTopicKey?: kms.IKey;
  /**
   * Member mode of an organization deployment: the hub's event bus (another account, this Region).
   * The checker sends it a report after every scan (the hub's coverage check), every alert (a
   * "Checker alert" event: the hub's relay publishes it to the organization's topic with the
   * account EventBridge stamps) and every state change of its alarms. No topic, key, subscription
   * or Slack channel is created here, and the function may not publish to any topic: it may only
   * `events:PutEvents` on exactly this bus. The function role and the alarm forwarder role get the
   * fixed names the hub's bus policy admits, the alarms the fixed prefix the hub relays.
   * @default - single-account mode
   */
  readonly hubEventBusArn?: string;
}

export class BacktrackChecker extends Construct {
  /** The validated configuration, defaults applied. */
  readonly config: CheckerConfig;
  /** The topic alerts are published to; none in member mode (alerts go to the hub's bus). */
  readonly alertTopic?: sns.ITopic;
  /** The topic's customer-managed key, when this construct created the topic. */
  readonly alertKey?: kms.IKey;
  readonly checkerFunction: lambda.Function;
  readonly functionRole: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly stateTable: dynamodb.Table;
  readonly deadLetterQueue: sqs.Queue;
  readonly scanSchedule: scheduler.Schedule;
  readonly reminderSchedule: scheduler.Schedule;
  readonly schedulerRole: iam.Role;
  readonly recheckRule?: events.Rule;
  /** The Security Hub custom action "Raise Backtrack" and its rule (remediationAction=true only). */
  readonly raiseAction?: RaiseAction;
  readonly slackChannel?: chatbot.SlackChannelConfiguration;
  /** Every alarm's name starts with this (derived from the stack name and construct path). */
  readonly alarmNamePrefix: string;
  readonly alarms: CheckerAlarms;
  readonly dashboard: cloudwatch.Dashboard;
  /** Member mode: sends the alarms' state changes to the hub's event bus. */
  readonly alarmForwarder?: AlarmForwarder;
  /**
   * The first scan, run by CloudFormation when the stack is created (a custom resource whose
   * ServiceToken is the checker function). The Heartbeat alarm depends on it; so may other alarms
   * that need the first run's data (`alarm.node.addDependency(checker.firstRun)`).
   */
  readonly firstRun: CustomResource;
  /** The CloudFormation Lambda hook on cluster creation (`creationGuard`); none unless asked for. */
  readonly creationGuard?: CreationGuard;

  constructor(scope: Construct, id: string, props: BacktrackCheckerProps = {}) {
    super(scope, id);
    this.config = loadConfig({ ...props.config });
    const config = this.config;
    const hubEventBusArn = props.hubEventBusArn;
    const member = hubEventBusArn !== undefined;
    assertMemberWiring(props);
    // A member's alarms have the fixed prefix the hub relays (one member stack per account).
    this.alarmNamePrefix = member ? MEMBER_ALARM_NAME_PREFIX : `${Names.uniqueResourceName(this, { maxLength: 64, separator: '-' })}-`;

    let topic: sns.ITopic | undefined;
    let topicKey: kms.IKey | undefined;
    if (member) {
      assertMemberConfig(config);
    } else if (props.alertTopic) {
      topic = props.alertTopic;
      topicKey = props.alertTopicKey;
    } else {
      topicKey = this.alertKey = createTopicKey(this, this.alarmNamePrefix);
      topic = createTopic(this, topicKey, this.alarmNamePrefix);
    }
    if (topic) this.alertTopic = topic;
    for (const email of config.alertEmails) {
      topic?.addSubscription(new snsSubscriptions.EmailSubscription(email));
    }
    const slackConfigured = config.slackWorkspaceId !== undefined && config.slackChannelId !== undefined;
    if (!props.alertTopic && !member && config.alertEmails.length === 0 && !slackConfigured && !config.allowNoSubscribers) {
      Annotations.of(this).addWarningV2(
        'aurora-backtrack-checker:no-subscribers',
        'The alert topic has no subscriber: alerts and alarms will reach no one. Set alertEmails (-c alertEmails=ops@example.com) or slackWorkspaceId and slackChannelId, subscribe the topic yourself after deploy, or set allowNoSubscribers=true to deploy without this warning.',
      );
    }

    this.deadLetterQueue = createDeadLetterQueue(
      this,
      'DeadLetterQueue',
      'This queue is itself the dead-letter queue of the checker (failed async invocations, undeliverable schedule and re-check events); a DLQ of a DLQ adds nothing. Messages raise the dead-letter alarm.',
    );

    this.stateTable = new dynamodb.Table(this, 'StateTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The state holds cluster ids, verdicts and timestamps, no secrets. The AWS managed key
      // (aws/dynamodb) logs every use in CloudTrail and needs no key policy, so the topic's
      // customer-managed key stays scoped to the topic and the alarm/event services.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
      // Also retained by the stack: deleting the table loses every exemption's audit trail and the
      // alert history. Turn this off explicitly before deleting the table (docs/operations.md).
      deletionProtection: true,
    });

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.functionRole = new iam.Role(this, 'FunctionRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Aurora Backtrack checker: read clusters, import findings, publish alerts, keep state',
      ...(member ? { roleName: MEMBER_FUNCTION_ROLE_NAME } : {}),
    });
    grantFunctionPermissions(this, {
      role: this.functionRole,
      config,
      topic,
      topicKey,
      logGroup: this.logGroup,
      stateTable: this.stateTable,
    });

    if (hubEventBusArn !== undefined) {
      this.functionRole.addToPolicy(
        new iam.PolicyStatement({ sid: 'SendToHubEventBus', actions: ['events:PutEvents'], resources: [hubEventBusArn] }),
      );
    }

    const code = bundledCode(bundleHandler);
    this.checkerFunction = new lambda.Function(this, 'Function', {
      description: 'Checks Aurora MySQL clusters for Backtrack and a minimum window; findings to Security Hub, alerts on change',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code,
      memorySize: 512,
      timeout: Duration.minutes(15),
      // No reserved concurrency: new accounts (concurrency quota 10) refuse any reservation. Runs
      // that overlap are serialised by a lease item in the state table instead.
      role: this.functionRole,
      logGroup: this.logGroup,
      environment: this.environment(topic, hubEventBusArn),
      maxEventAge: MAX_EVENT_AGE,
      retryAttempts: 0,
      onFailure: new lambdaDestinations.SqsDestination(this.deadLetterQueue),
    });
    // Lambda checks the DLQ permission when the failure destination is set: create the role's policy first.
    this.checkerFunction.node.addDependency(this.functionRole);
    Validations.of(this.checkerFunction).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is the runtime this product targets (esbuild target node22, Lambda support into 2027); moving to a newer runtime is a deliberate change of runtime and bundle target together.',
    });

    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Aurora Backtrack checker: lets EventBridge Scheduler invoke the checker',
    });
    this.scanSchedule = this.createSchedule('ScanSchedule', 'scan', config.schedule, 'Aurora Backtrack checker: scan every watched Region');
    this.reminderSchedule = this.createSchedule(
      'ReminderSchedule',
      'reminder',
      config.reminderSchedule,
      'Aurora Backtrack checker: reminder digest of clusters still failing and of exemptions',
    );
    Validations.of(this.schedulerRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagResource(this, `${this.checkerFunction.functionArn}:*`)}]`,
      reason:
        'Added by the Scheduler Lambda target: lambda:InvokeFunction on the checker function and its versions/aliases (ARN:*); the role can invoke nothing else.',
    });

    if (config.instantRecheck) this.recheckRule = this.createRecheckRule();
    if (config.remediationAction) {
      this.raiseAction = createRaiseAction(this, {
        checkerFunction: this.checkerFunction,
        role: this.functionRole,
        deadLetterQueue: this.deadLetterQueue,
        maxEventAge: MAX_EVENT_AGE,
        regions: config.regions,
      });
    }
    if (topic && config.slackWorkspaceId !== undefined && config.slackChannelId !== undefined) {
      this.slackChannel = createSlackChannel(this, topic, config.slackWorkspaceId, config.slackChannelId);
    }

    const heartbeat = heartbeatWindow(config.schedule);
    if ('problem' in heartbeat) throw new Error(`schedule ${config.schedule} ${heartbeat.problem}`); // loadConfig refused it already
    const monitoring = {
      checkerFunction: this.checkerFunction,
      deadLetterQueue: this.deadLetterQueue,
      ...(topic ? { alertTopic: topic } : {}),
      alarmNamePrefix: this.alarmNamePrefix,
      heartbeat: heartbeat.ok,
      hasFailureDestination: true,
    };
    this.alarms = createAlarms(this, monitoring);
    // The first scan runs on deploy, once its alert can reach the subscribers; the Heartbeat alarm
    // (missing data breaching) is created only after it answered, when its datapoint is visible
    // (lambda/first-scan.ts), so a fresh deployment pages no one.
    this.firstRun = runOnDeploy(this, 'FirstScan', this.checkerFunction, 'Custom::AuroraBacktrackFirstScan');
    if (topic && Stack.of(topic) === Stack.of(this)) this.firstRun.node.addDependency(topic);
    if (this.slackChannel) this.firstRun.node.addDependency(this.slackChannel);
    this.alarms.heartbeat.node.addDependency(this.firstRun);
    this.dashboard = createDashboard(this, monitoring, this.alarms);
    if (config.creationGuard !== undefined) {
      this.creationGuard = new CreationGuard(this, 'CreationGuard', {
        mode: config.creationGuard,
        code,
        environment: policyEnvironment(this.environment(topic, hubEventBusArn)),
        alarmNamePrefix: this.alarmNamePrefix,
        ...(topic ? { alertTopic: topic } : {}),
      });
    }
    if (hubEventBusArn !== undefined) {
      this.alarmForwarder = new AlarmForwarder(this, 'AlarmForwarder', {
        busArn: hubEventBusArn,
        deadLetterQueue: this.deadLetterQueue,
        alarmNamePrefix: this.alarmNamePrefix,
        recoveryAlarms: Object.values<cloudwatch.Alarm | undefined>({ ...this.alarms }).filter(
          (a): a is cloudwatch.Alarm => a !== undefined && notifiesRecovery(a),
        ),
        roleName: MEMBER_ALARM_FORWARDER_ROLE_NAME,
      });
    }
  }

  /** The function's environment, written from the settings schema; Powertools' own variables beside it. */
  private environment(topic: sns.ITopic | undefined, hubEventBusArn: string | undefined): Record<string, string> {
    return {
      ...toEnvironment({
        ...this.config,
        publishFindings: true,
        ...(topic ? { alertTopicArn: topic.topicArn } : {}),
        stateTable: this.stateTable.tableName,
        ...(hubEventBusArn !== undefined ? { hubEventBusArn } : {}),
      }),
      ...telemetryEnvironment(),
    };
  }

  private createSchedule(id: string, mode: 'scan' | 'reminder', expression: string, description: string): scheduler.Schedule {
    return new scheduler.Schedule(this, id, {
      description,
      schedule: scheduler.ScheduleExpression.expression(expression),
      target: new schedulerTargets.LambdaInvoke(this.checkerFunction, {
        role: this.schedulerRole,
        input: scheduler.ScheduleTargetInput.fromObject({ mode }),
        deadLetterQueue: this.deadLetterQueue,
        maxEventAge: MAX_EVENT_AGE,
        retryAttempts: 3,
      }),
    });
  }

  /** Re-checks one cluster within a minute of a successful RDS change recorded by CloudTrail in this Region. */
  private createRecheckRule(): events.Rule {
    return new events.Rule(this, 'RecheckRule', {
      description: 'Aurora Backtrack checker: re-check a cluster after an RDS change recorded by CloudTrail',
      eventPattern: {
        source: ['aws.rds'],
        detailType: ['AWS API Call via CloudTrail'],
        detail: {
          eventSource: ['rds.amazonaws.com'],
          eventName: [...RECHECK_EVENT_NAMES],
          // A rejected call changed nothing.
          errorCode: events.Match.doesNotExist(),
        },
      },
      targets: [
        new eventsTargets.LambdaFunction(this.checkerFunction, {
          deadLetterQueue: this.deadLetterQueue,
          maxEventAge: MAX_EVENT_AGE,
          retryAttempts: 3,
        }),
      ],
    });
  }
}
