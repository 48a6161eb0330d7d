import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { RDSClient } from '@aws-sdk/client-rds';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
import type { CredentialsProvider } from './aws/assume-role';
import { whoAmI } from './aws/identity';
import { withAbortSignal } from './deadline';
import { createStateDocumentClient, DynamoStateStore, MemoryStateStore } from './aws/state';
import { checkerAlertDetail } from './core/hub-alert';
import type { AccountContext } from './core/types';
import type { Deps, Logger, RegionClients } from './run';

/**
 * Time limits of every HTTP request, so an endpoint that accepts a connection and never answers
 * cannot hold a call (and the run) until the Lambda's own timeout; the SDK has none by default.
 * - connection 3 s: a TCP and TLS handshake with an AWS endpoint takes tens of milliseconds, and
 *   a connection that is not up in 3 s is tried again by the retry strategy;
 * - request 20 s: the slowest calls the checker makes (DescribeDBClusters of 100 clusters,
 *   BatchImportFindings of 100 findings, a 500-query GetMetricData) answer in a second or two;
 *   20 s is ten times that, so a slow but working endpoint is never cut off. A timed-out call is
 *   retried like any transient error; the run deadline (lambda/deadline.ts) bounds the retries.
 */
export const HTTP_TIMEOUTS = { connectionTimeout: 3_000, requestTimeout: 20_000, throwOnRequestTimeout: true } as const;

/**
 * SDK settings for every client: adaptive retries (client-side rate limiting once AWS throttles)
 * with enough attempts to ride out Security Hub's 10 TPS import limit, and the timeouts above.
 */
export const CLIENT_SETTINGS = { maxAttempts: 8, retryMode: 'adaptive', requestHandler: HTTP_TIMEOUTS } as const;

/**
 * The identity call (STS GetCallerIdentity) is the first call of a run and a tiny one: an endpoint
 * that accepts and never answers is told within about 15 s (three tries of 4 s), not after the run's
 * whole deadline spent in retries, and nothing else has started yet. Three tries still ride out a
 * 5xx and a dropped connection in a row, as every other call does.
 */
export const IDENTITY_SETTINGS = {
  ...CLIENT_SETTINGS,
  maxAttempts: 3,
  requestHandler: { ...HTTP_TIMEOUTS, requestTimeout: 4_000 },
} as const;

/** Sockets per endpoint, the SDK's own default for the pool each client makes. */
const SOCKETS_PER_ENDPOINT = 50;
const pools = new Map<string, { httpAgent: HttpAgent; httpsAgent: HttpsAgent }>();

/**
 * Client settings with a keep-alive connection pool shared by every client of one service and
 * Region in the process, i.e. one pool per AWS endpoint, as each client would have on its own. An
 * audit of many accounts makes a client per account, service and Region: without sharing, every
 * account opens (and TLS-handshakes) its own connections to the same endpoints, which costs more
 * CPU than its calls' work.
 */
export function pooledSettings<T extends { readonly requestHandler: object }>(service: string, region: string, settings: T) {
  const key = `${service}@${region}`;
  let pool = pools.get(key);
  if (!pool) {
    const agent = { keepAlive: true, maxSockets: SOCKETS_PER_ENDPOINT };
    pools.set(key, (pool = { httpAgent: new HttpAgent(agent), httpsAgent: new HttpsAgent(agent) }));
  }
  return { ...settings, requestHandler: { ...settings.requestHandler, ...pool } };
}

export interface AwsDepsOptions {
  /** Region for STS, EC2 DescribeRegions, SNS and the state table. */
  homeRegion: string;
  stateTable?: string;
  /** The SNS client is made in the topic's own Region. */
  alertTopicArn?: string;
  /** Member mode: the hub's event bus, told after every scan (its client is made in the bus's Region). */
  hubEventBusArn?: string;
  log: Logger;
  /** Credentials of every client (an assumed role in another account); default: the standard chain. */
  credentials?: CredentialsProvider;
  /**
   * The account the clients act in, when the caller knows it (an assumed role's session names it);
   * default: STS GetCallerIdentity, once.
   */
  account?: () => Promise<AccountContext>;
  /**
   * The EC2 Region listing (lambda/aws/regions.ts), needed only for `regions: all`. The CLI passes
   * `() => import(...)`, so a scan of named Regions never loads the EC2 client; the function's
   * one-file bundle passes the module itself, which keeps only the EC2 code it calls (a dynamic
   * import there would bundle the whole EC2 client).
   */
  regionsModule: () => Promise<RegionsModule>;
}

