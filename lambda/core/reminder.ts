/**
 * The periodic reminder: when one is due, and what it holds (clusters failing for longer than the
 * reminder age, and every exemption in force).
 */
import type { ClusterState } from './state-types';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * A reminder is not sent twice within this time. The Lambda does not know the reminder schedule;
 * 12 h lets a daily schedule through (even when its runs drift by minutes) and stops the repeats
 * an overlapping run, a retried invocation or a manual run would send.
 */
export const REMINDER_MIN_GAP_MS = 12 * HOUR_MS;

export interface ReminderItem {
  state: ClusterState;
  /** Whole days the condition has lasted. */
  days: number;
}

/**
 * Why no reminder is sent now, or undefined when one is due: the last one went out less than
 * REMINDER_MIN_GAP_MS ago (a time in the future counts as recent: clocks differ).
 */
export function reminderHeldBack(lastReminderAt: string | undefined, now: Date): string | undefined {
  const last = lastReminderAt ? Date.parse(lastReminderAt) : NaN;
  if (!(now.getTime() - last < REMINDER_MIN_GAP_MS)) return undefined;
  return `a reminder was already sent at ${lastReminderAt}, less than ${REMINDER_MIN_GAP_MS / HOUR_MS} h ago`;
}

/**
 * What the reminder names: clusters FAILED or WARNING, not exempt, in that condition for at least
 * `afterDays` days (with the whole days), and every exempt cluster.
 */
export function reminderContents(
  states: Iterable<ClusterState>,
  now: Date,
  afterDays: number,
): { stale: ReminderItem[]; exemptions: ClusterState[] } {
  const cutoff = now.getTime() - afterDays * DAY_MS;
  const all = [...states];
  const stale = all
    .filter((s) => (s.status === 'FAILED' || s.status === 'WARNING') && !s.suppressed && Date.parse(s.since) <= cutoff)
    .map((state) => ({ state, days: Math.floor((now.getTime() - Date.parse(state.since)) / DAY_MS) }));
  return { stale, exemptions: all.filter((s) => s.suppressed) };
}
