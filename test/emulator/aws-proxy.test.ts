/**
 * The AWS-behaviour proxy, proven with the real AWS SDK v3 clients against moto: what the
 * end-to-end tests rely on (AWS limits, pagination, Security Hub semantics, fault injection and
 * the SDK's reaction to each fault) must hold here first.
 */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateDBClusterCommand,
  CreateGlobalClusterCommand,
  DescribeDBClustersCommand,
  RDSClient,
  RemoveFromGlobalClusterCommand,
  paginateDescribeDBClusters,
} from '@aws-sdk/client-rds';
import {
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  EnableSecurityHubCommand,
  GetFindingsCommand,
  SecurityHubClient,
  type AwsSecurityFinding,
} from '@aws-sdk/client-securityhub';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ListQueuesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startEmulatedAws, type EmulatedAws } from '../../emulator/emulated-aws';
import { workerMoto } from '../worker-moto';

const ACCOUNT = '123456789012';
const HOME = 'us-east-1';
const OTHER = 'eu-west-1';

let aws: EmulatedAws;

beforeAll(async () => {
  aws = await startEmulatedAws({ moto: await workerMoto() });
}, 600_000);

afterAll(async () => {
  await aws?.stop();
});

beforeEach(async () => {
  await aws.reset();
});

function rds(region = HOME, maxAttempts?: number): RDSClient {
  return new RDSClient({ ...aws.clientConfig(region), maxAttempts });
}

function securityHub(region = HOME, maxAttempts?: number): SecurityHubClient {
  return new SecurityHubClient({ ...aws.clientConfig(region), maxAttempts });
}

