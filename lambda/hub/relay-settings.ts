/**
 * The hub relay's settings, read from the environment the hub stack writes with
 * {@link relayEnvironment}. Each problem names the variable, the value and what is allowed.
 */
import { TELEMETRY } from '../settings/schema';

/** The relay's variables, each named once. */
export const RELAY_ENV = {
  topicArn: 'RELAY_TOPIC_ARN',
  alarmNamePrefix: 'MEMBER_ALARM_NAME_PREFIX',
  hubAlarmNamePrefix: 'HUB_ALARM_NAME_PREFIX',
  hubAccount: 'HUB_ACCOUNT_ID',
  budgetTable: 'RELAY_BUDGET_TABLE',
  perAccountPerHour: 'RELAY_MESSAGES_PER_ACCOUNT_PER_HOUR',
} as const;

/** The Powertools `service` of the relay's logs and metrics. */
export const RELAY_SERVICE = `${TELEMETRY.serviceName}-relay`;

/** The metric of every dropped event (with the `service` dimension; one more with `reason`): the hub's RelayDropped alarm reads it. */
export const RELAY_DROPPED_METRIC = 'RelayDropped';

/** Default budget: far above one member's scans, re-checks and alarms in an hour, far below a flood. */
export const DEFAULT_MESSAGES_PER_ACCOUNT_PER_HOUR = 120;

export interface RelaySettings {
  /** The organization's alert topic. */
  topicArn: string;
  /** Every member checker's alarm is named `<prefix><Name>`. */
  alarmNamePrefix: string;
  /** The hub's own alarms (relayed from the hub's own account only) are named `<prefix><Name>`. */
  hubAlarmNamePrefix: string;
  /** The hub's account: its events may carry the hub's alarms. */
  hubAccount: string;
  /** The table of the per-account budget. */
  budgetTable: string;
  /** Messages relayed per account and hour; more are dropped. */
  perAccountPerHour: number;
}

export class RelayConfigError extends Error {
  override readonly name = 'RelayConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid relay configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
/** Alarm name characters CloudFormation names carry; at least one, room left for the alarm's own name. */
const PREFIX = /^[A-Za-z0-9_.-]{1,200}$/;
const ACCOUNT = /^\d{12}$/;
const TABLE = /^[A-Za-z0-9_.-]{3,255}$/;

export function relayEnvironment(s: RelaySettings): Record<string, string> {
  return {
    [RELAY_ENV.topicArn]: s.topicArn,
    [RELAY_ENV.alarmNamePrefix]: s.alarmNamePrefix,
    [RELAY_ENV.hubAlarmNamePrefix]: s.hubAlarmNamePrefix,
    [RELAY_ENV.hubAccount]: s.hubAccount,
    [RELAY_ENV.budgetTable]: s.budgetTable,
    [RELAY_ENV.perAccountPerHour]: String(s.perAccountPerHour),
  };
}

/** @throws RelayConfigError naming every bad variable */
export function readRelayEnvironment(env: Readonly<Record<string, string | undefined>>): RelaySettings {
  const problems: string[] = [];
  const read = (name: string, valid: (v: string) => boolean, fix: string) => {
    const value = env[name]?.trim() ?? '';
    if (!valid(value)) problems.push(`${name}: "${value}" — ${fix}`);
    return value;
  };
  const topicArn = read(
    RELAY_ENV.topicArn,
    (v) => TOPIC_ARN.test(v),
    "set the organization's alert topic ARN (arn:aws:sns:<region>:<account>:<name>)",
  );
  const alarmNamePrefix = read(
    RELAY_ENV.alarmNamePrefix,
    (v) => PREFIX.test(v),
    "set the member checkers' alarm name prefix (1–200 of A-Z a-z 0-9 _ . -)",
  );
  const hubAlarmNamePrefix = read(
    RELAY_ENV.hubAlarmNamePrefix,
    (v) => PREFIX.test(v),
    "set the hub's alarm name prefix (1–200 of A-Z a-z 0-9 _ . -)",
  );
  const hubAccount = read(RELAY_ENV.hubAccount, (v) => ACCOUNT.test(v), "set the hub's account id (12 digits)");
  const budgetTable = read(RELAY_ENV.budgetTable, (v) => TABLE.test(v), "set the relay's budget table name");
  const perHour = read(RELAY_ENV.perAccountPerHour, (v) => /^[1-9]\d{0,5}$/.test(v), 'set a whole number of messages from 1 to 999999');
  if (problems.length > 0) throw new RelayConfigError(problems);
  return { topicArn, alarmNamePrefix, hubAlarmNamePrefix, hubAccount, budgetTable, perAccountPerHour: Number(perHour) };
}
