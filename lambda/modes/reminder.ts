/** The periodic digest from the state table. */
import { buildReminder } from '../core/alert';
import type { Degradation } from '../core/degradation';
import { reminderContents, reminderHeldBack } from '../core/reminder';
import { metaKey, type RunMeta } from '../core/state-types';
import type { AccountContext } from '../core/types';
import { beforeDeadline, finishBudget, type RunClock } from '../deadline';
import { describeError } from '../aws/errors';
import { inWatchedRegions } from '../core/unwatched';
import type { CheckConfig, Deps, RunSummary } from '../run-types';
import { deliver, loadBeforeDeadline, saveState, summarize } from './common';

/**
 * The Regions a reminder may name clusters of: the list, or the enabled Regions with `regions=all`.
 * Undefined when they cannot be listed in time (then every remembered cluster is named, as before).
 */
async function watchedRegions(config: CheckConfig, deps: Deps, clock: RunClock): Promise<string[] | undefined> {
  if (config.regions !== 'all') return config.regions;
  try {
    const { value } = await beforeDeadline(
      clock.regionsBy,
      () => deps.enabledRegions(),
      () => undefined,
    );
    return value;
  } catch (err) {
    deps.log.warn('reminder: the enabled Regions could not be listed; naming every remembered cluster', { ...describeError(err) });
    return undefined;
  }
}

export async function remind(
  config: CheckConfig,
  deps: Deps,
  account: AccountContext,
  startedAt: Date,
  clock: RunClock,
): Promise<RunSummary> {
  const degraded: Degradation[] = [];
  const { previous, meta, ok } = await loadBeforeDeadline(deps, account.accountId, degraded, clock.regionsBy);
  let alert: RunSummary['alert'];
  const heldBack = ok ? reminderHeldBack(meta?.lastReminderAt, startedAt) : undefined;
  if (heldBack) {
    deps.log.info('reminder skipped', { reason: heldBack });
    return {
      ...summarize({ mode: 'reminder' }, account, startedAt, deps, [], degraded, [], undefined, false),
      skipped: { reason: heldBack },
    };
  }
  if (ok) {
    // A Region no longer watched is not reminded of, even before the next scan retires its clusters.
    const watched = await watchedRegions(config, deps, clock);
    const { stale, exemptions } = reminderContents(inWatchedRegions(previous.values(), watched), startedAt, config.reminderAfterDays);
    const budget = finishBudget(clock);
    alert = await deliver(deps, config, buildReminder(account, startedAt, stale, exemptions, config.reminderAfterDays), budget.notify);
    if (alert?.published) {
      const nextMeta: RunMeta = {
        pk: metaKey(account.accountId),
        accountId: account.accountId,
        degraded: meta?.degraded ?? [],
        lastReminderAt: startedAt.toISOString(),
        ...(meta?.policy && { policy: meta.policy }),
        ...(meta?.reassertedUnsent && { reassertedUnsent: meta.reassertedUnsent }),
      };
      await saveState(deps, [], [], nextMeta, degraded, budget.save);
    }
  }
  return summarize({ mode: 'reminder' }, account, startedAt, deps, [], degraded, [], alert, false);
}
