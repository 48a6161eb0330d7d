/**
 * A member checker's "Checker alert" as the hub's event bus delivers it (`account` stamped by
 * EventBridge: the sender), judged before the relay publishes it. The detail is text from another
 * account: its shape and size are checked, its Slack mentions made inert, and the account on the
 * published message is the envelope's, never anything the detail says. Pure: no SDK, no I/O.
 */
import type { AlertMessage } from '../aws/sns';
import { ALERT_EVENTS, MAX_MESSAGE_BYTES } from '../core/alert';
import { CHECKER_ALERT, SEVERITY_LABELS } from '../core/hub-alert';
import { clip } from '../core/text';

/** Why the relay drops an event: the metric's `reason` dimension and the log line's `reason`. */
export type DropReason = 'not-an-event' | 'unknown-event' | 'bad-envelope' | 'bad-detail' | 'too-large' | 'over-budget';

export type Judged<T> = { ok: T } | { drop: DropReason; problem: string };

/** An e-mail subject: fewer than 100 characters, one line (SNS's rule). */
const MAX_SUBJECT = 99;
/** Enough for the checker's longest subject, its `event` values (eight kinds), and no more. */
const MAX_EVENTS = 16;
const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
// eslint-disable-next-line no-control-regex
const LINE_BREAK_OR_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
/** What the relay adds to the e-mail; counted in the size bound. */
const senderLine = (account: string) => `Sent from account ${account} (as EventBridge stamped the event).\n\n`;

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
const shown = (value: unknown, max = 80): string => clip(JSON.stringify(value) ?? 'undefined', max);
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/**
 * Slack mentions made inert in text the relay passes on: `<!channel>`, `<!here>`, `<@U…>` and
 * `<!subteam^…>` lose their opening bracket's meaning, and `@channel`/`@here`/`@everyone` get a
 * word joiner (as lambda/core/text.ts does for tag values). Links (`<https://…|label>`) stay.
 */
export function inertMentions(text: string): string {
  return text.replace(/<([!@])/g, '&lt;$1').replace(/@(channel|here|everyone)\b/gi, '@\u2060$1');
}

const CARD_KEYS = new Set(['version', 'source', 'id', 'content', 'metadata']);
const CONTENT_KEYS = new Set(['textType', 'title', 'description', 'nextSteps', 'keywords']);

/**
 * The Chatbot card of the detail: a JSON object of the custom notification shape (version 1.0,
 * source custom, client-markdown, a title and a description; next steps and keywords lists of
 * text), mentions made inert, and `metadata.additionalContext.accountId` set to the sender.
 */
function readCard(text: string, account: string): Judged<string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { drop: 'bad-detail', problem: `detail.default is not JSON (${shown(text)})` };
  }
  const card = record(parsed);
  const content = record(card?.content);
  const bad = (what: string) => ({ drop: 'bad-detail' as const, problem: `detail.default is not a Chatbot custom notification: ${what}` });
  if (!card || !content) return bad('no content object');
  const extra = [...Object.keys(card).filter((k) => !CARD_KEYS.has(k)), ...Object.keys(content).filter((k) => !CONTENT_KEYS.has(k))];
  if (extra.length) return bad(`unknown keys ${extra.map((k) => shown(k, 40)).join(', ')}`);
  if (card.version !== '1.0' || card.source !== 'custom' || content.textType !== 'client-markdown') {
    return bad(`version ${shown(card.version)}, source ${shown(card.source)}, textType ${shown(content.textType)}`);
  }
  if (typeof content.description !== 'string' || content.description.trim() === '') return bad('no description');
  if (content.title !== undefined && typeof content.title !== 'string') return bad('a title that is not text');
  for (const list of ['nextSteps', 'keywords'] as const) {
    if (content[list] !== undefined && !isStringList(content[list])) return bad(`${list} is not a list of text`);
  }
  if (card.id !== undefined && typeof card.id !== 'string') return bad('an id that is not text');
  const metadata = card.metadata === undefined ? {} : record(card.metadata);
  if (!metadata) return bad('metadata is not an object');
  const context = metadata.additionalContext === undefined ? {} : record(metadata.additionalContext);
  if (!context || !Object.values(context).every((v) => typeof v === 'string')) return bad('metadata.additionalContext is not text by key');

  const out = {
    ...card,
    content: {
      ...content,
      ...(typeof content.title === 'string' ? { title: inertMentions(content.title) } : {}),
      description: inertMentions(content.description),
      ...(isStringList(content.nextSteps) ? { nextSteps: content.nextSteps.map(inertMentions) } : {}),
    },
    metadata: { ...metadata, additionalContext: { ...context, accountId: account } },
  };
  return { ok: JSON.stringify(out) };
}

