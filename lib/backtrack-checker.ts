/**
 * The Aurora Backtrack checker as one construct: the function and its schedules, the instant
 * re-check rule, run-to-run state, the alert topic with its key and subscriptions, the optional
 * Slack channel, the dead-letter queue and the alarms. Embed it in any stack:
 *
 *   new BacktrackChecker(this, 'BacktrackChecker', { config: { minWindowHours: 48, alertEmails: ['ops@example.com'] } });
 */
import { AssetHashType, Duration, DockerImage, Names, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
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
import { bundleHandler, LAMBDA_DIR } from './bundle';
import { RECHECK_EVENT_NAMES } from '../lambda/events';
import { loadConfig, type CheckerConfig } from './config';

/** CloudTrail-recorded RDS calls that can change a cluster's Backtrack verdict (the handler's own list). */
export { RECHECK_EVENT_NAMES };

/** Bundling image named only to satisfy the API: local bundling always succeeds, Docker is never run. */
const UNUSED_BUNDLING_IMAGE = 'public.ecr.aws/docker/library/node:22';

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
   * topic is encrypted, pass its key as `alertTopicKey` so the function may use it, and make sure
   * the key policy lets `cloudwatch.amazonaws.com` use it (the alarms publish to the topic).
   * @default - a new topic encrypted with a new customer-managed key
   */
  readonly alertTopic?: sns.ITopic;
  /**
   * The KMS key of `alertTopic`, when that topic is encrypted with a customer-managed key.
   * @default - no key permissions for an existing topic
   */
  readonly alertTopicKey?: kms.IKey;
}

