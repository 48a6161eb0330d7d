/**
 * The AWS-behaviour proxy: a loopback HTTP server in front of moto that adds what AWS does and
 * moto does not (see shared/aws-facts.md, "Differs from AWS"):
 * - DescribeDBClusters: MaxRecords (20–100) validated, pages with Marker, per-cluster overrides;
 * - RemoveFromGlobalCluster: the removed cluster no longer names its global database (moto keeps it);
 * - Security Hub: not-enabled Regions rejected, at most 100 findings per import, ASFF validation
 *   per finding, the UpdatedAt rule, BatchUpdateFindings (recorded and shown in GetFindings),
 *   GetFindings filters and pagination;
 * - STS AssumeRole: a role that does not exist, or whose trust policy requires another sts:ExternalId,
 *   is refused with AccessDenied (moto lets anyone assume any role); the account of each key it hands out is kept, so ASFF validation knows the caller;
 * - SNS Publish: MessageStructure json needs a `default` key, Subject and size limits; every
 *   message recorded (the e-mail body included, which an SQS subscriber never sees);
 * - fault injection per service / Region / operation: throttling, 5xx, latency, dropped
 *   connections, requests never answered, access denied; and a log of every call.
 * Test tooling only: it binds 127.0.0.1 and forwards to the given emulator.
 */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { errorResponse, serviceError, type AwsErrorSpec, type ProxyResponse } from './aws-errors';
import { header, identifyRequest, normalizeService, queryParams, type AwsRequestInfo, type RawRequest } from './aws-request';
import { FaultSet, type Fault, type FaultKind, type FaultSpec } from './faults';
import {
  applyClusterOverrides,
  clusterField,
  decodeMarker,
  MAX_MAX_RECORDS,
  maxRecordsError,
  pageClusters,
  type ClusterOverrides,
} from './rds-clusters-xml';
import { publishError, readPublish, type PublishedMessage } from './sns-emulation';
import {
  WORKFLOW_STATUSES,
  WorkflowLedger,
  decodeNextToken,
  encodeNextToken,
  filtersError,
  findingProblemMessage,
  findingProblems,
  importBatchError,
  matchesFilters,
  MAX_IDS_PER_BATCH_UPDATE,
  type Finding,
  type StringFilter,
  type WorkflowEntry,
  type WorkflowStatus,
  type WorkflowUpdate,
} from './security-hub-emulation';

export interface AwsProxyOptions {
  /** The emulator to forward to, e.g. moto's `http://127.0.0.1:5000`. */
  target: string;
  /** Port on 127.0.0.1; default: any free port. */
  port?: number;
  /** The emulated account (moto's default for any access key is 123456789012). */
  accountId?: string;
  /** Seed of the generator behind fault probabilities; default 42. */
  seed?: number;
}

export interface ProxyCall {
  seq: number;
  service: string;
  region: string;
  operation: string;
  /** HTTP status sent back; undefined while in flight or when the connection was dropped. */
  status?: number;
  /** The injected fault that answered, if any (`latency` when only delayed). */
  fault?: FaultKind;
  /** The error code sent back (injected or from the emulator), when the proxy knows it. */
  errorCode?: string;
  durationMs?: number;
}

export interface CallFilter {
  service?: string;
  region?: string;
  operation?: string;
}

/** A field-level view of one DBCluster element in a DescribeDBClusters answer. */
export interface ClusterRewriteContext {
  region: string;
  identifier: string | undefined;
  get(field: string): string | undefined;
}

export type ClusterRewriter = (cluster: ClusterRewriteContext) => ClusterOverrides | undefined;

export interface AwsProxy {
  /** `http://127.0.0.1:<port>`: give it to SDK clients as `endpoint`. */
  readonly endpoint: string;
  readonly port: number;
  /** Every request, in arrival order. */
  readonly calls: readonly ProxyCall[];
  callsFor(filter: CallFilter): ProxyCall[];
  clearCalls(): void;

  addFault(spec: FaultSpec): Fault;
  removeFault(fault: Fault): void;
  clearFaults(): void;
  readonly faults: readonly Fault[];