async function createClusters(region: string, count: number, prefix = 'cluster'): Promise<string[]> {
  const client = rds(region);
  const ids = Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      await client.send(
        new CreateDBClusterCommand({
          DBClusterIdentifier: id,
          Engine: 'aurora-mysql',
          MasterUsername: 'admin',
          MasterUserPassword: 'password123',
          BacktrackWindow: 3600,
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  return ids;
}

function productArn(region: string): string {
  return `arn:aws:securityhub:${region}:${ACCOUNT}:product/${ACCOUNT}/default`;
}

function finding(region: string, id: string, extra: Partial<AwsSecurityFinding> = {}): AwsSecurityFinding {
  const at = '2026-11-25T10:00:00.000Z';
  return {
    SchemaVersion: '2018-10-08',
    Id: id,
    ProductArn: productArn(region),
    GeneratorId: 'aurora-backtrack-checker/backtrack-enabled',
    AwsAccountId: ACCOUNT,
    Types: ['Software and Configuration Checks/AWS Security Best Practices'],
    CreatedAt: at,
    UpdatedAt: at,
    Severity: { Label: 'HIGH' },
    Title: 'Aurora Backtrack is disabled',
    Description: 'The cluster cannot be rewound.',
    Resources: [{ Type: 'AwsRdsDbCluster', Id: `arn:aws:rds:${region}:${ACCOUNT}:cluster:${id}` }],
    Compliance: { Status: 'FAILED' },
    RecordState: 'ACTIVE',
    ...extra,
  };
}

async function enableSecurityHub(region: string): Promise<void> {
  await securityHub(region).send(new EnableSecurityHubCommand({}));
}

async function errorOf(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { attempts?: number; httpStatusCode?: number }; code?: string }> {
  try {
    await promise;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the call to fail, it succeeded');
}

describe('DescribeDBClusters as AWS pages it', () => {
  it('returns 250 clusters in pages of at most MaxRecords, each with a Marker, and the SDK paginator follows them all', async () => {
    const ids = await createClusters(HOME, 250);

    const pageSizes: number[] = [];
    const seen: string[] = [];
    for await (const page of paginateDescribeDBClusters({ client: rds(), pageSize: 100 }, {})) {
      pageSizes.push(page.DBClusters?.length ?? 0);
      seen.push(...(page.DBClusters ?? []).map((c) => c.DBClusterIdentifier ?? ''));
    }

    expect(pageSizes).toEqual([100, 100, 50]);
    expect(seen.sort()).toEqual(ids);
    expect(aws.proxy.callsFor({ service: 'rds', operation: 'DescribeDBClusters' })).toHaveLength(3);
  }, 60_000);

  it('returns at most 100 clusters with a Marker when MaxRecords is not given', async () => {
    await createClusters(HOME, 120);

    const first = await rds().send(new DescribeDBClustersCommand({}));
    const second = await rds().send(new DescribeDBClustersCommand({ Marker: first.Marker }));

    expect(first.DBClusters).toHaveLength(100);
    expect(first.Marker).toEqual(expect.any(String));
    expect(second.DBClusters).toHaveLength(20);
    expect(second.Marker).toBeUndefined();
  }, 60_000);

  it.each([10, 19, 101])('rejects MaxRecords %i with InvalidParameterValue, as AWS does', async (maxRecords) => {
    const error = await errorOf(rds().send(new DescribeDBClustersCommand({ MaxRecords: maxRecords })));

    expect(error.name).toBe('InvalidParameterValue');
    expect(error.message).toBe(`Invalid value ${maxRecords} for MaxRecords. Must be between 20 and 100`);
    expect(error.$metadata?.attempts).toBe(1);
  });

  it("shows cluster overrides (EarliestBacktrackTime, ClusterCreateTime, legacy engine) in the SDK's parsed DBCluster, for that cluster only", async () => {
    await createClusters(HOME, 2, 'ov');
    await createClusters(OTHER, 1, 'ov');
    aws.proxy.setClusterOverrides(HOME, 'ov-000', {
      EarliestBacktrackTime: '2026-11-24T08:00:00Z',
      ClusterCreateTime: new Date('2021-03-01T00:00:00Z'),
      Engine: 'aurora',
      EngineVersion: '5.6.10a',
    });

    const home = await rds().send(new DescribeDBClustersCommand({}));
    const other = await rds(OTHER).send(new DescribeDBClustersCommand({}));

    const byId = new Map(home.DBClusters?.map((c) => [c.DBClusterIdentifier, c]));
    expect(byId.get('ov-000')).toMatchObject({
      EarliestBacktrackTime: new Date('2026-11-24T08:00:00Z'),
      ClusterCreateTime: new Date('2021-03-01T00:00:00Z'),
      Engine: 'aurora',
      EngineVersion: '5.6.10a',
      BacktrackWindow: 3600,
    });
    expect(byId.get('ov-001')?.EarliestBacktrackTime).toBeUndefined();
    expect(byId.get('ov-001')?.Engine).toBe('aurora-mysql');
    expect(other.DBClusters?.[0]?.EarliestBacktrackTime).toBeUndefined();
  });

  it('removes a field overridden with null (a cluster without BacktrackWindow)', async () => {
    await createClusters(HOME, 1, 'nb');
    aws.proxy.setClusterOverrides(HOME, 'nb-000', { BacktrackWindow: null });

    const result = await rds().send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'nb-000' }));

    expect(result.DBClusters?.[0]?.DBClusterIdentifier).toBe('nb-000');
    expect(result.DBClusters?.[0]?.BacktrackWindow).toBeUndefined();
  });

  it('applies a cluster rewriter to every cluster it is asked about', async () => {
    await createClusters(HOME, 3, 'rw');
    aws.proxy.setClusterRewriter(({ identifier, get }) => ({
      EarliestBacktrackTime: `2026-11-2${identifier?.slice(-1)}T00:00:00Z`,
      EngineVersion: `${get('EngineVersion')}-x`,
    }));

    const result = await rds().send(new DescribeDBClustersCommand({}));

    const times = Object.fromEntries(result.DBClusters?.map((c) => [c.DBClusterIdentifier, c.EarliestBacktrackTime?.toISOString()]) ?? []);
    expect(times).toEqual({
      'rw-000': '2026-11-20T00:00:00.000Z',
      'rw-001': '2026-11-21T00:00:00.000Z',
      'rw-002': '2026-11-22T00:00:00.000Z',
    });
    expect(result.DBClusters?.[0]?.EngineVersion).toMatch(/-x$/);
  });
});

describe('RemoveFromGlobalCluster as AWS applies it', () => {
  it('leaves the removed cluster standalone: DescribeDBClusters no longer names the global database', async () => {
    const client = rds();
    await client.send(new CreateGlobalClusterCommand({ GlobalClusterIdentifier: 'g1', Engine: 'aurora-mysql' }));
    const created = await client.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: 'member',
        Engine: 'aurora-mysql',
        GlobalClusterIdentifier: 'g1',
        MasterUsername: 'admin',
        MasterUserPassword: 'password123',
      }),
    );
    const describe = async () =>
      (await client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'member' }))).DBClusters?.[0]?.GlobalClusterIdentifier;
    expect(await describe()).toBe('g1');

    await client.send(
      new RemoveFromGlobalClusterCommand({ GlobalClusterIdentifier: 'g1', DbClusterIdentifier: created.DBCluster?.DBClusterArn }),
    );

    expect(await describe()).toBeUndefined();
  });
});

