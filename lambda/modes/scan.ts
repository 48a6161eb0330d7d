/** The scheduled scan: every cluster of every watched Region. */
import { describeError } from '../aws/errors';
import { mapLimit } from '../concurrency';
import { buildAlert } from '../core/alert';
import { degradationChange, degradationKeysToRemember, type Degradation } from '../core/degradation';
import { metaKey, policySignature, type RunMeta } from '../core/state-types';
import type { AccountContext, ComplianceStatus } from '../core/types';
import { abortedByDeadline, beforeDeadline, cutOffAt, DeadlineExceededError, finishBudget, type RunClock } from '../deadline';
import { outcomeEvents, type RegionOutcome } from '../region-judge';
import { retireUnwatched } from '../region-retire';
import { abandonedRegion, scanRegion } from '../region-scan';
import { retiredRemovals } from '../core/unwatched';
import { MAX_UNSENT_REASSERTED, withUnsent } from '../core/reasserted';
import type { CheckConfig, Deps, RunSummary } from '../run-types';
import { deliver, finishStreamedState, loadBeforeDeadline, newContext, saveState, settledWrites, summarize } from './common';

/** Regions scanned at once by default: every commercial Region fits. */
const MAX_REGION_CONCURRENCY = 40;

async function resolveRegions(config: CheckConfig, deps: Deps): Promise<string[]> {
  return config.regions === 'all' ? deps.enabledRegions() : config.regions;
}

/** The Regions to scan, or undefined (a degradation) when they cannot be listed before the deadline. */
async function regionsToScan(config: CheckConfig, deps: Deps, clock: RunClock, degraded: Degradation[]): Promise<string[] | undefined> {
  try {
    const listed = await beforeDeadline(
      clock.regionsBy,
      () => resolveRegions(config, deps),
      () => undefined,
    );
    if (!listed.value) throw new DeadlineExceededError('listing the enabled Regions', (clock.regionsBy ?? 0) - clock.startedMs);
    return listed.value;
  } catch (err) {
    degraded.push({ kind: 'regions-not-listed', cause: describeError(err) });
    return undefined;
  }
}

/**
 * Member mode: tells the hub's event bus that this account's checker ran (counts only); the hub's
 * coverage check counts the account covered. A report that does not get there is a degradation.
 */
async function tellHub(
  config: CheckConfig,
  deps: Deps,
  account: AccountContext,
  outcomes: RegionOutcome[],
  degraded: Degradation[],
  signal?: AbortSignal,
) {
  if (config.hubEventBusArn === undefined || !deps.tellHub) return;
  const count = (status: ComplianceStatus) => outcomes.reduce((n, o) => n + o.report.byStatus[status], 0);
  try {
    const told = deps.tellHub(
      config.hubEventBusArn,
      {
        accountId: account.accountId,
        finishedAt: deps.now().toISOString(),
        degraded: degraded.length,
        verdicts: { failed: count('FAILED'), warning: count('WARNING'), passed: count('PASSED'), notAvailable: count('NOT_AVAILABLE') },
      },
      signal,
    );
    await cutOffAt(signal, 'EventBridge PutEvents', told);
  } catch (err) {
    degraded.push({ kind: 'hub-not-told', cause: abortedByDeadline(signal, 'EventBridge PutEvents') ?? describeError(err) });
  }
}

