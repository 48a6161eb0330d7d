/** Whether one of the function's own metrics has a datapoint since a moment (GetMetricData). */
import { GetMetricDataCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';

export interface OwnMetric {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
}

/** Sum of the metric from `since` to `until` at one-minute resolution: > 0 once CloudWatch has the datapoint. */
export async function metricSumSince(client: CloudWatchClient, metric: OwnMetric, since: Date, until: Date): Promise<number> {
  const out = await client.send(
    new GetMetricDataCommand({
      StartTime: new Date(Math.floor(since.getTime() / 60_000) * 60_000),
      EndTime: new Date(Math.ceil(until.getTime() / 60_000) * 60_000 + 60_000),
      MetricDataQueries: [
        {
          Id: 'own',
          MetricStat: {
            Metric: {
              Namespace: metric.namespace,
              MetricName: metric.metricName,
              Dimensions: Object.entries(metric.dimensions).map(([Name, Value]) => ({ Name, Value })),
            },
            Period: 60,
            Stat: 'Sum',
          },
        },
      ],
    }),
  );
  return (out.MetricDataResults ?? []).flatMap((r) => r.Values ?? []).reduce((a, b) => a + b, 0);
}
