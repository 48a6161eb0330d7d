/**
 * Member mode: the checker's alarms reach the hub's topic through EventBridge.
 *
 * A CloudWatch alarm action publishes to an SNS topic as `cloudwatch.amazonaws.com` of the alarm's
 * own account; AWS documents that path for topics of the same account only. EventBridge documents
 * delivery to an SNS topic of another account in the same Region, with a role of the rule's account
 * that the topic policy admits. So every state change of the checker's alarms is matched here
 * ("CloudWatch Alarm State Change") and published to the hub topic as an AWS Chatbot custom
 * notification: ALARM for every alarm, OK (back from ALARM) for the alarms that notify recovery,
 * exactly what the alarm actions send in a single-account deployment.
 */
import { Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export interface AlarmForwarderProps {
  /** The hub's topic (another account, this Region). */
  readonly topicArn: string;
  /** The hub topic's customer-managed key. */
  readonly topicKeyArn?: string;
  /** Every alarm of the checker; their names start with `alarmNamePrefix`. */
  readonly alarmNamePrefix: string;
  /** The alarms whose return to OK is worth a message (the others clear on their own after one period). */
  readonly recoveryAlarms: readonly cloudwatch.IAlarm[];
  /** The role's fixed name, admitted by the hub's topic and key policies. */
  readonly roleName: string;
}

export class AlarmForwarder extends Construct {
  readonly role: iam.Role;
  readonly alarmRule: events.Rule;
  readonly recoveryRule?: events.Rule;

  constructor(scope: Construct, id: string, props: AlarmForwarderProps) {
    super(scope, id);
    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName,
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: "Aurora Backtrack checker: EventBridge publishes this account's checker alarms to the organization's alert topic",
    });
    this.role.addToPolicy(new iam.PolicyStatement({ sid: 'PublishToHubTopic', actions: ['sns:Publish'], resources: [props.topicArn] }));
    if (props.topicKeyArn !== undefined) {
      this.role.addToPolicy(
        new iam.PolicyStatement({ sid: 'UseHubTopicKey', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [props.topicKeyArn] }),
      );
    }

    this.alarmRule = this.forward('AlarmRule', 'Aurora Backtrack checker: send its alarms to the organization alert topic', {
      alarmName: events.Match.prefix(props.alarmNamePrefix),
      state: { value: ['ALARM'] },
    });
    if (props.recoveryAlarms.length > 0) {
      this.recoveryRule = this.forward(
        'RecoveryRule',
        'Aurora Backtrack checker: send the recovery of its alarms to the organization alert topic',
        {
          alarmName: props.recoveryAlarms.map((a) => a.alarmName),
          state: { value: ['OK'] },
          previousState: { value: ['ALARM'] },
        },
      );
    }

    // Bound by hand, not with aws-events-targets' SnsTopic: for a topic of another account that
    // target would build a mirror rule on the hub's event bus instead of the direct delivery above.
    const topicArn = props.topicArn;
    const role = this.role;
    const target: events.IRuleTarget = { bind: () => ({ arn: topicArn, role, input: alarmMessage() }) };
    this.alarmRule.addTarget(target);
    this.recoveryRule?.addTarget(target);
  }

  private forward(id: string, description: string, detail: Record<string, unknown>): events.Rule {
    return new events.Rule(this, id, {
      description,
      eventPattern: { source: ['aws.cloudwatch'], detailType: ['CloudWatch Alarm State Change'], detail },
    });
  }
}

/** The alarm as an AWS Chatbot custom notification (read as JSON by e-mail subscribers). */
function alarmMessage(): events.RuleTargetInput {
  const field = (path: string) => events.EventField.fromPath(path);
  return events.RuleTargetInput.fromObject({
    version: '1.0',
    source: 'custom',
    content: {
      textType: 'client-markdown',
      title: `Aurora Backtrack checker alarm ${field('$.detail.alarmName')} is ${field('$.detail.state.value')} (account ${field('$.account')}, ${field('$.region')})`,
      description: `${field('$.detail.state.reason')} See docs/operations.md.`,
    },
  });
}
