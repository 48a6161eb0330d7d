/**
 * The hub's alarm relay's settings, read from the environment the hub stack writes with
 * {@link alarmRelayEnvironment}. Each problem names the variable, the value and what is allowed.
 */
import { TELEMETRY } from '../settings/schema';

/** The relay's variables, each named once. */
export const ALARM_RELAY_ENV = {
  topicArn: 'ALARM_RELAY_TOPIC_ARN',
  alarmNamePrefix: 'MEMBER_ALARM_NAME_PREFIX',
  hubAccountId: 'HUB_ACCOUNT_ID',
  hubAlarmNamePrefix: 'HUB_ALARM_NAME_PREFIX',
} as const;

/** The Powertools `service` of the relay's logs. */
export const ALARM_RELAY_SERVICE = `${TELEMETRY.serviceName}-alarm-relay`;

export interface AlarmRelaySettings {
  /** The organization's alert topic. */
  topicArn: string;
  /** Every member checker's alarm is named `<prefix><Name>`; no other alarm is relayed. */
  alarmNamePrefix: string;
  /**
   * The hub's own alarms (`<alarmNamePrefix><Name>` of the hub account itself), relayed with the
   * hub's account id. Absent: only the members' alarms are relayed.
   */
  hubAlarms?: HubAlarms;
}

/** The hub's own alarms: named with the hub's prefix, and accepted only from the hub's own account. */
export interface HubAlarms {
  accountId: string;
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
const ACCOUNT_ID = /^\d{12}$/;

export function alarmRelayEnvironment(s: AlarmRelaySettings): Record<string, string> {
  return {
    [ALARM_RELAY_ENV.topicArn]: s.topicArn,
    [ALARM_RELAY_ENV.alarmNamePrefix]: s.alarmNamePrefix,
    ...(s.hubAlarms
      ? { [ALARM_RELAY_ENV.hubAccountId]: s.hubAlarms.accountId, [ALARM_RELAY_ENV.hubAlarmNamePrefix]: s.hubAlarms.alarmNamePrefix }
      : {}),
  };
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
  const hubAccountId = env[ALARM_RELAY_ENV.hubAccountId] ?? '';
  const hubAlarmNamePrefix = env[ALARM_RELAY_ENV.hubAlarmNamePrefix] ?? '';
  const hubSet = hubAccountId !== '' || hubAlarmNamePrefix !== '';
  if (hubSet && !ACCOUNT_ID.test(hubAccountId)) {
    problems.push(
      `${ALARM_RELAY_ENV.hubAccountId}: "${hubAccountId}" — set the hub's own account id (12 digits) with ${ALARM_RELAY_ENV.hubAlarmNamePrefix}`,
    );
  }
  if (
    hubSet &&
    (!PREFIX.test(hubAlarmNamePrefix) || hubAlarmNamePrefix.startsWith(alarmNamePrefix) || alarmNamePrefix.startsWith(hubAlarmNamePrefix))
  ) {
    problems.push(
      `${ALARM_RELAY_ENV.hubAlarmNamePrefix}: "${hubAlarmNamePrefix}" — set the hub's own alarm name prefix with ${ALARM_RELAY_ENV.hubAccountId} (1–200 of A-Z a-z 0-9 _ . -, neither part of the members' prefix nor starting with it)`,
    );
  }
  if (problems.length > 0) throw new AlarmRelayConfigError(problems);
  return { topicArn, alarmNamePrefix, ...(hubSet ? { hubAlarms: { accountId: hubAccountId, alarmNamePrefix: hubAlarmNamePrefix } } : {}) };
}
