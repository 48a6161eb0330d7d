/**
 * A member checker's alarm state change as the hub's event bus delivers it (CloudWatch's "CloudWatch
 * Alarm State Change" event, forwarded by the member's rule, `account` set by EventBridge to the
 * member), and the message the hub publishes for it. Pure: no SDK, no I/O.
 */
import type { AlertMessage } from '../aws/sns';
import { clip, clipLine, plainText, slackText } from '../core/text';

/** What CloudWatch puts on EventBridge when an alarm changes state. */
export const ALARM_STATE_CHANGE = { source: 'aws.cloudwatch', detailType: 'CloudWatch Alarm State Change' } as const;

/** The states relayed: ALARM, and OK (the member forwards it only for the alarms whose recovery means something). */
export const RELAYED_STATES = ['ALARM', 'OK'] as const;
export type RelayedState = (typeof RELAYED_STATES)[number];

/** The `event` attribute of a relayed alarm: beside the checker's own events (new-failure, degraded, recovered…). */
export const ALARM_EVENTS: Record<RelayedState, string> = { ALARM: 'alarm', OK: 'alarm-recovered' };
/** HIGH like a degraded checker; a recovery is INFORMATIONAL like the checker's `recovered`. */
const SEVERITY: Record<RelayedState, 'HIGH' | 'INFORMATIONAL'> = { ALARM: 'HIGH', OK: 'INFORMATIONAL' };

export interface AlarmStateChange {
  /** The member account (EventBridge's `account`: the account the event came from). */
  account: string;
  region: string;
  alarmName: string;
  /** The alarm's name without the member prefix (`Heartbeat`), for the e-mail subject. */
  shortName: string;
  state: RelayedState;
  previousState?: string;
  /** CloudWatch's reason, as CloudWatch wrote it (made inert only when rendered). */
  reason: string;
  /** When the state changed (the event's time), when given. */
  time?: string;
}

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
/** CloudWatch alarm names are 1–255 characters. */
const MAX_ALARM_NAME = 255;
/** CloudWatch's reason is at most 1,023 characters; longer text is cut, not refused. */
const MAX_REASON = 1_023;
/** The reason in the Slack card, escaped: well inside a custom notification's description. */
const SLACK_REASON_MAX = 3_400;

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
/** A value for a log line: JSON, at most `max` characters. */
const shown = (value: unknown, max = 80): string => clip(JSON.stringify(value) ?? 'undefined', max);

/**
 * The alarm names relayed: a member checker's (`member`, from any account), and the hub's own
 * alarms (`hub.prefix`) when the event comes from the hub's own account.
 */
export interface AlarmNamePrefixes {
  member: string;
  hub?: { account: string; prefix: string };
}

/**
 * The alarm state change, or why the event is not one to relay: not a CloudWatch alarm state
 * change, not an alarm of a member checker (`alarmNamePrefix`) nor of the hub in the hub's own
 * account, a state other than ALARM or OK, or an account, Region or alarm ARN that is missing or
 * does not agree with the rest.
 */
