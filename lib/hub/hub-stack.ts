/**
 * The organization hub, deployed once in the security account (the Security Hub and StackSets
 * delegated administrator, or the management account): the central alert topic with the
 * subscriptions, the StackSet that deploys the checker in member mode to every account of the
 * given OUs (new accounts included) in this stack's Region, the asset bucket that carries the
 * checker's code to them, the Security Hub insight of failing clusters by account, and the
 * organization's coverage (which ACTIVE accounts' checkers report; lib/hub/coverage.ts) and the
 * relay of the members' alerts and alarms to the topic (lib/hub/relay.ts), the only way another
 * account's message reaches it, and the hub's own monitoring (lib/hub/hub-monitoring.ts).
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Capability, DeploymentType, RegionConcurrencyType, StackSet, StackSetTarget, StackSetTemplate } from 'cdk-stacksets';
import type { Construct } from 'constructs';
import type { CheckerConfig } from '../config';
import { Coverage } from './coverage';
import { FailingClustersInsight } from './failing-clusters-insight';
import { HubAlertTopic } from './hub-alert-topic';
import { HubMonitoring } from './hub-monitoring';
import { acknowledgeAssetDeployment } from './asset-deployment-nag';
import { admitMemberCheckers } from './member-access';
import { MEMBER_ALARM_NAME_PREFIX } from './member-roles';
import { MEMBER_PARAMETERS, MemberTemplate } from './member-template';
import { HubRelay } from './relay';

/** Name of the StackSet (one per organization). */
export const MEMBER_STACK_SET_NAME = 'aurora-backtrack-checker-members';

export interface HubStackProps extends StackProps {
  /** The organization (`o-...`): only its accounts may read the code. */
  readonly organizationId: string;
  /**
   * The OUs (or the root `r-...`) whose accounts get the member checker, new accounts in them too;
   * only their accounts may put events on the hub's bus.
   */
  readonly organizationUnitIds: readonly string[];
  /**
   * Deployed from a delegated administrator of CloudFormation StackSets (`CallAs: DELEGATED_ADMIN`),
   * or from the management account (`SELF`).
   * @default true
   */
  readonly delegatedAdmin?: boolean;
  /**
   * Checker settings: the subscribers (alertEmails, Slack, allowNoSubscribers) go to the hub's
   * topic, every other setting to each member's checker.
   * @default - all defaults
   */
  readonly config?: Partial<CheckerConfig>;
  /**
   * Share of stack instances that may fail before CloudFormation stops the operation. 100: an
   * account that fails (quota, SCP, opt-in Region) is reported on its own instance and never stops
   * the rollout to the others.
   * @default 100
   */
  readonly failureTolerancePercentage?: number;
  /**
   * Share of accounts deployed at once.
   * @default 100
   */
  readonly maxConcurrentPercentage?: number;
}

export class HubStack extends Stack {
  readonly alertTopic: HubAlertTopic;
  readonly assetBucket: s3.Bucket;
  readonly memberTemplate: MemberTemplate;
  readonly stackSet: StackSet;
  readonly insight: FailingClustersInsight;
  readonly coverage: Coverage;
  readonly relay: HubRelay;
  readonly monitoring: HubMonitoring;

  constructor(scope: Construct, id: string, props: HubStackProps) {
    super(scope, id, {
      description: 'Aurora Backtrack checker hub: organization alert topic, member StackSet, Security Hub insight',
      ...props,
    });
    const { alertEmails, slackWorkspaceId, slackChannelId, allowNoSubscribers, ...memberConfig } = props.config ?? {};

    this.alertTopic = new HubAlertTopic(this, 'Alerts', {
      ...(alertEmails !== undefined ? { alertEmails } : {}),
      ...(slackWorkspaceId !== undefined && slackChannelId !== undefined
        ? { slack: { workspaceId: slackWorkspaceId, channelId: slackChannelId } }
        : {}),
      ...(allowNoSubscribers !== undefined ? { allowNoSubscribers } : {}),
    });

    // cdk-stacksets copies the member's Lambda bundle here; CloudFormation in each member account
    // reads it (as the StackSet execution role) when it creates the function.
    const assetBucketPrefix = `aurora-backtrack-checker-assets-${this.account}`;
    this.assetBucket = new s3.Bucket(this, 'AssetBucket', {
      bucketName: `${assetBucketPrefix}-${this.region}`,
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: false,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.assetBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowAccountsOfTheOrganizationToReadTheCheckerCode',
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetObject'],
        resources: [this.assetBucket.arnForObjects('*')],
        conditions: { StringEquals: { 'aws:PrincipalOrgID': props.organizationId } },
      }),
    );

