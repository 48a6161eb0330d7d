/**
 * The AWS-behaviour proxy: a loopback HTTP server in front of moto that adds what AWS does and
 * moto does not (see shared/aws-facts.md, "Differs from AWS"):
 * - DescribeDBClusters: MaxRecords (20–100) validated, pages with Marker, per-cluster overrides;
 * - RemoveFromGlobalCluster: the removed cluster no longer names its global database (moto keeps it);
 * - Security Hub: not-enabled Regions rejected, at most 100 findings per import, ASFF validation
 *   per finding, the UpdatedAt rule, BatchUpdateFindings (recorded and shown in GetFindings),
 *   GetFindings filters and pagination;
 * - STS AssumeRole: a role that does not exist, or whose trust policy requires another sts:ExternalId,
 *   is refused with AccessDenied (moto lets anyone assume any role); the account of each key it hands
 *   out is kept, so ASFF validation knows the calling account;
 * - SNS Publish: MessageStructure json needs a `default` key, Subject and size limits; from another
 *   account, the topic policy and the topic key's policy must allow the caller (cross-account.ts);
 *   every message recorded (the e-mail body included, which an SQS subscriber never sees);
 * - EventBridge PutEvents to another account's bus ARN: judged by the bus's policy, then delivered
 *   in that account (moto looks the bus up in the caller's account);
 * - fault injection per service / Region / operation: throttling, 5xx, latency, dropped
 *   connections, requests never answered, access denied; and a log of every call.
 * This module is the server, the faults and the call log; what each operation adds is in
 * service-handlers.ts. Test tooling only: it binds 127.0.0.1 and forwards to the given emulator.
 */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { errorResponse, serviceError, type AwsErrorSpec, type ProxyResponse } from './aws-errors';
import { emulatorPolicySources, type CallerIdentity, type EmulatorCall } from './cross-account';
import { header, identifyRequest, normalizeService, queryParams, type RawRequest } from './aws-request';
import { FaultSet, type Fault, type FaultKind, type FaultSpec } from './faults';
import type { ClusterOverrides } from './rds-clusters-xml';
import {
  clusterKey,
  serviceHandlers,
  type AssumedRole,
  type ClusterRewriter,
  type PassedOn,
  type UpstreamResponse,
} from './service-handlers';
import type { PublishedMessage } from './sns-emulation';
import { WorkflowLedger, type WorkflowEntry, type WorkflowUpdate } from './security-hub-emulation';

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
  /** The parameters of a query-protocol call (RDS, SNS, STS, …) as sent, e.g. `VpcSecurityGroupIds.VpcSecurityGroupId.1`. */
  params?: Readonly<Record<string, string>>;
}

export interface CallFilter {
  service?: string;
  region?: string;
  operation?: string;
}

export type { ClusterRewriteContext, ClusterRewriter } from './service-handlers';

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
  /** Access keys handed out by STS AssumeRole → the role they act as (moto maps them to the same account). */
  const assumedKeys = new Map<string, AssumedRole>();

  /**
   * Who a request acts as: with moto's `x-moto-account-id` header, that account's test user; with an
   * assumed role's key, the role; otherwise the proxy's account's test user.
   */
  function callerIdentity(raw: RawRequest): CallerIdentity {
    const pinned = header(raw.headers, 'x-moto-account-id');
    const key = /Credential=([^/\s,]+)\//.exec(header(raw.headers, 'authorization') ?? '')?.[1];
    const assumed = key === undefined ? undefined : assumedKeys.get(key);
    if (assumed && !pinned) return { account: assumed.account, principalArn: assumed.roleArn, callerArn: assumed.sessionArn };
    const user = `arn:aws:iam::${pinned ?? accountId}:user/test`;
    return { account: pinned ?? accountId, principalArn: user, callerArn: user };
  }

  /** The account a request acts in. */
  function callerAccount(raw: RawRequest): string {
    return callerIdentity(raw).account;
  }

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

  function asResponse(up: UpstreamResponse, body: Buffer | string = up.body): PassedOn {
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

  /** A request of the proxy's own to the emulator, in an account's name (reading a policy where it lives). */
  async function sendToEmulator(call: EmulatorCall): Promise<{ status: number; body: string }> {
    const body = Buffer.from(call.body, 'utf8');
    const headers: RawRequest['headers'] = {
      authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/${call.region}/${call.service}/aws4_request, SignedHeaders=host, Signature=0`,
      'content-type': call.target ? 'application/x-amz-json-1.1' : 'application/x-www-form-urlencoded',
      'x-moto-account-id': call.account,
      host: target.host,
      ...(call.target ? { 'x-amz-target': call.target } : {}),
    };
    const res = await forward({ method: 'POST', url: '/', headers, body }, body);
    return { status: res.status, body: res.body.toString('utf8') };
  }

  const handlers = serviceHandlers({
    accountId,
    callerAccount,
    callerIdentity,
    policySources: emulatorPolicySources(sendToEmulator),
    assumedKeys,
    forward,
    internal,
    asResponse,
    clusterOverrides,
    clusterRewriter: () => clusterRewriter,
    securityHubForced,
    ledger,
    workflowUpdates,
    published,
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = Date.now();
    const raw: RawRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: await readBody(req) };
    const info = identifyRequest(raw);
    const call: ProxyCall = { seq: ++seq, service: info.service, region: info.region, operation: info.operation };
    if (info.protocol === 'query') call.params = Object.fromEntries(queryParams(raw));
    const rid = requestId(call.seq);
    calls.push(call);

    const decision = faults.decide(info);
    if (decision.latencyMs > 0) {
      call.fault = 'latency';
      await sleep(decision.latencyMs);
    }
    let response: ProxyResponse | PassedOn;
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
      if (overrides === undefined) clusterOverrides.delete(clusterKey(region, id));
      else clusterOverrides.set(clusterKey(region, id), { ...overrides });
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
