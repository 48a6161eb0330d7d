import 'aws-sdk-client-mock-jest';
import { DescribeDBClustersCommand } from '@aws-sdk/client-rds';
import { BatchImportFindingsCommand } from '@aws-sdk/client-securityhub';
import { PublishCommand } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { Context } from 'aws-lambda';
import { ConfigError } from '../../lambda/config';
import { UnrecognisedEventError } from '../../lambda/events';
import { createHandler } from '../../lambda/handler';
import { MemoryStateStore } from '../../lambda/aws/state';
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
let stderr: string[];

beforeEach(() => {
  for (const k of ENV_KEYS) delete process.env[k];
  Object.assign(process.env, { REGIONS: 'eu-west-1', MIN_WINDOW_HOURS: '24', ALERT_TOPIC_ARN: TOPIC, ACTUAL_WINDOW: 'false' });
  stdout = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
  stderr = [];
  jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  });
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

const emfLines = () =>
  stdout
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((o) => '_aws' in o);
const logLines = () =>
  [...stdout, ...stderr]
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((o) => !('_aws' in o));
type Emf = Record<string, unknown> & { _aws?: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] } };
const metricNames = (o: Emf | undefined) => (o?._aws?.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name) ?? []).sort();
/** Per-Region verdict counts: one EMF line per metric, each with a Region dimension. */
const perRegion = () => {
  const out: Record<string, Record<string, unknown>> = {};
  for (const o of emfLines() as Emf[]) {
    if (typeof o.Region !== 'string') continue;
    for (const name of metricNames(o)) (out[o.Region] ??= {})[name] = o[name];
  }
  return out;
};

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

  it('publishes the heartbeat, run metrics and per-Region verdict counts in embedded metric format', async () => {
    const w = world(['eu-west-1', 'us-east-1']);
    process.env.REGIONS = 'eu-west-1,us-east-1';
    w.clusters('eu-west-1', [
      dbCluster('orders', { BacktrackWindow: 0 }),
      dbCluster('billing'),
      dbCluster('legacy', { BacktrackWindow: 0, TagList: [{ Key: 'backtrack-check:exempt', Value: 'true' }] }),
    ]);
    w.clusters('us-east-1', [dbCluster('serverless', { EngineMode: 'serverless' }, 'us-east-1')]);

    await createHandler(() => w.deps)({ mode: 'scan' });

    const run = emfLines().find((o) => 'ScanCompleted' in o);
    expect(run).toMatchObject({ ScanCompleted: 1, Degradations: 0, RegionsNotScanned: 0, AlertsPublished: 1 });
    expect(run?.RunDuration).toEqual(expect.any(Number));
    expect(metricNames(run)).toEqual(['AlertsPublished', 'Degradations', 'RegionsNotScanned', 'RunDuration', 'ScanCompleted']);
    expect(perRegion()).toEqual({
      'eu-west-1': { ClustersFailed: 1, ClustersWarning: 0, ClustersPassed: 1, ClustersNotAvailable: 0, ClustersSuppressed: 1 },
      'us-east-1': { ClustersFailed: 0, ClustersWarning: 0, ClustersPassed: 0, ClustersNotAvailable: 1, ClustersSuppressed: 0 },
    });
  });

  it('returns the summary of a degraded run instead of throwing, counts it in Degradations and logs an error line', async () => {
    const w = world(['eu-west-1']);
    w.region('eu-west-1')
      .rds.on(DescribeDBClustersCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));

    const result = await createHandler(() => w.deps)({ mode: 'scan' });

    expect(result).toMatchObject({ mode: 'scan', totals: { notScannedRegions: 1 } });
    expect(w.sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(emfLines().find((o) => 'ScanCompleted' in o)).toMatchObject({ ScanCompleted: 1, Degradations: 1, RegionsNotScanned: 1 });
    expect(perRegion()).toEqual({});
    const errors = logLines().filter((l) => l.level === 'ERROR');
    expect(errors.map((l) => l.message)).toEqual(['run degraded']);
    expect(JSON.stringify(errors[0])).toContain('eu-west-1: Region not scanned (AccessDenied');
  });

  it('counts an alert SNS refused as a degradation', async () => {
    const w = world(['eu-west-1']);
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 })]);
    w.sns.on(PublishCommand).rejects(Object.assign(new Error('topic gone'), { name: 'NotFoundException' }));

    await createHandler(() => w.deps)({ mode: 'scan' });

    expect(emfLines().find((o) => 'ScanCompleted' in o)).toMatchObject({ Degradations: 1, AlertsPublished: 0 });
  });

  it('ends a run whose Region never answers before the Lambda times out, naming that Region as not scanned', async () => {
    const w = world(['eu-west-1', 'us-east-1']);
    process.env.REGIONS = 'eu-west-1,us-east-1';
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 })]);
    w.region('us-east-1')
      .rds.on(DescribeDBClustersCommand)
      .callsFake(() => new Promise(() => undefined));
    // 6 s left: 3 s kept by the handler, a fifth of the rest (at least 2 s) for the alert and state.
    const context = { getRemainingTimeInMillis: () => 6_000 } as Context;
    const started = Date.now();

    const result = (await createHandler(() => w.deps)({ mode: 'scan' }, context)) as { degraded: { message: string }[] };

    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(result.degraded.map((d) => d.message)).toEqual([expect.stringMatching(/^us-east-1: Region not scanned \(DeadlineExceeded: /)]);
    expect(w.sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(emfLines().find((o) => 'ScanCompleted' in o)).toMatchObject({ ScanCompleted: 1, RegionsNotScanned: 1, Degradations: 1 });
  });

  it('returns before the handler margin when SNS never answers, the alert reported unpublished and the state saved as not alerted', async () => {
    const store = new MemoryStateStore();
    const w = world(['eu-west-1'], store);
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 })]);
    w.sns.on(PublishCommand).callsFake(() => new Promise(() => undefined));
    // 6 s left: the run must be over 3 s before the Lambda's own timeout.
    const context = { getRemainingTimeInMillis: () => 6_000 } as Context;
    const started = Date.now();

    const result = (await createHandler(() => w.deps)({ mode: 'scan' }, context)) as { alert?: { published: boolean; error?: string } };

    expect(Date.now() - started).toBeLessThan(3_000);
    expect(result.alert).toMatchObject({ published: false, error: expect.stringMatching(/^DeadlineExceeded: SNS Publish/) as string });
    expect(emfLines().find((o) => 'ScanCompleted' in o)).toMatchObject({ Degradations: 1, AlertsPublished: 0 });
    const saved = store.snapshot().find((i) => i.pk.startsWith('cluster#'));
    expect(saved).toMatchObject({ identifier: 'orders', status: 'FAILED', alerted: 'none' });

    w.sns.on(PublishCommand).resolves({ MessageId: 'm-2' });
    const next = (await createHandler(() => w.deps)({ mode: 'scan' }, context)) as { alert?: { published: boolean } };
    expect(next.alert).toMatchObject({ published: true });
  });

  it('reports a state save that does not finish before the deadline as a degradation, and still returns in time', async () => {
    const store = new MemoryStateStore();
    const w = world(['eu-west-1'], store);
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 })]);
    jest.spyOn(store, 'write').mockImplementation(() => new Promise(() => undefined));
    const context = { getRemainingTimeInMillis: () => 6_000 } as Context;
    const started = Date.now();

    const result = (await createHandler(() => w.deps)({ mode: 'scan' }, context)) as { degraded: { key: string; message: string }[] };

    expect(Date.now() - started).toBeLessThan(3_000);
    expect(result.degraded).toEqual([
      expect.objectContaining({ key: 'state-not-saved', message: expect.stringContaining('DeadlineExceeded') as string }),
    ]);
  });

  it('reports a scan skipped because another run held the lease all along as a degradation, without a heartbeat', async () => {
    const store = new MemoryStateStore();
    const w = world(['eu-west-1'], store);
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 })]);
    const held = { pk: 'lease#111122223333', accountId: '111122223333', owner: 'other', mode: 'scan', acquiredAt: 'now' };
    await store.acquireLease({ ...held, expiresAt: Date.now() + 60_000 }, Date.now());
    const context = { getRemainingTimeInMillis: () => 6_000 } as Context;

    const result = await createHandler(() => w.deps)({ mode: 'scan' }, context);

    expect(result).toMatchObject({ skipped: { reason: expect.stringContaining('held the state table') as string } });
    expect(w.sns).toHaveReceivedCommandTimes(PublishCommand, 0);
    const run = emfLines().find((o) => 'Degradations' in o);
    expect(run).toMatchObject({ Degradations: 1 });
    expect(run).not.toHaveProperty('ScanCompleted');
  });

  it("writes nothing to the Degraded alarm's metric from a clean re-check, under any dimensions", async () => {
    const w = world(['eu-west-1']);
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 })]);

    await createHandler(() => w.deps)(cloudTrail('ModifyDBCluster', { dBClusterIdentifier: 'orders' }));

    expect(emfLines().filter((o) => 'Degradations' in o)).toEqual([]);
    expect(emfLines().find((o) => 'RecheckDegradations' in o)).toMatchObject({ RecheckDegradations: 0 });
  });

  it("counts a degraded re-check in RecheckDegradations, not in the Degraded alarm's metric", async () => {
    const w = world(['eu-west-1']);
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 })]);
    w.sns.on(PublishCommand).rejects(Object.assign(new Error('topic gone'), { name: 'NotFoundException' }));

    await createHandler(() => w.deps)(cloudTrail('ModifyDBCluster', { dBClusterIdentifier: 'orders' }));

    expect(emfLines().filter((o) => 'Degradations' in o)).toEqual([]);
    expect(emfLines().find((o) => 'RecheckDegradations' in o)).toMatchObject({ RecheckDegradations: 1 });
  });

  it("counts a reminder's problems in ReminderDegradations, not in the Degraded alarm's metric", async () => {
    const w = world(['eu-west-1']);

    await createHandler(() => w.deps)({ mode: 'reminder' });

    expect(emfLines().filter((o) => 'Degradations' in o)).toEqual([]);
    expect(emfLines().find((o) => 'ReminderDegradations' in o)).toMatchObject({ ReminderDegradations: 0 });
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