export type RegionsModule = typeof import('./aws/regions');

const snsClient = (region: string, settings: typeof CLIENT_SETTINGS) =>
  new SNSClient({ region, ...pooledSettings('sns', region, settings) });

/** Real AWS clients (endpoints from the standard chain, e.g. AWS_ENDPOINT_URL), created once per Region. */
export function awsDeps(opts: AwsDepsOptions): Deps {
  const perRegion = new Map<string, RegionClients>();
  const settings = opts.credentials ? { ...CLIENT_SETTINGS, credentials: opts.credentials } : CLIENT_SETTINGS;
  // Made only when the account must be asked for: an audit of many accounts knows each from its session.
  let sts: STSClient | undefined;
  let ec2: EC2Client | undefined;
  let account: Promise<AccountContext> | undefined;
  const state = opts.stateTable
    ? new DynamoStateStore(
        createStateDocumentClient(
          new DynamoDBClient({ region: opts.homeRegion, ...pooledSettings('dynamodb', opts.homeRegion, settings) }),
        ),
        opts.stateTable,
      )
    : new MemoryStateStore();
  return {
    now: () => new Date(),
    account:
      opts.account ??
      (() => {
        const identity = opts.credentials ? { ...IDENTITY_SETTINGS, credentials: opts.credentials } : IDENTITY_SETTINGS;
        sts ??= new STSClient({ region: opts.homeRegion, ...pooledSettings('sts', opts.homeRegion, identity) });
        account ??= whoAmI(sts).catch((err: unknown) => {
          account = undefined;
          throw err;
        });
        return account;
      }),
    enabledRegions: async () => {
      const { EC2Client, listEnabledRegions } = await opts.regionsModule();
      ec2 ??= new EC2Client({ region: opts.homeRegion, ...pooledSettings('ec2', opts.homeRegion, settings) });
      return listEnabledRegions(ec2);
    },
    clients: (region) => {
      let c = perRegion.get(region);
      if (!c) {
        c = {
          rds: new RDSClient({ region, ...pooledSettings('rds', region, settings) }),
          securityHub: new SecurityHubClient({ region, ...pooledSettings('securityhub', region, settings) }),
          cloudWatch: new CloudWatchClient({ region, ...pooledSettings('monitoring', region, settings) }),
        };
        perRegion.set(region, c);
      }
      return c;
    },
    // Only a run with a topic publishes (lambda/modes/common.ts): no client for the others.
    ...(opts.alertTopicArn !== undefined && { sns: snsClient(opts.alertTopicArn.split(':')[3] || opts.homeRegion, settings) }),
    state,
    ...(opts.hubEventBusArn !== undefined ? hubSenders(opts.hubEventBusArn, opts.homeRegion, settings) : {}),
    persistentState: Boolean(opts.stateTable),
    log: opts.log,
  };
}

/**
 * Member mode: the report and the alert to the hub's bus, with one EventBridge client; its client
 * and adapter load on the first event.
 */
function hubSenders(busArn: string, homeRegion: string, settings: object): Required<Pick<Deps, 'tellHub' | 'alertHub'>> {
  let client: import('./aws/events').EventBridgeClient | undefined;
  const events = async () => {
    const adapter = await import('./aws/events');
    client ??= adapter.createEventBridgeClient({ region: adapter.eventBusRegion(busArn) ?? homeRegion, ...settings });
    return { adapter, client };
  };
  return {
    tellHub: async (arn, detail, signal) => {
      const { adapter, client: c } = await events();
      await adapter.sendRunCompleted(signal ? withAbortSignal(c, signal) : c, arn, detail);
    },
    alertHub: async (arn, message, signal) => {
      const { adapter, client: c } = await events();
      return adapter.sendCheckerAlert(signal ? withAbortSignal(c, signal) : c, arn, checkerAlertDetail(message));
    },
  };
}
