/**
 * The hub's alarm relay: a rule on the hub's event bus takes the member checkers' alarm state
 * changes (forwarded by each member's lib/hub/alarm-forwarder.ts) to a small function that
 * publishes each one to the organization's topic with the message attributes every message there
 * carries (`account_id` of the member, `severity`, `event`). The function may publish to that topic
 * and use its key, nothing else. A message it cannot publish is a function error: Lambda retries,
 * then the event goes to the hub's dead-letter queue, and the relay's Errors alarm notifies the topic
 * (lib/hub/hub-monitoring.ts). It also relays the hub's own alarms, from the hub's account only.
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lambdaDestinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ALARM_STATE_CHANGE, RELAYED_STATES } from '../../lambda/hub/alarm-event';
import { ALARM_RELAY_SERVICE, alarmRelayEnvironment } from '../../lambda/hub/alarm-relay-settings';
import { bundleAlarmRelayHandler } from '../bundle';
import { bundledCode } from '../bundled-code';

/** How long an alarm may wait to be relayed: after that it is in the dead-letter queue, not news. */
const MAX_EVENT_AGE = Duration.hours(1);

export interface AlarmRelayProps {
  /** The hub's event bus, where the members' alarm state changes arrive. */
  readonly bus: events.IEventBus;
  readonly topic: sns.ITopic;
  readonly topicKey: kms.IKey;
  /** The members' alarms are named `<memberAlarmNamePrefix><Name>`; no other alarm is relayed. */
  readonly memberAlarmNamePrefix: string;
  /** The hub topic's alarm name prefix: the hub's own alarms, relayed too when they come from the hub's account. */
  readonly alarmNamePrefix: string;
  /** The hub's dead-letter queue: events not delivered to the relay, and its failed invocations. */
  readonly deadLetterQueue: sqs.IQueue;
}

export class AlarmRelay extends Construct {
  readonly relayFunction: lambda.Function;
  readonly role: iam.Role;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: AlarmRelayProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'LogGroup', { retention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: "Aurora Backtrack checker alarm relay: publish the members' alarms to the organization's alert topic",
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    this.role.addToPolicy(new iam.PolicyStatement({ sid: 'PublishAlarms', actions: ['sns:Publish'], resources: [props.topic.topicArn] }));
    this.role.addToPolicy(
      new iam.PolicyStatement({ sid: 'UseTopicKey', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [props.topicKey.keyArn] }),
    );

    this.relayFunction = new lambda.Function(this, 'Function', {
      description: "Aurora Backtrack checker alarm relay: the members' alarms to the organization's topic, with account_id",
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: bundledCode(bundleAlarmRelayHandler),
      memorySize: 256,
      timeout: Duration.minutes(1),
      role: this.role,
      logGroup,
      environment: {
        ...alarmRelayEnvironment({
          topicArn: props.topic.topicArn,
          alarmNamePrefix: props.memberAlarmNamePrefix,
          hubAlarms: { accountId: Stack.of(this).account, alarmNamePrefix: props.alarmNamePrefix },
        }),
        POWERTOOLS_SERVICE_NAME: ALARM_RELAY_SERVICE,
      },
      retryAttempts: 2,
      maxEventAge: MAX_EVENT_AGE,
      onFailure: new lambdaDestinations.SqsDestination(props.deadLetterQueue),
    });
    // Lambda checks the DLQ permission when the failure destination is set: the role's policy first.
    const policy = this.role.node.tryFindChild('DefaultPolicy');
    if (policy) this.relayFunction.node.addDependency(policy);
    Validations.of(this.relayFunction).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Node.js 22 is the runtime this product targets (esbuild target node22), as the checker and coverage functions.',
    });

    this.rule = new events.Rule(this, 'Rule', {
      eventBus: props.bus,
      description: "Aurora Backtrack checker: relay the member checkers' alarm state changes to the organization's topic",
      eventPattern: {
        source: [ALARM_STATE_CHANGE.source],
        detailType: [ALARM_STATE_CHANGE.detailType],
        detail: { alarmName: events.Match.prefix(props.memberAlarmNamePrefix), state: { value: [...RELAYED_STATES] } },
      },
      targets: [
        new eventsTargets.LambdaFunction(this.relayFunction, {
          deadLetterQueue: props.deadLetterQueue,
          retryAttempts: 3,
          maxEventAge: MAX_EVENT_AGE,
        }),
      ],
    });
  }
}
