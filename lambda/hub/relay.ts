/**
 * The hub's relay: the one way a message from another account reaches the organization's topic.
 * Rules on the hub's event bus put the members' "Checker alert" events and their checkers' alarm
 * state changes (and, from the hub's own account, the hub's alarms) on the relay's SQS queue; this
 * function takes them in batches and publishes each with `account_id` taken from the event's
 * `account`, which EventBridge stamps with the sender's account. Nothing in the event's detail can
 * change it.
 *
 * An event that does not fit (malformed, unknown, a detail of the wrong shape or size, or over its
 * account's hourly budget) is dropped: one warning naming why, and the RelayDropped metric (the
 * hub's RelayDropped alarm). A message SNS refuses, or a budget table that does not answer, fails
 * that record only (reportBatchItemFailures): SQS delivers it again, then moves it to the relay's
 * dead-letter queue.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { DynamoRelayBudget, type RelayBudget } from '../aws/relay-budget';
import { publishAlert, type AlertMessage } from '../aws/sns';
import { createStateDocumentClient } from '../aws/state';
import { CLIENT_SETTINGS } from '../default-deps';
import { TELEMETRY } from '../settings/schema';
import { ALARM_STATE_CHANGE, alarmMessage, readAlarmStateChange } from './alarm-event';
import { readCheckerAlert, type DropReason, type Judged } from './alert-event';
import { RELAY_DROPPED_METRIC, RELAY_SERVICE, RelayConfigError, readRelayEnvironment, type RelaySettings } from './relay-settings';

/** One SQS message as the event source mapping hands it over (the body is the EventBridge event). */
export interface RelayRecord {
  messageId: string;
  body: string;
}

export interface RelayEvent {
  Records: RelayRecord[];
}

/** The records to deliver again (SQS's partial batch response). */
export interface RelayResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

export interface RelayDeps {
  now(): Date;
  publish(topicArn: string, message: AlertMessage): Promise<string>;
  budget: RelayBudget;
  /** Counts a dropped event (the RelayDropped metric). */
  dropped(reason: DropReason): void;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
}

const logger = new Logger({ serviceName: RELAY_SERVICE });
const metrics = new Metrics({ namespace: TELEMETRY.metricsNamespace, serviceName: RELAY_SERVICE });

let defaults: RelayDeps | undefined;
function defaultDeps(settings: RelaySettings): RelayDeps {
  if (defaults) return defaults;
  // The topic's Region is in its ARN (the same as the function's in the hub).
  const region = settings.topicArn.split(':')[3] as string;
  const sns = new SNSClient({ region, ...CLIENT_SETTINGS });
  const doc = createStateDocumentClient(new DynamoDBClient({ region, ...CLIENT_SETTINGS }));
  return (defaults = {
    now: () => new Date(),
    publish: (topicArn, message) => publishAlert(sns, topicArn, message),
    budget: new DynamoRelayBudget(doc, settings.budgetTable, settings.perAccountPerHour),
    dropped: (reason) => {
      metrics.addMetric(RELAY_DROPPED_METRIC, MetricUnit.Count, 1);
      const byReason = metrics.singleMetric();
      byReason.addDimension('reason', reason);
      byReason.addMetric(RELAY_DROPPED_METRIC, MetricUnit.Count, 1);
    },
    log: logger,
  });
}

/** The message for one event, and whose it is; or why it is dropped. */
export function judgeEvent(event: unknown, settings: RelaySettings): Judged<{ account: string; message: AlertMessage; what: string }> {
  const e = typeof event === 'object' && event !== null ? (event as Record<string, unknown>) : undefined;
  if (e?.source === ALARM_STATE_CHANGE.source && e['detail-type'] === ALARM_STATE_CHANGE.detailType) {
    if (typeof e.account !== 'string' || !/^\d{12}$/.test(e.account)) {
      return { drop: 'bad-envelope', problem: `account ${JSON.stringify(e.account) ?? 'undefined'} is not 12 digits` };
    }
    const change = readAlarmStateChange(event, {
      member: settings.alarmNamePrefix,
      hub: { account: settings.hubAccount, prefix: settings.hubAlarmNamePrefix },
    });
    if ('problem' in change) return { drop: 'bad-detail', problem: change.problem };
    const { account, alarmName, state } = change.ok;
    return { ok: { account, message: alarmMessage(change.ok), what: `alarm ${alarmName} (${state})` } };
  }
  const alert = readCheckerAlert(event);
  if ('drop' in alert) return alert;
  return { ok: { account: alert.ok.account, message: alert.ok.message, what: `alert "${alert.ok.message.subject}"` } };
}

type RecordOutcome = 'relayed' | 'dropped' | 'failed';

async function relayOne(record: RelayRecord, settings: RelaySettings, deps: RelayDeps): Promise<RecordOutcome> {
  const drop = (reason: DropReason, problem: string, extra: Record<string, unknown> = {}) => {
    deps.log.warn(`relay: event dropped, not relayed: ${problem}`, { reason, messageId: record.messageId, ...extra });
    deps.dropped(reason);
    return 'dropped' as const;
  };
  let event: unknown;
  try {
    event = JSON.parse(record.body);
  } catch {
    return drop('not-an-event', `the message body is not JSON (${record.body.slice(0, 80)})`);
  }
  const judged = judgeEvent(event, settings);
  if ('drop' in judged) return drop(judged.drop, judged.problem, { eventId: (event as { id?: unknown } | null)?.id });
  const { account, message, what } = judged.ok;
  try {
    if (!(await deps.budget.take(account, deps.now()))) {
      return drop('over-budget', `${what} of account ${account}: over the budget of ${settings.perAccountPerHour} messages per hour`, {
        account,
      });
    }
    const messageId = await deps.publish(settings.topicArn, message);
    deps.log.info('relayed', { account, what, messageId });
    return 'relayed';
  } catch (err) {
    const cause = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    deps.log.error(
      `relay: ${what} of account ${account} not published to ${settings.topicArn} (${cause}); SQS delivers it again, then moves it to the dead-letter queue`,
      {
        account,
        messageId: record.messageId,
      },
    );
    return 'failed';
  }
}

export const createRelayHandler =
  (getDeps: (settings: RelaySettings) => RelayDeps = defaultDeps) =>
  async (event: RelayEvent, context?: Context): Promise<RelayResponse> => {
    if (context) logger.addContext(context);
    let settings: RelaySettings;
    try {
      settings = readRelayEnvironment(process.env);
    } catch (err) {
      if (err instanceof RelayConfigError) logger.error(err.message);
      throw err;
    }
    const deps = getDeps(settings);
    const batchItemFailures: RelayResponse['batchItemFailures'] = [];
    try {
      // One at a time: a batch is at most ten messages, and the budget is counted in order.
      for (const record of event.Records ?? []) {
        if ((await relayOne(record, settings, deps)) === 'failed') batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    } finally {
      if (deps === defaults) metrics.publishStoredMetrics();
    }
    return { batchItemFailures };
  };

export const handler = createRelayHandler();
