import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, ScanCommand, type ScanCommandInput } from '@aws-sdk/lib-dynamodb';
import { metaKey, type ClusterState, type RunMeta } from '../core/state-types';
import { StateStoreError } from './errors';
import { leaseKey, type LeaseHolder, type LeaseRelease, type RunLease } from './lease-item';
import { LeaseTable } from './lease-table';
import { chunk } from './chunk';

export type { ClusterState, RunMeta } from '../core/state-types';
export { leaseKey, queuedCluster, type LeaseHolder, type LeaseRelease, type RunLease } from './lease-item';

/** Run-to-run memory: one item per cluster, one run-meta item per account. */
export interface StateStore {
  /** Every item of the account in one read: the cluster items keyed by pk, and the run-meta item. */
  load(accountId: string): Promise<{ clusters: Map<string, ClusterState>; meta?: RunMeta }>;
  /**
   * Puts the given cluster items (and the run-meta item, when given) and deletes the given pks, in
   * the same batches: the meta item costs no call of its own.
   */
  write(put: ClusterState[], remove: string[], meta?: RunMeta, signal?: AbortSignal): Promise<void>;
  /**
   * Takes the account's run lease when it is free or expired at `nowMs`; false when another owner
   * holds it (a conditional write, so two runs never both win). Re-checks queued on the lease stay
   * queued, for the new holder.
   */
  acquireLease(lease: RunLease, nowMs: number): Promise<LeaseHolder>;
  /**
   * Queues a re-check of `cluster` (queuedCluster) for the run holding the lease at `nowMs`
   * (conditional UpdateItem); false when no run holds it (take the lease instead).
   */
  queueRecheck(accountId: string, cluster: string, nowMs: number): Promise<boolean>;
  /**
   * Frees the lease if `lease.owner` still holds it and no re-check is queued on it; otherwise
   * answers with the queued re-checks (none: another run owns it now). `keepQueue` frees it
   * whatever is queued, for the next holder.
   */
  releaseLease(lease: RunLease, options?: { keepQueue?: boolean; signal?: AbortSignal }): Promise<LeaseRelease>;
  /** Takes re-checks this run has done off the lease's queue (while it holds the lease). */
  dequeueRechecks(lease: RunLease, done: string[], signal?: AbortSignal): Promise<void>;
}

const CLUSTER_PREFIX = 'cluster#';
/** BatchWriteItem takes at most 25 put or delete requests per call. */
export const BATCH_WRITE_LIMIT = 25;
/** BatchWriteItem calls in flight at once (an on-demand table takes far more). */
export const BATCH_WRITE_CONCURRENCY = 8;

/** A document client that drops undefined attributes (optional ClusterState fields) when writing. */
export const createStateDocumentClient = (client: DynamoDBClient): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

/** A copy without undefined values, so items write whatever the document client's options. */
const withoutUndefined = <T extends object>(item: T): T => Object.fromEntries(Object.entries(item).filter(([, v]) => v !== undefined)) as T;
const toItem = (item: object): Record<string, unknown> => withoutUndefined({ ...item });

const isString = (v: unknown): v is string => typeof v === 'string';

/** Problems that make a stored item unusable as ClusterState (empty when it is fine). */
function clusterStateProblems(item: Record<string, unknown>): string[] {
  const strings = ['pk', 'accountId', 'region', 'resourceId', 'identifier', 'arn', 'status', 'condition', 'since', 'alerted'];
  const problems = strings.filter((k) => !isString(item[k])).map((k) => `${k} is not a string`);
  if (typeof item['suppressed'] !== 'boolean') problems.push('suppressed is not a boolean');
  return problems;
}

function duplicates(values: string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const v of values) (seen.has(v) ? dup : seen).add(v);
  return [...dup];
}

