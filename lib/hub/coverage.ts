/**
 * Organization coverage in the hub: the event bus the member checkers report to after every scan
 * and forward their alarms to (PutEvents admitted from the members' function and alarm forwarder
 * roles of this organization only; the alerts and alarms go on to lib/hub/relay.ts), the coverage
 * table, the coverage function (records each report; on the members' scan schedule judges every
 * ACTIVE account under the StackSet's target OUs and alerts the change once; on the reminder
 * schedule sends the digest), its UncoveredAccounts alarm (relayed to the organization's topic with
 * the hub's other alarms, which watch the function: lib/hub/hub-monitoring.ts), and a dashboard.
 */
import { type CustomResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lambdaDestinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RUN_COMPLETED, STALE_AFTER_PERIODS } from '../../lambda/core/coverage';
import { COVERAGE_METRICS, COVERAGE_SERVICE } from '../../lambda/coverage/metric-names';
import { coverageEnvironment } from '../../lambda/coverage/settings';
import { heartbeatWindow, MAX_ALARM_PERIOD_SECONDS } from '../../lambda/settings/schedule';
import { TELEMETRY } from '../../lambda/settings/schema';
import { bundleCoverageHandler } from '../bundle';
import { bundledCode } from '../bundled-code';
import { createDeadLetterQueue } from '../dead-letter-queue';
import { nagResource } from '../nag';
import { runOnDeploy } from '../run-on-deploy';
import { HUB_EVENT_BUS_NAME } from './member-roles';

export { HUB_EVENT_BUS_NAME };

export interface CoverageProps {
  readonly organizationId: string;
  /** The StackSet's target OUs (or the root `r-...`): the accounts under them are judged, no others. */
  readonly organizationUnitIds: readonly string[];
  readonly topic: sns.ITopic;
  readonly topicKey: kms.IKey;
  /** The hub topic's alarm name prefix: the topic and key policies admit alarms named with it. */
  readonly alarmNamePrefix: string;
  /** The members' scan schedule: a report older than two of its longest gaps is late. */
  readonly schedule: string;
  /** When the coverage digest goes out (the members' reminder schedule). */
  readonly digestSchedule: string;
}

/**
 * The UncoveredAccounts alarm's period: the check period (the schedule's longest gap, rounded up to
 * a whole minute as CloudWatch requires), at most one day; a longer gap keeps the last verdict
 * through the days without a check (missing data ignored).
 */
export function uncoveredAlarmPeriodSeconds(checkPeriodSeconds: number): number {
  return Math.min(Math.ceil(checkPeriodSeconds / 60) * 60, MAX_ALARM_PERIOD_SECONDS);
}

export class Coverage extends Construct {
  readonly bus: events.EventBus;
  /** Events the hub's functions could not take (after retries), and their failed invocations. */
  readonly deadLetterQueue: sqs.Queue;
  readonly table: dynamodb.Table;
  readonly coverageFunction: lambda.Function;
  readonly role: iam.Role;
  /** No alarm action: lib/hub/hub-monitoring.ts relays it with the hub's account id. */
  readonly uncoveredAlarm: cloudwatch.Alarm;
  readonly dashboard: cloudwatch.Dashboard;
  /**
   * The first coverage check, run by CloudFormation when the hub is created (a custom resource whose
   * ServiceToken is the coverage function): alarms on the coverage metrics, such as a heartbeat,
   * `node.addDependency` it so that they start over data.
   */
  readonly firstRun: CustomResource;

