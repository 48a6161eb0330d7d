/**
 * The whole job: regions → clusters → verdicts → findings, state and alerts. The run modes are in
 * modes/, one Region's work in region-scan.ts and region-judge.ts, the rules in core/.
 */
import type { AccountContext } from './core/types';
import type { Degradation } from './core/degradation';
import { beforeDeadline, DeadlineExceededError, runClock } from './deadline';
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
  const taken: LeaseOutcome = deps.persistentState
    ? await acquireRunLease(deps.state, account.accountId, request.mode, clock, deps.log)
    : { held: true, waitedMs: 0 };
  const startedAt = deps.now();
  if (!taken.held) return skippedRun(request, account, startedAt, deps, taken.reason);
  try {
    switch (request.mode) {
      case 'scan':
        return await scan(config, deps, account, startedAt, clock, request.baseline === true);
      case 'recheck':
        return await recheck(config, deps, account, startedAt, request, clock);
      case 'reminder':
        return await remind(config, deps, account, startedAt, clock);
    }
  } finally {
    await releaseRunLease(deps.state, taken.lease, deps.log);
  }
}

/**
 * A run that found the lease held for its whole wait does nothing. A skipped re-check is not a
 * problem (the run that held the lease judges the account); a skipped scan or reminder is: people
 * would otherwise not learn that the scheduled work did not happen.
 */
function skippedRun(request: RunRequest, account: AccountContext, startedAt: Date, deps: Deps, reason: string): RunSummary {
  const degraded: Degradation[] = request.mode === 'recheck' ? [] : [{ kind: 'run-skipped', mode: request.mode, reason }];
  if (request.mode === 'recheck') deps.log.warn(`re-check skipped: ${reason}`);
  else deps.log.error(`${request.mode} skipped: ${reason}`);
  return { ...summarize(request, account, startedAt, deps, [], degraded, [], undefined, false), skipped: { reason } };
}