    this.memberTemplate = new MemberTemplate(this, 'Member', { config: memberConfig, assetBucket: this.assetBucket });

    // Which ACTIVE accounts' checkers report: judged on the members' own schedule.
    this.coverage = new Coverage(this, 'Coverage', {
      organizationId: props.organizationId,
      organizationUnitIds: props.organizationUnitIds,
      topic: this.alertTopic.topic,
      topicKey: this.alertTopic.key,
      alarmNamePrefix: this.alertTopic.alarmNamePrefix,
      schedule: this.memberTemplate.checker.config.schedule,
      digestSchedule: this.memberTemplate.checker.config.reminderSchedule,
    });

    admitMemberCheckers(this.coverage.bus, props.organizationId, props.organizationUnitIds);

    // The members' alerts and alarms arrive on the bus and are published to the topic with account_id.
    this.relay = new HubRelay(this, 'Relay', {
      bus: this.coverage.bus,
      topic: this.alertTopic.topic,
      topicKey: this.alertTopic.key,
      memberAlarmNamePrefix: MEMBER_ALARM_NAME_PREFIX,
      alarmNamePrefix: this.alertTopic.alarmNamePrefix,
    });

    // The hub's own health: every function and queue watched, the coverage check's heartbeat; the
    // alarms go through the relay (with this account's id), the relay's own straight to the topic.
    this.monitoring = new HubMonitoring(this, 'Monitoring', {
      topic: this.alertTopic.topic,
      alarmNamePrefix: this.alertTopic.alarmNamePrefix,
      checkSchedule: this.memberTemplate.checker.config.schedule,
      functions: [
        {
          name: 'Coverage',
          label: 'coverage function',
          fn: this.coverage.coverageFunction,
          hasFailureDestination: true,
          errorsDescription:
            'The coverage function failed (Organizations or the table unreachable, an alert not published): coverage is not being judged. See docs/operations.md, "Coverage".',
        },
        {
          name: 'Relay',
          label: 'relay',
          fn: this.relay.relayFunction,
          // Invoked by its SQS event source mapping, not asynchronously: no failure destination.
          hasFailureDestination: false,
          direct: true,
          errorsDescription:
            "The relay failed: a member's alert or alarm, or a hub alarm, was not published to this topic (topic or key policy, SNS unavailable, the budget table unreachable) or the relay's configuration is invalid. SQS delivers the message again, then moves it to the relay's dead-letter queue. See docs/operations.md, \"Relay\".",
        },
      ],
      queues: [
        {
          name: 'DeadLetter',
          queue: this.coverage.deadLetterQueue,
          description:
            "The hub's dead-letter queue holds work that was lost: a member's report not delivered, a schedule event, a failed coverage invocation. Read the messages, fix the cause, then delete them. See docs/operations.md, \"The hub's own alarms\".",
        },
        {
          name: 'RelayBacklog',
          queue: this.relay.inputQueue,
          // The relay drains its queue in seconds: a message 15 minutes old means it is stuck, throttled or flooded.
          backlogSeconds: 900,
          direct: true,
          description:
            'The oldest message on the relay\'s queue has waited 15 minutes or more: the relay is failing, throttled or flooded by one account, and alerts and alarms reach people late. Read the relay\'s log and its RelayDropped and Errors alarms. See docs/operations.md, "Relay".',
        },
        {
          name: 'RelayDeadLetter',
          queue: this.relay.deadLetterQueue,
          // It holds the relay's lost work: told directly, not through the relay.
          direct: true,
          description:
            "The relay's dead-letter queue holds messages that did not reach the topic: a member's alert or alarm, or a hub alarm, not published after retries, or an event the bus's rules could not put on the relay's queue. Read the messages, fix the cause, then delete them. See docs/operations.md, \"Relay\".",
        },
      ],
      otherAlarms: [{ alarm: this.coverage.uncoveredAlarm, notifyRecovery: true }],
      directAlarms: [this.relay.droppedAlarm],
      relayTarget: new eventsTargets.SqsQueue(this.relay.inputQueue, {
        deadLetterQueue: this.relay.deadLetterQueue,
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
      }),
      dashboard: this.coverage.dashboard,
    });

