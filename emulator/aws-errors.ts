/**
 * Error responses in each service's own wire format, so that the AWS SDK v3 parses them into the
 * same error names (and retry classes) as real AWS answers: throttling retried with back-off,
 * 5xx retried, access denied not retried.
 */
import type { AwsProtocol, AwsRequestInfo } from './aws-request';

export interface ProxyResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface AwsErrorSpec {
  code: string;
  status: number;
  message: string;
}

/** The fault-like error kinds every service has an answer for. */
export type ServiceErrorKind = 'throttle' | '5xx' | 'access-denied';

type ErrorTable = Record<ServiceErrorKind, readonly [code: string, status: number, message: string]>;

/** What each service really answers (codes from the AWS SDK models and the services' documentation). */
const SERVICE_ERRORS: Readonly<Record<string, ErrorTable>> = {
  rds: {
    throttle: ['Throttling', 400, 'Rate exceeded'],
    '5xx': ['ServiceUnavailable', 503, 'The request has failed due to a temporary failure of the server.'],
    'access-denied': ['AccessDenied', 403, ''],
  },
  ec2: {
    throttle: ['RequestLimitExceeded', 503, 'Request limit exceeded.'],
    '5xx': ['Unavailable', 503, "The server is overloaded and can't handle the request."],
    'access-denied': ['UnauthorizedOperation', 403, 'You are not authorized to perform this operation.'],
  },
  sts: {
    throttle: ['Throttling', 400, 'Rate exceeded'],
    '5xx': ['ServiceUnavailable', 503, 'Service unavailable'],
    'access-denied': ['AccessDenied', 403, ''],
  },
  sns: {
    throttle: ['Throttled', 429, 'Rate exceeded'],
    '5xx': ['InternalError', 500, 'Internal error'],
    'access-denied': ['AuthorizationError', 403, ''],
  },
  sqs: {
    throttle: ['RequestThrottled', 403, 'Request is throttled.'],
    '5xx': ['InternalError', 500, 'Internal error'],
    'access-denied': ['AccessDenied', 403, ''],
  },
  cloudwatch: {
    throttle: ['Throttling', 400, 'Rate exceeded'],
    '5xx': ['InternalServiceError', 500, 'Internal service error'],
    'access-denied': ['AccessDenied', 403, ''],
  },
  dynamodb: {
    throttle: ['ThrottlingException', 400, 'Rate of requests exceeds the allowed throughput.'],
    '5xx': ['InternalServerError', 500, 'Internal server error'],
    'access-denied': ['AccessDeniedException', 400, ''],
  },
  securityhub: {
    throttle: ['TooManyRequestsException', 429, 'Rate exceeded'],
    '5xx': ['InternalException', 500, 'Internal service error'],
    'access-denied': ['AccessDeniedException', 403, ''],
  },
};

const GENERIC_ERRORS: Readonly<Record<'xml' | 'json', ErrorTable>> = {
  xml: SERVICE_ERRORS.sts!,
  json: {
    throttle: ['ThrottlingException', 400, 'Rate exceeded'],
    '5xx': ['InternalFailure', 500, 'Internal failure'],
    'access-denied': ['AccessDeniedException', 403, ''],
  },
};

/** JSON services whose SDK reads the query-compatible error code from `x-amzn-query-error`. */
const QUERY_COMPATIBLE = new Set(['cloudwatch', 'sqs']);

/** The `__type` namespace of a JSON service's own errors. */
const JSON_NAMESPACE: Readonly<Record<string, string>> = {
  dynamodb: 'com.amazonaws.dynamodb.v20120810#',
  cloudwatch: 'com.amazonaws.cloudwatch#',
  sqs: 'com.amazonaws.sqs#',
};

const XML_NAMESPACE: Readonly<Record<string, string>> = {
  rds: 'http://rds.amazonaws.com/doc/2014-10-31/',
  sns: 'http://sns.amazonaws.com/doc/2010-03-31/',
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
  cloudwatch: 'http://monitoring.amazonaws.com/doc/2010-08-01/',
  sqs: 'http://queue.amazonaws.com/doc/2012-11-05/',
};

/** The error a service returns for `kind`, e.g. RDS throttling → `Throttling` / 400. */
export function serviceError(
  info: Pick<AwsRequestInfo, 'service' | 'operation' | 'region' | 'protocol'>,
  kind: ServiceErrorKind,
  accountId = '123456789012',
): AwsErrorSpec {
  const table = SERVICE_ERRORS[info.service] ?? GENERIC_ERRORS[isXml(info.protocol) ? 'xml' : 'json'];
  const [code, status, message] = table[kind];
  const denied =
    `User: arn:aws:sts::${accountId}:assumed-role/emulated/test is not authorized to perform: ` +
    `${info.service}:${info.operation} in ${info.region} with an explicit deny in a service control policy`;
  return { code, status, message: message || denied };
}

function isXml(protocol: AwsProtocol): boolean {
  return protocol === 'query' || protocol === 'ec2';
}

export function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** Serializes `error` in the protocol of the request it answers. */
export function errorResponse(info: Pick<AwsRequestInfo, 'service' | 'protocol'>, error: AwsErrorSpec, requestId: string): ProxyResponse {
  const fault = error.status >= 500 ? 'Receiver' : 'Sender';
  switch (info.protocol) {
    case 'ec2':
      return {
        status: error.status,
        headers: { 'content-type': 'text/xml;charset=UTF-8' },
        body:
          `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${xmlEscape(error.code)}</Code>` +
          `<Message>${xmlEscape(error.message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
      };
    case 'query': {
      const ns = XML_NAMESPACE[info.service] ?? `https://${info.service}.amazonaws.com/doc/`;
      return {
        status: error.status,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
        body:
          `<ErrorResponse xmlns="${ns}"><Error><Type>${fault}</Type><Code>${xmlEscape(error.code)}</Code>` +
          `<Message>${xmlEscape(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
    }
    case 'json':
    case 'cbor': {
      const headers: Record<string, string> = { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId };
      if (QUERY_COMPATIBLE.has(info.service)) headers['x-amzn-query-error'] = `${error.code};${fault}`;
      const type = error.code.startsWith('AccessDenied')
        ? 'com.amazon.coral.service#AccessDeniedException'
        : `${JSON_NAMESPACE[info.service] ?? ''}${error.code}`;
      return { status: error.status, headers, body: JSON.stringify({ __type: type, message: error.message }) };
    }
    case 'rest-json':
      return {
        status: error.status,
        headers: { 'content-type': 'application/json', 'x-amzn-errortype': error.code, 'x-amzn-requestid': requestId },
        body: JSON.stringify({ Code: error.code, Message: error.message }),
      };
  }
}
