/** The member's report to the hub: one "Checker run completed" event on the hub's event bus after every scan. */
import { EventBridgeClient, PutEventsCommand, type EventBridgeClientConfig } from '@aws-sdk/client-eventbridge';
import { RUN_COMPLETED, type RunCompletedDetail } from '../core/coverage';
import { clientRegion } from './client-region';
import { InvalidResponseError } from './errors';

export { EventBridgeClient };

/** EventBridge refused the report (a failed entry of PutEvents); `code` is EventBridge's error code. */
export class EventNotSentError extends Error {
  override readonly name = 'EventNotSentError';

  constructor(
    readonly busArn: string,
    readonly code: string,
    awsMessage: string,
  ) {
    super(
      `EventBridge refused the "Checker run completed" event for ${busArn} (${code}: ${awsMessage}); ` +
        "the hub may count this account as uncovered until a later run's event arrives",
    );
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
  const out = await client.send(
    new PutEventsCommand({
      Entries: [
        { EventBusName: busArn, Source: RUN_COMPLETED.source, DetailType: RUN_COMPLETED.detailType, Detail: JSON.stringify(detail) },
      ],
    }),
  );
  const [entry] = out.Entries ?? [];
  if ((out.FailedEntryCount ?? 0) > 0 || entry?.ErrorCode) {
    throw new EventNotSentError(busArn, entry?.ErrorCode ?? 'UnknownError', entry?.ErrorMessage ?? 'no message');
  }
  if (!entry?.EventId) throw new InvalidResponseError('EventBridge PutEvents', await clientRegion(client), `no EventId for bus ${busArn}`);
}