  /** Fields to replace in DescribeDBClusters answers for one cluster (replaces earlier overrides; undefined removes). */
  setClusterOverrides(region: string, dbClusterIdentifier: string, overrides: ClusterOverrides | undefined): void;
  /** A function consulted for every cluster in every DescribeDBClusters answer (after the overrides). */
  setClusterRewriter(rewriter: ClusterRewriter | undefined): void;

  /** Forces Security Hub on or off in a Region; undefined: what the emulator says (EnableSecurityHub). */
  setSecurityHubEnabled(region: string, enabled: boolean | undefined): void;
  isSecurityHubEnabled(region: string): Promise<boolean>;
  /** Every BatchUpdateFindings call accepted, in order. */
  readonly workflowUpdates: readonly WorkflowUpdate[];
  /** Workflow status and note of a finding as Security Hub would show them. */
  workflowOf(region: string, findingId: string): WorkflowEntry | undefined;

  /** Every SNS Publish that reached the proxy (refused ones too, with accepted: false), with its e-mail body. */
  readonly published: readonly PublishedMessage[];

  /** Forgets calls, faults, overrides, Security Hub settings, workflow and messages (pair with the emulator's reset). */
  reset(): void;
  close(): Promise<void>;
}

interface UpstreamResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'proxy-connection',
  'upgrade',
  'te',
  'trailer',
]);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function requestId(seq: number): string {
  return `00000000-0000-4000-8000-${seq.toString(16).padStart(12, '0')}`;
}

function json(status: number, body: unknown, requestIdValue: string): ProxyResponse {
  return { status, headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestIdValue }, body: JSON.stringify(body) };
}

