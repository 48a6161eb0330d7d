import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { BatchPipeline, PACING_RESERVE, metricQueries, pacingLimit } from '../../bench/sdk-floor-calls';
import { getBacktrackMetrics } from '../../lambda/aws/cloudwatch';
import type { ClusterFacts } from '../../lambda/core/types';

/** A send function whose calls stay open until released, recording what was in flight. */
function controlledSend() {
  const open: { batch: number[]; done: () => void }[] = [];
  const sent: number[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const send = (batch: number[]) =>
    new Promise<void>((resolve) => {
      sent.push(batch);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      open.push({
        batch,
        done: () => {
          inFlight -= 1;
          resolve();
        },
      });
    });
  const releaseAll = async () => {
    while (open.length > 0) {
      open.splice(0).forEach((o) => o.done());
      await new Promise((r) => setImmediate(r));
    }
  };
  return { send, sent, open, releaseAll, maxInFlight: () => maxInFlight };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('BatchPipeline', () => {
  it('sends a batch as soon as it is full and the rest when finished', async () => {
    const c = controlledSend();
    const p = new BatchPipeline<number>(c.send, { batchSize: 3, inFlight: 5 });

    for (let i = 0; i < 7; i++) p.add(i);
    await tick();
    const beforeFinish = c.sent.map((b) => [...b]);
    const finished = p.finish();
    await tick();
    await c.releaseAll();
    await finished;

    expect(beforeFinish).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(c.sent).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
  });

  it('keeps no more than inFlight batches in flight', async () => {
    const c = controlledSend();
    const p = new BatchPipeline<number>(c.send, { batchSize: 1, inFlight: 3 });

    for (let i = 0; i < 10; i++) p.add(i);
    await tick();
    const openAtOnce = c.open.length;
    const finished = p.finish();
    await c.releaseAll();
    await finished;

    expect(openAtOnce).toBe(3);
    expect(c.maxInFlight()).toBe(3);
    expect(c.sent).toHaveLength(10);
  });

  it('sends nothing until `before` resolves', async () => {
    const c = controlledSend();
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const p = new BatchPipeline<number>(c.send, { batchSize: 2, inFlight: 2, before: () => gate });

    p.add(1);
    p.add(2);
    await tick();
    const sentBeforeGate = c.sent.length;
    open();
    await tick();
    const finished = p.finish();
    await c.releaseAll();
    await finished;

    expect(sentBeforeGate).toBe(0);
    expect(c.sent).toEqual([[1, 2]]);
  });

  it('raises the first failure from finish, after every batch ended', async () => {
    let calls = 0;
    const p = new BatchPipeline<number>(
      () => {
        calls += 1;
        return calls === 1 ? Promise.reject(new Error('first batch refused')) : Promise.resolve();
      },
      { batchSize: 1, inFlight: 1 },
    );

    p.add(1);
    p.add(2);

    await expect(p.finish()).rejects.toThrow('first batch refused');
    expect(calls).toBe(2);
  });

  it('finishes at once when nothing was added', async () => {
    const p = new BatchPipeline<number>(() => Promise.resolve(), { batchSize: 10, inFlight: 1 });

    await expect(p.finish()).resolves.toBeUndefined();
  });
});

describe('pacingLimit', () => {
  it('keeps the service’s rate and holds a reserve back from its burst', () => {
    expect(pacingLimit({ rate: 10, burst: 30 })).toEqual({ rate: 10, burst: 30 - PACING_RESERVE });
  });

  it('never paces to a burst below one call', () => {
    expect(pacingLimit({ rate: 3, burst: 1 }).burst).toBe(1);
  });
});

describe('metricQueries', () => {
  const facts = (i: number, writer?: string): ClusterFacts => ({
    region: 'us-east-1',
    identifier: `am-${i}`,
    arn: `arn:aws:rds:us-east-1:123456789012:cluster:am-${i}`,
    resourceId: `cluster-${i}`,
    engine: 'aurora-mysql',
    engineVersion: '8.0.mysql_aurora.3.05.2',
    readReplicaIdentifiers: [],
    serverlessV2: false,
    tags: {},
    ...(writer && { writerInstanceId: writer }),
  });

  it('asks for exactly the queries the checker sends for the same clusters', async () => {
    const cw = mockClient(CloudWatchClient);
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const clusters = [facts(0, 'am-0-writer'), facts(1), facts(2, 'am-2-writer')];

    await getBacktrackMetrics(new CloudWatchClient({ region: 'us-east-1' }), clusters, new Date('2026-11-25T12:00:00Z'));
    const checker = cw.commandCalls(GetMetricDataCommand)[0]?.args[0].input.MetricDataQueries;

    expect(
      metricQueries(clusters.map((c) => ({ identifier: c.identifier, ...(c.writerInstanceId && { writer: c.writerInstanceId }) }))),
    ).toEqual(checker);
    cw.restore();
  });

  it('fits 83 clusters with writers in one call of at most 500 queries', () => {
    const queries = metricQueries(Array.from({ length: 83 }, (_, i) => ({ identifier: `c${i}`, writer: `w${i}` })));

    expect(queries).toHaveLength(498);
    expect(new Set(queries.map((q) => q.Id)).size).toBe(498);
  });
});
