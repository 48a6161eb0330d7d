/**
 * A wire-level fake of the AWS APIs the checker calls, for benchmarking: a loopback HTTP server
 * that SDK clients reach through AWS_ENDPOINT_URL. It tells services and Regions apart by the
 * SigV4 credential scope (signatures are not verified), answers in each service's own protocol,
 * makes every call take a fixed latency (its own processing included), enforces Security Hub's per-Region rate limits, and counts
 * every call by service, operation and Region.
 *
 * With an organization it serves several accounts: Organizations ListAccounts (throttled as
 * emulator/aws-limits.ts says) and STS AssumeRole, whose credentials act in the role's account.
 * Every account has its own fleet, findings, tables and rate-limit buckets: AWS's per-account,
 * per-Region limits hold per account.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Fleet } from '../fleet';
import { ORGANIZATIONS_RATES, type RateLimit, SECURITY_HUB_RATES } from '../../emulator/aws-limits';
import { TokenBucket } from '../token-bucket';
import { CloudWatchFake } from './cloudwatch';
import { DynamoFake } from './dynamodb';
import { CredentialRegistry, type OrganizationOptions, assumeRole, listAccounts } from './organization';
import { RDS_NAMESPACE, describeDBClusters } from './rds';
import { SecurityHubFake } from './security-hub';
import { SNS_NAMESPACE, STS_NAMESPACE, type Published, describeRegions, getCallerIdentity, publish } from './small-services';
import {
  AwsError,
  type FakeResponse,
  type Protocol,
  credentialScope,
  ec2Response,
  errorResponse,
  formParams,
  jsonResponse,
  newRequestId,
  parseJsonBody,
  queryResponse,
} from './wire';

export interface FakeAwsOptions {
  /** The fleet of the account the default credentials act in (the management account of an organization). */
  fleet: Fleet;
  /**
   * An organization: `fleet`'s account as its management account, and one member account per
   * fleet in `members` (each fleet's accountId). AssumeRole of `roleName` in any of them is allowed.
   */
  organization?: { members: Fleet[]; roleName: string };
  /** Per-call latency in ms (default 50), or a function of service and operation. */
  latencyMs?: number | ((service: string, operation: string) => number);
  /** State tables to create, in `homeRegion`. */
  tables?: string[];
  /** SNS topic ARNs that exist. */
  topics?: string[];
  homeRegion?: string;
  securityHubDisabledRegions?: string[];
  /** Override Security Hub rate limits (per Region). */
  rateLimits?: Partial<Record<keyof typeof SECURITY_HUB_RATES, RateLimit>>;
  /** Clock for rate limits and traces (ms). */
  clock?: () => number;
}

export interface CallStats {
  /** The account the call acted in (by its credentials). */
  account: string;
  service: string;
  operation: string;
  region: string;
  /** Requests received (including throttled and failed ones). */
  calls: number;
  throttled: number;
  /** Other error responses (validation, not found, unknown operation). */
  errors: number;
}

export interface TraceEntry {
  /** The account the call acted in. */
  account: string;
  key: string;
  startMs: number;
  endMs: number;
  status: number;
}

export interface ErrorRecord {
  key: string;
  status: number;
  code: string;
  message: string;
}

/** What one account of the fake holds. */
export interface FakeAccount {
  accountId: string;
  fleet: Fleet;
  securityHub: SecurityHubFake;
  dynamo: DynamoFake;
  published: Published[];
}

export interface FakeAws {
  url: string;
  port: number;
  /** The default account's (`options.fleet`'s). */
  securityHub: SecurityHubFake;
  dynamo: DynamoFake;
  published: Published[];
  /** Every account, the default one first. */
  accounts: ReadonlyMap<string, FakeAccount>;
  /** Call counts since the last reset. */
  stats(): CallStats[];
  /** Every call since the last reset, times relative to the reset. */
  trace(): TraceEntry[];
  /** Error responses other than throttling since the last reset (first 200). */
  errors(): ErrorRecord[];
  /**
   * Clears counts, traces, per-run records and the rate-limit buckets, so every run starts with
   * Security Hub's full burst as the floor assumes (the fleet, findings and tables stay).
   */
  reset(): void;
  close(): Promise<void>;
}

