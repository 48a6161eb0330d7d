/**
 * The hub's alarm relay's settings, read from the environment the hub stack writes with
 * {@link alarmRelayEnvironment}. Each problem names the variable, the value and what is allowed.
 */
import { TELEMETRY } from '../settings/schema';

/** The relay's variables, each named once. */
export const ALARM_RELAY_ENV = {
  topicArn: 'ALARM_RELAY_TOPIC_ARN',
  alarmNamePrefix: 'MEMBER_ALARM_NAME_PREFIX',
} as const;

/** The Powertools `service` of the relay's logs. */
export const ALARM_RELAY_SERVICE = `${TELEMETRY.serviceName}-alarm-relay`;

export interface AlarmRelaySettings {
  /** The organization's alert topic. */
  topicArn: string;
  /** Every member checker's alarm is named `<prefix><Name>`; no other alarm is relayed. */
  alarmNamePrefix: string;
}

export class AlarmRelayConfigError extends Error {
  override readonly name = 'AlarmRelayConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid alarm relay configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
/** Alarm name characters CloudFormation names carry; at least one, room left for the alarm's own name. */
const PREFIX = /^[A-Za-z0-9_.-]{1,200}$/;

export function alarmRelayEnvironment(s: AlarmRelaySettings): Record<string, string> {
  return { [ALARM_RELAY_ENV.topicArn]: s.topicArn, [ALARM_RELAY_ENV.alarmNamePrefix]: s.alarmNamePrefix };
}

/** @throws AlarmRelayConfigError naming every bad variable */
export function readAlarmRelayEnvironment(env: Readonly<Record<string, string | undefined>>): AlarmRelaySettings {
  const problems: string[] = [];
  const topicArn = env[ALARM_RELAY_ENV.topicArn]?.trim() ?? '';
  if (!TOPIC_ARN.test(topicArn)) {
    problems.push(
      `${ALARM_RELAY_ENV.topicArn}: "${topicArn}" — set the organization's alert topic ARN (arn:aws:sns:<region>:<account>:<name>)`,
    );
  }
  const alarmNamePrefix = env[ALARM_RELAY_ENV.alarmNamePrefix] ?? '';
  if (!PREFIX.test(alarmNamePrefix)) {
    problems.push(
      `${ALARM_RELAY_ENV.alarmNamePrefix}: "${alarmNamePrefix}" — set the member checkers' alarm name prefix (1–200 of A-Z a-z 0-9 _ . -)`,
    );
  }
  if (problems.length > 0) throw new AlarmRelayConfigError(problems);
  return { topicArn, alarmNamePrefix };
}
