/**
 * Regions that left the watch list: the findings of their remembered clusters imported as ARCHIVED
 * into their own Region, once, while the watched Regions are scanned. Which clusters are retired is
 * decided in core/unwatched.ts; the state items go once the alert saying so is sent.
 */
import { describeError } from './aws/errors';
import { DEADLINE_EXCEEDED, DeadlineExceededError, beforeDeadline } from './deadline';
import { archivedFinding } from './core/finding';
import { unwatchedRegions, type RetiredRegion, type UnwatchedRegion } from './core/unwatched';
import type { RunContext } from './region-judge';
import { abortable } from './region-scan';
import { FindingSink } from './sinks';

export interface Retirement {
  /** The Regions retired, with their remembered clusters (whose state items go once told). */
  regions: UnwatchedRegion[];
  /** What archiving came to, one per Region (the alert's lines). */
  retired: RetiredRegion[];
}

type Counts = Omit<RetiredRegion, 'archived' | 'reason'>;

async function archiveRegion(ctx: RunContext, u: UnwatchedRegion, base: Counts, signal: AbortSignal): Promise<RetiredRegion> {
  if (!ctx.config.publishFindings) return { ...base, archived: 0 };
  const clients = abortable(ctx.deps.clients(u.region), signal);
  const sink = new FindingSink(clients.securityHub, u.region, ctx.deps.log, ctx.imports);
  for (const s of u.clusters) sink.add(archivedFinding(s, ctx.account, ctx.now, 'unwatched'));
  await sink.done();
  const outcome = sink.outcome();
  const reason =
    outcome.notPublished ??
    (outcome.callError ? `${outcome.callError.code}: ${outcome.callError.message}` : undefined) ??
    (sink.failed > 0 ? 'Security Hub rejected them' : undefined);
  return { ...base, archived: sink.imported, ...(reason && { reason }) };
}

/**
 * Retires the remembered clusters of Regions outside `watched` (undefined: the Region list is not
 * known for sure, nothing is retired). Runs within the Regions' deadline; a Region whose archiving
 * is not over by then is reported with its findings not archived.
 */
export async function retireUnwatched(ctx: RunContext, watched: readonly string[] | undefined): Promise<Retirement> {
  await ctx.ready;
  if (!ctx.stateOk) return { regions: [], retired: [] };
  const regions = unwatchedRegions(ctx.previous.values(), watched, ctx.account.accountId);
  if (regions.length === 0) return { regions, retired: [] };
  ctx.deps.log.info('Regions no longer watched: archiving their findings', { regions: regions.map((r) => r.region) });
  const retired = await Promise.all(
    regions.map(async (u) => {
      const failing = u.clusters.filter((s) => s.alerted !== 'none').length;
      const base: Counts = { region: u.region, clusters: u.clusters.length, failing, published: ctx.config.publishFindings };
      const { value } = await beforeDeadline(
        ctx.clock.regionsBy,
        (signal) =>
          archiveRegion(ctx, u, base, signal).catch((err: unknown): RetiredRegion => {
            const { code, message } = describeError(err);
            return { ...base, archived: 0, reason: `${code}: ${message}` };
          }),
        (): RetiredRegion => {
          const budget = (ctx.clock.regionsBy ?? ctx.clock.startedMs) - ctx.clock.startedMs;
          return { ...base, archived: 0, reason: `${DEADLINE_EXCEEDED}: ${new DeadlineExceededError('archiving', budget).message}` };
        },
      );
      return value;
    }),
  );
  return { regions, retired };
}
