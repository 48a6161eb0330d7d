/**
 * SNS Publish as AWS checks it (moto accepts all of these): a `MessageStructure: json` message must
 * be a JSON object of strings with a `default` key; Subject under 100 printable characters; at most
 * 256 KB. Also turns the query parameters into a record the tests can read, including the e-mail
 * body, which an SQS subscriber never sees (it receives the `sqs` or `default` text).
 */
import { SNS_LIMITS } from './aws-limits';

export interface PublishedMessage {
  region: string;
  topicArn?: string;
  targetArn?: string;
  subject?: string;
  message: string;
  messageStructure?: string;
  /** For MessageStructure json: the per-protocol bodies (`default`, `email`, ...). */
  bodies?: Record<string, string>;
  /** String attributes by name (DataType String / Number: the StringValue). */
  attributes: Record<string, string>;
  /** True once the emulator accepted it (the subscribers got it). */
  accepted: boolean;
}

/** Reads a Publish request's form parameters into a PublishedMessage (accepted: false until answered). */
export function readPublish(region: string, params: URLSearchParams): PublishedMessage {
  const attributes: Record<string, string> = {};
  for (let i = 1; params.has(`MessageAttributes.entry.${i}.Name`); i++) {
    const name = params.get(`MessageAttributes.entry.${i}.Name`) ?? '';
    attributes[name] =
      params.get(`MessageAttributes.entry.${i}.Value.StringValue`) ?? params.get(`MessageAttributes.entry.${i}.Value.BinaryValue`) ?? '';
  }
  const message = params.get('Message') ?? '';
  const messageStructure = params.get('MessageStructure') ?? undefined;
  let bodies: Record<string, string> | undefined;
  if (messageStructure === 'json') {
    try {
      const parsed: unknown = JSON.parse(message);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) bodies = parsed as Record<string, string>;
    } catch {
      bodies = undefined;
    }
  }
  return {
    region,
    topicArn: params.get('TopicArn') ?? undefined,
    targetArn: params.get('TargetArn') ?? undefined,
    subject: params.get('Subject') ?? undefined,
    message,
    messageStructure,
    bodies,
    attributes,
    accepted: false,
  };
}

/** AWS's InvalidParameter message for a Publish it refuses, or undefined. */
export function publishError(p: PublishedMessage): string | undefined {
  if (p.messageStructure === 'json') {
    if (!p.bodies) return 'Invalid parameter: Message Structure - JSON message body failed to parse';
    if (typeof p.bodies.default !== 'string') return 'Invalid parameter: Message Structure - No default entry in JSON message body';
    if (Object.values(p.bodies).some((v) => typeof v !== 'string'))
      return 'Invalid parameter: Message Structure - JSON message values must be strings';
  } else if (p.messageStructure !== undefined) {
    return 'Invalid parameter: MessageStructure';
  }
  const subject = p.subject;
  const tooLong = subject !== undefined && subject.length > SNS_LIMITS.subjectMaxChars;
  // eslint-disable-next-line no-control-regex -- AWS refuses control characters in a subject: that is the check
  if (subject !== undefined && (subject.length === 0 || tooLong || /[\u0000-\u001f]/.test(subject))) {
    return 'Invalid parameter: Subject';
  }
  const attributeBytes = Object.entries(p.attributes).reduce((n, [k, v]) => n + Buffer.byteLength(k + v, 'utf8'), 0);
  if (Buffer.byteLength(p.message, 'utf8') + attributeBytes > SNS_LIMITS.messageBytes) return 'Invalid parameter: Message too long';
  if (p.message.length === 0) return 'Invalid parameter: Empty message';
  return undefined;
}