describe('Security Hub as AWS enforces it', () => {
  it('rejects an import of more than 100 findings with InvalidInputException and imports none of them', async () => {
    await enableSecurityHub(HOME);
    const findings = Array.from({ length: 101 }, (_, i) => finding(HOME, `f-${i}`));

    const error = await errorOf(securityHub().send(new BatchImportFindingsCommand({ Findings: findings })));
    const stored = await securityHub().send(new GetFindingsCommand({}));

    expect(error.name).toBe('InvalidInputException');
    expect(error.$metadata?.httpStatusCode).toBe(400);
    expect(stored.Findings).toEqual([]);
  });

  it('rejects an import into a Region where Security Hub is not enabled with InvalidAccessException', async () => {
    await enableSecurityHub(HOME);

    const error = await errorOf(securityHub(OTHER).send(new BatchImportFindingsCommand({ Findings: [finding(OTHER, 'f-1')] })));
    const home = await securityHub(HOME).send(new BatchImportFindingsCommand({ Findings: [finding(HOME, 'f-1')] }));

    expect(error.name).toBe('InvalidAccessException');
    expect(error.message).toBe(`Account ${ACCOUNT} is not subscribed to AWS Security Hub`);
    expect(error.$metadata?.attempts).toBe(1);
    expect(home.SuccessCount).toBe(1);
  });

  it('treats a Region switched off with setSecurityHubEnabled(false) as not subscribed, even after EnableSecurityHub', async () => {
    await enableSecurityHub(OTHER);
    aws.proxy.setSecurityHubEnabled(OTHER, false);

    const error = await errorOf(securityHub(OTHER).send(new GetFindingsCommand({})));

    expect(error.name).toBe('InvalidAccessException');
    await expect(aws.proxy.isSecurityHubEnabled(OTHER)).resolves.toBe(false);
    await expect(aws.proxy.isSecurityHubEnabled(HOME)).resolves.toBe(false);
  });

  it('fails malformed findings one by one with ErrorCode InvalidInput and imports the rest', async () => {
    await enableSecurityHub(HOME);
    const { Title: _title, ...noTitle } = finding(HOME, 'no-title');
    const findings = [
      finding(HOME, 'good'),
      noTitle as AwsSecurityFinding,
      finding(HOME, 'bad-severity', { Severity: {} }),
      finding(HOME, 'wrong-region', { ProductArn: productArn(OTHER) }),
    ];

    const result = await securityHub().send(new BatchImportFindingsCommand({ Findings: findings }));
    const stored = await securityHub().send(new GetFindingsCommand({}));

    expect(result.SuccessCount).toBe(1);
    expect(result.FailedCount).toBe(3);
    expect(result.FailedFindings?.map((f) => [f.Id, f.ErrorCode])).toEqual([
      ['no-title', 'InvalidInput'],
      ['bad-severity', 'InvalidInput'],
      ['wrong-region', 'InvalidInput'],
    ]);
    expect(result.FailedFindings?.[0]?.ErrorMessage).toContain("required property 'Title'");
    expect(stored.Findings?.map((f) => f.Id)).toEqual(['good']);
  });

  it('records BatchUpdateFindings and shows its workflow status and note in GetFindings, also after a re-import', async () => {
    await enableSecurityHub(HOME);
    await securityHub().send(new BatchImportFindingsCommand({ Findings: [finding(HOME, 'f-1'), finding(HOME, 'f-2')] }));

    const update = await securityHub().send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [{ Id: 'f-1', ProductArn: productArn(HOME) }],
        Workflow: { Status: 'SUPPRESSED' },
        Note: { Text: 'exempt until 2027-01-01: migration', UpdatedBy: 'aurora-backtrack-checker' },
      }),
    );
    await securityHub().send(
      new BatchImportFindingsCommand({
        Findings: [finding(HOME, 'f-1', { UpdatedAt: '2026-11-26T10:00:00.000Z', Workflow: { Status: 'NEW' } })],
      }),
    );
    const read = await securityHub().send(new GetFindingsCommand({ Filters: { Id: [{ Value: 'f-1', Comparison: 'EQUALS' }] } }));

    expect(update.ProcessedFindings).toEqual([{ Id: 'f-1', ProductArn: productArn(HOME) }]);
    expect(update.UnprocessedFindings).toEqual([]);
    expect(aws.proxy.workflowUpdates).toEqual([
      expect.objectContaining({
        region: HOME,
        findings: [{ id: 'f-1', productArn: productArn(HOME) }],
        workflowStatus: 'SUPPRESSED',
        note: { text: 'exempt until 2027-01-01: migration', updatedBy: 'aurora-backtrack-checker' },
      }),
    ]);
    expect(read.Findings).toHaveLength(1);
    expect(read.Findings?.[0]?.Workflow?.Status).toBe('SUPPRESSED');
    expect(read.Findings?.[0]?.Note).toMatchObject({ Text: 'exempt until 2027-01-01: migration', UpdatedBy: 'aurora-backtrack-checker' });
    expect(read.Findings?.[0]?.UpdatedAt).toBe('2026-11-26T10:00:00.000Z');
  });

  it('reports a BatchUpdateFindings id that does not exist as unprocessed (FindingNotFound)', async () => {
    await enableSecurityHub(HOME);

    const update = await securityHub().send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [{ Id: 'missing', ProductArn: productArn(HOME) }],
        Workflow: { Status: 'NEW' },
      }),
    );

    expect(update.ProcessedFindings).toEqual([]);
    expect(update.UnprocessedFindings).toEqual([
      {
        FindingIdentifier: { Id: 'missing', ProductArn: productArn(HOME) },
        ErrorCode: 'FindingNotFound',
        ErrorMessage: 'Finding Not Found',
      },
    ]);
  });

  it('ignores a re-import whose UpdatedAt is not newer than the stored finding', async () => {
    await enableSecurityHub(HOME);
    await securityHub().send(new BatchImportFindingsCommand({ Findings: [finding(HOME, 'f-1', { Title: 'first' })] }));

    const stale = await securityHub().send(new BatchImportFindingsCommand({ Findings: [finding(HOME, 'f-1', { Title: 'stale' })] }));
    const read = await securityHub().send(new GetFindingsCommand({}));

    expect(stale.SuccessCount).toBe(1);
    expect(read.Findings?.[0]?.Title).toBe('first');
  });

  it('applies GetFindings filters and pages with MaxResults and NextToken', async () => {
    await enableSecurityHub(HOME);
    const findings = Array.from({ length: 25 }, (_, i) =>
      finding(HOME, `f-${String(i).padStart(2, '0')}`, {
        Compliance: { Status: i % 2 ? 'PASSED' : 'FAILED' },
        RecordState: i === 0 ? 'ARCHIVED' : 'ACTIVE',
      }),
    );
    await securityHub().send(new BatchImportFindingsCommand({ Findings: findings }));

    const ids: string[] = [];
    const pageSizes: number[] = [];
    let token: string | undefined;
    do {
      const page = await securityHub().send(
        new GetFindingsCommand({
          Filters: {
            RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
            ComplianceStatus: [{ Value: 'FAILED', Comparison: 'EQUALS' }],
          },
          MaxResults: 5,
          NextToken: token,
        }),
      );
      pageSizes.push(page.Findings?.length ?? 0);
      ids.push(...(page.Findings ?? []).map((f) => f.Id ?? ''));
      token = page.NextToken;
    } while (token);

    expect(ids).toEqual(['f-02', 'f-04', 'f-06', 'f-08', 'f-10', 'f-12', 'f-14', 'f-16', 'f-18', 'f-20', 'f-22', 'f-24']);
    expect(pageSizes).toEqual([5, 5, 2]);
  });

  it('filters GetFindings on the workflow status set by BatchUpdateFindings', async () => {
    await enableSecurityHub(HOME);
    await securityHub().send(new BatchImportFindingsCommand({ Findings: [finding(HOME, 'a'), finding(HOME, 'b')] }));
    await securityHub().send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [{ Id: 'b', ProductArn: productArn(HOME) }],
        Workflow: { Status: 'SUPPRESSED' },
      }),
    );

    const suppressed = await securityHub().send(
      new GetFindingsCommand({ Filters: { WorkflowStatus: [{ Value: 'SUPPRESSED', Comparison: 'EQUALS' }] } }),
    );
    const notSuppressed = await securityHub().send(
      new GetFindingsCommand({ Filters: { WorkflowStatus: [{ Value: 'SUPPRESSED', Comparison: 'NOT_EQUALS' }] } }),
    );

    expect(suppressed.Findings?.map((f) => f.Id)).toEqual(['b']);
    expect(notSuppressed.Findings?.map((f) => f.Id)).toEqual(['a']);
  });

  it('refuses a GetFindings filter it cannot evaluate instead of silently ignoring it', async () => {
    await enableSecurityHub(HOME);

    const error = await errorOf(securityHub().send(new GetFindingsCommand({ Filters: { Criticality: [{ Gte: 50 }] } })));

    expect(error.name).toBe('InvalidInputException');
    expect(error.message).toContain("'Criticality' is not emulated");
  });
});