function parseJson(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  const value: unknown = JSON.parse(body.toString('utf8'));
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The sts:ExternalId values a role's trust policy (in an IAM GetRole answer) requires; none when it requires none. */
export function requiredExternalIds(getRoleXml: string): string[] {
  const encoded = /<AssumeRolePolicyDocument>([^<]*)<\/AssumeRolePolicyDocument>/.exec(getRoleXml)?.[1];
  if (!encoded) return [];
  const xml = encoded
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
  let text = xml;
  try {
    text = decodeURIComponent(xml);
  } catch {
    // not URL-encoded
  }
  const doc = JSON.parse(text) as { Statement?: { Condition?: Record<string, Record<string, string | string[]>> }[] };
  return (doc.Statement ?? []).flatMap((st) => Object.values(st.Condition ?? {}).flatMap((c) => [c['sts:ExternalId'] ?? []].flat()));
}

export async function startAwsProxy(options: AwsProxyOptions): Promise<AwsProxy> {
  const target = new URL(options.target);
  const accountId = options.accountId ?? '123456789012';
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const faults = new FaultSet(options.seed ?? 42);
  const calls: ProxyCall[] = [];
  const clusterOverrides = new Map<string, ClusterOverrides>();
  let clusterRewriter: ClusterRewriter | undefined;
  const securityHubForced = new Map<string, boolean>();
  const ledger = new WorkflowLedger();
  const workflowUpdates: WorkflowUpdate[] = [];
  const published: PublishedMessage[] = [];
  /** Connections of requests held by a `hang` fault: ended when the proxy is reset or closed. */
  const hanging = new Set<Socket>();
  let seq = 0;
  /** Access keys handed out by STS AssumeRole → the account they act in (moto maps them the same way). */
  const assumedKeys = new Map<string, string>();

  /** The account a request acts in: moto's `x-moto-account-id` header, an assumed role's key, or the proxy's account. */
  function callerAccount(raw: RawRequest): string {
    const pinned = header(raw.headers, 'x-moto-account-id');
    if (pinned) return pinned;
    const key = /Credential=([^/\s,]+)\//.exec(header(raw.headers, 'authorization') ?? '')?.[1];
    return (key && assumedKeys.get(key)) ?? accountId;
  }

  const key = (region: string, id: string) => `${region}\u0000${id}`;

  function forward(raw: RawRequest, body: Buffer = raw.body): Promise<UpstreamResponse> {
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(raw.headers)) {
        if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
      }
      headers['content-length'] = String(body.length);
      const upstream = http.request(
        { protocol: target.protocol, hostname: target.hostname, port: target.port, method: raw.method, path: raw.url, headers, agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });
  }

  function asResponse(
    up: UpstreamResponse,
    body: Buffer | string = up.body,
  ): { status: number; headers: Record<string, string>; body: Buffer | string } {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(up.headers)) {
      if (v === undefined || HOP_BY_HOP.has(k)) continue;
      headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    return { status: up.status, headers, body };
  }

  /** A request to the emulator made by the proxy itself, signed like the caller's. */
  function internal(raw: RawRequest, method: string, path: string, body?: unknown): Promise<UpstreamResponse> {
    const payload = Buffer.from(body === undefined ? '' : JSON.stringify(body));
    const headers: RawRequest['headers'] = {
      authorization: header(raw.headers, 'authorization'),
      'x-amz-date': header(raw.headers, 'x-amz-date'),
      'content-type': 'application/json',
      host: header(raw.headers, 'host'),
      ...(header(raw.headers, 'x-moto-account-id') ? { 'x-moto-account-id': header(raw.headers, 'x-moto-account-id') } : {}),
    };
    return forward({ method, url: path, headers, body: payload }, payload);
  }

  async function isSecurityHubEnabledFor(raw: RawRequest, region: string): Promise<boolean> {
    const forced = securityHubForced.get(region);
    if (forced !== undefined) return forced;
    const res = await internal(raw, 'GET', '/accounts');
    return res.status === 200;
  }

  /** Every finding moto holds in the caller's Region (moto pages at 100). */
  async function allFindings(raw: RawRequest): Promise<Finding[]> {
    const out: Finding[] = [];
    let token: string | undefined;
    do {
      const res = await internal(raw, 'POST', '/findings', { MaxResults: 100, ...(token ? { NextToken: token } : {}) });
      if (res.status !== 200) throw new Error(`emulator GetFindings failed: HTTP ${res.status} ${res.body.toString('utf8').slice(0, 300)}`);
      const page = parseJson(res.body);
      out.push(...((page.Findings as Finding[] | undefined) ?? []));
      token = typeof page.NextToken === 'string' && page.NextToken ? page.NextToken : undefined;
    } while (token);
    return out;
  }

  const notSubscribed = (): AwsErrorSpec => ({
    code: 'InvalidAccessException',
    status: 401,
    message: `Account ${accountId} is not subscribed to AWS Security Hub`,
  });
  const invalidInput = (message: string): AwsErrorSpec => ({ code: 'InvalidInputException', status: 400, message });

  type Handler = (
    raw: RawRequest,
    info: AwsRequestInfo,
    rid: string,
  ) => Promise<ProxyResponse | ReturnType<typeof asResponse> | AwsErrorSpec>;

  const handlers: Record<string, Handler> = {
    'rds:DescribeDBClusters': async (raw, info) => {
      const params = queryParams(raw);
      const invalid = maxRecordsError(params.get('MaxRecords'));
      if (invalid) return { code: 'InvalidParameterValue', status: 400, message: invalid };
      const maxRecords = Number(params.get('MaxRecords') ?? MAX_MAX_RECORDS);
      const marker = params.get('Marker');
      const offset = marker === null ? 0 : decodeMarker(marker);
      if (offset === undefined) return { code: 'InvalidParameterValue', status: 400, message: `Invalid Marker: ${marker}` };
      let body = raw.body;
      if (raw.method === 'POST') {
        params.delete('MaxRecords');
        params.delete('Marker');
        body = Buffer.from(params.toString(), 'utf8');
      }
      const up = await forward(raw, body);
      if (up.status !== 200) return asResponse(up);
      const paged = pageClusters(up.body.toString('utf8'), { maxRecords, offset }, (cluster) => {
        const identifier = clusterField(cluster, 'DBClusterIdentifier');
        let out = cluster;
        const overrides = identifier === undefined ? undefined : clusterOverrides.get(key(info.region, identifier));
        if (overrides) out = applyClusterOverrides(out, overrides);
        const extra = clusterRewriter?.({ region: info.region, identifier, get: (field) => clusterField(out, field) });
        if (extra) out = applyClusterOverrides(out, extra);
        return out;
      });
      return asResponse(up, paged);
    },

    // moto leaves GlobalClusterIdentifier on a cluster removed from its global database; AWS clears
    // it (the cluster becomes standalone). The proxy records the removal as an override.
    'rds:RemoveFromGlobalCluster': async (raw) => {
      const up = await forward(raw);
      const member = queryParams(raw).get('DbClusterIdentifier') ?? '';
      const arn = /^arn:[^:]+:rds:([^:]+):\d{12}:cluster:(.+)$/.exec(member);
      if (up.status === 200 && arn) {
        const k = key(arn[1] as string, arn[2] as string);
        clusterOverrides.set(k, { ...clusterOverrides.get(k), GlobalClusterIdentifier: null });
      }
      return asResponse(up);
    },

    'sts:AssumeRole': async (raw) => {
      const roleArn = queryParams(raw).get('RoleArn') ?? '';
      const arn = /^arn:[^:]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
      if (arn) {
        const body = Buffer.from(`Action=GetRole&Version=2010-05-08&RoleName=${encodeURIComponent(arn[2] as string)}`);
        const auth = 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0';
        const headers = { authorization: auth, 'content-type': 'application/x-www-form-urlencoded', 'x-moto-account-id': arn[1] };
        const role = await forward({ method: 'POST', url: '/', headers: { ...headers, host: header(raw.headers, 'host') }, body }, body);
        const externalId = queryParams(raw).get('ExternalId') ?? undefined;
        const required = requiredExternalIds(role.body.toString('utf8'));
        if (role.status !== 200 || (required.length > 0 && (externalId === undefined || !required.includes(externalId)))) {
          const message = `User: arn:aws:iam::${callerAccount(raw)}:user/test is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`;
          return { code: 'AccessDenied', status: 403, message };
        }
      }
      const up = await forward(raw);
      const text = up.body.toString('utf8');
      const key = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(text)?.[1];
      const account = /<Arn>arn:[^:]+:sts::(\d{12}):assumed-role\//.exec(text)?.[1];
      if (up.status === 200 && key && account) assumedKeys.set(key, account);
      return asResponse(up);
    },

    'sns:Publish': async (raw, info) => {
      const message = readPublish(info.region, queryParams(raw));
      published.push(message);
      const invalid = publishError(message);
      if (invalid) return { code: 'InvalidParameter', status: 400, message: invalid };
      const up = await forward(raw);
      message.accepted = up.status === 200;
      return asResponse(up);
    },

    'securityhub:BatchImportFindings': async (raw, info, rid) => {
      const body = parseJson(raw.body);
      const invalid = importBatchError(body.Findings);
      if (invalid) return invalidInput(invalid);
      if (!(await isSecurityHubEnabledFor(raw, info.region))) return notSubscribed();
      const failed: { Id: string; ErrorCode: string; ErrorMessage: string }[] = [];
      const accepted: Finding[] = [];
      let ignored = 0;
      for (const finding of body.Findings as unknown[]) {
        const problems = findingProblems(finding, { region: info.region, accountId: callerAccount(raw) });
        const id = typeof (finding as Finding | null)?.Id === 'string' ? String((finding as Finding).Id) : '';
        if (problems.length) failed.push({ Id: id, ErrorCode: 'InvalidInput', ErrorMessage: findingProblemMessage(problems) });
        else if (ledger.recordImport(info.region, finding as Finding)) accepted.push(finding as Finding);
        else ignored++; // not newer than the stored finding: Security Hub ignores it silently
      }
      let success = ignored;
      if (accepted.length) {
        const up = await internal(raw, 'POST', '/findings/import', { Findings: accepted });
        if (up.status !== 200) return asResponse(up);
        const result = parseJson(up.body);
        success += Number(result.SuccessCount ?? 0);
        failed.push(...((result.FailedFindings as typeof failed | undefined) ?? []));
      }
      return json(200, { FailedCount: failed.length, SuccessCount: success, FailedFindings: failed }, rid);
    },

    'securityhub:BatchUpdateFindings': async (raw, info, rid) => {
      const body = parseJson(raw.body);
      const ids = body.FindingIdentifiers;
      if (!Array.isArray(ids) || ids.length < 1 || ids.length > MAX_IDS_PER_BATCH_UPDATE) {
        return invalidInput(`FindingIdentifiers must contain between 1 and ${MAX_IDS_PER_BATCH_UPDATE} items`);
      }
      const identifiers = ids as { Id?: unknown; ProductArn?: unknown }[];
      if (!identifiers.every((i) => typeof i?.Id === 'string' && typeof i.ProductArn === 'string')) {
        return invalidInput('each FindingIdentifier needs Id and ProductArn');
      }
      const status = (body.Workflow as { Status?: unknown } | undefined)?.Status;
      if (status !== undefined && !(WORKFLOW_STATUSES as readonly unknown[]).includes(status)) {
        return invalidInput(`Workflow.Status must be one of ${WORKFLOW_STATUSES.join(', ')}`);
      }
      const noteIn = body.Note as { Text?: unknown; UpdatedBy?: unknown } | undefined;
      if (
        noteIn !== undefined &&
        (typeof noteIn.Text !== 'string' ||
          typeof noteIn.UpdatedBy !== 'string' ||
          noteIn.Text.length > 512 ||
          noteIn.UpdatedBy.length > 512)
      ) {
        return invalidInput('Note needs Text and UpdatedBy of at most 512 characters');
      }
      if (!(await isSecurityHubEnabledFor(raw, info.region))) return notSubscribed();
      const existing = new Set((await allFindings(raw)).map((f) => `${String(f.Id)}\u0000${String(f.ProductArn)}`));
      const note = noteIn
        ? { Text: String(noteIn.Text), UpdatedBy: String(noteIn.UpdatedBy), UpdatedAt: new Date().toISOString() }
        : undefined;
      const processed: { Id: string; ProductArn: string }[] = [];
      const unprocessed: { FindingIdentifier: { Id: string; ProductArn: string }; ErrorCode: string; ErrorMessage: string }[] = [];
      for (const i of identifiers) {
        const ident = { Id: String(i.Id), ProductArn: String(i.ProductArn) };
        if (!existing.has(`${ident.Id}\u0000${ident.ProductArn}`)) {
          unprocessed.push({ FindingIdentifier: ident, ErrorCode: 'FindingNotFound', ErrorMessage: 'Finding Not Found' });
          continue;
        }
        ledger.applyUpdate(info.region, ident.Id, ident.ProductArn, status as WorkflowStatus | undefined, note);
        processed.push(ident);
      }
      workflowUpdates.push({
        region: info.region,
        findings: processed.map((p) => ({ id: p.Id, productArn: p.ProductArn })),
        workflowStatus: status as WorkflowStatus | undefined,
        note: note ? { text: note.Text, updatedBy: note.UpdatedBy } : undefined,
        request: body,
      });
      return json(200, { ProcessedFindings: processed, UnprocessedFindings: unprocessed }, rid);
    },

    'securityhub:GetFindings': async (raw, info, rid) => {
      const body = parseJson(raw.body);
      const invalid = filtersError(body.Filters);
      if (invalid) return invalidInput(invalid);
      const maxResults = body.MaxResults === undefined ? 100 : Number(body.MaxResults);
      if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 100)
        return invalidInput('MaxResults must be a number between 1 and 100');
      const offset = typeof body.NextToken === 'string' && body.NextToken ? decodeNextToken(body.NextToken) : 0;
      if (offset === undefined) return invalidInput('Invalid NextToken');
      if (!(await isSecurityHubEnabledFor(raw, info.region))) return notSubscribed();
      const filters = body.Filters as Record<string, StringFilter[]> | undefined;
      const matching = (await allFindings(raw)).map((f) => ledger.overlay(info.region, f)).filter((f) => matchesFilters(f, filters));
      const page = matching.slice(offset, offset + maxResults);
      const next = offset + maxResults < matching.length ? encodeNextToken(offset + maxResults) : undefined;
      return json(200, { Findings: page, ...(next ? { NextToken: next } : {}) }, rid);
    },

    'securityhub:UpdateFindings': async (raw, info) => {
      if (!(await isSecurityHubEnabledFor(raw, info.region))) return notSubscribed();
      return asResponse(await forward(raw));
    },
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = Date.now();
    const raw: RawRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: await readBody(req) };
    const info = identifyRequest(raw);
    const call: ProxyCall = { seq: ++seq, service: info.service, region: info.region, operation: info.operation };
    const rid = requestId(call.seq);
    calls.push(call);

    const decision = faults.decide(info);
    if (decision.latencyMs > 0) {
      call.fault = 'latency';
      await sleep(decision.latencyMs);
    }
    let response: ProxyResponse | ReturnType<typeof asResponse>;
    const fault = decision.fault;
    if (fault) {
      call.fault = fault.spec.kind;
      if (fault.spec.kind === 'drop') {
        call.durationMs = Date.now() - started;
        req.socket.destroy();
        return;
      }
      if (fault.spec.kind === 'hang') {
        // Never answered: status and duration stay undefined, as for a call still in flight.
        const socket = req.socket;
        hanging.add(socket);
        socket.once('close', () => hanging.delete(socket));
        return;
      }
      const base: AwsErrorSpec =
        fault.spec.kind === 'error'
          ? {
              code: fault.spec.code ?? 'InternalFailure',
              status: fault.spec.status ?? 500,
              message: fault.spec.message ?? 'Injected error',
            }
          : serviceError(info, fault.spec.kind as 'throttle' | '5xx' | 'access-denied', accountId);
      const spec = {
        code: fault.spec.code ?? base.code,
        status: fault.spec.status ?? base.status,
        message: fault.spec.message ?? base.message,
      };
      call.errorCode = spec.code;
      response = errorResponse(info, spec, rid);
    } else {
      try {
        const handler = handlers[`${info.service}:${info.operation}`];
        const result = handler ? await handler(raw, info, rid) : asResponse(await forward(raw));
        if ('code' in result) {
          call.errorCode = result.code;
          response = errorResponse(info, result, rid);
        } else {
          response = result;
        }
      } catch (e) {
        const message = `AWS-behaviour proxy failed on ${info.service}:${info.operation}: ${(e as Error).stack ?? String(e)}`;
        call.errorCode = 'ProxyInternalError';
        response = errorResponse(info, { code: 'InternalFailure', status: 500, message }, rid);
      }
    }
    call.status = response.status;
    call.durationMs = Date.now() - started;
    const body = typeof response.body === 'string' ? Buffer.from(response.body, 'utf8') : response.body;
    res.writeHead(response.status, { ...response.headers, 'content-length': String(body.length) });
    res.end(body);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`AWS-behaviour proxy error: ${String(e)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const matches = (call: ProxyCall, filter: CallFilter) =>
    (filter.service === undefined || call.service === normalizeService(filter.service)) &&
    (filter.region === undefined || call.region === filter.region) &&
    (filter.operation === undefined || call.operation === filter.operation);

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    calls,
    callsFor: (filter) => calls.filter((c) => matches(c, filter)),
    clearCalls: () => {
      calls.length = 0;
    },
    addFault: (spec) => faults.add(spec),
    removeFault: (fault) => faults.remove(fault),
    clearFaults: () => faults.clear(),
    get faults() {
      return faults.active;
    },
    setClusterOverrides: (region, id, overrides) => {
      if (overrides === undefined) clusterOverrides.delete(key(region, id));
      else clusterOverrides.set(key(region, id), { ...overrides });
    },
    setClusterRewriter: (rewriter) => {
      clusterRewriter = rewriter;
    },
    setSecurityHubEnabled: (region, enabled) => {
      if (enabled === undefined) securityHubForced.delete(region);
      else securityHubForced.set(region, enabled);
    },
    isSecurityHubEnabled: (region) => {
      const forced = securityHubForced.get(region);
      if (forced !== undefined) return Promise.resolve(forced);
      const auth = `AWS4-HMAC-SHA256 Credential=test/20260101/${region}/securityhub/aws4_request, SignedHeaders=host;x-amz-date, Signature=0`;
      return internal(
        { method: 'GET', url: '/accounts', headers: { authorization: auth, 'x-amz-date': '20260101T000000Z' }, body: Buffer.alloc(0) },
        'GET',
        '/accounts',
      ).then((r) => r.status === 200);
    },
    workflowUpdates,
    published,
    workflowOf: (region, id) => ledger.get(region, id),
    reset: () => {
      for (const socket of hanging) socket.destroy();
      hanging.clear();
      calls.length = 0;
      faults.clear();
      clusterOverrides.clear();
      clusterRewriter = undefined;
      securityHubForced.clear();
      ledger.clear();
      workflowUpdates.length = 0;
      published.length = 0;
      assumedKeys.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}
