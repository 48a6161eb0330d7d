/**
 * The fixed names of the organization deployment: the member checker's two roles and its alarms'
 * prefix, and the hub's event bus. The hub's topic,
 * key and event bus policies admit exactly these role names from accounts of the organization,
 * and the hub relays exactly the alarms named with this prefix, so the names cannot be generated:
 * one member stack per account (the StackSet targets one Region per account).
 */
import { Aws } from 'aws-cdk-lib';

/** The checker function's execution role in every member account: publishes the alerts, reports each scan. */
export const MEMBER_FUNCTION_ROLE_NAME = 'AuroraBacktrackChecker-Function';

/** EventBridge's role in every member account: forwards the member's alarm state changes to the hub's event bus. */
export const MEMBER_ALARM_FORWARDER_ROLE_NAME = 'AuroraBacktrackChecker-AlarmForwarder';

/** Every alarm of a member checker is named `<prefix><Name>` (`AuroraBacktrackChecker-Member-Heartbeat`). */
export const MEMBER_ALARM_NAME_PREFIX = 'AuroraBacktrackChecker-Member-';

/** The hub's event bus: fixed, so a member stack deployed by hand finds it beside the hub's topic. */
export const HUB_EVENT_BUS_NAME = 'aurora-backtrack-checker-hub';

/** `arn:<partition>:iam::*:role/<name>`: the `aws:PrincipalArn` value that admits a member role of any account. */
export function memberRoleArnPattern(roleName: string, partition: string = Aws.PARTITION): string {
  return `arn:${partition}:iam::*:role/${roleName}`;
}