describe('SNS Publish as AWS checks it', () => {
  async function topicWithQueue(): Promise<{ topicArn: string; queueUrl: string }> {
    const sns = new SNSClient(aws.clientConfig(HOME));
    const sqs = new SQSClient(aws.clientConfig(HOME));
    const topic = await sns.send(new CreateTopicCommand({ Name: 'alerts' }));
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: 'inbox' }));
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }));
    await sns.send(new SubscribeCommand({ TopicArn: topic.TopicArn, Protocol: 'sqs', Endpoint: attrs.Attributes?.QueueArn }));
    return { topicArn: topic.TopicArn ?? '', queueUrl: queue.QueueUrl ?? '' };
  }

  it('refuses a json-structured message without a default entry, like AWS', async () => {
    const { topicArn } = await topicWithQueue();

    const error = await errorOf(
      new SNSClient(aws.clientConfig(HOME)).send(
        new PublishCommand({ TopicArn: topicArn, MessageStructure: 'json', Message: JSON.stringify({ email: 'only e-mail' }) }),
      ),
    );

    expect(error.name).toBe('InvalidParameterException');
    expect(error.message).toBe('Invalid parameter: Message Structure - No default entry in JSON message body');
    expect(aws.proxy.published).toEqual([expect.objectContaining({ accepted: false })]);
  });

  it('records an accepted message with its e-mail body and attributes, and delivers the default body to SQS', async () => {
    const { topicArn, queueUrl } = await topicWithQueue();

    await new SNSClient(aws.clientConfig(HOME)).send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: 'Aurora Backtrack: 1 new failure',
        MessageStructure: 'json',
        Message: JSON.stringify({ default: 'chat text', email: 'mail text' }),
        MessageAttributes: { severity: { DataType: 'String', StringValue: 'HIGH' } },
      }),
    );
    const received = await new SQSClient(aws.clientConfig(HOME)).send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }),
    );

    expect(aws.proxy.published).toEqual([
      expect.objectContaining({
        region: HOME,
        topicArn,
        subject: 'Aurora Backtrack: 1 new failure',
        bodies: { default: 'chat text', email: 'mail text' },
        attributes: { severity: 'HIGH' },
        accepted: true,
      }),
    ]);
    expect(JSON.parse(received.Messages?.[0]?.Body ?? '{}').Message).toBe('chat text');
  });

  it('refuses a Subject of 100 characters or more', async () => {
    const { topicArn } = await topicWithQueue();

    const error = await errorOf(
      new SNSClient(aws.clientConfig(HOME)).send(new PublishCommand({ TopicArn: topicArn, Subject: 's'.repeat(100), Message: 'm' })),
    );

    expect(error.name).toBe('InvalidParameterException');
  });
});

