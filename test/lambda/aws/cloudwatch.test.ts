import 'aws-sdk-client-mock-jest';
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { CLUSTERS_PER_METRICS_CALL, getBacktrackMetrics, QUERIES_PER_CLUSTER } from '../../../lambda/aws/cloudwatch';
import { InvalidResponseError } from '../../../lambda/aws/errors';
import type { ClusterFacts } from '../../../lambda/core/types';

const cw = mockClient(CloudWatchClient);
const client = new CloudWatchClient({ region: 'eu-west-1' });
const NOW = new Date('2026-11-20T12:00:00Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);

const cluster = (i: number, writer = true): ClusterFacts => ({
  region: 'eu-west-1',
  identifier: `db-${i}`,
  arn: `arn:aws:rds:eu-west-1:111122223333:cluster:db-${i}`,
  resourceId: `cluster-${i}`,
  engine: 'aurora-mysql',
  engineVersion: '8.0.mysql_aurora.3.05.2',
  backtrackWindowSeconds: 86_400,
  readReplicaIdentifiers: [],
  serverlessV2: false,
  ...(writer && { writerInstanceId: `db-${i}-writer` }),
  tags: {},
});

const inputs = () => cw.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);

/** Answers each query from a table keyed by "<MetricName>|<dimension value>". */
function answerFrom(data: Record<string, { times: Date[]; values: number[] }>) {
  cw.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
    MetricDataResults: (input.MetricDataQueries ?? []).map((q): MetricDataResult => {
      const metric = q.MetricStat?.Metric;
      const series = data[`${metric?.MetricName}|${metric?.Dimensions?.[0]?.Value}`];
      return { Id: q.Id, StatusCode: 'Complete', Timestamps: series?.times ?? [], Values: series?.values ?? [] };
    }),
  }));
}

beforeEach(() => {
  cw.reset();
});

