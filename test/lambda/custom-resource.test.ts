import 'aws-sdk-client-mock-jest';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeDBClustersCommand } from '@aws-sdk/client-rds';
import { BatchImportFindingsCommand } from '@aws-sdk/client-securityhub';
import { PublishCommand } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import type { Context } from 'aws-lambda';
import type { CloudFormationResponse } from '../../lambda/aws/cloudformation-response';
import { FIRST_RUN_PHYSICAL_ID } from '../../lambda/custom-resource';
import { DATAPOINT_WAIT_MS as HEARTBEAT_WAIT_MS } from '../../lambda/custom-resource';
import { firstScan } from '../../lambda/first-scan';
import { createHandler } from '../../lambda/handler';
import { dbCluster, publishedMessages, TOPIC, world } from './run-world';

const ENV = { REGIONS: 'eu-west-1', MIN_WINDOW_HOURS: '24', ALERT_TOPIC_ARN: TOPIC, ACTUAL_WINDOW: 'false', AWS_REGION: 'eu-west-1' };
const saved = Object.fromEntries(Object.keys(ENV).map((k) => [k, process.env[k]]));

beforeEach(() => {
  Object.assign(process.env, ENV);
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => jest.restoreAllMocks());
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const URL_WITH_SIGNATURE = 'https://cloudformation-custom-resource-response.s3.amazonaws.com/x?X-Amz-Signature=secret';
const request = (RequestType: string, extra: Record<string, unknown> = {}) => ({
  RequestType,
  ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:checker',
  ResponseURL: URL_WITH_SIGNATURE,
  StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/checker/1',
  RequestId: 'req-1',
  LogicalResourceId: 'CheckerFirstScan1234',
  ResourceType: 'Custom::AuroraBacktrackFirstScan',
  ResourceProperties: {},
  ...extra,
});

/** A world with one failing and one passing cluster, whose heartbeat datapoint is visible at once. */
function account() {
  const w = world(['eu-west-1']);
  w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 }), dbCluster('billing')]);
  w.region('eu-west-1')
    .cw.on(GetMetricDataCommand)
    .resolves({ MetricDataResults: [{ Id: 'own', Values: [1] }] });
  const answers: { url: string; response: CloudFormationResponse }[] = [];
  const respond = (url: string, response: CloudFormationResponse) => {
    answers.push({ url, response });
    return Promise.resolve();
  };
  return { w, answers, handler: createHandler(() => w.deps, respond) };
}

