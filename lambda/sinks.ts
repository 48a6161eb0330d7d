/**
 * The two streams that write while the scan goes on (findings to Security Hub, state items to the
 * table), each with back-pressure and its own record of what failed.
 */
import type { AwsSecurityFinding, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { describeError, SecurityHubNotEnabledError } from './aws/errors';
import { FINDINGS_PER_CALL, importFindings } from './aws/security-hub';
import { BATCH_WRITE_LIMIT, type StateStore } from './aws/state';
import type { Finding } from './core/finding';
import type { ClusterState } from './core/state-types';
import { Semaphore } from './concurrency';
import { abortedByDeadline, cutOffAt } from './deadline';
import type { ErrorCause, FindingsOutcome } from './core/degradation';
import type { Logger } from './run-types';

/** Import calls in flight at once per Region: within Security Hub's burst of 30, far from its 10 TPS. */
export const IMPORT_LANES = 3;
/** Import calls in flight at once over all Regions: each holds 100 findings and their JSON in memory. */
export const IMPORTS_IN_FLIGHT = 8;

/** Sends findings of one Region in batches of 100, a few calls at a time, while the scan goes on. */
export class FindingSink {
  imported = 0;
  failed = 0;
  /** Ids of findings Security Hub did not take (after the retry). */
  readonly failedIds = new Set<string>();
  notPublished?: string;
  /** Security Hub is not enabled in the Region (`notPublished` says so). */
  notEnabled = false;
  /** The first import call that failed as a whole (throttled, 5xx, connection lost) after the SDK's retries. */
  callError?: ErrorCause;
  private buffer: Finding[] = [];
  private readonly lanes: Promise<void>[] = Array.from({ length: IMPORT_LANES }, () => Promise.resolve());
  private batches = 0;
  /** Batches queued or in flight, and who waits for that number to drop. */
  private pending = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(
    private readonly client: SecurityHubClient | undefined,
    private readonly region: string,
    private readonly log: Logger,
    private readonly gate: Semaphore = new Semaphore(IMPORTS_IN_FLIGHT),
  ) {}

  add(f: Finding): void {
    if (!this.client) return;
    this.buffer.push(f);
    if (this.buffer.length >= FINDINGS_PER_CALL) this.flush();
  }

  private flush(): void {
    const batch = this.buffer.splice(0);
    if (batch.length === 0) return;
    const lane = this.batches++ % IMPORT_LANES;
    this.pending += 1;
    this.lanes[lane] = (this.lanes[lane] as Promise<void>)
      .then(() => this.gate.run(() => this.send(batch)))
      .finally(() => {
        this.pending -= 1;
        this.waiters.splice(0).forEach((wake) => wake());
      });
  }

  private async send(batch: Finding[]): Promise<void> {
    if (!this.client) return;
    if (this.notPublished) {
      this.failed += batch.length;
      for (const f of batch) this.failedIds.add(f.Id);
      return;
    }
    try {
      const result = await importFindings(this.client, batch as AwsSecurityFinding[]);
      this.imported += result.imported;
      this.failed += result.failed.length;
      this.callError ??= result.callError;
      for (const f of result.failed) this.failedIds.add(f.id);
      for (const f of result.failed.slice(0, 5)) {
        this.log.warn('finding rejected by Security Hub', { region: this.region, id: f.id, code: f.code, message: f.message });
      }
    } catch (err) {
      this.failed += batch.length;
      for (const f of batch) this.failedIds.add(f.Id);
      const { code, message } = describeError(err);
      this.notEnabled = err instanceof SecurityHubNotEnabledError;
      this.notPublished =
        err instanceof SecurityHubNotEnabledError
          ? `Security Hub is not enabled in ${this.region}: ${message}`
          : `Security Hub import failed in ${this.region}: ${code}: ${message}`;
    }
  }

  /**
   * Back-pressure: resolves once no more than one batch per lane waits, so a Region that lists
   * faster than Security Hub takes findings does not pile them up in memory.
   */
  async ready(): Promise<void> {
    while (this.pending > IMPORT_LANES) await new Promise<void>((wake) => this.waiters.push(wake));
  }

  async done(): Promise<void> {
    this.flush();
    await Promise.all(this.lanes);
  }

  /** What the imports came to (call once `done` resolved). */
  outcome(): FindingsOutcome {
    return {
      failed: this.failed,
      ...(this.notPublished !== undefined && { notPublished: this.notPublished, notEnabled: this.notEnabled }),
      ...(this.callError && { callError: this.callError }),
    };
  }
}

/** BatchWriteItem calls in flight over the whole run (each of at most BATCH_WRITE_LIMIT items). */
export const STATE_WRITES_IN_FLIGHT = 8;

/**
 * Writes state items while the scan goes on: an item whose cluster has nothing to tell people and
 * no workflow to set does not depend on the alert, so it need not wait for it (nor stay in memory).
 */
export class StateWriter {
  private buffer: ClusterState[] = [];
  private readonly writes: Promise<void>[] = [];
  readonly errors: ErrorCause[] = [];
  private readonly gate = new Semaphore(STATE_WRITES_IN_FLIGHT);
  private closed = false;

  constructor(
    private readonly store: StateStore,
    /** Aborts the writes at the run's hard end. */
    private readonly signal?: AbortSignal,
  ) {}

  put(state: ClusterState): void {
    if (this.closed) return;
    this.buffer.push(state);
    if (this.buffer.length >= BATCH_WRITE_LIMIT) this.flush();
  }

  private flush(): void {
    const batch = this.buffer.splice(0);
    if (batch.length === 0) return;
    this.writes.push(
      this.gate
        .run(() => cutOffAt(this.signal, 'the state save', this.store.write(batch, [], undefined, this.signal)))
        .catch((err: unknown) => {
          this.errors.push(abortedByDeadline(this.signal, 'the state save (BatchWriteItem)') ?? describeError(err));
        }),
    );
  }

  /** Writes what is buffered and waits for every write; later puts are ignored. */
  async done(): Promise<void> {
    this.flush();
    this.closed = true;
    await Promise.all(this.writes);
  }
}