/** Puts and deletes in one write must not touch a pk twice (BatchWriteItem rejects that). */
function checkWrite(tableName: string, put: { pk: string }[], remove: string[]): void {
  const twice = duplicates([...put.map((p) => p.pk), ...remove]);
  if (twice.length > 0) {
    throw new StateStoreError(
      tableName,
      `one write named ${twice.length} item(s) more than once (${twice.slice(0, 5).join(', ')}); nothing was written`,
    );
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface DynamoStateStoreOptions {
  /** Times UnprocessedItems are sent again before giving up (default 5). */
  maxRetries?: number;
  /** First back-off delay, doubled on each retry (default 50 ms). */
  baseDelayMs?: number;
  /** Waits between retries; replaceable in tests. */
  sleep?: (ms: number) => Promise<void>;
}

type WriteRequest = { PutRequest: { Item: Record<string, unknown> } } | { DeleteRequest: { Key: { pk: string } } };

const pkOf = (r: WriteRequest): string => ('PutRequest' in r ? String(r.PutRequest.Item['pk']) : r.DeleteRequest.Key.pk);

/**
 * The state table (partition key `pk`). Give it a document client made by
 * createStateDocumentClient, so undefined optional attributes are dropped.
 */
export class DynamoStateStore implements StateStore {
  private readonly maxRetries: number;
  private readonly baseDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly lease: LeaseTable;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
    options: DynamoStateStoreOptions = {},
  ) {
    this.maxRetries = options.maxRetries ?? 5;
    this.baseDelayMs = options.baseDelayMs ?? 50;
    this.sleep = options.sleep ?? sleep;
    this.lease = new LeaseTable(client, tableName);
  }

  /**
   * A Scan reads the whole table and filters afterwards. That is acceptable here: one deployment
   * serves one account, so the table holds that account's clusters and one meta item — both come
   * back from the same Scan.
   */
  async load(accountId: string): Promise<{ clusters: Map<string, ClusterState>; meta?: RunMeta }> {
    const clusters = new Map<string, ClusterState>();
    let meta: RunMeta | undefined;
    const seen = new Set<string>();
    let startKey: Record<string, unknown> | undefined;
    do {
      const input: ScanCommandInput = {
        TableName: this.tableName,
        ConsistentRead: true,
        FilterExpression: '#accountId = :accountId',
        ExpressionAttributeNames: { '#accountId': 'accountId' },
        ExpressionAttributeValues: { ':accountId': accountId },
        ...(startKey && { ExclusiveStartKey: startKey }),
      };
      const out = await this.call('Scan', () => this.client.send(new ScanCommand(input)));
      for (const item of out.Items ?? []) {
        if (item['pk'] === metaKey(accountId)) meta = item as RunMeta;
        else if (isString(item['pk']) && item['pk'].startsWith(CLUSTER_PREFIX)) {
          const state = this.asClusterState(item);
          clusters.set(state.pk, state);
        }
      }
      startKey = out.LastEvaluatedKey;
      if (startKey) {
        const token = JSON.stringify(startKey);
        if (seen.has(token)) {
          throw new StateStoreError(this.tableName, `Scan returned LastEvaluatedKey ${token} twice; the scan would never end`);
        }
        seen.add(token);
      }
    } while (startKey);
    return meta ? { clusters, meta } : { clusters };
  }

  /**
   * BatchWriteItem, 25 requests per call. UnprocessedItems are sent again with exponential back-off
   * up to maxRetries times; whatever is still unwritten after every batch was tried raises
   * StateStoreError with the count.
   */
  async write(put: ClusterState[], remove: string[], meta?: RunMeta, signal?: AbortSignal): Promise<void> {
    const items: (ClusterState | RunMeta)[] = meta ? [...put, meta] : put;
    checkWrite(this.tableName, items, remove);
    const requests: WriteRequest[] = [
      ...items.map((item) => ({ PutRequest: { Item: toItem(item) } })),
      ...remove.map((pk) => ({ DeleteRequest: { Key: { pk } } })),
    ];
    const unwritten: WriteRequest[] = [];
    const batches = chunk(requests, BATCH_WRITE_LIMIT);
    const worker = async () => {
      for (let batch = batches.shift(); batch; batch = batches.shift()) unwritten.push(...(await this.writeBatch(batch, signal)));
    };
    await Promise.all(Array.from({ length: Math.min(BATCH_WRITE_CONCURRENCY, batches.length) }, worker));
    if (unwritten.length > 0) {
      const pks = unwritten.map(pkOf);
      throw new StateStoreError(
        this.tableName,
        `${unwritten.length} of ${requests.length} items were not written after ${this.maxRetries} retries of UnprocessedItems ` +
          `(${pks.slice(0, 5).join(', ')}${pks.length > 5 ? ', ...' : ''}); the table is being throttled`,
      );
    }
  }

  acquireLease(lease: RunLease, nowMs: number): Promise<LeaseHolder> {
    return this.lease.acquire(lease, nowMs);
  }

  queueRecheck(accountId: string, cluster: string, nowMs: number): Promise<boolean> {
    return this.lease.queue(accountId, cluster, nowMs);
  }

  releaseLease(lease: RunLease, options: { keepQueue?: boolean; signal?: AbortSignal } = {}): Promise<LeaseRelease> {
    return this.lease.release(lease, options);
  }

  dequeueRechecks(lease: RunLease, done: string[], signal?: AbortSignal): Promise<void> {
    return this.lease.dequeue(lease, done, signal);
  }

  /** One batch, with its retries; returns what could not be written. */
  private async writeBatch(batch: WriteRequest[], signal?: AbortSignal): Promise<WriteRequest[]> {
    let pending = batch;
    for (let attempt = 0; ; attempt++) {
      const out = await this.call('BatchWriteItem', () =>
        this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }), { abortSignal: signal }),
      );
      pending = (out.UnprocessedItems?.[this.tableName] ?? []) as WriteRequest[];
      if (pending.length === 0 || attempt >= this.maxRetries || signal?.aborted) return pending;
      await this.sleep(this.baseDelayMs * 2 ** attempt);
    }
  }

  private asClusterState(item: Record<string, unknown>): ClusterState {
    const problems = clusterStateProblems(item);
    if (problems.length > 0) {
      throw new StateStoreError(
        this.tableName,
        `item "${String(item['pk'])}" is not a cluster state item (${problems.join('; ')}); delete it and the next run recreates it`,
      );
    }
    return item as unknown as ClusterState;
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (err) {
      if (err instanceof StateStoreError) throw err;
      const name = err instanceof Error ? err.name : 'Error';
      const message = err instanceof Error ? err.message : String(err);
      throw new StateStoreError(this.tableName, `${operation} failed: ${name}: ${message}`, { cause: err });
    }
  }
}

