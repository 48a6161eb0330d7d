/** The run lease item in the state table (lambda/lease.ts takes and frees it). */

/** The run lease item `lease#<accountId>`: one run at a time per account and table. */
export interface RunLease {
  pk: string;
  accountId: string;
  /** A random id of the run holding it. */
  owner: string;
  /** Epoch ms after which the lease is free even if never released (a crashed run). */
  expiresAt: number;
  /** What holds it (scan, reminder, recheck) and since when, for the log of a run that waits. */
  mode: string;
  acquiredAt: string;
}

/** The outcome of one attempt to take the lease: taken, or held by someone else until `expiresAt`. */
export type LeaseHolder = { acquired: true } | { acquired: false; heldBy?: Pick<RunLease, 'mode' | 'acquiredAt' | 'expiresAt'> };

/**
 * How a release went: freed, or not because re-checks are queued on the lease (run them, take them
 * off the queue, release again); `queued` empty: another run owns the lease now.
 */
export type LeaseRelease = { released: true } | { released: false; queued: string[] };

export const leaseKey = (accountId: string) => `lease#${accountId}`;

/** A cluster in the lease's queue of re-checks (the string set `queued` of the lease item). */
export const queuedCluster = (region: string, identifier: string) => `${region}#${identifier}`;

/** The clusters queued on a lease item returned with a refused write (a Set, or still `{ SS: [...] }`). */
export function queuedOn(item: Record<string, unknown> | undefined): string[] {
  const q = item?.queued;
  if (q instanceof Set) return [...(q as Set<unknown>)].map(String);
  const ss = (q as { SS?: unknown } | undefined)?.SS;
  return Array.isArray(ss) ? ss.map(String) : [];
}

/** A value of the item DynamoDB returns with a failed condition: plain, or still in AttributeValue form. */
const attr = (v: unknown): unknown =>
  typeof v === 'object' && v !== null ? ((v as { S?: string; N?: string }).S ?? (v as { N?: string }).N) : v;

/** Who holds the lease, from the item returned with a refused PutItem (undefined when it is not there). */
export function leaseHolder(item: Record<string, unknown> | undefined): Pick<RunLease, 'mode' | 'acquiredAt' | 'expiresAt'> | undefined {
  const expiresAt = Number(attr(item?.expiresAt));
  if (!item || !Number.isFinite(expiresAt)) return undefined;
  return { mode: String(attr(item.mode)), acquiredAt: String(attr(item.acquiredAt)), expiresAt };
}
