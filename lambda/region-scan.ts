/** One Region of a scan: its clusters listed page by page, judged, and the Region finished. */
import { describeError } from './aws/errors';
import { listClusterPages } from './aws/rds';
import { DEADLINE_EXCEEDED, DeadlineExceededError, withAbortSignal } from './deadline';
import type { ErrorCause } from './core/degradation';
import { archivedFinding } from './core/finding';
import { goneClusters } from './core/transitions';
import { finishRegion, newOutcome, RegionJudge, type RegionOutcome, type RunContext } from './region-judge';
import type { RegionClients } from './run-types';
import { FindingSink } from './sinks';

/** Records a Region as not scanned: its clusters were not judged, and none is declared deleted. */
function notScanned(out: RegionOutcome, cause: ErrorCause): void {
  const region = out.report.region;
  out.report.error = `${cause.code}: ${cause.message}`;
  out.degraded.push({ kind: 'region-not-scanned', region, cause });
}

/** The outcome of a Region abandoned at the deadline (what its work still does is discarded). */
export function abandonedRegion(ctx: RunContext, region: string): RegionOutcome {
  const out = newOutcome(region);
  const budget = (ctx.clock.regionsBy ?? ctx.clock.startedMs) - ctx.clock.startedMs;
  notScanned(out, { code: DEADLINE_EXCEEDED, message: new DeadlineExceededError('the Region', budget).message });
  ctx.deps.log.error('Region abandoned at the run deadline', { region, budgetMs: budget });
  return out;
}

/** Every SDK call of these clients carries `signal`. */
export const abortable = (c: RegionClients, signal: AbortSignal): RegionClients => ({
  rds: withAbortSignal(c.rds, signal),
  securityHub: withAbortSignal(c.securityHub, signal),
  cloudWatch: withAbortSignal(c.cloudWatch, signal),
});

export async function scanRegion(ctx: RunContext, region: string, signal: AbortSignal): Promise<RegionOutcome> {
  const out = newOutcome(region);
  const clients = abortable(ctx.deps.clients(region), signal);
  const sink = new FindingSink(ctx.config.publishFindings ? clients.securityHub : undefined, region, ctx.deps.log, ctx.imports);
  const judge = new RegionJudge(ctx, out, clients, sink, signal);
  const keep = new Set<string>();
  let complete = true;
  try {
    const pages = listClusterPages(clients.rds, region, { pageSize: ctx.config.pageSize ?? 100 });
    // The first page is fetched while the state loads; each next page while this one is judged.
    let next = pages.next();
    next.catch(() => undefined);
    await ctx.ready;
    for (let r = await next; !r.done; r = await next) {
      next = pages.next();
      next.catch(() => undefined);
      const page = r.value;
      for (const c of page.clusters) judge.add(c);
      for (const r of page.rejected) {
        out.report.rejected.push(r);
        // A cluster we could not read must not be mistaken for a deleted one.
        const match = [...ctx.previous.values()].filter((s) => s.region === region && s.identifier === r.identifier);
        if (match.length === 0) complete = false;
        for (const s of match) keep.add(s.pk);
      }
      await judge.ready();
    }
    out.report.scanned = true;
  } catch (err) {
    notScanned(out, describeError(err));
  }
  await judge.done();
  // A Region abandoned at the deadline was not read in full: none of its clusters is gone.
  if (out.report.scanned && complete && !signal.aborted) {
    const { gone, events } = goneClusters(ctx.previous.values(), region, judge.seen, ctx.account.accountId, keep);
    out.gone = gone;
    out.goneEvents = events;
    for (const s of gone) sink.add(archivedFinding(s, ctx.account, ctx.now));
    out.report.archived = gone.length;
  }
  const [firstRejected] = out.report.rejected;
  if (firstRejected) {
    out.degraded.push({ kind: 'clusters-unreadable', region, count: out.report.rejected.length, firstReason: firstRejected.reason });
  }
  await finishRegion(judge, out, ctx.account);
  return out;
}
