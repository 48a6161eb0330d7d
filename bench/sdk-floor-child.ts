/**
 * The SDK floor, measured in a fresh Node process (bundled and minified by bench/sdk-floor.ts
 * like the handler, so the same SDK code runs): the minimal call sequence of one scan, made with
 * the same SDK v3 clients and client settings as the checker, against the fake AWS, with no
 * checker logic — findings, state items and alert are read ready-made from the plan before the
 * clock starts.
 *
 * Schedule (the checker's, with its batch sizes from bench/sdk-floor-plan.ts SCHEDULE): every
 * Region in parallel; per Region, DescribeDBClusters pages one after another (MaxRecords
 * `pageSize`), the next page asked for before the current one is looked at; a GetMetricData call
 * as soon as `clustersPerMetricsCall` listed clusters need metrics. A cluster is judged once its
 * page (or its metrics) answered and the state Scan (started at once) has answered: its finding
 * joins the Region's imports — BatchImportFindings as soon as `findingsPerImport` are waiting, at
 * most `importsInFlight` calls in flight, paced to Security Hub's rate limit so none is throttled
 * (a token is taken right before each call is sent) — and its state item, unless it waits for the
 * alert, joins the state writes (BatchWriteItem, `itemsPerWrite` per call, `writesInFlight` in
 * flight). Once a Region's imports are in, its BatchUpdateFindings calls (`updatesInFlight` in
 * flight). Once every Region is done: the alert (Publish), then the state items that waited for it
 * (with the run-meta item). The run lease is taken (conditional PutItem) as the run starts, beside
 * the first reads, and given back after the last state write.
 *   argv: <plan JSON path>
 */
import { readFileSync } from 'node:fs';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RDSClient } from '@aws-sdk/client-rds';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { BatchWriteCommand, DynamoDBDocumentClient, PutCommand, ScanCommand, type ScanCommandOutput } from '@aws-sdk/lib-dynamodb';
import { createStateDocumentClient } from '../lambda/aws/state';
import type { ClusterState, RunMeta } from '../lambda/core/state-types';
import { BatchPipeline } from './sdk-floor-calls';
import type { SdkFloorPlan } from './sdk-floor-plan';
import { type Counters, paceImports, scanRegion } from './sdk-floor-region';
import { type SdkFloorReport, failedSdkFloorReport } from './reports';