    this.stackSet = new StackSet(this, 'MemberStackSet', {
      stackSetName: MEMBER_STACK_SET_NAME,
      description: 'Aurora Backtrack checker in member mode: every account of the OUs checks itself and alerts through the hub bus',
      template: StackSetTemplate.fromStackSetStack(this.memberTemplate),
      deploymentType: DeploymentType.serviceManaged({
        delegatedAdmin: props.delegatedAdmin ?? true,
        autoDeployEnabled: true,
        // An account that leaves the OUs loses its checker (and the hub's bus no longer admits it).
        autoDeployRetainStacks: false,
      }),
      target: StackSetTarget.fromOrganizationalUnits({
        regions: [this.region],
        organizationalUnits: [...props.organizationUnitIds],
      }),
      operationPreferences: {
        failureTolerancePercentage: props.failureTolerancePercentage ?? 100,
        maxConcurrentPercentage: props.maxConcurrentPercentage ?? 100,
        regionConcurrencyType: RegionConcurrencyType.PARALLEL,
      },
      parameters: {
        [MEMBER_PARAMETERS.assetBucketPrefix]: assetBucketPrefix,
        [MEMBER_PARAMETERS.hubEventBusArn]: this.coverage.bus.eventBusArn,
      },
      capabilities: [Capability.NAMED_IAM],
    });
    acknowledgeAssetDeployment(this, this.assetBucket);
    // The members' first scans (on their deploy) report to the bus and send their baseline alert
    // through it: its rules, the coverage function and the whole relay (queue, its policy, the event
    // source mapping, the function) exist first, so no first message is put on a bus that drops it;
    // and the hub's first coverage check runs once the StackSet has deployed them, so it does not
    // call accounts uncovered that are still being created.
    this.stackSet.node.addDependency(this.coverage.coverageFunction, this.coverage.node.findChild('ReportRule'), this.relay);
    this.coverage.firstRun.node.addDependency(this.stackSet);
    // The coverage heartbeat treats missing data as breaching: created once the first check's datapoint is visible.
    this.monitoring.heartbeatAlarm.node.addDependency(this.coverage.firstRun);

    this.insight = new FailingClustersInsight(this, 'FailingClustersByAccount');

    new CfnOutput(this, 'AlertTopicArn', {
      description: "The organization's alert topic: subscribe to it (members send to HubEventBusArn, never to the topic)",
      value: this.alertTopic.topic.topicArn,
    });
    new CfnOutput(this, 'AlertTopicKeyArn', {
      description: "The alert topic's KMS key (used by the hub's own relay, coverage function and alarms only)",
      value: this.alertTopic.key.keyArn,
    });
    new CfnOutput(this, 'HubEventBusArn', {
      description:
        'The event bus member checkers send their reports, alerts and alarms to (hubEventBusArn of a member stack deployed by hand)',
      value: this.coverage.bus.eventBusArn,
    });
    new CfnOutput(this, 'StackSetName', { description: 'StackSet of the member checkers', value: MEMBER_STACK_SET_NAME });
  }
}
