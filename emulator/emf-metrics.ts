/**
 * What CloudWatch Logs does with a Lambda's embedded metric format (EMF) lines in AWS: each line's
 * metrics become CloudWatch datapoints. moto has no Logs-to-metrics path, so a test that runs the
 * bundled handler feeds the handler's stdout through this, and the handler's own GetMetricData
 * (the deploy-time heartbeat check) sees its metrics as it would in AWS.
 */
import { PutMetricDataCommand, type CloudWatchClient, type StandardUnit } from '@aws-sdk/client-cloudwatch';

interface EmfDirective {
  Namespace: string;
  Dimensions: string[][];
  Metrics: { Name: string; Unit?: string }[];
}

/** Publishes the metrics of every complete EMF line of `text`; returns how many datapoints were put. */
export async function putEmfMetrics(client: CloudWatchClient, text: string): Promise<number> {
  let put = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('{') || !line.includes('"_aws"')) continue;
    let doc: Record<string, unknown> & { _aws?: { Timestamp?: number; CloudWatchMetrics?: EmfDirective[] } };
    try {
      doc = JSON.parse(line) as typeof doc;
    } catch {
      continue;
    }
    const timestamp = new Date(doc._aws?.Timestamp ?? Date.now());
    for (const d of doc._aws?.CloudWatchMetrics ?? []) {
      for (const dimensionSet of d.Dimensions.length ? d.Dimensions : [[]]) {
        const Dimensions = dimensionSet.map((Name) => ({ Name, Value: String(doc[Name]) }));
        const MetricData = d.Metrics.filter((m) => typeof doc[m.Name] === 'number').map((m) => ({
          MetricName: m.Name,
          Dimensions,
          Timestamp: timestamp,
          Value: doc[m.Name] as number,
          ...(m.Unit ? { Unit: m.Unit as StandardUnit } : {}),
        }));
        if (MetricData.length === 0) continue;
        await client.send(new PutMetricDataCommand({ Namespace: d.Namespace, MetricData }));
        put += MetricData.length;
      }
    }
  }
  return put;
}

/**
 * Follows a growing stdout (`read()` returns everything so far) and publishes each new complete
 * line's EMF metrics, every `intervalMs`, until stopped; `stop()` publishes the rest first.
 */
export function followEmf(client: CloudWatchClient, read: () => string, intervalMs = 250): { stop(): Promise<number> } {
  let done = 0;
  let total = 0;
  let busy: Promise<void> = Promise.resolve();
  const step = () =>
    (busy = busy.then(async () => {
      const text = read();
      const end = text.lastIndexOf('\n') + 1;
      if (end <= done) return;
      const fresh = text.slice(done, end);
      done = end;
      total += await putEmfMetrics(client, fresh);
    }));
  const timer = setInterval(() => void step(), intervalMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await step();
      return total;
    },
  };
}
