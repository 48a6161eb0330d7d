/**
 * The whole job: regions → clusters → verdicts → findings, state and alerts. The run modes are in
 * modes/, one Region's work in region-scan.ts and region-judge.ts, the rules in core/.
 */
import type { AccountContext } from './core/types';
import type { Degradation } from './core/degradation';
import { queuedCluster, type RunLease } from './aws/state';
import { beforeDeadline, DeadlineExceededError, finishBudget, runClock, type RunClock } from './deadline';
import { acquireRunLease, releaseRunLease, type LeaseOutcome } from './lease';
import { summarize } from './modes/common';
import { recheck } from './modes/recheck';
import { remind } from './modes/reminder';
import { scan } from './modes/scan';
import type { CheckConfig, Deps, RunOptions, RunRequest, RunSummary } from './run-types';

export type { CheckConfig, Deps, Logger, RegionClients, RegionReport, RunOptions, RunRequest, RunSummary, ScanProgress } from './run-types';
export type { Degradation, DegradationReport } from './core/degradation';
export { Semaphore, mapLimit } from './concurrency';
export { REMINDER_MIN_GAP_MS } from './core/reminder';
export { isDegraded } from './degraded';

/**
 * Runs one request. Every cluster of every watched Region ends up judged or reported as not
 * judged, with the reason.
 */
export async function runCheck(
  config: CheckConfig,
  deps: Deps,
  request: RunRequest = { mode: 'scan' },
  options: RunOptions = {},
): Promise<RunSummary> {
  const clock = runClock(options.deadline);
  // Who the account is (STS in the CLI) is bounded by the run's deadline too: an endpoint that never
  // answers must not hold the run past it.
  const { value: account, late } = await beforeDeadline(
    clock.regionsBy,
    () => deps.account(),
    () => undefined,
  );
  if (late || !account)
    throw new DeadlineExceededError('finding out the account (STS GetCallerIdentity)', (clock.regionsBy ?? 0) - clock.startedMs);
  // One run at a time per state table: a run that overlaps another waits for it, so it reads the
  // state the other saved and does not alert the same change again.
  // A re-check that finds the lease held queues its cluster for the holder instead of waiting.
  const queue = request.mode === 'recheck' ? queuedCluster(request.region, request.identifier) : undefined;
  const taken: LeaseOutcome = deps.persistentState
    ? await acquireRunLease(deps.state, account.accountId, request.mode, clock, deps.log, {}, queue)
    : { held: true, waitedMs: 0 };
  const startedAt = deps.now();
  if (!taken.held) return skippedRun(request, account, startedAt, deps, taken.reason, 'queued' in taken);
  let summary: RunSummary;
  try {
    summary = await runMode(config, deps, account, startedAt, request, clock);
  } catch (err) {
    await releaseRunLease(deps.state, taken.lease, deps.log, { keepQueue: true, signal: finishBudget(clock).save });
    throw err;
  }
  const queued = await releaseAfterQueued(config, deps, account, taken.lease, clock);
  return queued.length > 0 ? { ...summary, queuedRechecks: queued } : summary;
}

function runMode(config: CheckConfig, deps: Deps, account: AccountContext, startedAt: Date, request: RunRequest, clock: RunClock) {
  switch (request.mode) {
    case 'scan':
      return scan(config, deps, account, startedAt, clock, request.baseline === true);
    case 'recheck':
      return recheck(config, deps, account, startedAt, request, clock);
    case 'reminder':
      return remind(config, deps, account, startedAt, clock);
  }
}

/** A queued re-check is started only while this much of the Region budget is left. */
export const QUEUED_RECHECK_MIN_MS = 5_000;

/**
 * Releases the lease, first re-checking the clusters other runs queued on it meanwhile (each with
 * its own alert, once), as often as more arrive. Without the time for them, it releases keeping
 * the queue: the next run to take the lease re-checks them.
 */
async function releaseAfterQueued(
  config: CheckConfig,
  deps: Deps,
  account: AccountContext,
  lease: RunLease | undefined,
  clock: RunClock,
): Promise<RunSummary[]> {
  const done: RunSummary[] = [];
  for (;;) {
    const queued = await releaseRunLease(deps.state, lease, deps.log, { signal: finishBudget(clock).save });
    if (!lease || queued.length === 0) return done;
    if (clock.regionsBy !== undefined && Date.now() + QUEUED_RECHECK_MIN_MS > clock.regionsBy) {
      deps.log.warn('no time left for the re-checks queued on the run lease; they stay queued for the next run', { queued });
      await releaseRunLease(deps.state, lease, deps.log, { keepQueue: true, signal: finishBudget(clock).save });
      return done;
    }
    for (const cluster of queued) {
      const [region = '', identifier = ''] = cluster.split(/#(.*)/s);
      const { evaluations: _omit, ...summary } = await recheck(
        config,
        deps,
        account,
        deps.now(),
        { mode: 'recheck', region, identifier, trigger: 'queued' },
        clock,
      );
      done.push(summary);
    }
    try {
      await deps.state.dequeueRechecks(lease, queued, finishBudget(clock).save);
    } catch (err) {
      // Re-checked but still queued: the next holder re-checks them again, which alerts nothing new.
      deps.log.warn('re-checks done could not be taken off the run lease; releasing it as it is', { error: String(err) });
      await releaseRunLease(deps.state, lease, deps.log, { keepQueue: true, signal: finishBudget(clock).save });
      return done;
    }
  }
}

/**
 * A run that found the lease held does nothing. A re-check queued for the holder is not a problem
 * (the holder re-checks its cluster before it releases); a skipped scan or reminder is: people
 * would otherwise not learn that the scheduled work did not happen.
 */
function skippedRun(
  request: RunRequest,
  account: AccountContext,
  startedAt: Date,
  deps: Deps,
  reason: string,
  queued: boolean,
): RunSummary {
  const degraded: Degradation[] = queued ? [] : [{ kind: 'run-skipped', mode: request.mode, reason }];
  if (queued) deps.log.info(`re-check ${reason}`);
  else deps.log.error(`${request.mode} skipped: ${reason}`);
  return { ...summarize(request, account, startedAt, deps, [], degraded, [], undefined, false), skipped: { reason } };
}
