/**
 * The fixed names of the member checker's two publishing roles. The hub's topic policy and key
 * policy admit exactly these role names from accounts of the organization, so the names cannot be
 * generated: one member stack per account (the StackSet targets one Region per account).
 */
import { Aws } from 'aws-cdk-lib';

/** The checker function's execution role in every member account: publishes the alerts. */
export const MEMBER_FUNCTION_ROLE_NAME = 'AuroraBacktrackChecker-Function';

/** EventBridge's role in every member account: forwards the member's alarm state changes. */
export const MEMBER_ALARM_FORWARDER_ROLE_NAME = 'AuroraBacktrackChecker-AlarmForwarder';

/** `arn:<partition>:iam::*:role/<name>` for each member role: the `aws:PrincipalArn` values the hub admits. */
export function memberRoleArnPatterns(partition: string = Aws.PARTITION): string[] {
  return [MEMBER_FUNCTION_ROLE_NAME, MEMBER_ALARM_FORWARDER_ROLE_NAME].map((name) => `arn:${partition}:iam::*:role/${name}`);
}
