import { createHash } from 'node:crypto';
import { recordSenders, stampSenders, type EventSenders } from '../../emulator/event-senders';

const HUB = '111122223333';
const MEMBER = '444455556666';
const message = (event: unknown) => {
  const Body = JSON.stringify(event);
  return { MessageId: 'q-1', Body, MD5OfBody: createHash('md5').update(Body).digest('hex') };
};

describe('event senders', () => {
  it("writes the sender's account into the SQS message of an event routed from another account, with its MD5 recomputed", () => {
    const senders: EventSenders = new Map();
    recordSenders(senders, JSON.stringify({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] }), MEMBER);

    const out = stampSenders(senders, JSON.stringify({ Messages: [message({ id: 'e-1', account: HUB, detail: {} })] }));

    const [m] = (JSON.parse(out ?? '{}') as { Messages: { Body: string; MD5OfBody: string }[] }).Messages;
    expect(JSON.parse(m?.Body ?? '{}')).toEqual({ id: 'e-1', account: MEMBER, detail: {} });
    expect(m?.MD5OfBody).toBe(
      createHash('md5')
        .update(m?.Body ?? '')
        .digest('hex'),
    );
  });

  it("leaves the hub's own events and other messages as moto wrote them", () => {
    const senders: EventSenders = new Map([['e-1', MEMBER]]);

    expect(stampSenders(senders, JSON.stringify({ Messages: [message({ id: 'e-2', account: HUB })], other: 1 }))).toBeUndefined();
    expect(stampSenders(senders, JSON.stringify({ Messages: [{ Body: 'text' }] }))).toBeUndefined();
    expect(stampSenders(new Map(), '{}')).toBeUndefined();
  });
});