export function readAlarmStateChange(event: unknown, prefixes: string | AlarmNamePrefixes): { ok: AlarmStateChange } | { problem: string } {
  const { member, hub } = typeof prefixes === 'string' ? { member: prefixes, hub: undefined } : prefixes;
  const e = record(event);
  if (!e) return { problem: `the event is not a JSON object (${shown(event)})` };
  if (e.source !== ALARM_STATE_CHANGE.source || e['detail-type'] !== ALARM_STATE_CHANGE.detailType) {
    return {
      problem: `not a "${ALARM_STATE_CHANGE.detailType}" event of ${ALARM_STATE_CHANGE.source} (source ${shown(e.source)}, detail-type ${shown(e['detail-type'])})`,
    };
  }
  const account = e.account;
  if (typeof account !== 'string' || !ACCOUNT.test(account)) return { problem: `account ${shown(account)} is not 12 digits` };
  const region = e.region;
  if (typeof region !== 'string' || !REGION.test(region)) return { problem: `region ${shown(region)} is not a Region name` };
  const detail = record(e.detail);
  const alarmName = detail?.alarmName;
  if (typeof alarmName !== 'string' || alarmName.length === 0 || alarmName.length > MAX_ALARM_NAME) {
    return { problem: `detail.alarmName ${shown(alarmName)} is not an alarm name (1–${MAX_ALARM_NAME} characters)` };
  }
  const named = (prefix: string) => alarmName.startsWith(prefix) && alarmName.length > prefix.length;
  // The hub's prefix counts only for the hub's own account: a member cannot pass for the hub.
  const alarmNamePrefix = hub && account === hub.account && named(hub.prefix) ? hub.prefix : member;
  if (!named(alarmNamePrefix)) {
    return { problem: `alarm ${shown(alarmName)} of account ${account} is not a member checker's alarm (${member}<Name>)` };
  }
  const arnSuffix = `:cloudwatch:${region}:${account}:alarm:${alarmName}`;
  const resources = Array.isArray(e.resources) ? (e.resources as unknown[]) : [];
  if (!resources.some((r) => typeof r === 'string' && /^arn:aws[a-z-]*(:cloudwatch:[\s\S]*)$/.exec(r)?.[1] === arnSuffix)) {
    return { problem: `resources ${shown(e.resources, 400)} do not name alarm ${shown(alarmName)} of account ${account} in ${region}` };
  }
  const state = record(detail?.state);
  const value = state?.value;
  if (!(RELAYED_STATES as readonly unknown[]).includes(value)) {
    return {
      problem: `alarm ${shown(alarmName)} of account ${account}: state ${shown(value)} is not relayed (only ${RELAYED_STATES.join(' and ')})`,
    };
  }
  const previous = record(detail?.previousState)?.value;
  const time = typeof e.time === 'string' && !Number.isNaN(Date.parse(e.time)) ? e.time : undefined;
  return {
    ok: {
      account,
      region,
      alarmName,
      shortName: alarmName.slice(alarmNamePrefix.length),
      state: value as RelayedState,
      ...(typeof previous === 'string' ? { previousState: previous } : {}),
      reason:
        typeof state?.reason === 'string' && state.reason.trim() !== '' ? clip(state.reason, MAX_REASON) : 'CloudWatch gave no reason',
      ...(time !== undefined ? { time } : {}),
    },
  };
}

/**
 * The message for the organization's topic: `default` is the AWS Chatbot custom notification the
 * member's alarms have always sent (title: alarm, state, account, Region; description: CloudWatch's
 * reason), `email` the same in plain text, and the attributes of the checker's own alerts
 * (`severity`, `event`, `account_id`), so a filter policy on them treats alarms alike. The alarm
 * name and the reason are text from outside: escaped for Slack, control characters removed.
 */
export function alarmMessage(change: AlarmStateChange): AlertMessage {
  const where = `account ${change.account}, ${change.region}`;
  const card = {
    version: '1.0',
    source: 'custom',
    content: {
      textType: 'client-markdown',
      title: clipLine(`Aurora Backtrack checker alarm ${slackText(change.alarmName)} is ${change.state} (${where})`, 250),
      description: `${clip(slackText(change.reason), SLACK_REASON_MAX)} See docs/operations.md.`,
    },
  };
  const email = [
    `Aurora Backtrack checker alarm ${plainText(change.alarmName)} is ${change.state}`,
    '',
    `Account: ${change.account}`,
    `Region: ${change.region}`,
    ...(change.time !== undefined ? [`Changed at: ${change.time}`] : []),
    ...(change.previousState !== undefined ? [`Previous state: ${plainText(change.previousState)}`] : []),
    `Reason: ${plainText(change.reason)}`,
    '',
    change.state === 'ALARM'
      ? 'What the alarm means and what to do: docs/operations.md of the Aurora Backtrack checker, "Alarms".'
      : 'The alarm is back to OK.',
  ].join('\n');
  return {
    subject: clipLine(`Aurora Backtrack checker alarm ${plainText(change.shortName)} is ${change.state} (account ${change.account})`, 99),
    default: JSON.stringify(card),
    email,
    attributes: { severity: SEVERITY[change.state], event: [ALARM_EVENTS[change.state]], accountId: change.account },
  };
}
