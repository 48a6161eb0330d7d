import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  paginateDescribeDBClusters,
  RDSClient,
  type DBCluster,
} from '@aws-sdk/client-rds';
import {
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  GetFindingsCommand,
  SecurityHubClient,
  type AwsSecurityFinding,
} from '@aws-sdk/client-securityhub';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { BatchWriteCommand, DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { startFakeAws, type FakeAws, type FakeAwsOptions } from '../../bench/fake-aws';
import { BENCH_ACCOUNT_ID, generateFleet, type Fleet } from '../../bench/fleet';

const NOW = new Date('2026-11-25T12:00:00Z');
const TOPIC = `arn:aws:sns:us-east-1:${BENCH_ACCOUNT_ID}:alerts`;

let fake: FakeAws | undefined;
let time = 0;

async function start(fleet: Fleet, over: Partial<FakeAwsOptions> = {}): Promise<FakeAws> {
  fake = await startFakeAws({ fleet, latencyMs: 0, tables: ['state'], topics: [TOPIC], clock: () => time, ...over });
  return fake;
}

afterEach(async () => {
  await fake?.close();
  fake = undefined;
  time = 0;
});

const config = (f: FakeAws, region: string) => ({
  region,
  endpoint: f.url,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  maxAttempts: 1,
});

const productArn = (region: string) => `arn:aws:securityhub:${region}:${BENCH_ACCOUNT_ID}:product/${BENCH_ACCOUNT_ID}/default`;

function finding(i: number, over: Partial<AwsSecurityFinding> = {}, region = 'us-east-1'): AwsSecurityFinding {
  return {
    SchemaVersion: '2018-10-08',
    Id: `finding-${i}`,
    ProductArn: productArn(region),
    GeneratorId: 'aurora-backtrack-check',
    AwsAccountId: BENCH_ACCOUNT_ID,
    CreatedAt: '2026-11-25T12:00:00.000Z',
    UpdatedAt: '2026-11-25T12:00:00.000Z',
    Title: 'Backtrack',
    Description: 'Backtrack check',
    Types: ['Software and Configuration Checks/AWS Security Best Practices'],
    Severity: { Label: 'MEDIUM' },
    Resources: [{ Type: 'AwsRdsDbCluster', Id: `arn:aws:rds:${region}:${BENCH_ACCOUNT_ID}:cluster:c-${i}` }],
    Compliance: { Status: 'FAILED' },
    ...over,
  };
}

const findings = (n: number, from = 0) => Array.from({ length: n }, (_, i) => finding(from + i));

describe('fake AWS: RDS DescribeDBClusters', () => {
  it('serves 250 clusters in three Marker pages of at most 100 through the SDK paginator', async () => {
    const fleet = generateFleet({ clusters: 500, regions: 2, now: NOW });
    const f = await start(fleet);
    const pages: number[] = [];
    const ids: string[] = [];

    for await (const page of paginateDescribeDBClusters({ client: new RDSClient(config(f, 'us-east-1')), pageSize: 100 }, {})) {
      pages.push(page.DBClusters?.length ?? 0);
      ids.push(...(page.DBClusters ?? []).map((c) => c.DBClusterIdentifier ?? ''));
    }

    expect(pages).toEqual([100, 100, 50]);
    expect(new Set(ids).size).toBe(250);
    expect(ids).toEqual(fleet.byRegion.get('us-east-1')?.map((c) => c.identifier));
    expect(f.stats()).toEqual([
      expect.objectContaining({ service: 'rds', operation: 'DescribeDBClusters', region: 'us-east-1', calls: 3 }),
    ]);
  });

  it('honours MaxRecords 20 and defaults to 100', async () => {
    const f = await start(generateFleet({ clusters: 250, regions: 1, now: NOW }));
    const rds = new RDSClient(config(f, 'us-east-1'));

    const small = await rds.send(new DescribeDBClustersCommand({ MaxRecords: 20 }));
    const plain = await rds.send(new DescribeDBClustersCommand({}));

    expect(small.DBClusters).toHaveLength(20);
    expect(small.Marker).toBeDefined();
    expect(plain.DBClusters).toHaveLength(100);
  });

  it.each([19, 101])('rejects MaxRecords %d like AWS (InvalidParameterValue)', async (max) => {
    const f = await start(generateFleet({ clusters: 10, regions: 1, now: NOW }));

    await expect(new RDSClient(config(f, 'us-east-1')).send(new DescribeDBClustersCommand({ MaxRecords: max }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('keeps Regions apart and rejects a Marker from another Region', async () => {
    const f = await start(generateFleet({ clusters: 300, regions: 2, now: NOW }));
    const east = await new RDSClient(config(f, 'us-east-1')).send(new DescribeDBClustersCommand({ MaxRecords: 20 }));

    const west = new RDSClient(config(f, 'us-east-2'));
    const westPage = await west.send(new DescribeDBClustersCommand({}));

    expect(westPage.DBClusters?.every((c) => c.DBClusterArn?.includes(':us-east-2:'))).toBe(true);
    await expect(west.send(new DescribeDBClustersCommand({ Marker: east.Marker }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
  });

  it('sends the fields the checker reads, as the SDK parses them', async () => {
    const fleet = generateFleet({ clusters: 400, regions: 1, now: NOW });
    const f = await start(fleet);
    const all: DBCluster[] = [];
    for await (const page of paginateDescribeDBClusters({ client: new RDSClient(config(f, 'us-east-1')) }, {}))
      all.push(...(page.DBClusters ?? []));
    const byId = new Map(all.map((c) => [c.DBClusterIdentifier, c]));

    const on = fleet.clusters.find((c) => c.category === 'backtrack-on' && c.tags.length > 0 && c.serverlessV2);
    const absent = fleet.clusters.find((c) => c.category === 'backtrack-off' && c.backtrackWindow === undefined);
    const v1 = fleet.clusters.find((c) => c.category === 'serverless-v1');
    const global = fleet.clusters.find((c) => c.category === 'global-member');
    const got = byId.get(on?.identifier);

    expect(got).toMatchObject({
      DBClusterArn: on?.arn,
      DbClusterResourceId: on?.resourceId,
      Engine: 'aurora-mysql',
      BacktrackWindow: on?.backtrackWindow,
      EarliestBacktrackTime: on?.earliestBacktrackTime,
      ClusterCreateTime: on?.createdAt,
      TagList: on?.tags,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 16 },
    });
    expect(got?.DBClusterMembers?.[0]).toMatchObject({ DBInstanceIdentifier: on?.instanceIds[0], IsClusterWriter: true });
    expect(byId.get(absent?.identifier)).not.toHaveProperty('BacktrackWindow');
    expect(byId.get(v1?.identifier)).toMatchObject({ EngineMode: 'serverless' });
    expect(byId.get(global?.identifier)).toMatchObject({ GlobalClusterIdentifier: global?.globalClusterIdentifier });
  });

  it('filters by db-cluster-id and answers DBClusterNotFoundFault for an unknown identifier', async () => {
    const fleet = generateFleet({ clusters: 50, regions: 1, now: NOW });
    const f = await start(fleet);
    const rds = new RDSClient(config(f, 'us-east-1'));
    const target = fleet.clusters[7];

    const one = await rds.send(new DescribeDBClustersCommand({ Filters: [{ Name: 'db-cluster-id', Values: [target?.identifier ?? ''] }] }));

    expect(one.DBClusters?.map((c) => c.DBClusterIdentifier)).toEqual([target?.identifier]);
    await expect(rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'missing' }))).rejects.toMatchObject({
      name: 'DBClusterNotFoundFault',
    });
  });

  it('answers an operation it does not serve with an error and counts it', async () => {
    const f = await start(generateFleet({ clusters: 1, regions: 1, now: NOW }));

    await expect(new RDSClient(config(f, 'us-east-1')).send(new DescribeDBInstancesCommand({}))).rejects.toMatchObject({
      name: 'InvalidAction',
    });
    expect(f.stats()).toEqual([expect.objectContaining({ operation: 'DescribeDBInstances', errors: 1 })]);
    expect(f.errors()[0]?.code).toBe('InvalidAction');
  });
});

describe('fake AWS: Security Hub', () => {
  it('imports 100 findings in one call and rejects 101 with InvalidInputException', async () => {
    const f = await start(generateFleet({ clusters: 1, regions: 1, now: NOW }));
    const sh = new SecurityHubClient(config(f, 'us-east-1'));

    const ok = await sh.send(new BatchImportFindingsCommand({ Findings: findings(100) }));

    expect(ok).toMatchObject({ SuccessCount: 100, FailedCount: 0 });
    await expect(sh.send(new BatchImportFindingsCommand({ Findings: findings(101) }))).rejects.toMatchObject({
      name: 'InvalidInputException',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('reports invalid findings in FailedFindings and stores the rest', async () => {
    const f = await start(generateFleet({ clusters: 1, regions: 1, now: NOW }));
    const sh = new SecurityHubClient(config(f, 'us-east-1'));

    const out = await sh.send(
      new BatchImportFindingsCommand({
        Findings: [
          finding(1),
          finding(2, { AwsAccountId: '999999999999' }),
          finding(3, { ProductArn: productArn('eu-west-1') }),
          finding(4, { Title: 'x'.repeat(257) }),
        ],
      }),
    );

    expect(out.SuccessCount).toBe(1);
    expect(out.FailedFindings?.map((x) => [x.Id, x.ErrorCode])).toEqual([
      ['finding-2', 'InvalidInput'],
      ['finding-3', 'InvalidInput'],
      ['finding-4', 'InvalidInput'],
    ]);
    expect([...(f.securityHub.importedSinceReset.get('us-east-1') ?? [])]).toEqual(['finding-1']);
  });

  it('throttles BatchImportFindings beyond a burst of 30 with TooManyRequestsException (429), then refills at 10 TPS', async () => {
    const f = await start(generateFleet({ clusters: 1, regions: 2, now: NOW }));
    const sh = new SecurityHubClient(config(f, 'us-east-1'));
    const call = (i: number) => sh.send(new BatchImportFindingsCommand({ Findings: [finding(i)] }));

    for (let i = 0; i < 30; i++) await call(i);
    await expect(call(30)).rejects.toMatchObject({ name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } });
    time += 100;
    await expect(call(31)).resolves.toMatchObject({ SuccessCount: 1 });
    await expect(call(32)).rejects.toMatchObject({ name: 'TooManyRequestsException' });

    expect(f.stats()).toEqual([expect.objectContaining({ operation: 'BatchImportFindings', calls: 33, throttled: 2, errors: 0 })]);
  });

  it('limits each Region separately', async () => {
    const f = await start(generateFleet({ clusters: 1, regions: 2, now: NOW }));
    const east = new SecurityHubClient(config(f, 'us-east-1'));
    for (let i = 0; i < 30; i++) await east.send(new BatchImportFindingsCommand({ Findings: [finding(i)] }));

    const west = new SecurityHubClient(config(f, 'us-east-2'));

    await expect(west.send(new BatchImportFindingsCommand({ Findings: [finding(0, {}, 'us-east-2')] }))).resolves.toMatchObject({
      SuccessCount: 1,
    });
  });

  it('starts every run with a full burst: reset refills the rate-limit buckets', async () => {
    const f = await start(generateFleet({ clusters: 1, regions: 1, now: NOW }));
    const sh = new SecurityHubClient(config(f, 'us-east-1'));
    for (let i = 0; i < 30; i++) await sh.send(new BatchImportFindingsCommand({ Findings: [finding(i)] }));

    f.reset();
    const afterReset = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) => sh.send(new BatchImportFindingsCommand({ Findings: [finding(i)] }))),
    );

    expect(afterReset.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(f.stats()[0]).toMatchObject({ calls: 30, throttled: 0 });
  });

  it('lets the SDK’s own retries ride out the throttling', async () => {
    // The clock stands still until the 33 first attempts are in, then runs: on a loaded machine the
    // SDK may take longer to send them than the bucket takes to refill, and none would be throttled.
    const started: { at?: number } = {};
    const clock = () => (started.at === undefined ? 0 : performance.now() - started.at);
    const f = await start(generateFleet({ clusters: 1, regions: 1, now: NOW }), { clock });
    const sh = new SecurityHubClient({ ...config(f, 'us-east-1'), maxAttempts: 5 });

    const sent = Promise.all(Array.from({ length: 33 }, (_, i) => sh.send(new BatchImportFindingsCommand({ Findings: [finding(i)] }))));
    while ((f.stats()[0]?.calls ?? 0) < 33) await new Promise((resolve) => setTimeout(resolve, 5));
    started.at = performance.now();
    const results = await sent;

    expect(results.every((r) => r.SuccessCount === 1)).toBe(true);
    expect(f.stats()[0]?.throttled).toBeGreaterThanOrEqual(3);
  });

  it('limits GetFindings to 3 TPS with a burst of 6', async () => {
    const f = await start(generateFleet({ clusters: 1, regions: 1, now: NOW }));
    const sh = new SecurityHubClient(config(f, 'us-east-1'));

    for (let i = 0; i < 6; i++) await sh.send(new GetFindingsCommand({}));

    await expect(sh.send(new GetFindingsCommand({}))).rejects.toMatchObject({ name: 'TooManyRequestsException' });
  });

  it('keeps a workflow set by BatchUpdateFindings when the finding is imported again', async () => {
    const f = await start(generateFleet({ clusters: 1, regions: 1, now: NOW }));
    const sh = new SecurityHubClient(config(f, 'us-east-1'));
    await sh.send(new BatchImportFindingsCommand({ Findings: [finding(1)] }));

    const upd = await sh.send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [
          { Id: 'finding-1', ProductArn: productArn('us-east-1') },
          { Id: 'nope', ProductArn: productArn('us-east-1') },
        ],
        Workflow: { Status: 'SUPPRESSED' },
        Note: { Text: 'legacy', UpdatedBy: 'aurora-backtrack-checker' },
      }),
    );
    await sh.send(
      new BatchImportFindingsCommand({
        Findings: [finding(1, { UpdatedAt: '2026-11-26T12:00:00.000Z', Compliance: { Status: 'PASSED' }, Workflow: { Status: 'NEW' } })],
      }),
    );
    const got = await sh.send(new GetFindingsCommand({ Filters: { Id: [{ Value: 'finding-1', Comparison: 'EQUALS' }] } }));

    expect(upd.UnprocessedFindings?.map((u) => u.ErrorCode)).toEqual(['FindingNotFound']);
    expect(got.Findings?.[0]).toMatchObject({
      Workflow: { Status: 'SUPPRESSED' },
      Compliance: { Status: 'PASSED' },
      Note: { Text: 'legacy' },
    });
  });

  it('takes the workflow of a new finding from the import and ignores an update that is not newer', async () => {
    const f = await start(generateFleet({ clusters: 1, regions: 1, now: NOW }));
    const sh = new SecurityHubClient(config(f, 'us-east-1'));

    await sh.send(new BatchImportFindingsCommand({ Findings: [finding(1, { Workflow: { Status: 'SUPPRESSED' } })] }));
    await sh.send(new BatchImportFindingsCommand({ Findings: [finding(1, { Compliance: { Status: 'PASSED' } })] }));

    const stored = [...(f.securityHub.findings.get('us-east-1')?.values() ?? [])];
    expect(stored).toEqual([expect.objectContaining({ workflowStatus: 'SUPPRESSED', complianceStatus: 'FAILED' })]);
  });

  it('answers InvalidAccessException where Security Hub is not enabled', async () => {
    const f = await start(generateFleet({ clusters: 1, regions: 1, now: NOW }), { securityHubDisabledRegions: ['us-east-1'] });

    await expect(
      new SecurityHubClient(config(f, 'us-east-1')).send(new BatchImportFindingsCommand({ Findings: [finding(1)] })),
    ).rejects.toMatchObject({
      name: 'InvalidAccessException',
    });
  });
});

describe('fake AWS: DynamoDB state table', () => {
  const doc = (f: FakeAws) => DynamoDBDocumentClient.from(new DynamoDBClient(config(f, 'us-east-1')));

  it('writes at most 25 items per BatchWriteItem', async () => {
    const f = await start(generateFleet({ clusters: 1, regions: 1, now: NOW }));
    const put = (n: number) => Array.from({ length: n }, (_, i) => ({ PutRequest: { Item: { pk: `cluster#${i}` } } }));

    await doc(f).send(new BatchWriteCommand({ RequestItems: { state: put(25) } }));

    await expect(doc(f).send(new BatchWriteCommand({ RequestItems: { state: put(26) } }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    expect(f.dynamo.table('us-east-1', 'state').items.size).toBe(25);
  });

  it('stops a Scan page at 1 MB and filters after reading', async () => {
    const f = await start(generateFleet({ clusters: 1, regions: 1, now: NOW }));
    const d = doc(f);
    for (let b = 0; b < 2; b++) {
      const items = Array.from({ length: 25 }, (_, i) => ({
        PutRequest: { Item: { pk: `cluster#${b * 25 + i}`, accountId: i % 2 ? 'a' : 'b', blob: 'x'.repeat(50_000) } },
      }));
      await d.send(new BatchWriteCommand({ RequestItems: { state: items } }));
    }
    const pages: number[] = [];
    let key: Record<string, unknown> | undefined;

    do {
      const out = await d.send(
        new ScanCommand({
          TableName: 'state',
          FilterExpression: '#a = :a AND begins_with(#pk, :p)',
          ExpressionAttributeNames: { '#a': 'accountId', '#pk': 'pk' },
          ExpressionAttributeValues: { ':a': 'a', ':p': 'cluster#' },
          ...(key && { ExclusiveStartKey: key }),
        }),
      );
      pages.push(out.ScannedCount ?? 0);
      key = out.LastEvaluatedKey;
    } while (key);

    // 50 items of ~50 kB: 21 fit in 1 MB
    expect(pages).toEqual([21, 21, 8]);
  });

  it('checks conditions and rejects unused expression values like DynamoDB', async () => {
    const f = await start(generateFleet({ clusters: 1, regions: 1, now: NOW }));
    const d = doc(f);
    await d.send(new PutCommand({ TableName: 'state', Item: { pk: 'meta#1' }, ConditionExpression: 'attribute_not_exists(pk)' }));

    await expect(
      d.send(new PutCommand({ TableName: 'state', Item: { pk: 'meta#1' }, ConditionExpression: 'attribute_not_exists(pk)' })),
    ).rejects.toMatchObject({
      name: 'ConditionalCheckFailedException',
    });
    await expect(d.send(new ScanCommand({ TableName: 'state', ExpressionAttributeValues: { ':x': 1 } }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await expect(d.send(new ScanCommand({ TableName: 'missing' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describe('fake AWS: CloudWatch, SNS, STS, EC2', () => {
  it('answers Backtrack metrics for the dimension set that has them, at most 500 queries a call', async () => {
    const fleet = generateFleet({ clusters: 40, regions: 1, now: NOW });
    const f = await start(fleet);
    const cw = new CloudWatchClient(config(f, 'us-east-1'));
    const c = fleet.clusters.find((x) => x.category === 'backtrack-on' && x.metricsSource === 'writer-instance');
    const q = (id: string, name: string, value: string): MetricDataQuery => ({
      Id: id,
      MetricStat: {
        Metric: { Namespace: 'AWS/RDS', MetricName: 'BacktrackWindowAlert', Dimensions: [{ Name: name, Value: value }] },
        Period: 300,
        Stat: 'Sum',
      },
    });

    const out = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(NOW.getTime() - 86_400_000),
        EndTime: NOW,
        MetricDataQueries: [
          q('bycluster', 'DBClusterIdentifier', c?.identifier ?? ''),
          q('bywriter', 'DBInstanceIdentifier', c?.instanceIds[0] ?? ''),
        ],
      }),
    );

    expect(out.MetricDataResults?.map((r) => [r.Id, r.Values?.length])).toEqual([
      ['bycluster', 0],
      ['bywriter', 288],
    ]);
    expect(out.MetricDataResults?.[1]?.Timestamps?.[0]).toBeInstanceOf(Date);
    const tooMany = Array.from({ length: 501 }, (_, i) => q(`q${i}`, 'DBClusterIdentifier', 'x'));
    await expect(
      cw.send(new GetMetricDataCommand({ StartTime: new Date(0), EndTime: NOW, MetricDataQueries: tooMany })),
    ).rejects.toMatchObject({
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('records a JSON-structured alert and rejects one without a default message', async () => {
    const f = await start(generateFleet({ clusters: 1, regions: 1, now: NOW }));
    const sns = new SNSClient(config(f, 'us-east-1'));

    await sns.send(
      new PublishCommand({
        TopicArn: TOPIC,
        Subject: 'Aurora Backtrack: 3 new failures',
        MessageStructure: 'json',
        Message: JSON.stringify({ default: 'card', email: 'text' }),
        MessageAttributes: { severity: { DataType: 'String', StringValue: 'MEDIUM' } },
      }),
    );

    expect(f.published).toEqual([
      expect.objectContaining({
        subject: 'Aurora Backtrack: 3 new failures',
        keys: ['default', 'email'],
        attributes: { severity: 'MEDIUM' },
      }),
    ]);
    await expect(
      sns.send(new PublishCommand({ TopicArn: TOPIC, MessageStructure: 'json', Message: '{"email":"x"}' })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
    await expect(sns.send(new PublishCommand({ TopicArn: `${TOPIC}-other`, Message: 'x' }))).rejects.toMatchObject({
      name: 'NotFoundException',
    });
  });

  it('tells who is calling and which Regions are enabled', async () => {
    const f = await start(generateFleet({ clusters: 1, regions: 3, now: NOW }));

    const me = await new STSClient(config(f, 'us-east-1')).send(new GetCallerIdentityCommand({}));
    const regions = await new EC2Client(config(f, 'us-east-1')).send(new DescribeRegionsCommand({ AllRegions: false }));

    expect(me.Account).toBe(BENCH_ACCOUNT_ID);
    expect(regions.Regions?.map((r) => r.RegionName)).toEqual(['us-east-1', 'us-east-2', 'us-west-1']);
  });

  it('adds the configured latency to every call and forgets counts on reset', async () => {
    const f = await start(generateFleet({ clusters: 1, regions: 1, now: NOW }), { latencyMs: 40 });
    const sts = new STSClient(config(f, 'us-east-1'));
    await sts.send(new GetCallerIdentityCommand({}));

    const t = performance.now();
    await sts.send(new GetCallerIdentityCommand({}));
    const took = performance.now() - t;
    const before = f.stats();
    f.reset();

    expect(took).toBeGreaterThanOrEqual(39);
    expect(before).toEqual([expect.objectContaining({ service: 'sts', operation: 'GetCallerIdentity', region: 'us-east-1', calls: 2 })]);
    expect(f.stats()).toEqual([]);
  });
});
