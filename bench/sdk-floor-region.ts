/**
 * One Region of the SDK floor (bench/sdk-floor-child.ts, bench/sdk-floor-org-child.ts): its
 * DescribeDBClusters pages, GetMetricData calls, BatchImportFindings paced to Security Hub's rate
 * limit, BatchUpdateFindings calls and the workflow check's GetFindings pages, made with SDK clients the caller creates (a single
 * account's, or an assumed role's in one account of an organization). See sdk-floor-child.ts for
 * the schedule.
 */
import { type CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandOutput } from '@aws-sdk/client-cloudwatch';
import { DescribeDBClustersCommand, type DescribeDBClustersCommandOutput, type RDSClient } from '@aws-sdk/client-rds';
import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import type { ClusterState, RunMeta } from '../lambda/core/state-types';
import { hiddenFindings, UPDATE_RATE } from '../lambda/aws/security-hub';
import { productArn } from '../lambda/core/finding';
import { BatchPipeline, type MetricsTarget, Pacer, metricQueries, pacingLimit } from './sdk-floor-calls';
import type { ClusterRole, RegionPlan, SdkFloorPlan } from './sdk-floor-plan';

export interface Counters {
  imported: number;
  importFailed: number;
  listedMs: number;
}

/** A Region's clients; CloudWatch's through a function, so a caller can make it only for a Region that needs metrics. */
export interface FloorRegionClients {
  rds: RDSClient;
  securityHub: SecurityHubClient;
  cloudWatch: () => CloudWatchClient;
}

/** The Region's workflow calls, `updatesInFlight` at a time. */
async function updateWorkflow(client: SecurityHubClient, r: RegionPlan, inFlight: number): Promise<void> {
  const calls = [...r.updates];
  // Paced like the checker's (UPDATE_RATE), so that no call is throttled.
  const pacer = new Pacer(UPDATE_RATE);
  const lane = async () => {
    for (let call = calls.shift(); call; call = calls.shift()) {
      await pacer.acquire();
      await client.send(
        new BatchUpdateFindingsCommand({
          FindingIdentifiers: call.ids,
          Workflow: { Status: call.status },
          ...(call.note && { Note: call.note }),
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, calls.length) }, lane));
}

async function fetchMetrics(cw: CloudWatchClient, targets: MetricsTarget[], start: Date, end: Date): Promise<void> {
  const queries = metricQueries(targets);
  let token: string | undefined;
  do {
    const out: GetMetricDataCommandOutput = await cw.send(
      new GetMetricDataCommand({
        MetricDataQueries: queries,
        StartTime: start,
        EndTime: end,
        ScanBy: 'TimestampDescending',
        ...(token && { NextToken: token }),
      }),
    );
    token = out.NextToken || undefined;
  } while (token);
}

export async function scanRegion(
  r: RegionPlan,
  plan: SdkFloorPlan,
  clients: FloorRegionClients,
  stateRead: Promise<unknown>,
  writes: BatchPipeline<ClusterState | RunMeta>,
  counters: Counters,
  t0: number,
): Promise<void> {
  const s = plan.schedule;
  const imports = new BatchPipeline<AwsSecurityFinding>(
    async (batch) => {
      const out = await clients.securityHub.send(new BatchImportFindingsCommand({ Findings: batch }));
      counters.imported += out.SuccessCount ?? 0;
      counters.importFailed += out.FailedCount ?? 0;
    },
    {
      batchSize: s.findingsPerImport,
      inFlight: s.importsInFlight,
      before: async () => {
        await stateRead;
      },
    },
  );
  const end = new Date(plan.now);
  const start = new Date(end.getTime() - s.lookBackMs);
  const metricsCalls: Promise<void>[] = [];
  let waiting: { target: MetricsTarget; role: ClusterRole }[] = [];
  const judged = (role: ClusterRole) => {
    if (role.finding !== undefined) imports.add(r.findings[role.finding] as AwsSecurityFinding);
    if (role.state !== undefined) writes.add(r.stateItems[role.state] as ClusterState);
  };
  const flushMetrics = () => {
    const batch = waiting;
    waiting = [];
    if (batch.length === 0) return;
    const call = fetchMetrics(
      clients.cloudWatch(),
      batch.map((w) => w.target),
      start,
      end,
    ).then(() => {
      for (const w of batch) judged(w.role);
    });
    call.catch(() => undefined);
    metricsCalls.push(call);
  };
  const page = (marker?: string): Promise<DescribeDBClustersCommandOutput> => {
    const p = clients.rds.send(new DescribeDBClustersCommand({ MaxRecords: s.pageSize, ...(marker && { Marker: marker }) }));
    p.catch(() => undefined);
    return p;
  };

  try {
    for (let next: Promise<DescribeDBClustersCommandOutput> | undefined = page(); next;) {
      const out: DescribeDBClustersCommandOutput = await next;
      const marker = out.Marker || undefined;
      next = marker ? page(marker) : undefined;
      for (const c of out.DBClusters ?? []) {
        const role = r.clusters[c.DBClusterIdentifier ?? ''];
        if (!role) throw new Error(`${r.region}: DescribeDBClusters listed ${c.DBClusterIdentifier}, which the plan does not know`);
        if (role.metrics) {
          waiting.push({ target: { identifier: c.DBClusterIdentifier as string, ...role.metrics }, role });
          if (waiting.length >= s.clustersPerMetricsCall) flushMetrics();
        } else {
          judged(role);
        }
      }
    }
    counters.listedMs = Math.max(counters.listedMs, performance.now() - t0);
    flushMetrics();
    await Promise.all(metricsCalls);
  } finally {
    // Whatever happened, the import slots end before the Region does.
    await imports.finish();
  }
  await updateWorkflow(clients.securityHub, r, s.updatesInFlight);
  // The checker's own check (lambda/aws/security-hub.ts hiddenFindings): the same filter, pages and pace.
  if (r.checkHidden) await hiddenFindings(clients.securityHub, productArn('aws', r.region, plan.accountId));
}

/**
 * Paces every BatchImportFindings attempt of the client to Security Hub's rate limit. The token is
 * taken after the request is serialised and signed, right before it is sent, so that little time
 * passes between the token and the call reaching the service.
 */
export function paceImports(client: SecurityHubClient, limit: SdkFloorPlan['importLimit']): SecurityHubClient {
  const pacer = new Pacer(pacingLimit(limit));
  // The step's handler types are not exported by the client packages; this middleware only awaits.
  const pace = ((next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
    await pacer.acquire();
    return next(args);
  }) as unknown as StackMiddleware;
  client.middlewareStack.addRelativeTo(pace, { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'paceToRateLimit' });
  return client;
}

type StackMiddleware = Parameters<SecurityHubClient['middlewareStack']['addRelativeTo']>[0];
