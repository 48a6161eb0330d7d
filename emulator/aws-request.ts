/**
 * Tells which AWS service, Region and operation an HTTP request is for, the way AWS's front end
 * does: the SigV4 credential scope names service and Region; the operation comes from the
 * protocol (query `Action=`, JSON `X-Amz-Target`, RPC v2 CBOR path, or a REST route).
 */

/** The wire protocols the proxy must answer in. */
export type AwsProtocol = 'query' | 'ec2' | 'json' | 'rest-json' | 'cbor';

export interface AwsRequestInfo {
  /** Friendly service name: the SigV4 signing name, except `monitoring` → `cloudwatch`. */
  service: string;
  region: string;
  operation: string;
  protocol: AwsProtocol;
}

export interface RawRequest {
  method: string;
  /** Path and query string, as received. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Signing names that differ from the names people use. */
const FRIENDLY_SERVICE: Readonly<Record<string, string>> = { monitoring: 'cloudwatch' };

/** Accepts either name for a service (`cloudwatch` or `monitoring`) and returns the friendly one. */
export function normalizeService(name: string): string {
  const lower = name.toLowerCase();
  return FRIENDLY_SERVICE[lower] ?? lower;
}

/** REST routes of the Security Hub operations the checker and its tests use. */
const SECURITY_HUB_ROUTES: ReadonlyArray<readonly [string, RegExp, string]> = [
  ['POST', /^\/findings\/import$/, 'BatchImportFindings'],
  ['PATCH', /^\/findings\/batchupdate$/, 'BatchUpdateFindings'],
  ['POST', /^\/findings$/, 'GetFindings'],
  ['PATCH', /^\/findings$/, 'UpdateFindings'],
  ['POST', /^\/accounts$/, 'EnableSecurityHub'],
  ['GET', /^\/accounts$/, 'DescribeHub'],
  ['DELETE', /^\/accounts$/, 'DisableSecurityHub'],
  ['PATCH', /^\/accounts$/, 'UpdateSecurityHubConfiguration'],
  ['GET', /^\/products$/, 'DescribeProducts'],
  ['POST', /^\/productSubscriptions$/, 'EnableImportFindingsForProduct'],
  ['GET', /^\/productSubscriptions$/, 'ListEnabledProductsForImport'],
];

export function header(headers: RawRequest['headers'], name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** `Credential=AKID/20261125/us-east-1/rds/aws4_request` → { region, service } (header or presigned query). */
export function credentialScope(req: Pick<RawRequest, 'url' | 'headers'>): { region: string; service: string } | undefined {
  const auth = header(req.headers, 'authorization') ?? '';
  const fromHeader = /Credential=[^/\s,]+\/\d{8}\/([^/\s,]+)\/([^/\s,]+)\/aws4_request/.exec(auth);
  if (fromHeader?.[1] && fromHeader[2]) return { region: fromHeader[1], service: fromHeader[2] };
  const query = new URL(req.url, 'http://localhost').searchParams.get('X-Amz-Credential');
  const parts = query?.split('/');
  if (parts && parts.length === 5 && parts[2] && parts[3]) return { region: parts[2], service: parts[3] };
  return undefined;
}

function isFormBody(req: RawRequest): boolean {
  return (header(req.headers, 'content-type') ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}

/** Query-protocol parameters: the form body of a POST, or the query string of a GET. */
export function queryParams(req: RawRequest): URLSearchParams {
  if (isFormBody(req)) return new URLSearchParams(req.body.toString('utf8'));
  return new URL(req.url, 'http://localhost').searchParams;
}

export function identifyRequest(req: RawRequest): AwsRequestInfo {
  const scope = credentialScope(req);
  const signingName = scope?.service ?? 'unknown';
  const service = normalizeService(signingName);
  const region = scope?.region ?? 'unknown';
  const pathname = new URL(req.url, 'http://localhost').pathname;

  const target = header(req.headers, 'x-amz-target');
  if (target) {
    return { service, region, operation: target.slice(target.lastIndexOf('.') + 1), protocol: 'json' };
  }
  const cbor = /^\/service\/[^/]+\/operation\/([^/]+)$/.exec(pathname);
  if (cbor?.[1] && (header(req.headers, 'smithy-protocol') ?? '').includes('cbor')) {
    return { service, region, operation: cbor[1], protocol: 'cbor' };
  }
  const action = queryParams(req).get('Action');
  if (action) return { service, region, operation: action, protocol: service === 'ec2' ? 'ec2' : 'query' };

  if (service === 'securityhub') {
    const route = SECURITY_HUB_ROUTES.find(([method, re]) => method === req.method && re.test(pathname));
    if (route) return { service, region, operation: route[2], protocol: 'rest-json' };
  }
  return { service, region, operation: `${req.method} ${pathname}`, protocol: 'rest-json' };
}
