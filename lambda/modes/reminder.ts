/** The periodic digest from the state table. */
import { buildReminder } from '../core/alert';
import type { Degradation } from '../core/degradation';
import { reminderContents, reminderHeldBack } from '../core/reminder';
import { metaKey, type RunMeta } from '../core/state-types';
import type { AccountContext } from '../core/types';
import { finishBudget, type RunClock } from '../deadline';
import type { CheckConfig, Deps, RunSummary } from '../run-types';
import { deliver, loadBeforeDeadline, saveState, summarize } from './common';

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
    const { stale, exemptions } = reminderContents(previous.values(), startedAt, config.reminderAfterDays);
    const budget = finishBudget(clock);
    alert = await deliver(deps, config, buildReminder(account, startedAt, stale, exemptions, config.reminderAfterDays), budget.notify);
    if (alert?.published) {
      const nextMeta: RunMeta = {
        pk: metaKey(account.accountId),
        accountId: account.accountId,
        degraded: meta?.degraded ?? [],
        lastReminderAt: startedAt.toISOString(),
        ...(meta?.policy && { policy: meta.policy }),
      };
      await saveState(deps, [], [], nextMeta, degraded, budget.save);
    }
  }
  return summarize({ mode: 'reminder' }, account, startedAt, deps, [], degraded, [], alert, false);
}
