/**
 * What member mode refuses: subscribers belong on the hub's topic, not in every member account;
 * and a member that could never deliver (no usable hub bus) or is given keys it no longer uses.
 */
import { Token } from 'aws-cdk-lib';
import { settingOf } from '../../lambda/settings/schema';
import { ConfigError, type CheckerConfig, type ConfigProblem } from '../config';

/** Throws one ConfigError naming every subscriber setting given to a member stack. */
export function assertMemberConfig(config: CheckerConfig): void {
  const problems: ConfigProblem[] = [];
  const onHub = "is set for a member stack, whose alerts go to the hub's topic through its bus; subscribe on the hub instead";
  if (config.alertEmails.length > 0) {
    problems.push({
      key: 'alertEmails',
      value: JSON.stringify(config.alertEmails.join(',')),
      problem: onHub,
      allowed: 'no value in member mode (give alertEmails to the hub stack: -c deployment=hub)',
      example: 'deployment=hub -c alertEmails=ops@example.com',
    });
  }
  for (const key of ['slackWorkspaceId', 'slackChannelId'] as const) {
    const value = config[key];
    if (value === undefined) continue;
    problems.push({
      key,
      value: JSON.stringify(value),
      problem: onHub,
      allowed: `no value in member mode (give ${key} to the hub stack: -c deployment=hub)`,
      example: `deployment=hub -c ${key}=${value}`,
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);
}

/** Member keys of earlier versions: a member now sends its alerts to the hub's bus, never to the topic. */
export const RETIRED_MEMBER_KEYS = ['hubTopicArn', 'hubTopicKeyArn'] as const;

/** The problem of a retired key, worded once for the context reader and the construct. */
export function retiredMemberKeyProblem(key: (typeof RETIRED_MEMBER_KEYS)[number], value: string): ConfigProblem {
  return {
    key,
    value,
    problem:
      "is no longer used: a member checker sends its alerts to the hub's event bus (EventBridge stamps its account) and may not publish to the hub's topic",
    allowed: `leave ${key} out; give hubEventBusArn, the hub stack's HubEventBusArn output`,
    example: 'deployment=member -c hubEventBusArn=arn:aws:events:eu-west-1:111122223333:event-bus/aurora-backtrack-checker-hub',
  };
}

/**
 * Throws one ConfigError when a member stack could never deliver, or is given what it no longer
 * uses: the retired topic keys, a topic of its own, or a hub bus ARN that is not one (a token,
 * such as the StackSet template's parameter, is checked by the parameter's pattern on deploy).
 */
export function assertMemberWiring(props: { readonly hubEventBusArn?: string; readonly alertTopic?: unknown } & object): void {
  const problems: ConfigProblem[] = [];
  const given = props as Record<string, unknown>;
  for (const key of RETIRED_MEMBER_KEYS) {
    if (given[key] !== undefined) problems.push(retiredMemberKeyProblem(key, JSON.stringify(given[key])));
  }
  const bus = props.hubEventBusArn;
  if (bus !== undefined && !Token.isUnresolved(bus)) {
    const parsed = settingOf('hubEventBusArn').parse(bus);
    if (!('ok' in parsed)) {
      problems.push({
        key: 'hubEventBusArn',
        value: JSON.stringify(bus),
        problem: `${parsed.problem}: the member's alerts, alarms and reports could never reach the hub`,
        allowed: "the hub stack's HubEventBusArn output",
        example: 'deployment=member -c hubEventBusArn=arn:aws:events:eu-west-1:111122223333:event-bus/aurora-backtrack-checker-hub',
      });
    }
  }
  if (bus !== undefined && props.alertTopic !== undefined) {
    problems.push({
      key: 'alertTopic',
      value: '(a topic)',
      problem: "is given to a member stack, whose alerts go to the hub's bus",
      allowed: 'no alertTopic with hubEventBusArn',
      example: 'deployment=member -c hubEventBusArn=…',
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);
}
