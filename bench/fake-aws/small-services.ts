/** STS GetCallerIdentity, EC2 DescribeRegions and SNS Publish. */
import { randomUUID } from 'node:crypto';
import { SNS_LIMITS } from '../../emulator/aws-limits';
import { AwsError, type XmlNode, queryList, xmlList } from './wire';

export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';
export const SNS_NAMESPACE = 'http://sns.amazonaws.com/doc/2010-03-31/';
const SNS_MAX_BYTES = SNS_LIMITS.messageBytes;

export function getCallerIdentity(accountId: string): XmlNode[] {
  return [
    ['UserId', 'AIDABENCHMARKFAKEUSER'],
    ['Account', accountId],
    ['Arn', `arn:aws:iam::${accountId}:user/bench`],
  ];
}

/** DescribeRegions: the account's enabled Regions (optionally RegionName.N). */
export function describeRegions(params: URLSearchParams, regions: readonly string[]): XmlNode[] {
  const wanted = queryList(params, 'RegionName');
  const unknown = wanted.filter((r) => !regions.includes(r));
  if (unknown.length) throw new AwsError('InvalidParameterValue', `Invalid region names: ${unknown.join(', ')}`);
  const list = wanted.length ? wanted : [...regions];
  return [
    [
      'regionInfo',
      xmlList('item', list, (r) => [
        ['regionName', r],
        ['regionEndpoint', `ec2.${r}.amazonaws.com`],
        ['optInStatus', 'opt-in-not-required'],
      ]),
    ],
  ];
}

export interface Published {
  region: string;
  topicArn: string;
  subject?: string;
  messageBytes: number;
  structure?: string;
  attributes: Record<string, string>;
  /** Protocol keys of a JSON-structured message (default, email, ...). */
  keys: string[];
  message: string;
}

/** Publish: validates the message as SNS does and records it. */
export function publish(params: URLSearchParams, region: string, topics: ReadonlySet<string>, into: Published[]): XmlNode[] {
  const topicArn = params.get('TopicArn') ?? params.get('TargetArn') ?? '';
  if (!topics.has(topicArn)) throw new AwsError('NotFound', `Topic does not exist: ${topicArn}`, 404);
  const message = params.get('Message');
  if (message === null || message === '') throw new AwsError('InvalidParameter', 'Invalid parameter: Message must not be empty');
  const subject = params.get('Subject') ?? undefined;
  if (
    subject !== undefined &&
    (subject.length === 0 || subject.length > SNS_LIMITS.subjectMaxChars || /[\r\n]/.test(subject) || !/^[\x20-\x7e]+$/.test(subject))
  ) {
    throw new AwsError(
      'InvalidParameter',
      `Invalid parameter: Subject must be ASCII text under ${SNS_LIMITS.subjectMaxChars + 1} characters without line breaks`,
    );
  }
  const attributes: Record<string, string> = {};
  let bytes = Buffer.byteLength(message);
  for (let i = 1; params.has(`MessageAttributes.entry.${i}.Name`); i++) {
    const name = params.get(`MessageAttributes.entry.${i}.Name`) as string;
    const type = params.get(`MessageAttributes.entry.${i}.Value.DataType`) ?? '';
    const value =
      params.get(`MessageAttributes.entry.${i}.Value.StringValue`) ?? params.get(`MessageAttributes.entry.${i}.Value.BinaryValue`) ?? '';
    if (!/^(String|Number|Binary|String\.Array)(\..+)?$/.test(type)) {
      throw new AwsError('ParameterValueInvalid', `The message attribute '${name}' has an invalid message attribute type '${type}'.`);
    }
    attributes[name] = value;
    bytes += Buffer.byteLength(name) + Buffer.byteLength(type) + Buffer.byteLength(value);
  }
  if (bytes > SNS_MAX_BYTES)
    throw new AwsError(
      'InvalidParameter',
      `Invalid parameter: Message too long (${bytes} bytes with attributes; at most ${SNS_MAX_BYTES})`,
    );
  const structure = params.get('MessageStructure') ?? undefined;
  let keys: string[] = [];
  if (structure === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      throw new AwsError('InvalidParameter', 'Invalid parameter: Message Structure - JSON message body failed to parse');
    }
    if (
      typeof parsed !== 'object' ||
      parsed === null ||
      Array.isArray(parsed) ||
      typeof (parsed as Record<string, unknown>)['default'] !== 'string'
    ) {
      throw new AwsError('InvalidParameter', 'Invalid parameter: Message Structure - No default entry in JSON message body');
    }
    if (!Object.values(parsed).every((v) => typeof v === 'string')) {
      throw new AwsError('InvalidParameter', 'Invalid parameter: Message Structure - every protocol message must be a string');
    }
    keys = Object.keys(parsed);
  } else if (structure !== undefined) {
    throw new AwsError('InvalidParameter', `Invalid parameter: MessageStructure ${structure} (only json)`);
  }
  into.push({
    region,
    topicArn,
    ...(subject !== undefined && { subject }),
    messageBytes: bytes,
    ...(structure && { structure }),
    attributes,
    keys,
    message,
  });
  return [['MessageId', randomUUID()]];
}