export async function scan(
  config: CheckConfig,
  deps: Deps,
  account: AccountContext,
  startedAt: Date,
  clock: RunClock,
  /** The deploy-time scan: with no run remembered, its alert is the baseline. */
  baseline = false,
): Promise<RunSummary> {
  const degraded: Degradation[] = [];
  const ctx = newContext(config, deps, account, startedAt, new Map(), clock);
  const stateLoad = loadBeforeDeadline(deps, account.accountId, degraded, clock.regionsBy).then((loaded) => {
    ctx.previous = loaded.previous;
    ctx.stateOk = loaded.ok;
    return loaded;
  });
  ctx.ready = stateLoad.then(() => undefined);
  const watched = await regionsToScan(config, deps, clock, degraded);
  const regions = watched ?? [];
  // Regions no longer watched are retired while the watched ones are scanned (none when unknown).
  const retiring = retireUnwatched(ctx, watched);
  let regionsDone = 0;
  const tell = () => deps.progress?.({ regionsDone, regionsTotal: regions.length, clustersJudged: ctx.judged.count });
  const ticker = deps.progress ? setInterval(tell, 250) : undefined;
  const outcomes = await mapLimit(regions, config.regionConcurrency ?? MAX_REGION_CONCURRENCY, async (r) => {
    const { value } = await beforeDeadline(
      clock.regionsBy,
      (signal) => scanRegion(ctx, r, signal),
      () => abandonedRegion(ctx, r),
    );
    regionsDone += 1;
    tell();
    return value;
  }).finally(() => clearInterval(ticker));
  const { meta, ok: stateOk } = await stateLoad;
  // From here on every call has the run's remaining time as its budget.
  const budget = finishBudget(clock);
  const policy = policySignature(config.policy);
  if (meta?.policy && meta.policy !== policy) {
    // A second checker (say, the CLI with --state-table) judging by another policy would alert
    // changes that are only the difference between the two policies.
    deps.log.warn(
      `the state table was last written by a scan with another policy (${meta.policy}); this run uses ${policy}: its alert reflects this run's policy`,
    );
  }
  await finishStreamedState(ctx, degraded);
  for (const o of outcomes) degraded.push(...o.degraded);

  // Before the alert, so that a report the hub did not get is in this run's alert.
  await tellHub(config, deps, account, outcomes, degraded, budget.notify);

  const clusterEvents = stateOk ? outcomes.flatMap(outcomeEvents) : [];
  const remembered = meta?.degraded ?? [];
  const { fresh, recovered } = degradationChange(remembered, degraded);
  const retirement = await retiring;
  const first = baseline && stateOk && meta === undefined;
  const clustersChecked = outcomes.reduce((n, o) => n + o.report.clusters - o.report.outOfScope, 0);
  // Security Hub no longer shows a finding set back as hidden: an unsent line is kept in the meta item.
  const reasserted = withUnsent(meta?.reassertedUnsent ?? [], stateOk ? outcomes.flatMap((o) => o.reasserted) : []);
  const message = buildAlert({
    account,
    now: startedAt,
    events: clusterEvents,
    degraded: fresh,
    recovered,
    unwatched: retirement.retired,
    reasserted,
    ...(first ? { baseline: { clustersChecked } } : {}),
  });
  const alert = await deliver(deps, config, message, budget.notify);
  const delivered = alert?.published ?? false;

  if (stateOk) {
    const { puts, removes } = settledWrites(outcomes, delivered);
    removes.push(...retiredRemovals(retirement.regions, delivered));
    const nextMeta: RunMeta = {
      pk: metaKey(account.accountId),
      accountId: account.accountId,
      degraded: degradationKeysToRemember(remembered, degraded, message !== undefined && !delivered),
      policy,
    };
    if (meta?.lastReminderAt) nextMeta.lastReminderAt = meta.lastReminderAt;
    if (message !== undefined && !delivered && reasserted.length > 0)
      nextMeta.reassertedUnsent = reasserted.slice(0, MAX_UNSENT_REASSERTED);
    const metaChanged =
      meta?.policy !== policy ||
      !meta ||
      [...(meta.degraded ?? [])].sort().join('\n') !== nextMeta.degraded.join('\n') ||
      meta.lastReminderAt !== nextMeta.lastReminderAt ||
      JSON.stringify(meta.reassertedUnsent ?? []) !== JSON.stringify(nextMeta.reassertedUnsent ?? []);
    await saveState(deps, puts, removes, metaChanged ? nextMeta : undefined, degraded, budget.save);
  }
  return summarize({ mode: 'scan' }, account, startedAt, deps, outcomes, degraded, clusterEvents, alert, config.keepEvaluations ?? false);
}
