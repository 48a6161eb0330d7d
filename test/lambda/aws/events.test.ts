import 'aws-sdk-client-mock-jest';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { eventBusRegion, EventNotSentError, sendCheckerAlert, sendRunCompleted } from '../../../lambda/aws/events';
import type { RunCompletedDetail } from '../../../lambda/core/coverage';

const BUS = 'arn:aws:events:eu-west-1:999988887777:event-bus/aurora-backtrack-checker-hub';
const DETAIL: RunCompletedDetail = {
  accountId: '111122223333',
  finishedAt: '2026-11-29T12:00:00.000Z',
  degraded: 1,
  verdicts: { failed: 2, warning: 0, passed: 3, notAvailable: 1 },
};

describe('sendRunCompleted', () => {
  const eb = mockClient(EventBridgeClient);
  const client = new EventBridgeClient({ region: 'eu-west-1' });
  beforeEach(() => eb.reset());

  it('puts one "Checker run completed" event of aurora-backtrack-checker on the hub\'s bus, named by its ARN', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });

    await sendRunCompleted(client, BUS, DETAIL);

    expect(eb).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    expect(eb).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        { EventBusName: BUS, Source: 'aurora-backtrack-checker', DetailType: 'Checker run completed', Detail: JSON.stringify(DETAIL) },
      ],
    });
  });

  it("throws EventBridge's code and message when it refuses the entry (PutEvents answers 200 with a failed entry)", async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] });

    const sent = sendRunCompleted(client, BUS, DETAIL);

    await expect(sent).rejects.toBeInstanceOf(EventNotSentError);
    await expect(sent).rejects.toThrow(`EventBridge refused the "Checker run completed" event for ${BUS} (InternalFailure: try again)`);
  });

  it('throws when the answer carries no event id', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });

    await expect(sendRunCompleted(client, BUS, DETAIL)).rejects.toThrow(`no EventId for bus ${BUS}`);
  });

  it('passes an error of the call itself on (e.g. the bus policy refuses this account)', async () => {
    eb.on(PutEventsCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));

    await expect(sendRunCompleted(client, BUS, DETAIL)).rejects.toThrow('not authorized');
  });
});

describe('eventBusRegion', () => {
  it('reads the Region of a bus ARN, where the client must send', () => {
    expect(eventBusRegion(BUS)).toBe('eu-west-1');
    expect(eventBusRegion('not-an-arn')).toBeUndefined();
  });
});

describe('sendCheckerAlert', () => {
  const eb = mockClient(EventBridgeClient);
  const client = new EventBridgeClient({ region: 'eu-west-1' });
  const ALERT = { subject: 's', default: '{}', email: 'e', severity: 'HIGH', event: ['degraded'] };
  beforeEach(() => eb.reset());

  it('puts one "Checker alert" event of aurora-backtrack-checker on the hub\'s bus and returns its EventId; the detail names no account', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-7' }] });

    expect(await sendCheckerAlert(client, BUS, ALERT)).toBe('e-7');
    expect(eb).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [{ EventBusName: BUS, Source: 'aurora-backtrack-checker', DetailType: 'Checker alert', Detail: JSON.stringify(ALERT) }],
    });
  });

  it('throws when EventBridge refuses the entry, saying the next run sends the alert again', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'AccessDeniedException', ErrorMessage: 'no' }] });

    await expect(sendCheckerAlert(client, BUS, ALERT)).rejects.toThrow(
      `EventBridge refused the "Checker alert" event for ${BUS} (AccessDeniedException: no); the alert was not delivered; the next run sends it again`,
    );
  });
});
