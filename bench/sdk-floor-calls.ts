/**
 * Pure building blocks of the SDK floor's call schedule (bench/sdk-floor-child.ts): batches sent
 * a few at a time, client-side pacing to a rate limit, and the checker's own GetMetricData
 * queries. No SDK client and no I/O here, so they are tested without a network.
 */
import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { metricQueries as checkerMetricQueries } from '../lambda/aws/cloudwatch';
import type { RateLimit } from '../emulator/aws-limits';

export interface BatchPipelineOptions {
  /** Items per call. */
  batchSize: number;
  /** Calls in flight at once. */
  inFlight: number;
  /** Awaited inside each call's slot before it is sent (e.g. a dependency, then a rate-limit token). */
  before?: () => Promise<void>;
}

/**
 * Collects items and sends them in batches as soon as a batch is full, with at most `inFlight`
 * batches being sent at once. The first error of any batch is raised by finish().
 */
export class BatchPipeline<T> {
  private buffer: T[] = [];
  private readonly queue: T[][] = [];
  private running = 0;
  private failed = false;
  private error: unknown;
  private readonly idle: (() => void)[] = [];

  constructor(
    private readonly send: (batch: T[]) => Promise<void>,
    private readonly options: BatchPipelineOptions,
  ) {
    if (!(options.batchSize >= 1) || !(options.inFlight >= 1)) {
      throw new RangeError(`a batch pipeline needs batchSize ≥ 1 and inFlight ≥ 1, got ${options.batchSize} and ${options.inFlight}`);
    }
  }

  add(item: T): void {
    this.buffer.push(item);
    if (this.buffer.length >= this.options.batchSize) this.enqueue(this.buffer.splice(0));
  }

  /** Sends what is left (a last, smaller batch) and resolves once every batch is answered. */
  async finish(): Promise<void> {
    if (this.buffer.length > 0) this.enqueue(this.buffer.splice(0));
    if (this.running > 0 || this.queue.length > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    if (this.failed) throw this.error;
  }

  private enqueue(batch: T[]): void {
    this.queue.push(batch);
    this.pump();
  }

  private pump(): void {
    while (this.running < this.options.inFlight && this.queue.length > 0) {
      const batch = this.queue.shift() as T[];
      this.running += 1;
      void this.run(batch);
    }
  }

  private async run(batch: T[]): Promise<void> {
    try {
      await this.options.before?.();
      await this.send(batch);
    } catch (err) {
      if (!this.failed) {
        this.failed = true;
        this.error = err;
      }
    } finally {
      this.running -= 1;
      this.pump();
      if (this.running === 0 && this.queue.length === 0) this.idle.splice(0).forEach((wake) => wake());
    }
  }
}

/** The checker's own client-side pacer (lambda/aws/pace.ts), used by the SDK floor as the checker uses it. */
export { Pacer } from '../lambda/aws/pace';

/** Tokens the client keeps in reserve below the service's burst (see pacingLimit). */
export const PACING_RESERVE = 1;

/**
 * The limit to pace a client to: the service's rate, with PACING_RESERVE tokens of its burst held
 * back. Calls can reach the service closer together than they left the client (one is delayed on
 * the way more than the next); the reserve absorbs up to PACING_RESERVE / rate seconds of that.
 */
export function pacingLimit(limit: RateLimit): RateLimit {
  return { rate: limit.rate, burst: Math.max(1, limit.burst - PACING_RESERVE) };
}

/** A cluster whose verdict reads CloudWatch: its identifier and its writer instance, if any. */
export interface MetricsTarget {
  identifier: string;
  writer?: string;
}

/**
 * The GetMetricData queries the checker sends for a batch of clusters (lambda/aws/cloudwatch.ts):
 * each metric by DBClusterIdentifier and, when there is a writer, by its DBInstanceIdentifier;
 * ids `q<index in batch>_<metric>_<c|w>`.
 */
export function metricQueries(targets: readonly MetricsTarget[]): MetricDataQuery[] {
  return checkerMetricQueries(
    targets.map((t) => ({ identifier: t.identifier, ...(t.writer !== undefined && { writerInstanceId: t.writer }) })),
  );
}