describe('getBacktrackMetrics', () => {
  it('splits 300 clusters × 3 metrics × 2 dimensions (1800 queries) into 4 calls of at most 500', async () => {
    answerFrom({});
    const clusters = Array.from({ length: 300 }, (_, i) => cluster(i));

    await getBacktrackMetrics(client, clusters, NOW);

    expect(cw).toHaveReceivedCommandTimes(GetMetricDataCommand, 4);
    expect(inputs().map((i) => i.MetricDataQueries?.length)).toEqual([500, 500, 500, 300]);
    const ids = inputs().flatMap((i) => i.MetricDataQueries?.map((q) => q.Id) ?? []);
    expect(new Set(ids).size).toBe(1800);
    expect(ids.every((id) => /^[a-z][a-zA-Z0-9_]*$/.test(id ?? ''))).toBe(true);
  });

  it('fits the queries of 83 clusters with writers (6 each) in one call, and of 84 in two', async () => {
    answerFrom({});

    await getBacktrackMetrics(
      client,
      Array.from({ length: CLUSTERS_PER_METRICS_CALL }, (_, i) => cluster(i)),
      NOW,
    );
    const one = inputs().map((i) => i.MetricDataQueries?.length);
    cw.resetHistory();
    await getBacktrackMetrics(
      client,
      Array.from({ length: CLUSTERS_PER_METRICS_CALL + 1 }, (_, i) => cluster(i)),
      NOW,
    );

    expect([CLUSTERS_PER_METRICS_CALL, QUERIES_PER_CLUSTER]).toEqual([83, 6]);
    expect(one).toEqual([498]);
    expect(inputs().map((i) => i.MetricDataQueries?.length)).toEqual([500, 4]);
  });

  it('asks for the last 24 hours, newest first, with the period and statistic of each metric', async () => {
    answerFrom({});

    await getBacktrackMetrics(client, [cluster(0, false)], NOW);

    expect(cw).toHaveReceivedCommandWith(GetMetricDataCommand, {
      StartTime: new Date('2026-11-19T12:00:00Z'),
      EndTime: NOW,
      ScanBy: 'TimestampDescending',
    });
    const stats = inputs()[0]?.MetricDataQueries?.map((q) => [
      q.MetricStat?.Metric?.Namespace,
      q.MetricStat?.Metric?.MetricName,
      q.MetricStat?.Metric?.Dimensions,
      q.MetricStat?.Period,
      q.MetricStat?.Stat,
    ]);
    const byCluster = [{ Name: 'DBClusterIdentifier', Value: 'db-0' }];
    expect(stats).toEqual([
      ['AWS/RDS', 'BacktrackWindowActual', byCluster, 300, 'Minimum'],
      ['AWS/RDS', 'BacktrackWindowAlert', byCluster, 86_400, 'Sum'],
      ['AWS/RDS', 'BacktrackChangeRecordsCreationRate', byCluster, 86_400, 'Average'],
    ]);
  });

  it('prefers cluster data, falls back to the writer instance, and leaves clusters without data out', async () => {
    answerFrom({
      'BacktrackWindowActual|db-0': { times: [minutesAgo(5), minutesAgo(10)], values: [1400, 1300] },
      'BacktrackWindowAlert|db-0': { times: [minutesAgo(60)], values: [2] },
      'BacktrackChangeRecordsCreationRate|db-0': { times: [minutesAgo(60)], values: [1200] },
      'BacktrackWindowActual|db-0-writer': { times: [minutesAgo(5)], values: [9] },
      'BacktrackWindowAlert|db-1-writer': { times: [minutesAgo(60)], values: [0] },
      'BacktrackChangeRecordsCreationRate|db-1-writer': { times: [minutesAgo(60), minutesAgo(1500)], values: [10, 30] },
    });

    const metrics = await getBacktrackMetrics(client, [cluster(0), cluster(1), cluster(2)], NOW);

    expect(metrics.get(cluster(0).arn)).toEqual({
      windowActualMinutes: 1400,
      windowAlertCount: 2,
      changeRecordsPer5Min: 1200,
      source: 'cluster',
    });
    expect(metrics.get(cluster(1).arn)).toEqual({ windowAlertCount: 0, changeRecordsPer5Min: 20, source: 'writer-instance' });
    expect(metrics.has(cluster(2).arn)).toBe(false);
  });

  it('takes the latest BacktrackWindowActual datapoint whatever the order it arrives in', async () => {
    answerFrom({ 'BacktrackWindowActual|db-0': { times: [minutesAgo(30), minutesAgo(5), minutesAgo(10)], values: [1, 2, 3] } });

    const metrics = await getBacktrackMetrics(client, [cluster(0)], NOW);

    expect(metrics.get(cluster(0).arn)?.windowActualMinutes).toBe(2);
  });

  it('follows NextToken and sums the alert count over every page', async () => {
    cw.on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [{ Id: 'q0_alert_c', Timestamps: [minutesAgo(10)], Values: [1], StatusCode: 'PartialData' }],
        NextToken: 't1',
      })
      .resolvesOnce({ MetricDataResults: [{ Id: 'q0_alert_c', Timestamps: [minutesAgo(1000)], Values: [3], StatusCode: 'Complete' }] });

    const metrics = await getBacktrackMetrics(client, [cluster(0, false)], NOW);

    expect(cw).toHaveReceivedCommandTimes(GetMetricDataCommand, 2);
    expect(cw).toHaveReceivedNthCommandWith(2, GetMetricDataCommand, { NextToken: 't1' });
    expect(metrics.get(cluster(0).arn)).toEqual({ windowAlertCount: 4, source: 'cluster' });
  });

  it('raises InvalidResponseError when NextToken repeats', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [], NextToken: 'same' });

    await expect(getBacktrackMetrics(client, [cluster(0)], NOW)).rejects.toThrow(InvalidResponseError);
    expect(cw).toHaveReceivedCommandTimes(GetMetricDataCommand, 2);
  });

  it('makes no call for no clusters', async () => {
    await expect(getBacktrackMetrics(client, [], NOW)).resolves.toEqual(new Map());
    expect(cw).not.toHaveReceivedCommand(GetMetricDataCommand);
  });
});