  constructor(scope: Construct, id: string, props: CoverageProps) {
    super(scope, id);
    const window = heartbeatWindow(props.schedule);
    if ('problem' in window) throw new Error(`schedule ${props.schedule} ${window.problem}`); // loadConfig refused it already
    const periodSeconds = window.ok.longestGapSeconds;

    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: HUB_EVENT_BUS_NAME,
      description: 'Aurora Backtrack checker: each member checker reports here after every scan',
    });
    // Who may put events on it: lib/hub/member-access.ts (the accounts under the targeted OUs).

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Account ids and times only: the AWS managed key (aws/dynamodb), as the members' state table.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const deadLetterQueue = (this.deadLetterQueue = createDeadLetterQueue(
      this,
      'DeadLetterQueue',
      "This queue is itself the dead-letter queue of the hub's functions (undeliverable reports, alarms and schedule events, failed invocations).",
    ));

    const logGroup = new logs.LogGroup(this, 'LogGroup', { retention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: "Aurora Backtrack checker coverage: list the organization's accounts, keep the reports, alert the hub topic",
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'KeepReportsAndCoverage',
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Scan'],
        resources: [this.table.tableArn],
      }),
    );
    // The OU walk. Both actions take the ou and root resource types (service authorization
    // reference): the organization's OUs (the child OUs' ids are not known at synth) and the
    // targeted roots only. The management account in the ARNs is not known to a delegated admin.
    const { partition } = Stack.of(this);
    const orgArn = (kind: string, id: string) => `arn:${partition}:organizations::*:${kind}/${props.organizationId}/${id}`;
    const walkResources = [
      orgArn('ou', 'ou-*'),
      ...[...new Set(props.organizationUnitIds.filter((id) => id.startsWith('r-')))].map((root) => orgArn('root', root)),
    ];
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WalkTargetedOrganizationalUnits',
        actions: ['organizations:ListChildren', 'organizations:ListAccountsForParent'],
        resources: walkResources,
      }),
    );
    // On deploy the first check waits until its metrics can be read (lambda/custom-resource.ts).
    this.role.addToPolicy(new iam.PolicyStatement({ sid: 'ReadOwnMetrics', actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));
    this.role.addToPolicy(new iam.PolicyStatement({ sid: 'PublishCoverage', actions: ['sns:Publish'], resources: [props.topic.topicArn] }));
    this.role.addToPolicy(
      new iam.PolicyStatement({ sid: 'UseTopicKey', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [props.topicKey.keyArn] }),
    );
    for (const resource of walkResources) {
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagResource(this, resource)}]`,
        reason: resource.includes(':ou/')
          ? "Read-only organizations:ListChildren / ListAccountsForParent on this organization's OUs: the walk descends into child OUs whose ids are not known at synth; the management account id in the ARN is not known to a delegated administrator."
          : 'Read-only organizations:ListChildren / ListAccountsForParent on the targeted root of this organization only; the management account id in the ARN is not known to a delegated administrator.',
      });
    }
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'cloudwatch:GetMetricData (read-only) supports no resource-level permission: the first check on deploy reads its own CoverageCheckCompleted datapoint before it answers CloudFormation.',
    });

    this.coverageFunction = new lambda.Function(this, 'Function', {
      description: "Aurora Backtrack checker coverage: which ACTIVE accounts' checkers reported recently",
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: bundledCode(bundleCoverageHandler),
      memorySize: 256,
      timeout: Duration.minutes(5),
      role: this.role,
      logGroup,
      environment: {
        ...coverageEnvironment({
          table: this.table.tableName,
          topicArn: props.topic.topicArn,
          schedulePeriodSeconds: periodSeconds,
          targetParentIds: props.organizationUnitIds,
        }),
        POWERTOOLS_SERVICE_NAME: COVERAGE_SERVICE,
        POWERTOOLS_METRICS_NAMESPACE: TELEMETRY.metricsNamespace,
      },
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
      onFailure: new lambdaDestinations.SqsDestination(deadLetterQueue),
    });
    // Lambda checks the DLQ permission when the failure destination is set: the role's policy first.
    const policy = this.role.node.tryFindChild('DefaultPolicy');
    if (policy) this.coverageFunction.node.addDependency(policy);
    Validations.of(this.coverageFunction).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Node.js 22 is the runtime this product targets (esbuild target node22), as the checker function.',
    });

    new events.Rule(this, 'ReportRule', {
      eventBus: this.bus,
      description: 'Aurora Backtrack checker coverage: record each member checker report',
      eventPattern: { source: [RUN_COMPLETED.source], detailType: [RUN_COMPLETED.detailType] },
      targets: [
        new eventsTargets.LambdaFunction(this.coverageFunction, { deadLetterQueue, retryAttempts: 3, maxEventAge: Duration.hours(1) }),
      ],
    });

    const schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Aurora Backtrack checker coverage: lets EventBridge Scheduler invoke the coverage function',
    });
    const schedule = (sid: string, expression: string, mode: 'check' | 'digest', description: string) =>
      new scheduler.Schedule(this, sid, {
        description,
        schedule: scheduler.ScheduleExpression.expression(expression),
        target: new schedulerTargets.LambdaInvoke(this.coverageFunction, {
          role: schedulerRole,
          input: scheduler.ScheduleTargetInput.fromObject({ mode }),
          deadLetterQueue,
          maxEventAge: Duration.hours(1),
          retryAttempts: 3,
        }),
      });
    schedule('CheckSchedule', props.schedule, 'check', 'Aurora Backtrack checker coverage: judge every ACTIVE account of the targeted OUs');
    schedule('DigestSchedule', props.digestSchedule, 'digest', 'Aurora Backtrack checker coverage: the coverage digest');
    Validations.of(schedulerRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagResource(this, `${this.coverageFunction.functionArn}:*`)}]`,
      reason:
        'Added by the Scheduler Lambda target: lambda:InvokeFunction on the coverage function and its versions (ARN:*); nothing else.',
    });

    const metric = (name: string, period = Duration.hours(1)) =>
      new cloudwatch.Metric({
        namespace: TELEMETRY.metricsNamespace,
        metricName: name,
        dimensionsMap: { service: COVERAGE_SERVICE },
        statistic: cloudwatch.Stats.MAXIMUM,
        period,
      });
    this.uncoveredAlarm = new cloudwatch.Alarm(this, 'UncoveredAlarm', {
      alarmName: `${props.alarmNamePrefix}UncoveredAccounts`,
      alarmDescription: `At least one ACTIVE account of the targeted OUs has no checker after its grace period, or its checker has not reported for ${STALE_AFTER_PERIODS} scan periods. The coverage alert names the accounts; see docs/operations.md, "Coverage".`,
      // One datapoint per check: the period is the check period, so each check's verdict is
      // judged on its own (at most a day, CloudWatch's longest standard period; see uncoveredAlarmPeriodSeconds).
      metric: metric(COVERAGE_METRICS.uncovered, Duration.seconds(uncoveredAlarmPeriodSeconds(periodSeconds))),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // Between two checks (a late one, or a gap longer than a day) the last verdict holds: no trip
      // through INSUFFICIENT_DATA and back, so no second notification. A coverage function that
      // stopped is told by its own alarms.
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    });
    this.firstRun = runOnDeploy(this, 'FirstCheck', this.coverageFunction, 'Custom::AuroraBacktrackFirstCoverageCheck');
    this.firstRun.node.addDependency(this.table, this.role);
    // Its alert reaches the topic's subscribers: the topic and its key (with their policies) first.
    if (Stack.of(props.topic) === Stack.of(this)) this.firstRun.node.addDependency(props.topic, props.topicKey);

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      widgets: [
        [
          new cloudwatch.SingleValueWidget({
            title: 'Coverage: accounts covered / ACTIVE / uncovered / deploying',
            metrics: [
              metric(COVERAGE_METRICS.covered),
              metric(COVERAGE_METRICS.active),
              metric(COVERAGE_METRICS.uncovered),
              metric(COVERAGE_METRICS.deploying),
            ],
            width: 12,
          }),
          new cloudwatch.AlarmStatusWidget({ title: 'Coverage alarms', alarms: [this.uncoveredAlarm], width: 12 }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Coverage over time',
            left: [
              metric(COVERAGE_METRICS.covered),
              metric(COVERAGE_METRICS.active),
              metric(COVERAGE_METRICS.uncovered),
              metric(COVERAGE_METRICS.deploying),
            ],
            width: 24,
          }),
        ],
      ],
    });
  }
}