/**
 * The message to publish for a "Checker alert" event, or why it is dropped. `account_id` is the
 * envelope's `account`; a subject that names another account is refused, and the e-mail opens
 * with the sender's account. Bounds: subject 1–99 characters on one line; severity and event names
 * from the checker's own lists; subject, card and e-mail together at most 240,000 bytes (SNS
 * allows 256 KB with the attributes).
 */
export function readCheckerAlert(event: unknown): Judged<{ account: string; region: string; message: AlertMessage }> {
  const e = record(event);
  if (!e) return { drop: 'not-an-event', problem: `the event is not a JSON object (${shown(event)})` };
  if (e.source !== CHECKER_ALERT.source || e['detail-type'] !== CHECKER_ALERT.detailType) {
    return { drop: 'unknown-event', problem: `not a "${CHECKER_ALERT.detailType}" event (detail-type ${shown(e['detail-type'])})` };
  }
  const account = e.account;
  if (typeof account !== 'string' || !ACCOUNT.test(account))
    return { drop: 'bad-envelope', problem: `account ${shown(account)} is not 12 digits` };
  const region = e.region;
  if (typeof region !== 'string' || !REGION.test(region))
    return { drop: 'bad-envelope', problem: `region ${shown(region)} is not a Region name` };
  const d = record(e.detail);
  const from = `alert of account ${account}`;
  if (!d) return { drop: 'bad-detail', problem: `${from}: detail is not an object` };
  const { subject, email, severity, event: names } = d;
  if (typeof subject !== 'string' || subject.trim() === '' || subject.length > MAX_SUBJECT || LINE_BREAK_OR_CONTROL.test(subject)) {
    return { drop: 'bad-detail', problem: `${from}: subject ${shown(subject)} is not one line of 1–${MAX_SUBJECT} characters` };
  }
  const claimed = [...subject.matchAll(/\baccount (\d{12})\b/g)].map((m) => m[1]).filter((a) => a !== account);
  if (claimed.length) return { drop: 'bad-detail', problem: `${from}: the subject names account ${claimed.join(', ')}` };
  if (typeof email !== 'string' || email.trim() === '') return { drop: 'bad-detail', problem: `${from}: detail.email is not text` };
  if (typeof d.default !== 'string') return { drop: 'bad-detail', problem: `${from}: detail.default is not text` };
  if (typeof severity !== 'string' || !(SEVERITY_LABELS as readonly string[]).includes(severity)) {
    return { drop: 'bad-detail', problem: `${from}: severity ${shown(severity)} is not one of ${SEVERITY_LABELS.join(', ')}` };
  }
  if (
    !isStringList(names) ||
    names.length === 0 ||
    names.length > MAX_EVENTS ||
    !names.every((n) => (ALERT_EVENTS as readonly string[]).includes(n))
  ) {
    return { drop: 'bad-detail', problem: `${from}: event ${shown(names)} is not a list of the checker's event names` };
  }
  const size = bytes(subject) + bytes(d.default) + bytes(senderLine(account)) + bytes(email);
  if (size > MAX_MESSAGE_BYTES) {
    return { drop: 'too-large', problem: `${from}: ${size} bytes, more than the ${MAX_MESSAGE_BYTES} a relayed message may have` };
  }
  const card = readCard(d.default, account);
  if ('drop' in card) return { drop: card.drop, problem: `${from}: ${card.problem}` };
  const message: AlertMessage = {
    subject,
    default: card.ok,
    email: `${senderLine(account)}${email}`,
    attributes: { severity, event: [...new Set(names)], accountId: account },
  };
  return { ok: { account, region, message } };
}
