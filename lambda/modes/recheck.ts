/** Re-checks one cluster after an RDS API call (CloudTrail via EventBridge). */
import { describeError } from '../aws/errors';
import { describeCluster } from '../aws/rds';
import { buildAlert } from '../core/alert';
import type { Degradation } from '../core/degradation';
import { archivedFinding } from '../core/finding';
import { MAX_UNSENT_REASSERTED, withUnsent } from '../core/reasserted';
import type { AccountContext } from '../core/types';
import { DEADLINE_EXCEEDED, DeadlineExceededError, finishBudget, type RunClock } from '../deadline';
import { finishRegion, newOutcome, outcomeEvents, RegionJudge } from '../region-judge';
import { abortable } from '../region-scan';
import type { CheckConfig, Deps, RunRequest, RunSummary } from '../run-types';
import { FindingSink } from '../sinks';
import { deliver, finishStreamedState, loadBeforeDeadline, newContext, saveState, settledWrites, summarize } from './common';

export async function recheck(
  config: CheckConfig,
  deps: Deps,
  account: AccountContext,
  startedAt: Date,
  request: Extract<RunRequest, { mode: 'recheck' }>,
  clock: RunClock,
): Promise<RunSummary> {
  const degraded: Degradation[] = [];
  const { region, identifier } = request;
  const out = newOutcome(region);
  const watched = config.regions === 'all' || config.regions.includes(region);
  if (!watched) {
    deps.log.info('re-check skipped: Region not watched', { region, identifier });
    return summarize(request, account, startedAt, deps, [], degraded, [], undefined, false);
  }
  const { previous, meta, ok: stateOk } = await loadBeforeDeadline(deps, account.accountId, degraded, clock.regionsBy);
  // At the deadline the Region's calls are aborted: the re-check fails (reported) and the run finishes.
  const signal =
    clock.regionsBy === undefined ? new AbortController().signal : AbortSignal.timeout(Math.max(0, clock.regionsBy - Date.now()));
  const clients = abortable(deps.clients(region), signal);
  const sink = new FindingSink(config.publishFindings ? clients.securityHub : undefined, region, deps.log);
  const ctx = newContext(config, deps, account, startedAt, previous, clock);
  ctx.stateOk = stateOk;
  if (request.call) ctx.call = request.call;
  const judge = new RegionJudge(ctx, out, clients, sink);
  try {
    const facts = await describeCluster(clients.rds, region, identifier);
    out.report.scanned = true;
    if (facts) judge.add(facts);
    else {
      // Gone: only the remembered cluster of that name in that Region is archived.
      const gone = [...previous.values()].filter((s) => s.region === region && s.identifier === identifier);
      out.gone = gone;
      out.goneEvents = gone.filter((s) => s.alerted !== 'none').map((state) => ({ kind: 'deleted' as const, state }));
      for (const s of gone) sink.add(archivedFinding(s, account, startedAt));
      out.report.archived = gone.length;
    }
  } catch (err) {
    const cause = signal.aborted
      ? { code: DEADLINE_EXCEEDED, message: new DeadlineExceededError('the re-check', (clock.regionsBy ?? 0) - clock.startedMs).message }
      : describeError(err);
    out.report.error = `${cause.code}: ${cause.message}`;
    out.degraded.push({ kind: 'recheck-failed', region, identifier, cause });
  }
  await judge.done();
  await finishRegion(judge, out, account);
  await finishStreamedState(ctx, degraded);
  const budget = finishBudget(clock);
  degraded.push(...out.degraded);
  // A re-check alerts cluster changes only: the checker's own problems are alerted (once) by the
  // scan, which keeps the remembered ones; this run's are in its summary (the RecheckDegradations metric).
  const events = stateOk ? outcomeEvents(out) : [];
  const message = buildAlert({ account, now: startedAt, events, degraded: [], recovered: [], reasserted: out.reasserted });
  const alert = await deliver(deps, config, message, budget.notify);
  const delivered = alert?.published ?? false;
  if (stateOk) {
    const { puts, removes } = settledWrites([out], delivered);
    // A finding set back whose alert SNS did not take waits in the run item for the next scan.
    const unsent = message !== undefined && !delivered && out.reasserted.length > 0 && meta;
    const nextMeta = unsent
      ? { ...meta, reassertedUnsent: withUnsent(meta.reassertedUnsent ?? [], out.reasserted).slice(0, MAX_UNSENT_REASSERTED) }
      : undefined;
    await saveState(deps, puts, removes, nextMeta, degraded, budget.save);
  }
  return summarize(request, account, startedAt, deps, [out], degraded, events, alert, config.keepEvaluations ?? false);
}
