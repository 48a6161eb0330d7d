import 'aws-sdk-client-mock-jest';
import { DescribeDBClustersCommand } from '@aws-sdk/client-rds';
import { BatchImportFindingsCommand } from '@aws-sdk/client-securityhub';
import { PublishCommand } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { Context } from 'aws-lambda';
import { ConfigError } from '../../lambda/config';
import { UnrecognisedEventError } from '../../lambda/events';
import { createHandler } from '../../lambda/handler';
import { CheckDegradedError } from '../../lambda/run';
import { dbCluster, TOPIC, world } from './run-world';

const ENV_KEYS = [
  'REGIONS',
  'MIN_WINDOW_HOURS',
  'TAG_PREFIX',
  'EXEMPT_TAG_KEY',
  'PUBLISH_FINDINGS',
  'ALERT_TOPIC_ARN',
  'REMINDER_AFTER_DAYS',
  'ACTUAL_WINDOW',
  'PAGE_SIZE',
] as const;
const saved = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
let stdout: string[];

beforeEach(() => {
  for (const k of ENV_KEYS) delete process.env[k];
  Object.assign(process.env, { REGIONS: 'eu-west-1', MIN_WINDOW_HOURS: '24', ALERT_TOPIC_ARN: TOPIC, ACTUAL_WINDOW: 'false' });
  stdout = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
  jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
});

afterEach(() => {
  jest.restoreAllMocks();
});

afterAll(() => {
  for (const k of ENV_KEYS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

const cloudTrail = (eventName: string, requestParameters: Record<string, unknown>) => ({
  'detail-type': 'AWS API Call via CloudTrail',
  source: 'aws.rds',
  region: 'eu-west-1',
  detail: { eventName, awsRegion: 'eu-west-1', requestParameters },
});

describe('createHandler', () => {
  it('runs the scheduled scan with the settings of the environment and returns the summary without evaluations', async () => {
    const w = world(['eu-west-1']);
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 3_600 })]);
    process.env.MIN_WINDOW_HOURS = '1';

    const result = await createHandler(() => w.deps)({ mode: 'scan' });

    expect(result).toMatchObject({ mode: 'scan', totals: { passed: 1, failed: 0 } });
    expect(result).not.toHaveProperty('evaluations');
  });

  it('takes the account and partition from the function ARN in the Lambda context, without calling STS', async () => {
    const w = world(['eu-west-1']);
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 })]);
    const context = { invokedFunctionArn: 'arn:aws-us-gov:lambda:us-gov-west-1:444455556666:function:checker' } as Context;

    const result = await createHandler(() => w.deps)({ mode: 'scan' }, context);

    expect(result).toMatchObject({ accountId: '444455556666', partition: 'aws-us-gov' });
    expect(w.sts).not.toHaveReceivedCommand(GetCallerIdentityCommand);
  });

  it('imports findings and publishes the alert to ALERT_TOPIC_ARN (PUBLISH_FINDINGS defaults to true)', async () => {
    const w = world(['eu-west-1']);
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 })]);

    await createHandler(() => w.deps)({ mode: 'scan' });

    expect(w.region('eu-west-1').sh).toHaveReceivedCommandTimes(BatchImportFindingsCommand, 1);
    expect(w.sns).toHaveReceivedCommandWith(PublishCommand, { TopicArn: TOPIC });
  });

  it('publishes the run metrics in embedded metric format', async () => {
    const w = world(['eu-west-1']);
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 })]);

    await createHandler(() => w.deps)({ mode: 'scan' });

    const emf = stdout.map((line) => JSON.parse(line) as Record<string, unknown>).find((o) => '_aws' in o);
    expect(emf).toMatchObject({ ClustersFailed: 1, ClustersPassed: 0, RegionsNotScanned: 0, AlertsPublished: 1 });
  });

  it('throws CheckDegradedError (so the Errors alarm fires) when a Region was not scanned, after alerting', async () => {
    const w = world(['eu-west-1']);
    w.region('eu-west-1')
      .rds.on(DescribeDBClustersCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));

    await expect(createHandler(() => w.deps)({ mode: 'scan' })).rejects.toThrow(CheckDegradedError);
    expect(w.sns).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it('sends the reminder digest on {"mode":"reminder"}', async () => {
    const w = world(['eu-west-1']);

    const result = await createHandler(() => w.deps)({ mode: 'reminder' });

    expect(result).toMatchObject({ mode: 'reminder' });
    expect(w.region('eu-west-1').rds).toHaveReceivedCommandTimes(DescribeDBClustersCommand, 0);
  });

  it('re-checks the one cluster a CloudTrail event names', async () => {
    const w = world(['eu-west-1']);
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 })]);

    const result = await createHandler(() => w.deps)(cloudTrail('ModifyDBCluster', { dBClusterIdentifier: 'orders' }));

    expect(result).toMatchObject({ mode: 'recheck', totals: { failed: 1 } });
    expect(w.region('eu-west-1').rds).toHaveReceivedCommandWith(DescribeDBClustersCommand, {
      Filters: [{ Name: 'db-cluster-id', Values: ['orders'] }],
    });
  });

  it('ignores a CloudTrail event about a DB instance without touching AWS', async () => {
    const w = world(['eu-west-1']);

    const result = await createHandler(() => w.deps)(
      cloudTrail('AddTagsToResource', { resourceName: 'arn:aws:rds:eu-west-1:111122223333:db:orders-1' }),
    );

    expect(result).toEqual({ ignored: true });
    expect(w.sts).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 0);
  });

  it('rejects an unrecognised event', async () => {
    const w = world(['eu-west-1']);

    await expect(createHandler(() => w.deps)({ hello: 'world' })).rejects.toThrow(UnrecognisedEventError);
  });

  it('rejects bad environment settings naming each variable, before touching AWS', async () => {
    const w = world(['eu-west-1']);
    Object.assign(process.env, { REGIONS: 'mars-1', MIN_WINDOW_HOURS: 'abc' });

    const run = createHandler(() => w.deps)({ mode: 'scan' });

    await expect(run).rejects.toThrow(ConfigError);
    await expect(run).rejects.toThrow(/REGIONS: [\s\S]*MIN_WINDOW_HOURS: /);
    expect(w.sts).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 0);
  });
});