export class BacktrackChecker extends Construct {
  /** The validated configuration, defaults applied. */
  readonly config: CheckerConfig;
  readonly alertTopic: sns.ITopic;
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
  readonly slackChannel?: chatbot.SlackChannelConfiguration;
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: BacktrackCheckerProps = {}) {
    super(scope, id);
    this.config = loadConfig({ ...props.config });
    const config = this.config;

    let topic: sns.ITopic;
    let topicKey: kms.IKey | undefined;
    if (props.alertTopic) {
      topic = props.alertTopic;
      topicKey = props.alertTopicKey;
    } else {
      topicKey = this.alertKey = this.createTopicKey();
      topic = this.createTopic(topicKey);
    }
    this.alertTopic = topic;
    for (const email of config.alertEmails) {
      topic.addSubscription(new snsSubscriptions.EmailSubscription(email));
    }

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the checker (failed async invocations, undeliverable schedule and re-check events); a DLQ of a DLQ adds nothing. Messages raise the dead-letter alarm.',
    });

    this.stateTable = new dynamodb.Table(this, 'StateTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The state holds cluster ids, verdicts and timestamps, no secrets. The AWS managed key
      // (aws/dynamodb) logs every use in CloudTrail and needs no key policy, so the topic's
      // customer-managed key stays scoped to the topic and the alarm/event services.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.functionRole = new iam.Role(this, 'FunctionRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Aurora Backtrack checker: read clusters, import findings, publish alerts, keep state',
    });
    this.grantFunctionPermissions(topic, topicKey);

    this.checkerFunction = new lambda.Function(this, 'Function', {
      description: 'Checks Aurora MySQL clusters for Backtrack and a minimum window; findings to Security Hub, alerts on change',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(LAMBDA_DIR, {
        // Hash the bundle, not lambda/: a dependency upgrade changes the deployed code too.
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          image: DockerImage.fromRegistry(UNUSED_BUNDLING_IMAGE),
          local: {
            tryBundle(outputDir: string): boolean {
              bundleHandler(outputDir);
              return true;
            },
          },
        },
      }),
      memorySize: 512,
      timeout: Duration.minutes(15),
      // One run at a time: a scan, a reminder and re-checks never overlap or race on the state table.
      reservedConcurrentExecutions: 1,
      role: this.functionRole,
      logGroup: this.logGroup,
      environment: this.environment(topic),
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
      id: `AwsSolutions-IAM5[Resource::${this.nagResource(`${this.checkerFunction.functionArn}:*`)}]`,
      reason:
        'Added by the Scheduler Lambda target: lambda:InvokeFunction on the checker function and its versions/aliases (ARN:*); the role can invoke nothing else.',
    });

    if (config.instantRecheck) this.recheckRule = this.createRecheckRule();
    if (config.slackWorkspaceId !== undefined && config.slackChannelId !== undefined) {
      this.slackChannel = this.createSlackChannel(topic, config.slackWorkspaceId, config.slackChannelId);
    }

    const alarmAction = new cloudwatchActions.SnsAction(topic);
    this.errorsAlarm = new cloudwatch.Alarm(this, 'ErrorsAlarm', {
      alarmDescription:
        'The Aurora Backtrack checker failed or ran degraded (a Region not scanned, Security Hub not enabled, findings rejected or the alert not published). See the function logs.',
      metric: this.checkerFunction.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.errorsAlarm.addAlarmAction(alarmAction);
    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
      alarmDescription:
        'Aurora Backtrack checker runs or re-check events were dropped into the dead-letter queue (invocation failed or waited more than an hour). Inspect and purge the queue.',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.deadLetterAlarm.addAlarmAction(alarmAction);
  }

  /** A rotating customer-managed key for the topic that CloudWatch alarms and EventBridge may use. */
  private createTopicKey(): kms.Key {
    const key = new kms.Key(this, 'AlertKey', {
      description: 'Aurora Backtrack checker: encrypts the alert topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowAlarmsAndEventsToPublishToTheEncryptedTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com'), new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
      }),
    );
    return key;
  }

  private createTopic(key: kms.IKey): sns.Topic {
    return new sns.Topic(this, 'AlertTopic', {
      displayName: 'Aurora Backtrack checker',
      masterKey: key,
      enforceSSL: true,
    });
  }

  private environment(topic: sns.ITopic): Record<string, string> {
    const c = this.config;
    return {
      REGIONS: c.regions === 'all' ? 'all' : c.regions.join(','),
      MIN_WINDOW_HOURS: String(c.minWindowHours),
      TAG_PREFIX: c.tagPrefix,
      EXEMPT_TAG_KEY: c.exemptTagKey,
      PUBLISH_FINDINGS: 'true',
      ALERT_TOPIC_ARN: topic.topicArn,
      STATE_TABLE: this.stateTable.tableName,
      REMINDER_AFTER_DAYS: String(c.reminderAfterDays),
      ACTUAL_WINDOW: String(c.actualWindow),
      POWERTOOLS_SERVICE_NAME: 'aurora-backtrack-checker',
      POWERTOOLS_METRICS_NAMESPACE: 'AuroraBacktrackChecker',
    };
  }

  /** Least privilege: explicit actions only; resource `*` only where the action cannot be scoped further. */
  private grantFunctionPermissions(topic: sns.ITopic, topicKey: kms.IKey | undefined): void {
    const role = this.functionRole;
    const stack = Stack.of(this);
    const c = this.config;
    const everywhere: string[] = [];

    this.logGroup.grantWrite(role);
    role.addToPolicy(new iam.PolicyStatement({ sid: 'ReadClusters', actions: ['rds:DescribeDBClusters'], resources: ['*'] }));
    everywhere.push('rds:DescribeDBClusters lists every cluster of the account in a Region, which the checker must see');
    if (c.regions === 'all') {
      role.addToPolicy(new iam.PolicyStatement({ sid: 'ListEnabledRegions', actions: ['ec2:DescribeRegions'], resources: ['*'] }));
      everywhere.push('ec2:DescribeRegions has no resource-level scoping');
    }
    if (c.actualWindow) {
      role.addToPolicy(new iam.PolicyStatement({ sid: 'ReadBacktrackMetrics', actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));
      everywhere.push('cloudwatch:GetMetricData has no resource-level scoping');
    }
    role.addToPolicy(
      new iam.PolicyStatement({ sid: 'UpdateFindingWorkflow', actions: ['securityhub:BatchUpdateFindings'], resources: ['*'] }),
    );
    everywhere.push('securityhub:BatchUpdateFindings has no resource-level scoping (it names findings by id in the request)');

    // Findings are imported into each cluster's own Region, through the account's own product ARN.
    const productRegions = c.regions === 'all' ? ['*'] : c.regions;
    const productArns = productRegions.map((region) =>
      stack.formatArn({
        service: 'securityhub',
        region,
        resource: 'product',
        resourceName: `${stack.account}/default`,
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({ sid: 'ImportFindings', actions: ['securityhub:BatchImportFindings'], resources: productArns }),
    );

    role.addToPolicy(new iam.PolicyStatement({ sid: 'PublishAlerts', actions: ['sns:Publish'], resources: [topic.topicArn] }));
    if (topicKey) {
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'UseAlertTopicKey',
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [topicKey.keyArn],
        }),
      );
    }
    this.stateTable.grant(
      role,
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:Query',
      'dynamodb:Scan',
    );

    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: `Resource * only for read-only or unscopable actions: ${everywhere.join('; ')}.`,
    });
    if (c.regions === 'all') {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${this.nagResource(productArns[0] ?? '')}]`,
        reason:
          "securityhub:BatchImportFindings on the account's own product ARN in every Region: with regions=all the watched Regions are only known at run time, and findings go to each cluster's own Region. An explicit regions list scopes this to those Regions.",
      });
    }
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

  /**
   * AWS Chatbot for Slack with a notifications-only guardrail: the channel may read alarms and
   * metrics to render notifications and nothing else (the Chatbot default guardrail is AdministratorAccess).
   */
  private createSlackChannel(topic: sns.ITopic, workspaceId: string, channelId: string): chatbot.SlackChannelConfiguration {
    const guardrail = new iam.ManagedPolicy(this, 'SlackGuardrailPolicy', {
      description: 'Aurora Backtrack checker Slack channel: read CloudWatch alarms and metrics to render notifications, nothing else',
      statements: [
        new iam.PolicyStatement({
          sid: 'RenderAlarmNotifications',
          actions: [
            'cloudwatch:DescribeAlarms',
            'cloudwatch:GetMetricData',
            'cloudwatch:GetMetricStatistics',
            'cloudwatch:GetMetricWidgetImage',
          ],
          resources: ['*'],
        }),
      ],
    });
    Validations.of(guardrail).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Read-only CloudWatch actions Chatbot uses to render alarm notifications; GetMetricData, GetMetricStatistics and GetMetricWidgetImage have no resource-level scoping, DescribeAlarms must list the alarms it renders.',
    });
    const channel = new chatbot.SlackChannelConfiguration(this, 'SlackChannel', {
      slackChannelConfigurationName: Names.uniqueResourceName(this, { maxLength: 128, separator: '-' }),
      slackWorkspaceId: workspaceId,
      slackChannelId: channelId,
      notificationTopics: [topic],
      guardrailPolicies: [guardrail],
      userRoleRequired: false,
    });
    channel.role?.addManagedPolicy(guardrail);
    return channel;
  }

  /** A resource as cdk-nag names it in a finding id: `<LogicalId.Arn>`, `<AWS::AccountId>`, joins flattened. */
  private nagResource(value: string): string {
    return flattenCfn(Stack.of(this).resolve(value));
  }
}

function flattenCfn(node: unknown): string {
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (node !== null && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (Array.isArray(o['Fn::Join'])) {
      const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
      return items.map(flattenCfn).join(delimiter);
    }
    if (Array.isArray(o['Fn::GetAtt'])) {
      const [resource, attribute] = o['Fn::GetAtt'] as [unknown, unknown];
      return `<${flattenCfn(resource)}.${flattenCfn(attribute)}>`;
    }
    if (o.Ref !== undefined) return `<${flattenCfn(o.Ref)}>`;
  }
  return JSON.stringify(node);
}
