/**
 * The member's events to the hub's event bus: one "Checker run completed" after every scan, and a
 * "Checker alert" for every alert (the hub's relay publishes it to the organization's topic).
 */
import { EventBridgeClient, PutEventsCommand, type EventBridgeClientConfig } from '@aws-sdk/client-eventbridge';
import { RUN_COMPLETED, type RunCompletedDetail } from '../core/coverage';
import { CHECKER_ALERT, type CheckerAlertDetail } from '../core/hub-alert';
import { clientRegion } from './client-region';
import { InvalidResponseError } from './errors';

export { EventBridgeClient };

const RUN_COMPLETED_REFUSED = "the hub may count this account as uncovered until a later run's event arrives";

/** EventBridge refused the event (a failed entry of PutEvents); `code` is EventBridge's error code. */
export class EventNotSentError extends Error {
  override readonly name = 'EventNotSentError';

  constructor(
    readonly busArn: string,
    readonly code: string,
    awsMessage: string,
    detailType: string = RUN_COMPLETED.detailType,
    consequence: string = RUN_COMPLETED_REFUSED,
  ) {
    super(`EventBridge refused the "${detailType}" event for ${busArn} (${code}: ${awsMessage}); ${consequence}`);
  }
}

export const createEventBridgeClient = (config: EventBridgeClientConfig): EventBridgeClient => new EventBridgeClient(config);

/** The Region of an event bus ARN (`arn:<partition>:events:<region>:...`): PutEvents is sent there. */
export const eventBusRegion = (busArn: string): string | undefined => busArn.split(':')[3] || undefined;

/**
 * Sends the report with PutEvents to the bus given by its ARN (a bus of another account is named by
 * ARN). PutEvents answers 200 with a failed entry when EventBridge refuses the event: that is thrown
 * too, with EventBridge's code and message.
 */
export async function sendRunCompleted(client: EventBridgeClient, busArn: string, detail: RunCompletedDetail): Promise<void> {
  await putOne(client, busArn, RUN_COMPLETED, JSON.stringify(detail), RUN_COMPLETED_REFUSED);
}

/**
 * Sends the alert to the hub's bus as a "Checker alert" event and returns EventBridge's EventId:
 * accepted (no failed entry) is what "published" means for a member. The detail names no account;
 * EventBridge stamps the sender's.
 */
export async function sendCheckerAlert(client: EventBridgeClient, busArn: string, detail: CheckerAlertDetail): Promise<string> {
  return putOne(client, busArn, CHECKER_ALERT, JSON.stringify(detail), 'the alert was not delivered; the next run sends it again');
}

async function putOne(
  client: EventBridgeClient,
  busArn: string,
  kind: { source: string; detailType: string },
  detail: string,
  consequence: string,
): Promise<string> {
  const out = await client.send(
    new PutEventsCommand({ Entries: [{ EventBusName: busArn, Source: kind.source, DetailType: kind.detailType, Detail: detail }] }),
  );
  const [entry] = out.Entries ?? [];
  if ((out.FailedEntryCount ?? 0) > 0 || entry?.ErrorCode) {
    throw new EventNotSentError(
      busArn,
      entry?.ErrorCode ?? 'UnknownError',
      entry?.ErrorMessage ?? 'no message',
      kind.detailType,
      consequence,
    );
  }
  if (!entry?.EventId) throw new InvalidResponseError('EventBridge PutEvents', await clientRegion(client), `no EventId for bus ${busArn}`);
  return entry.EventId;
}