const PROTOCOL: Record<string, Protocol> = {
  rds: 'query',
  sts: 'query',
  organizations: 'json',
  sns: 'query',
  ec2: 'ec2',
  dynamodb: 'json',
  monitoring: 'json',
  securityhub: 'rest-json',
};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Operation name of a request, from the protocol's own marker. */
function operationOf(protocol: Protocol, method: string, path: string, headers: IncomingMessage['headers'], body: string): string {
  if (protocol === 'query' || protocol === 'ec2') return formParams(body).get('Action') ?? 'MissingAction';
  if (protocol === 'json') {
    const target = String(headers['x-amz-target'] ?? '');
    return target.split('.')[1] ?? 'MissingTarget';
  }
  const route = `${method} ${path.split('?')[0]}`;
  const routes: Record<string, string> = {
    'POST /findings/import': 'BatchImportFindings',
    'PATCH /findings/batchupdate': 'BatchUpdateFindings',
    'POST /findings': 'GetFindings',
    'GET /accounts': 'DescribeHub',
  };
  return routes[route] ?? `Unknown(${route})`;
}

export async function startFakeAws(options: FakeAwsOptions): Promise<FakeAws> {
  const { fleet } = options;
  const clock = options.clock ?? (() => performance.now());
  const latency = options.latencyMs ?? 50;
  const latencyFor = typeof latency === 'number' ? () => latency : latency;
  const home = options.homeRegion ?? 'us-east-1';
  const limits = { ...SECURITY_HUB_RATES, ...options.rateLimits };
  const topics = new Set(options.topics ?? []);
  const newAccount = (f: Fleet) => {
    const dynamo = new DynamoFake();
    for (const t of options.tables ?? []) dynamo.createTable(home, t);
    return {
      accountId: f.accountId,
      fleet: f,
      securityHub: new SecurityHubFake(f.accountId, new Set(options.securityHubDisabledRegions ?? [])),
      dynamo,
      cloudwatch: new CloudWatchFake(f.byRegion),
      published: [] as Published[],
    };
  };
  const accounts = new Map<string, ReturnType<typeof newAccount>>();
  for (const f of [fleet, ...(options.organization?.members ?? [])]) {
    if (accounts.has(f.accountId)) throw new Error(`two fleets in account ${f.accountId}: give every member fleet its own accountId`);
    accounts.set(f.accountId, newAccount(f));
  }
  const primary = accounts.get(fleet.accountId) as ReturnType<typeof newAccount>;
  const org: OrganizationOptions | undefined = options.organization && {
    managementAccountId: fleet.accountId,
    accountIds: [...accounts.keys()],
    roleName: options.organization.roleName,
  };
  const credentials = new CredentialRegistry();
  const buckets = new Map<string, TokenBucket>();
  let stats = new Map<string, CallStats>();
  let trace: TraceEntry[] = [];
  let errors: ErrorRecord[] = [];
  let epoch = clock();

  /** A token bucket per key: Security Hub's per account and Region, Organizations' per organization. */
  const bucket = (key: string, limit: RateLimit) => {
    let b = buckets.get(key);
    if (!b) buckets.set(key, (b = new TokenBucket(limit)));
    return b;
  };
  const rateLimited = (account: string, service: string, operation: string, region: string): TokenBucket | undefined => {
    if (service === 'securityhub' && operation in limits)
      return bucket(`${account}|${operation}@${region}`, limits[operation as keyof typeof SECURITY_HUB_RATES]);
    if (service === 'organizations' && operation in ORGANIZATIONS_RATES)
      return bucket(`organization|${operation}`, ORGANIZATIONS_RATES[operation as keyof typeof ORGANIZATIONS_RATES]);
    return undefined;
  };

  function dispatch(
    acct: ReturnType<typeof newAccount>,
    service: string,
    operation: string,
    region: string,
    body: string,
    requestId: string,
  ): FakeResponse {
    const { accountId, securityHub, dynamo, cloudwatch, published } = acct;
    const clusters = acct.fleet.byRegion.get(region) ?? [];
    switch (service) {
      case 'rds':
        if (operation === 'DescribeDBClusters')
          return queryResponse(operation, RDS_NAMESPACE, describeDBClusters(formParams(body), region, clusters, accountId), requestId);
        break;
      case 'sts':
        if (operation === 'GetCallerIdentity') return queryResponse(operation, STS_NAMESPACE, getCallerIdentity(accountId), requestId);
        if (operation === 'AssumeRole' && org)
          return queryResponse(operation, STS_NAMESPACE, assumeRole(formParams(body), org, credentials, accountId), requestId);
        break;
      case 'organizations':
        if (operation === 'ListAccounts' && org) return jsonResponse('json', listAccounts(parseJsonBody(body), org, accountId), requestId);
        if (!org) throw new AwsError('AWSOrganizationsNotInUseException', `Your account is not a member of an organization.`);
        break;
      case 'ec2':
        if (operation === 'DescribeRegions')
          return ec2Response(operation, describeRegions(formParams(body), acct.fleet.regions), requestId);
        break;
      case 'sns':
        if (operation === 'Publish')
          return queryResponse(operation, SNS_NAMESPACE, publish(formParams(body), region, topics, published), requestId);
        break;
      case 'dynamodb':
        return jsonResponse('json', dynamo.handle(operation, parseJsonBody(body), region), requestId);
      case 'monitoring':
        if (operation === 'GetMetricData') return jsonResponse('json', cloudwatch.getMetricData(parseJsonBody(body), region), requestId);
        break;
      case 'securityhub': {
        const sh: Record<string, () => unknown> = {
          BatchImportFindings: () => securityHub.batchImport(parseJsonBody(body), region),
          BatchUpdateFindings: () => securityHub.batchUpdate(parseJsonBody(body), region),
          GetFindings: () => securityHub.getFindings(parseJsonBody(body), region),
          DescribeHub: () => securityHub.describeHub(region),
        };
        const run = sh[operation];
        if (run) return jsonResponse('rest-json', run(), requestId);
        throw new AwsError('UnknownOperationException', `Security Hub ${operation} is not served by the benchmark's fake AWS`, 404);
      }
    }
    throw new AwsError(
      PROTOCOL[service] === 'json' ? 'UnknownOperationException' : 'InvalidAction',
      `${service} ${operation} is not served by the benchmark's fake AWS`,
    );
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t0 = clock();
    const startMs = t0 - epoch;
    const body = await readBody(req);
    const requestId = newRequestId();
    const scope = credentialScope(req.headers['authorization']);
    const service = scope?.service ?? 'unsigned';
    const region = scope?.region ?? 'none';
    const protocol = PROTOCOL[service] ?? 'rest-json';
    const operation = scope ? operationOf(protocol, req.method ?? 'GET', req.url ?? '/', req.headers, body) : 'Unsigned';
    const key = `${service}:${operation}@${region}`;
    // Credentials AssumeRole handed out act in the role's account; any other key in the default account.
    const acct = accounts.get((scope && credentials.accountOf(scope.accessKeyId)) ?? '') ?? primary;
    const statsKey = `${acct.accountId}|${key}`;
    const s = stats.get(statsKey) ?? { account: acct.accountId, service, operation, region, calls: 0, throttled: 0, errors: 0 };
    stats.set(statsKey, s);
    s.calls++;

    let response: FakeResponse;
    try {
      if (!scope) throw new AwsError('MissingAuthenticationTokenException', 'Request is missing a SigV4 Authorization header', 403);
      const limited = rateLimited(acct.accountId, service, operation, region);
      if (limited && !limited.tryTake(clock())) {
        s.throttled++;
        throw new AwsError('TooManyRequestsException', 'Rate exceeded', 429);
      }
      response = dispatch(acct, service, operation, region, body, requestId);
    } catch (err) {
      const e = err instanceof AwsError ? err : new AwsError('InternalFailure', String(err), 500, 'Receiver');
      if (e.status !== 429) {
        s.errors++;
        if (errors.length < 200) errors.push({ key, status: e.status, code: e.code, message: e.message });
      }
      response = errorResponse(protocol, service, e, requestId);
    }
    // The latency is the whole call as the client sees it: the fake's own work counts towards it.
    await sleep(Math.max(0, latencyFor(service, operation) - (clock() - t0)));
    res.writeHead(response.status, {
      ...response.headers,
      'content-length': Buffer.byteLength(response.body),
      date: new Date().toUTCString(),
    });
    res.end(response.body);
    trace.push({ account: acct.accountId, key, startMs, endMs: clock() - epoch, status: response.status });
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    securityHub: primary.securityHub,
    dynamo: primary.dynamo,
    published: primary.published,
    accounts,
    stats: () => [...stats.values()].map((s) => ({ ...s })),
    trace: () => [...trace],
    errors: () => [...errors],
    reset: () => {
      stats = new Map();
      trace = [];
      errors = [];
      epoch = clock();
      buckets.clear();
      for (const a of accounts.values()) {
        a.published.length = 0;
        a.securityHub.resetRunRecords();
      }
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
