/**
 * The run lease: one run at a time per account and state table. The schedule, a CloudTrail re-check
 * and a CLI run with --state-table can start together; the first takes item `lease#<accountId>`
 * with a conditional PutItem, the others wait for it (polling with back-off) and run after it, so
 * they read the state it saved and nothing is alerted twice. A lease expires on its own (the
 * holder's deadline plus a margin), so a run that crashed holds nobody up for longer than that.
 * A re-check does not wait: it queues its cluster on the lease item, and the holder re-checks it
 * before it releases (lambda/run.ts); a queue the holder had no time for stays for the next holder.
 */
import { randomUUID } from 'node:crypto';
import { describeError } from './aws/errors';
import { leaseKey, type LeaseHolder, type RunLease, type StateStore } from './aws/state';
import { cutOffAt, type RunClock } from './deadline';

/** A lease without a deadline to derive its expiry from lasts as long as a Lambda run can. */
export const LEASE_WITHOUT_DEADLINE_MS = 15 * 60_000;
/** Kept past the holder's hard end: clocks of two machines differ a little. */
export const LEASE_MARGIN_MS = 10_000;
/** Without a deadline, a run waits at most this long for the lease. */
export const LEASE_WAIT_WITHOUT_DEADLINE_MS = 60_000;
const FIRST_POLL_MS = 250;
const MAX_POLL_MS = 5_000;

export interface LeaseLog {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
}

export interface LeaseTiming {
  /** Wall clock in epoch ms (replaceable in tests). */
  nowMs?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export type LeaseOutcome =
  /** Held by this run (release it at the end); `lease` is undefined when the table could not be asked (the run goes on). */
  | { held: true; lease?: RunLease; waitedMs: number }
  /** Another run held it for the whole wait: this run must do nothing. */
  | { held: false; waitedMs: number; reason: string }
  /** Another run holds it and re-checks this run's cluster before it releases. */
  | { held: false; queued: true; waitedMs: number; reason: string };

type LeaseHolderInfo = Extract<LeaseHolder, { acquired: false }>['heldBy'];

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Expiry of this run's lease: its hard end plus a margin. */
export function leaseExpiry(clock: RunClock): number {
  return (clock.until ?? clock.startedMs + LEASE_WITHOUT_DEADLINE_MS) + LEASE_MARGIN_MS;
}

/**
 * Until when a run may wait for the lease: while two thirds of its Region budget would still remain
 * after the wait (a run started with little time left does not start at all).
 */
export function waitLimit(clock: RunClock): number {
  if (clock.regionsBy === undefined) return clock.startedMs + LEASE_WAIT_WITHOUT_DEADLINE_MS;
  return clock.startedMs + Math.max(0, clock.regionsBy - clock.startedMs) / 3;
}

/** Takes the run lease, waiting for another holder to finish while the run's deadline allows. */
export async function acquireRunLease(
  store: StateStore,
  accountId: string,
  mode: string,
  clock: RunClock,
  log: LeaseLog,
  timing: LeaseTiming = {},
  /** A re-check's cluster (queuedCluster): queued for the holder instead of waiting for it. */
  queue?: string,
): Promise<LeaseOutcome> {
  const nowMs = timing.nowMs ?? Date.now;
  const sleep = timing.sleep ?? defaultSleep;
  const start = nowMs();
  const lease: RunLease = {
    pk: leaseKey(accountId),
    accountId,
    owner: randomUUID(),
    expiresAt: leaseExpiry(clock),
    mode,
    acquiredAt: new Date(start).toISOString(),
  };
  const giveUpAt = waitLimit(clock);
  let delay = FIRST_POLL_MS;
  for (let attempt = 1; ; attempt++) {
    let holder;
    try {
      holder = await store.acquireLease({ ...lease, acquiredAt: new Date(nowMs()).toISOString() }, nowMs());
    } catch (err) {
      const { code, message } = describeError(err);
      log.warn('run lease could not be taken; running without it (an overlapping run may repeat an alert)', { code, message });
      return { held: true, waitedMs: nowMs() - start };
    }
    if (holder.acquired) {
      if (attempt > 1) log.info('run lease taken after waiting for another run', { waitedMs: nowMs() - start, attempts: attempt });
      return { held: true, lease, waitedMs: nowMs() - start };
    }
    if (queue !== undefined) {
      let queued;
      try {
        queued = await store.queueRecheck(accountId, queue, nowMs());
      } catch (err) {
        const { code, message } = describeError(err);
        log.warn('re-check could not be queued for the run holding the lease; running without the lease', { code, message });
        return { held: true, waitedMs: nowMs() - start };
      }
      // Not queued: the holder released meanwhile, so the lease is free to take.
      if (queued) return { held: false, queued: true, waitedMs: nowMs() - start, reason: `queued for ${holderText(holder.heldBy)}` };
      continue;
    }
    const wait = Math.min(delay, MAX_POLL_MS);
    if (nowMs() + wait > giveUpAt) {
      const who = holderText(holder.heldBy);
      const waitedMs = nowMs() - start;
      return {
        held: false,
        waitedMs,
        reason: `${who} held the state table's run lease for the whole wait of ${Math.round(waitedMs / 1000)} s`,
      };
    }
    if (attempt === 1) log.info('another run holds the run lease; waiting for it', { heldBy: holder.heldBy });
    await sleep(wait);
    delay *= 2;
  }
}

const holderText = (by: LeaseHolderInfo | undefined) =>
  by ? `a ${by.mode} run started ${by.acquiredAt} (lease until ${new Date(by.expiresAt).toISOString()})` : 'another run';

/**
 * Frees the lease at the end of the run. Answers the re-checks queued on it (run them, take them
 * off with dequeueRechecks, and release again); `keepQueue` frees it whatever is queued, for the
 * next holder. A failure only means the next run waits for the lease's expiry.
 */
export async function releaseRunLease(
  store: StateStore,
  lease: RunLease | undefined,
  log: LeaseLog,
  options: { keepQueue?: boolean; signal?: AbortSignal } = {},
): Promise<string[]> {
  if (!lease) return [];
  try {
    const outcome = await cutOffAt(options.signal, 'the run lease release', store.releaseLease(lease, options));
    if (outcome.released) return [];
    if (outcome.queued.length === 0) {
      log.warn('run lease was no longer held by this run at its end (it had expired and another run took it)');
    }
    return outcome.queued;
  } catch (err) {
    const { code, message } = describeError(err);
    log.warn('run lease could not be released; the next run waits until it expires', {
      code,
      message,
      expiresAt: new Date(lease.expiresAt).toISOString(),
    });
    return [];
  }
}
