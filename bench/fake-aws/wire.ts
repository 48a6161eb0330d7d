/**
 * Wire formats of the AWS protocols the checker's SDK clients speak (AWS SDK for JavaScript
 * v3.1108.0, read from each client's dist-cjs):
 *   awsQuery      RDS, STS, SNS   form-encoded POST, XML responses, <ErrorResponse>
 *   ec2Query      EC2             form-encoded POST, XML responses, <Response><Errors>
 *   awsJson1_0    DynamoDB        X-Amz-Target DynamoDB_20120810.<Op>, JSON, __type errors
 *   awsJson1_0    CloudWatch      X-Amz-Target GraniteServiceVersion20100801.<Op>, query-compatible
 *                                 errors (x-amzn-query-error header)
 *   restJson1     Security Hub    verb + path, JSON, x-amzn-ErrorType errors
 */
import { randomUUID } from 'node:crypto';

export type Protocol = 'query' | 'ec2' | 'json' | 'rest-json';

export interface FakeRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Signing name from the SigV4 credential scope: rds, ec2, sts, sns, securityhub, dynamodb, monitoring. */
  service: string;
  region: string;
  /** Access key id from the credential scope. */
  accessKeyId: string;
  requestId: string;
}

export interface FakeResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** An AWS error response: the code and message AWS would send, and the HTTP status. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly fault: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message);
    this.name = 'AwsError';
  }
}

export const newRequestId = (): string => randomUUID();

/** SigV4: `Credential=<key>/<date>/<region>/<service>/aws4_request`. */
export function credentialScope(authorization: string | undefined): { accessKeyId: string; region: string; service: string } | undefined {
  const m = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization ?? '');
  return m ? { accessKeyId: m[1] as string, region: m[2] as string, service: m[3] as string } : undefined;
}

export const escapeXml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);

type XmlValue = string | number | boolean | Date | undefined | null | XmlNode[];
export type XmlNode = [name: string, value: XmlValue];

/** Serialises nodes; undefined and null values are left out, arrays nest. */
export function xml(nodes: XmlNode[]): string {
  let out = '';
  for (const [name, value] of nodes) {
    if (value === undefined || value === null) continue;
    const inner = Array.isArray(value) ? xml(value) : value instanceof Date ? value.toISOString() : escapeXml(String(value));
    out += `<${name}>${inner}</${name}>`;
  }
  return out;
}

/** `<Member>...</Member>` wrappers for an XML list. */
export const xmlList = <T>(member: string, items: readonly T[], render: (item: T) => XmlValue): XmlNode[] =>
  items.map((item) => [member, render(item)]);

export function queryResponse(operation: string, namespace: string, result: XmlNode[] | undefined, requestId: string): FakeResponse {
  const body =
    `<?xml version="1.0" encoding="UTF-8"?><${operation}Response xmlns="${namespace}">` +
    (result ? `<${operation}Result>${xml(result)}</${operation}Result>` : '') +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`;
  return { status: 200, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
}

export function ec2Response(operation: string, result: XmlNode[], requestId: string): FakeResponse {
  const body =
    `<?xml version="1.0" encoding="UTF-8"?><${operation}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">` +
    `<requestId>${requestId}</requestId>${xml(result)}</${operation}Response>`;
  return { status: 200, headers: { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId }, body };
}

export function jsonResponse(protocol: 'json' | 'rest-json', value: unknown, requestId: string): FakeResponse {
  const type = protocol === 'json' ? 'application/x-amz-json-1.0' : 'application/json';
  return { status: 200, headers: { 'content-type': type, 'x-amzn-requestid': requestId }, body: JSON.stringify(value) };
}

/** Error namespaces for awsJson `__type`. */
const JSON_NAMESPACE: Record<string, string> = {
  dynamodb: 'com.amazonaws.dynamodb.v20120810',
  monitoring: 'com.amazonaws.cloudwatch',
};

/**
 * CloudWatch's JSON protocol is query-compatible: the error shape name goes in __type and the
 * awsQuery code in `x-amzn-query-error: <Code>;<Sender|Receiver>`.
 */
const CLOUDWATCH_SHAPES: Record<string, string> = {
  InvalidParameterValue: 'InvalidParameterValueException',
  InvalidParameterCombination: 'InvalidParameterCombinationException',
  MissingParameter: 'MissingRequiredParameterException',
  InvalidNextToken: 'InvalidNextToken',
};

export function errorResponse(protocol: Protocol, service: string, err: AwsError, requestId: string): FakeResponse {
  const headers: Record<string, string> = { 'x-amzn-requestid': requestId };
  switch (protocol) {
    case 'query':
      return {
        status: err.status,
        headers: { ...headers, 'content-type': 'text/xml' },
        body:
          `<?xml version="1.0" encoding="UTF-8"?><ErrorResponse><Error><Type>${err.fault}</Type><Code>${escapeXml(err.code)}</Code>` +
          `<Message>${escapeXml(err.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
    case 'ec2':
      return {
        status: err.status,
        headers: { ...headers, 'content-type': 'text/xml;charset=UTF-8' },
        body:
          `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${escapeXml(err.code)}</Code>` +
          `<Message>${escapeXml(err.message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
      };
    case 'json': {
      const ns = JSON_NAMESPACE[service] ?? `com.amazonaws.${service}`;
      if (service === 'monitoring') {
        const shape = CLOUDWATCH_SHAPES[err.code] ?? err.code;
        return {
          status: err.status,
          headers: { ...headers, 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': `${err.code};${err.fault}` },
          body: JSON.stringify({ __type: `${ns}#${shape}`, message: err.message }),
        };
      }
      return {
        status: err.status,
        headers: { ...headers, 'content-type': 'application/x-amz-json-1.0' },
        body: JSON.stringify({ __type: `${ns}#${err.code}`, message: err.message }),
      };
    }
    case 'rest-json':
      return {
        status: err.status,
        headers: { ...headers, 'content-type': 'application/json', 'x-amzn-errortype': err.code },
        body: JSON.stringify({ Code: err.code, Message: err.message }),
      };
  }
}

/** Form body of a query/ec2 request. */
export const formParams = (body: string): URLSearchParams => new URLSearchParams(body);

/**
 * A flattened query list: `<prefix>.1`, `<prefix>.2`, ... (or `<prefix>.member.N` style when
 * `prefix` already ends with the member name).
 */
export function queryList(params: URLSearchParams, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 1; params.has(`${prefix}.${i}`); i++) out.push(params.get(`${prefix}.${i}`) as string);
  return out;
}

export function parseJsonBody(body: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(body);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new AwsError('SerializationException', 'the request body is not a JSON object');
}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
