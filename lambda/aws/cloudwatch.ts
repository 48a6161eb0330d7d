import {
  GetMetricDataCommand,
  type CloudWatchClient,
  type GetMetricDataCommandOutput,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import type { BacktrackMetrics, ClusterFacts } from '../core/types';
import { clientRegion } from './client-region';
import { InvalidResponseError } from './errors';
import { chunk } from './chunk';

/** GetMetricData takes at most 500 queries per call. */
export const QUERIES_PER_CALL = 500;
export const LOOK_BACK_MS = 24 * 60 * 60 * 1000;
/** The summarised metrics take the whole look-back as one period. */
const LOOK_BACK_SECONDS = LOOK_BACK_MS / 1000;

type MetricKey = 'actual' | 'alert' | 'rate';
type DimKey = 'c' | 'w';

/** The dimension each metric is asked for by: the cluster, and its writer instance. */
const DIMENSIONS: Record<DimKey, string> = { c: 'DBClusterIdentifier', w: 'DBInstanceIdentifier' };

/**
 * The metrics read, with how each is aggregated. BacktrackWindowActual is read at 5-minute
 * resolution and only its latest value kept; the others are summarised over the whole day.
 */
const METRICS: Record<MetricKey, { name: string; stat: string; period: number }> = {
  actual: { name: 'BacktrackWindowActual', stat: 'Minimum', period: 300 },
  alert: { name: 'BacktrackWindowAlert', stat: 'Sum', period: LOOK_BACK_SECONDS },
  rate: { name: 'BacktrackChangeRecordsCreationRate', stat: 'Average', period: LOOK_BACK_SECONDS },
};
const METRIC_KEYS = Object.keys(METRICS) as MetricKey[];

/** Metrics read per dimension set (3). */
export const METRICS_PER_DIMENSION_SET = METRIC_KEYS.length;
/** Queries for one cluster with a writer instance: 3 metrics × 2 dimension sets = 6. */
export const QUERIES_PER_CLUSTER = METRICS_PER_DIMENSION_SET * Object.keys(DIMENSIONS).length;
/** Clusters whose queries always fit one GetMetricData call: floor(500 / 6) = 83. */
export const CLUSTERS_PER_METRICS_CALL = Math.floor(QUERIES_PER_CALL / QUERIES_PER_CLUSTER);

interface QueryRef {
  cluster: number;
  metric: MetricKey;
  dim: DimKey;
}

interface Point {
  time: number;
  value: number;
}

/** Query ids must match ^[a-z][a-zA-Z0-9_]*$: `q<cluster index>_<metric>_<c|w>`. */
export const queryId = (ref: QueryRef): string => `q${ref.cluster}_${ref.metric}_${ref.dim}`;
const QUERY_ID = /^q(\d+)_(actual|alert|rate)_([cw])$/;

function parseQueryId(id: string): QueryRef | undefined {
  const m = QUERY_ID.exec(id);
  return m ? { cluster: Number(m[1]), metric: m[2] as MetricKey, dim: m[3] as DimKey } : undefined;
}

type MetricsSubject = Pick<ClusterFacts, 'identifier' | 'writerInstanceId'>;

/** The queries for one cluster: each metric by cluster, and by writer instance when there is one. */
function queriesFor(index: number, c: MetricsSubject): MetricDataQuery[] {
  const dims: [DimKey, string][] = [['c', c.identifier]];
  if (c.writerInstanceId) dims.push(['w', c.writerInstanceId]);
  return dims.flatMap(([dim, value]) =>
    METRIC_KEYS.map((metric) => ({
      Id: queryId({ cluster: index, metric, dim }),
      MetricStat: {
        Metric: { Namespace: 'AWS/RDS', MetricName: METRICS[metric].name, Dimensions: [{ Name: DIMENSIONS[dim], Value: value }] },
        Period: METRICS[metric].period,
        Stat: METRICS[metric].stat,
      },
      ReturnData: true,
    })),
  );
}

/** The queries for a list of clusters, in order; ids `q<index in the list>_<metric>_<c|w>`. */
export const metricQueries = (clusters: readonly MetricsSubject[]): MetricDataQuery[] => clusters.flatMap((c, i) => queriesFor(i, c));

/** Every datapoint of every query in the batch, following NextToken. */
async function fetchBatch(
  client: CloudWatchClient,
  queries: MetricDataQuery[],
  start: Date,
  end: Date,
  into: Map<string, Point[]>,
): Promise<void> {
  const seen = new Set<string>();
  let token: string | undefined;
  do {
    const out: GetMetricDataCommandOutput = await client.send(
      new GetMetricDataCommand({
        MetricDataQueries: queries,
        StartTime: start,
        EndTime: end,
        ScanBy: 'TimestampDescending',
        ...(token !== undefined && { NextToken: token }),
      }),
    );
    for (const r of out.MetricDataResults ?? []) {
      if (!r.Id) continue;
      const values = r.Values ?? [];
      const times = r.Timestamps ?? [];
      const points = into.get(r.Id) ?? [];
      // Without timestamps, keep the order AWS sent (newest first) by counting down.
      const before = points.length;
      values.forEach((value, i) => points.push({ time: times[i]?.getTime() ?? -(before + i), value }));
      into.set(r.Id, points);
    }
    token = out.NextToken || undefined;
    if (token !== undefined) {
      if (seen.has(token)) {
        throw new InvalidResponseError(
          'CloudWatch GetMetricData',
          await clientRegion(client),
          `NextToken "${token}" was returned twice, so reading the metrics would never end`,
        );
      }
      seen.add(token);
    }
  } while (token !== undefined);
}

const latest = (points: Point[]): number | undefined =>
  points.reduce<Point | undefined>((a, p) => (a === undefined || p.time > a.time ? p : a), undefined)?.value;
const sum = (points: Point[]): number => points.reduce((a, p) => a + p.value, 0);
const mean = (points: Point[]): number => sum(points) / points.length;

function metricsFrom(byMetric: Partial<Record<MetricKey, Point[]>>, source: BacktrackMetrics['source']): BacktrackMetrics {
  const { actual, alert, rate } = byMetric;
  const windowActualMinutes = actual?.length ? latest(actual) : undefined;
  return {
    ...(windowActualMinutes !== undefined && { windowActualMinutes }),
    ...(alert?.length && { windowAlertCount: sum(alert) }),
    ...(rate?.length && { changeRecordsPer5Min: mean(rate) }),
    source,
  };
}

/**
 * Backtrack metrics of the given clusters (all in the client's Region) over [now − 24 h, now], keyed
 * by cluster ARN. Each metric is asked for by cluster and by writer instance in batched
 * GetMetricData calls (≤ 500 queries each); a cluster's figures come from the cluster dimension
 * when it has any data, else from its writer instance. Clusters without data are absent.
 */
export async function getBacktrackMetrics(
  client: CloudWatchClient,
  clusters: ClusterFacts[],
  now: Date,
): Promise<Map<string, BacktrackMetrics>> {
  const queries = metricQueries(clusters);
  const points = new Map<string, Point[]>();
  const start = new Date(now.getTime() - LOOK_BACK_MS);
  for (const batch of chunk(queries, QUERIES_PER_CALL)) {
    await fetchBatch(client, batch, start, now, points);
  }

  const found: Partial<Record<DimKey, Partial<Record<MetricKey, Point[]>>>>[] = clusters.map(() => ({}));
  for (const [id, list] of points) {
    const ref = parseQueryId(id);
    const slot = ref ? found[ref.cluster] : undefined;
    if (!ref || !slot || list.length === 0) continue;
    (slot[ref.dim] ??= {})[ref.metric] = list;
  }

  const result = new Map<string, BacktrackMetrics>();
  clusters.forEach((c, i) => {
    const slot = found[i] ?? {};
    if (slot.c) result.set(c.arn, metricsFrom(slot.c, 'cluster'));
    else if (slot.w) result.set(c.arn, metricsFrom(slot.w, 'writer-instance'));
  });
  return result;
}
