import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { RDSClient } from '@aws-sdk/client-rds';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
import type { CredentialsProvider } from './aws/assume-role';
import { whoAmI } from './aws/identity';
import { createStateDocumentClient, DynamoStateStore, MemoryStateStore } from './aws/state';
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
}

/** Real AWS clients (endpoints from the standard chain, e.g. AWS_ENDPOINT_URL), created once per Region. */
export function awsDeps(opts: AwsDepsOptions): Deps {
  const perRegion = new Map<string, RegionClients>();
  const settings = opts.credentials ? { ...CLIENT_SETTINGS, credentials: opts.credentials } : CLIENT_SETTINGS;
  const sts = new STSClient({ region: opts.homeRegion, ...settings });
  let ec2: EC2Client | undefined;
  let account: Promise<AccountContext> | undefined;
  const state = opts.stateTable
    ? new DynamoStateStore(createStateDocumentClient(new DynamoDBClient({ region: opts.homeRegion, ...settings })), opts.stateTable)
    : new MemoryStateStore();
  return {
    now: () => new Date(),
    account: () => {
      account ??= whoAmI(sts).catch((err: unknown) => {
        account = undefined;
        throw err;
      });
      return account;
    },
    // EC2 is needed only for `regions: all`: its client and the adapter load on first use, so a
    // run with a Region list never loads them.
    enabledRegions: async () => {
      const { EC2Client, listEnabledRegions } = await import('./aws/regions');
      ec2 ??= new EC2Client({ region: opts.homeRegion, ...settings });
      return listEnabledRegions(ec2);
    },
    clients: (region) => {
      let c = perRegion.get(region);
      if (!c) {
        c = {
          rds: new RDSClient({ region, ...settings }),
          securityHub: new SecurityHubClient({ region, ...settings }),
          cloudWatch: new CloudWatchClient({ region, ...settings }),
        };
        perRegion.set(region, c);
      }
      return c;
    },
    sns: new SNSClient({ region: opts.alertTopicArn?.split(':')[3] || opts.homeRegion, ...settings }),
    state,
    ...(opts.hubEventBusArn !== undefined ? { tellHub: hubTeller(opts.hubEventBusArn, opts.homeRegion, settings) } : {}),
    persistentState: Boolean(opts.stateTable),
    log: opts.log,
  };
}

/** Sends the member's report to the hub's bus; EventBridge's client and adapter load on the first report. */
function hubTeller(busArn: string, homeRegion: string, settings: object): NonNullable<Deps['tellHub']> {
  let client: import('./aws/events').EventBridgeClient | undefined;
  return async (arn, detail) => {
    const { createEventBridgeClient, eventBusRegion, sendRunCompleted } = await import('./aws/events');
    client ??= createEventBridgeClient({ region: eventBusRegion(busArn) ?? homeRegion, ...settings });
    await sendRunCompleted(client, arn, detail);
  };
}