/** The same store in memory: for the CLI without a state table, and for tests. */
export class MemoryStateStore implements StateStore {
  private readonly items = new Map<string, ClusterState | RunMeta>();
  private readonly leases = new Map<string, RunLease>();
  /** Re-checks queued on each lease (by lease pk). */
  private readonly queues = new Map<string, Set<string>>();

  constructor(initial: (ClusterState | RunMeta)[] = []) {
    for (const item of initial) this.items.set(item.pk, structuredClone(item));
  }

  /** Runs `work` asynchronously, as the table would: a throw becomes a rejection. */
  private later<T>(work: () => T): Promise<T> {
    return Promise.resolve().then(work);
  }

  load(accountId: string): Promise<{ clusters: Map<string, ClusterState>; meta?: RunMeta }> {
    return this.later(() => {
      const clusters = this.clustersOf(accountId);
      const meta = this.metaOf(accountId);
      return meta ? { clusters, meta } : { clusters };
    });
  }

  write(put: ClusterState[], remove: string[], meta?: RunMeta): Promise<void> {
    return this.later(() => {
      const items: (ClusterState | RunMeta)[] = meta ? [...put, meta] : put;
      checkWrite('(in memory)', items, remove);
      for (const item of items) this.items.set(item.pk, structuredClone(withoutUndefined(item)));
      for (const pk of remove) this.items.delete(pk);
    });
  }

  acquireLease(lease: RunLease, nowMs: number): Promise<LeaseHolder> {
    return this.later(() => {
      const held = this.leases.get(lease.pk);
      if (held && held.expiresAt >= nowMs) {
        return { acquired: false, heldBy: { mode: held.mode, acquiredAt: held.acquiredAt, expiresAt: held.expiresAt } };
      }
      this.leases.set(lease.pk, { ...lease });
      return { acquired: true };
    });
  }

  queueRecheck(accountId: string, cluster: string, nowMs: number): Promise<boolean> {
    return this.later(() => {
      const pk = leaseKey(accountId);
      const held = this.leases.get(pk);
      if (!held || held.expiresAt < nowMs) return false;
      this.queues.set(pk, (this.queues.get(pk) ?? new Set()).add(cluster));
      return true;
    });
  }

  releaseLease(lease: RunLease, options: { keepQueue?: boolean } = {}): Promise<LeaseRelease> {
    return this.later(() => {
      const held = this.leases.get(lease.pk);
      if (held?.owner !== lease.owner) return { released: false, queued: [] };
      const queued = [...(this.queues.get(lease.pk) ?? [])];
      if (queued.length > 0 && !options.keepQueue) return { released: false, queued };
      this.leases.set(lease.pk, { ...held, expiresAt: 0 });
      return { released: true };
    });
  }

  dequeueRechecks(lease: RunLease, done: string[]): Promise<void> {
    return this.later(() => {
      if (this.leases.get(lease.pk)?.owner !== lease.owner) return;
      const queue = this.queues.get(lease.pk);
      for (const c of done) queue?.delete(c);
    });
  }

  private clustersOf(accountId: string): Map<string, ClusterState> {
    const states = new Map<string, ClusterState>();
    for (const [pk, item] of this.items) {
      if (pk.startsWith(CLUSTER_PREFIX) && item.accountId === accountId) states.set(pk, structuredClone(item as ClusterState));
    }
    return states;
  }

  private metaOf(accountId: string): RunMeta | undefined {
    const item = this.items.get(metaKey(accountId));
    return item ? structuredClone(item as RunMeta) : undefined;
  }

  /** Every item held, for assertions. */
  snapshot(): (ClusterState | RunMeta)[] {
    return [...this.items.values()].map((item) => structuredClone(item));
  }
}