describe('the custom resource on deploy', () => {
  it('scans on Create, waits for the heartbeat datapoint, then answers SUCCESS with the ids CloudFormation expects', async () => {
    const { w, answers, handler } = account();

    const result = await handler(request('Create'));

    expect(w.region('eu-west-1').rds).toHaveReceivedCommand(DescribeDBClustersCommand);
    expect(w.region('eu-west-1').sh).toHaveReceivedCommand(BatchImportFindingsCommand);
    expect(w.region('eu-west-1').cw).toHaveReceivedCommandWith(GetMetricDataCommand, {
      MetricDataQueries: [
        expect.objectContaining({
          MetricStat: expect.objectContaining({
            Metric: {
              Namespace: 'AuroraBacktrackChecker',
              MetricName: 'ScanCompleted',
              Dimensions: [{ Name: 'service', Value: 'aurora-backtrack-checker' }],
            },
          }) as unknown,
        }),
      ],
    });
    expect(answers).toHaveLength(1);
    expect(answers[0]?.url).toBe(URL_WITH_SIGNATURE);
    expect(answers[0]?.response).toEqual({
      Status: 'SUCCESS',
      Reason: 'first scan 2 clusters checked, 1 failing or warning; ScanCompleted datapoint visible',
      PhysicalResourceId: FIRST_RUN_PHYSICAL_ID,
      StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/checker/1',
      RequestId: 'req-1',
      LogicalResourceId: 'CheckerFirstScan1234',
    });
    expect(result).toEqual({
      cloudFormation: { Status: 'SUCCESS', Reason: answers[0]?.response.Reason, PhysicalResourceId: FIRST_RUN_PHYSICAL_ID },
    });
  });

  it('sends a baseline as the first alert: clusters checked and failing, naming the failing cluster and not the passing one', async () => {
    const { w, handler } = account();

    await handler(request('Create'));

    const [message] = publishedMessages(w.sns);
    expect(message?.input.Subject).toBe('Aurora Backtrack baseline: 2 clusters checked, 1 failing (account 111122223333)');
    expect(message?.body.email).toContain('FAILING (1)\n- orders (eu-west-1): Backtrack disabled');
    expect(message?.body.email).not.toContain('billing');
  });

  it('sends an ordinary change message, not a baseline, when the resource is added to a deployment that has run before', async () => {
    const { w, answers, handler } = account();
    await handler({ mode: 'scan' });
    w.clusters('eu-west-1', [
      dbCluster('orders', { BacktrackWindow: 0 }),
      dbCluster('billing'),
      dbCluster('payments', { BacktrackWindow: 0 }),
    ]);

    await handler(request('Create'));

    const subjects = publishedMessages(w.sns).map((m) => m.input.Subject);
    expect(subjects).toEqual([
      'Aurora Backtrack: 1 new failure (account 111122223333)',
      'Aurora Backtrack: 1 new failure (account 111122223333)',
    ]);
    expect(publishedMessages(w.sns)[1]?.body.email).toContain('payments (eu-west-1)');
    expect(answers[0]?.response.Status).toBe('SUCCESS');
  });

  it.each(['Update', 'Delete'])('answers %s at once with the physical id it was given, without scanning', async (type) => {
    const { w, answers, handler } = account();

    await handler(request(type, { PhysicalResourceId: 'first-run-on-deploy' }));

    expect(w.region('eu-west-1').rds).not.toHaveReceivedCommand(DescribeDBClustersCommand);
    expect(w.sns).not.toHaveReceivedCommand(PublishCommand);
    expect(answers.map((a) => [a.response.Status, a.response.PhysicalResourceId])).toEqual([['SUCCESS', 'first-run-on-deploy']]);
  });

  it('answers FAILED with the reason when the run throws (a bad setting), so the operator sees why', async () => {
    const { answers, handler } = account();
    process.env.MIN_WINDOW_HOURS = 'lots';

    await handler(request('Create'));

    expect(answers[0]?.response.Status).toBe('FAILED');
    expect(answers[0]?.response.Reason).toMatch(/^the first run on deploy failed: .*MIN_WINDOW_HOURS/s);
    expect(answers[0]?.response.PhysicalResourceId).toBe(FIRST_RUN_PHYSICAL_ID);
  });

  it('answers SUCCESS for a degraded first scan, naming the degradation, so a Region not ready does not roll the deployment back', async () => {
    const { w, answers, handler } = account();
    w.region('eu-west-1')
      .rds.on(DescribeDBClustersCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));

    await handler(request('Create'));

    expect(answers).toHaveLength(1);
    expect(answers[0]?.response.Status).toBe('SUCCESS');
    expect(answers[0]?.response.Reason).toContain('degraded');
    expect(answers[0]?.response.Reason).toContain('eu-west-1: Region not scanned (AccessDenied');
  });

  it('throws when the answer cannot be delivered, so the failure reaches the Errors alarm instead of a silent wait', async () => {
    const w = world(['eu-west-1']);
    const handler = createHandler(
      () => w.deps,
      () => Promise.reject(new Error('the answer to CloudFormation (host example) was not delivered')),
    );

    await expect(handler(request('Delete', { PhysicalResourceId: 'x' }))).rejects.toThrow('was not delivered');
  });
});

describe('firstScan', () => {
  const cw = new CloudWatchClient({ region: 'eu-west-1' });
  const cwMock = mockClient(cw);
  beforeEach(() => cwMock.reset());

  it('waits a bounded time for a heartbeat datapoint that does not appear, then says so in a SUCCESS reason', async () => {
    cwMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'own', Values: [] }] });
    let clock = Date.parse('2026-12-06T00:00:00Z');
    const log = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
    const context = { getRemainingTimeInMillis: () => 900_000 } as Context;

    const reason = await firstScan(context, {
      scan: () => Promise.resolve({ totals: { inScope: 3, failedUnsuppressed: 0, warning: 0 }, degraded: [] }),
      cloudWatch: cw,
      log,
      now: () => clock,
      sleep: (ms) => {
        clock += ms;
        return Promise.resolve();
      },
    });

    expect(reason).toBe(
      `first scan 3 clusters checked, 0 failing or warning; ScanCompleted datapoint was not visible after ${HEARTBEAT_WAIT_MS / 1000} s, the Heartbeat alarm may show ALARM until CloudWatch has it`,
    );
    expect(cwMock.commandCalls(GetMetricDataCommand).length).toBe(HEARTBEAT_WAIT_MS / 10_000 + 1);
    expect(log.warn).toHaveBeenCalledTimes(1);
  });

  it('gives the scan the Lambda time less what the wait and the answer need', async () => {
    cwMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'own', Values: [1] }] });
    let seen: number | undefined;
    const context = { getRemainingTimeInMillis: () => 900_000 } as Context;

    await firstScan(context, {
      scan: (_e, ctx) => {
        seen = ctx?.getRemainingTimeInMillis();
        return Promise.resolve({ degraded: [] });
      },
      cloudWatch: cw,
      log: { info: jest.fn(), warn: jest.fn(), error: jest.fn() },
    });

    expect(seen).toBe(900_000 - HEARTBEAT_WAIT_MS - 25_000);
  });
});