describe('fault injection as the SDK sees it', () => {
  it('throttles DescribeDBClusters twice: the SDK retries and succeeds on the third attempt', async () => {
    await createClusters(HOME, 1);
    aws.proxy.addFault({ service: 'rds', operation: 'DescribeDBClusters', kind: 'throttle', count: 2 });

    const result = await rds().send(new DescribeDBClustersCommand({}));

    expect(result.DBClusters).toHaveLength(1);
    expect(result.$metadata.attempts).toBe(3);
    expect(aws.proxy.callsFor({ operation: 'DescribeDBClusters' }).map((c) => [c.status, c.errorCode])).toEqual([
      [400, 'Throttling'],
      [400, 'Throttling'],
      [200, undefined],
    ]);
    expect(aws.proxy.faults).toEqual([]);
  });

  const probes: ReadonlyArray<readonly [string, (region: string) => Promise<unknown>]> = [
    ['rds', (r) => rds(r).send(new DescribeDBClustersCommand({}))],
    ['securityhub', (r) => securityHub(r).send(new EnableSecurityHubCommand({}))],
    ['sns', (r) => new SNSClient(aws.clientConfig(r)).send(new CreateTopicCommand({ Name: 'alerts' }))],
    ['sqs', (r) => new SQSClient(aws.clientConfig(r)).send(new ListQueuesCommand({}))],
    ['dynamodb', (r) => new DynamoDBClient(aws.clientConfig(r)).send(new ListTablesCommand({}))],
    [
      'cloudwatch',
      (r) =>
        new CloudWatchClient(aws.clientConfig(r)).send(
          new GetMetricDataCommand({ StartTime: new Date(0), EndTime: new Date(), MetricDataQueries: [] }),
        ),
    ],
    ['ec2', (r) => new EC2Client(aws.clientConfig(r)).send(new DescribeRegionsCommand({}))],
    ['sts', (r) => new STSClient(aws.clientConfig(r)).send(new GetCallerIdentityCommand({}))],
  ];

  it.each(probes)(
    'answers %s throttling and 5xx in a form the SDK retries',
    async (service, call) => {
      aws.proxy.addFault({ service, kind: 'throttle', count: 1 });
      aws.proxy.addFault({ service, kind: '5xx', count: 1 });

      const result = (await call(OTHER)) as { $metadata: { attempts?: number } };

      expect(result.$metadata.attempts).toBe(3);
      expect(aws.proxy.callsFor({ service }).map((c) => c.fault)).toEqual(['throttle', '5xx', undefined]);
      // The SDK waits before each retry (a throttle's back-off is up to seconds): more than jest's default 5 s on a busy machine.
    },
    30_000,
  );

  const deniedNames: Readonly<Record<string, string>> = {
    rds: 'AccessDenied',
    securityhub: 'AccessDeniedException',
    sns: 'AuthorizationErrorException',
    sqs: 'AccessDenied',
    dynamodb: 'AccessDeniedException',
    cloudwatch: 'AccessDenied',
    ec2: 'UnauthorizedOperation',
    sts: 'AccessDenied',
  };

  it.each(probes)(
    'denies %s in one Region with its own access-denied error, not retried, and leaves other Regions alone',
    async (service, call) => {
      aws.proxy.addFault({ region: OTHER, kind: 'access-denied' });

      const error = await errorOf(call(OTHER));
      await call(HOME);

      expect(error.name).toBe(deniedNames[service]);
      expect(error.$metadata?.attempts).toBe(1);
      expect(aws.proxy.callsFor({ service, region: HOME }).map((c) => c.status)).toEqual([200]);
    },
  );

  it('drops the connection without a response: the SDK reports a network error', async () => {
    aws.proxy.addFault({ service: 'rds', kind: 'drop' });

    const error = await errorOf(rds(HOME, 2).send(new DescribeDBClustersCommand({})));

    // Under jest the SDK wraps Node's error ("AWS SDK error wrapper for TimeoutError: socket hang up").
    expect(`${error.name} ${error.code ?? ''} ${error.message}`).toMatch(/ECONNRESET|socket hang up/i);
    expect(error.$metadata?.attempts).toBe(2);
    expect(aws.proxy.callsFor({ service: 'rds' }).map((c) => [c.fault, c.status])).toEqual([
      ['drop', undefined],
      ['drop', undefined],
    ]);
  });

  it('hangs: accepts the request and never answers, until the SDK request timeout gives up', async () => {
    aws.proxy.addFault({ service: 'rds', region: OTHER, kind: 'hang' });
    const client = new RDSClient({
      ...aws.clientConfig(OTHER),
      maxAttempts: 1,
      requestHandler: { requestTimeout: 500, throwOnRequestTimeout: true },
    });
    const started = Date.now();

    const error = await errorOf(client.send(new DescribeDBClustersCommand({})));

    expect(Date.now() - started).toBeGreaterThanOrEqual(490);
    expect(error.name).toBe('TimeoutError');
    const held = aws.proxy.callsFor({ service: 'rds', region: OTHER });
    expect(held.map((c) => [c.fault, c.status, c.durationMs])).toEqual([['hang', undefined, undefined]]);
    expect((await rds(HOME).send(new DescribeDBClustersCommand({}))).$metadata.httpStatusCode).toBe(200);
  });

  it('ends a hanging request when reset, so nothing stays held between tests', async () => {
    aws.proxy.addFault({ service: 'sts', kind: 'hang' });
    const call = errorOf(new STSClient({ ...aws.clientConfig(HOME), maxAttempts: 1 }).send(new GetCallerIdentityCommand({})));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(aws.proxy.calls.map((c) => c.fault)).toEqual(['hang']);

    aws.proxy.reset();

    expect(`${(await call).message}`).toMatch(/socket hang up|ECONNRESET/i);
  });

  it('adds latency before forwarding', async () => {
    const sts = new STSClient(aws.clientConfig(HOME));
    await sts.send(new GetCallerIdentityCommand({})); // connection set up outside the measurement
    aws.proxy.addFault({ service: 'sts', kind: 'latency', latencyMs: 400 });

    const started = Date.now();
    await sts.send(new GetCallerIdentityCommand({}));
    const elapsed = Date.now() - started;

    expect(elapsed).toBeGreaterThanOrEqual(400);
    expect(aws.proxy.calls.at(-1)).toMatchObject({ fault: 'latency', status: 200 });
  });

  it('injects a named error for one operation only', async () => {
    aws.proxy.addFault({
      service: 'dynamodb',
      operation: 'ListTables',
      kind: 'error',
      code: 'ResourceNotFoundException',
      status: 400,
      message: 'Requested resource not found',
    });

    const error = await errorOf(new DynamoDBClient(aws.clientConfig(HOME)).send(new ListTablesCommand({})));

    expect(error.name).toBe('ResourceNotFoundException');
    expect(error.message).toBe('Requested resource not found');
  });
});
