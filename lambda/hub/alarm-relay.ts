/**
 * The hub's alarm relay. The members forward their checker alarms' state changes to the hub's event
 * bus; a rule there invokes this function, which publishes each one to the organization's topic
 * with the message attributes every other message of that topic carries (`account_id`, `severity`,
 * `event`), so a team's filter policy on its accounts receives its accounts' alarms too. The hub's
 * own alarms (the hub's prefix, from the hub's account: a rule on its default bus) are relayed the
 * same way, with the hub's account id.
 *
 * An event that is not a member checker's alarm state change (malformed, another alarm, another
 * state) is logged and dropped: retrying it would not make it one. A bad configuration or a message
 * SNS does not accept throws: Lambda retries the event, then sends it to the hub's dead-letter
 * queue, and the function's Errors alarm notifies the topic.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { publishAlert, type AlertMessage } from '../aws/sns';
import { CLIENT_SETTINGS } from '../default-deps';
import { alarmMessage, readAlarmStateChange, type RelayedState } from './alarm-event';
import { ALARM_RELAY_SERVICE, AlarmRelayConfigError, readAlarmRelayEnvironment, type AlarmRelaySettings } from './alarm-relay-settings';

export interface AlarmRelayDeps {
  publish(topicArn: string, message: AlertMessage): Promise<string>;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
}

export type AlarmRelayOutcome =
  { relayed: { messageId: string; account: string; alarmName: string; state: RelayedState } } | { dropped: string };

const logger = new Logger({ serviceName: ALARM_RELAY_SERVICE });

let defaults: AlarmRelayDeps | undefined;
function defaultDeps(settings: AlarmRelaySettings): AlarmRelayDeps {
  if (defaults) return defaults;
  // The topic's Region is in its ARN (the same as the function's in the hub).
  const sns = new SNSClient({ region: settings.topicArn.split(':')[3], ...CLIENT_SETTINGS });
  return (defaults = { publish: (topicArn, message) => publishAlert(sns, topicArn, message), log: logger });
}

/** The event id, for the log line of a dropped event (whatever the event is). */
const eventId = (event: unknown): unknown => (typeof event === 'object' && event !== null ? (event as { id?: unknown }).id : undefined);

export const createAlarmRelayHandler =
  (getDeps: (settings: AlarmRelaySettings) => AlarmRelayDeps = defaultDeps) =>
  async (event: unknown, context?: Context): Promise<AlarmRelayOutcome> => {
    if (context) logger.addContext(context);
    let settings: AlarmRelaySettings;
    try {
      settings = readAlarmRelayEnvironment(process.env);
    } catch (err) {
      if (err instanceof AlarmRelayConfigError) logger.error(err.message);
      throw err;
    }
    const deps = getDeps(settings);
    const change = readAlarmStateChange(event, settings.alarmNamePrefix, settings.hubAlarms);
    if ('problem' in change) {
      deps.log.warn(`alarm relay: event dropped, not relayed: ${change.problem}`, { eventId: eventId(event) });
      return { dropped: change.problem };
    }
    const { account, alarmName, state } = change.ok;
    let messageId: string;
    try {
      messageId = await deps.publish(settings.topicArn, alarmMessage(change.ok));
    } catch (err) {
      const cause = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      deps.log.error('alarm relay: alarm not published', { account, alarmName, state, topicArn: settings.topicArn, cause });
      throw new Error(
        `alarm ${alarmName} (${state}) of account ${account} was not published to ${settings.topicArn} (${cause}); Lambda retries it, then sends the event to the dead-letter queue`,
        { cause: err },
      );
    }
    deps.log.info('alarm relayed', { account, alarmName, state, messageId });
    return { relayed: { messageId, account, alarmName, state } };
  };

export const handler = createAlarmRelayHandler();
