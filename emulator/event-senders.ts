/**
 * EventBridge stamps every event with the sender's account (`account`); moto stamps the account of
 * the bus it delivers on, so an event another account put on a hub's bus would read as the hub's
 * own. The proxy remembers, for each event it routed from another account, who sent it (by the
 * EventId that is also the delivered event's `id`), and writes that account back into the event
 * where the test and the relay read it: the SQS messages a rule delivered (ReceiveMessage, JSON
 * protocol), with their MD5OfBody recomputed as SQS computes it.
 */
import { createHash } from 'node:crypto';

/** EventId → the sending account, for events routed from another account. */
export type EventSenders = Map<string, string>;

/** Remembers the sender of every entry PutEvents accepted (moto's answer: `Entries[].EventId`). */
export function recordSenders(senders: EventSenders, putEventsAnswer: string, sender: string): void {
  let answer: unknown;
  try {
    answer = JSON.parse(putEventsAnswer);
  } catch {
    return;
  }
  for (const entry of (answer as { Entries?: { EventId?: unknown }[] } | null)?.Entries ?? []) {
    if (typeof entry.EventId === 'string') senders.set(entry.EventId, sender);
  }
}

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

/**
 * A ReceiveMessage answer (JSON protocol) with the sender's account in every EventBridge event it
 * carries from another account; undefined when nothing changes.
 */
export function stampSenders(senders: EventSenders, receiveAnswer: string): string | undefined {
  if (senders.size === 0) return undefined;
  let answer: { Messages?: { Body?: unknown; MD5OfBody?: unknown }[] };
  try {
    answer = JSON.parse(receiveAnswer) as typeof answer;
  } catch {
    return undefined;
  }
  let changed = false;
  for (const message of answer.Messages ?? []) {
    if (typeof message.Body !== 'string') continue;
    let event: unknown;
    try {
      event = JSON.parse(message.Body);
    } catch {
      continue;
    }
    const e = event as { id?: unknown; account?: unknown } | null;
    const sender = typeof e?.id === 'string' ? senders.get(e.id) : undefined;
    if (!e || sender === undefined || e.account === sender) continue;
    const body = JSON.stringify({ ...e, account: sender });
    message.Body = body;
    message.MD5OfBody = md5(body);
    changed = true;
  }
  return changed ? JSON.stringify(answer) : undefined;
}