async function scanState(doc: DynamoDBDocumentClient, plan: SdkFloorPlan): Promise<number> {
  let items = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const out: ScanCommandOutput = await doc.send(
      new ScanCommand({
        TableName: plan.tableName,
        ConsistentRead: true,
        FilterExpression: '#accountId = :accountId',
        ExpressionAttributeNames: { '#accountId': 'accountId' },
        ExpressionAttributeValues: { ':accountId': plan.accountId },
        ...(startKey && { ExclusiveStartKey: startKey }),
      }),
    );
    items += out.Items?.length ?? 0;
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** The run lease's conditional PutItem, as lambda/aws/state.ts sends it to take (and give back) the lease. */
function leasePut(doc: DynamoDBDocumentClient, plan: SdkFloorPlan, release: boolean): Promise<unknown> {
  const owner = 'sdk-floor';
  return doc.send(
    new PutCommand({
      TableName: plan.tableName,
      Item: {
        pk: `lease#${plan.accountId}`,
        accountId: plan.accountId,
        owner,
        mode: 'scan',
        acquiredAt: plan.now,
        expiresAt: release ? 0 : Date.now() + 900_000,
      },
      ...(release
        ? {
            ConditionExpression: '#owner = :owner',
            ExpressionAttributeValues: { ':owner': owner },
            ExpressionAttributeNames: { '#owner': 'owner' },
          }
        : { ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now', ExpressionAttributeValues: { ':now': Date.now() } }),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    }),
  );
}

/** State writes: BatchWriteItem of `itemsPerWrite` items, `writesInFlight` calls in flight, after `ready`. */
function stateWrites(doc: DynamoDBDocumentClient, plan: SdkFloorPlan, ready: Promise<unknown>): BatchPipeline<ClusterState | RunMeta> {
  const s = plan.schedule;
  return new BatchPipeline<ClusterState | RunMeta>(
    async (batch) => {
      let pending: unknown[] = batch.map((item) => ({ PutRequest: { Item: item } }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 5) throw new Error(`${pending.length} state items still unprocessed after 5 retries`);
        const out = await doc.send(new BatchWriteCommand({ RequestItems: { [plan.tableName]: pending as never } }));
        pending = out.UnprocessedItems?.[plan.tableName] ?? [];
      }
    },
    {
      batchSize: s.itemsPerWrite,
      inFlight: s.writesInFlight,
      before: async () => {
        await ready;
      },
    },
  );
}

async function main(): Promise<SdkFloorReport> {
  const [planPath] = process.argv.slice(2);
  if (!planPath) throw new Error('usage: sdk-floor-child <plan JSON path>');
  const plan = JSON.parse(readFileSync(planPath, 'utf8')) as SdkFloorPlan;
  const settings = plan.clientSettings as { maxAttempts: number; retryMode: 'adaptive' | 'standard' };
  const counters: Counters = { imported: 0, importFailed: 0, listedMs: 0 };

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const doc = createStateDocumentClient(new DynamoDBClient({ region: plan.homeRegion, ...settings }));
  const sns = new SNSClient({ region: plan.topicArn.split(':')[3] || plan.homeRegion, ...settings });
  const lease = leasePut(doc, plan, false);
  lease.catch(() => undefined);
  const stateRead = scanState(doc, plan);
  stateRead.catch(() => undefined);
  const writes = stateWrites(doc, plan, stateRead);
  await Promise.all(
    plan.regions.map((r) => {
      // Made with the Region's other clients, as lambda/default-deps.ts makes them.
      const cloudWatch = new CloudWatchClient({ region: r.region, ...settings });
      const clients = {
        rds: new RDSClient({ region: r.region, ...settings }),
        securityHub: paceImports(new SecurityHubClient({ region: r.region, ...settings }), plan.importLimit),
        cloudWatch: () => cloudWatch,
      };
      return scanRegion(r, plan, clients, stateRead, writes, counters, t0);
    }),
  );
  await stateRead;
  const importedMs = performance.now() - t0;
  // The alert does not wait for the state writes already under way; the items it tells about do.
  const streamed = writes.finish();
  streamed.catch(() => undefined);
  if (plan.alert) {
    const a = plan.alert;
    await sns.send(
      new PublishCommand({
        TopicArn: plan.topicArn,
        Subject: a.subject,
        MessageStructure: 'json',
        Message: JSON.stringify({ default: a.default, email: a.email }),
        MessageAttributes: {
          severity: { DataType: 'String', StringValue: a.attributes.severity },
          event: { DataType: 'String.Array', StringValue: JSON.stringify(a.attributes.event) },
        },
      }),
    );
  }
  const publishedMs = performance.now() - t0;
  if (plan.afterAlert.length > 0 || plan.meta) {
    const told = stateWrites(doc, plan, stateRead);
    for (const item of plan.afterAlert) told.add(item);
    if (plan.meta) told.add(plan.meta);
    await told.finish();
  }
  await streamed;
  await lease;
  await leasePut(doc, plan, true);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return {
    ok: counters.importFailed === 0,
    ...(counters.importFailed > 0 && {
      error: { name: 'FindingsRejected', message: `Security Hub rejected ${counters.importFailed} findings` },
    }),
    wallMs,
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
    maxRssKb: process.resourceUsage().maxRSS,
    heapUsedMb: process.memoryUsage().heapUsed / 1_048_576,
    imported: counters.imported,
    importFailed: counters.importFailed,
    phases: { listedMs: counters.listedMs, importedMs, publishedMs, writtenMs: wallMs },
  };
}

main()
  .then((report) => process.send?.(report, () => process.exit(0)))
  .catch((err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    const report = failedSdkFloorReport({ name: e.name, message: e.message });
    process.send?.(report, () => process.exit(1));
  });
