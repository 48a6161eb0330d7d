/**
 * Member mode: the checker's alarms reach the hub through its event bus.
 *
 * A CloudWatch alarm action publishes to an SNS topic as `cloudwatch.amazonaws.com` of the alarm's
 * own account; AWS documents that path for topics of the same account only, and neither it nor an
 * EventBridge SNS target can set message attributes. So every state change of the checker's alarms
 * is matched here ("CloudWatch Alarm State Change": ALARM for every alarm, OK back from ALARM for
 * the alarms that notify recovery, exactly what the alarm actions send in a single-account
 * deployment) and sent unchanged to the hub's event bus, the bus the checker already reports each
 * scan to. EventBridge requires a role of this account for a bus of another account whose policy
 * admits the organization; the hub's bus policy admits this role by name. On the hub bus the event
 * keeps `account` (this account), and the hub's alarm relay publishes it to the organization's
 * topic with the `account_id` attribute (lib/hub/relay.ts).
 */
import { Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ALARM_STATE_CHANGE } from '../../lambda/hub/alarm-event';

export interface AlarmForwarderProps {
  /** The hub's event bus (another account, this Region). */
  readonly busArn: string;
  /** Every alarm of the checker; their names start with `alarmNamePrefix`. */
  readonly alarmNamePrefix: string;
  /** The alarms whose return to OK is worth a message (the others clear on their own after one period). */
  readonly recoveryAlarms: readonly cloudwatch.IAlarm[];
  /** The role's fixed name, admitted by the hub's bus policy. */
  readonly roleName: string;
  /** Where a state change the hub's bus did not accept is kept (the checker's dead-letter queue). */
  readonly deadLetterQueue: sqs.IQueue;
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
      description: "Aurora Backtrack checker: EventBridge sends this account's checker alarms to the organization hub's event bus",
    });

    this.alarmRule = this.forward('AlarmRule', "Aurora Backtrack checker: send its alarms to the organization hub's event bus", {
      alarmName: events.Match.prefix(props.alarmNamePrefix),
      state: { value: ['ALARM'] },
    });
    if (props.recoveryAlarms.length > 0) {
      this.recoveryRule = this.forward(
        'RecoveryRule',
        "Aurora Backtrack checker: send the recovery of its alarms to the organization hub's event bus",
        {
          alarmName: props.recoveryAlarms.map((a) => a.alarmName),
          state: { value: ['OK'] },
          previousState: { value: ['ALARM'] },
        },
      );
    }

    // The target adds events:PutEvents on exactly this bus to the role, and nothing else.
    const target = new eventsTargets.EventBus(events.EventBus.fromEventBusArn(this, 'HubBus', props.busArn), {
      role: this.role,
      deadLetterQueue: props.deadLetterQueue,
    });
    this.alarmRule.addTarget(target);
    this.recoveryRule?.addTarget(target);
  }

  private forward(id: string, description: string, detail: Record<string, unknown>): events.Rule {
    return new events.Rule(this, id, {
      description,
      eventPattern: { source: [ALARM_STATE_CHANGE.source], detailType: [ALARM_STATE_CHANGE.detailType], detail },
    });
  }
}
