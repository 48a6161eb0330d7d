import { REMINDER_MIN_GAP_MS, reminderContents, reminderHeldBack } from '../../../lambda/core/reminder';
import { DAY_MS, NOW, state } from '../fixtures';

const at = (msBeforeNow: number) => new Date(NOW.getTime() - msBeforeNow).toISOString();

describe('reminderHeldBack', () => {
  it('is 12 hours', () => {
    expect(REMINDER_MIN_GAP_MS).toBe(12 * 3_600_000);
  });

  it('lets the first reminder through (none sent before)', () => {
    expect(reminderHeldBack(undefined, NOW)).toBeUndefined();
  });

  it('holds back a reminder 1 ms short of the gap after the last one, and says when that was', () => {
    expect(reminderHeldBack(at(REMINDER_MIN_GAP_MS - 1), NOW)).toBe(
      `a reminder was already sent at ${at(REMINDER_MIN_GAP_MS - 1)}, less than 12 h ago`,
    );
  });

  it('lets a reminder through exactly the gap after the last one', () => {
    expect(reminderHeldBack(at(REMINDER_MIN_GAP_MS), NOW)).toBeUndefined();
  });

  it('holds back a reminder when the last one is dated in the future (clocks differ)', () => {
    expect(reminderHeldBack(at(-60_000), NOW)).toBeDefined();
  });
});

describe('reminderContents', () => {
  const AFTER_DAYS = 7;

  it('names a failing cluster in its condition exactly the reminder age, with its whole days', () => {
    const s = state({ since: at(AFTER_DAYS * DAY_MS) });

    expect(reminderContents([s], NOW, AFTER_DAYS).stale).toEqual([{ state: s, days: 7 }]);
  });

  it('leaves out a failing cluster 1 ms younger than the reminder age', () => {
    expect(reminderContents([state({ since: at(AFTER_DAYS * DAY_MS - 1) })], NOW, AFTER_DAYS).stale).toEqual([]);
  });

  it('counts whole days only (8 days less 1 ms is 7)', () => {
    expect(reminderContents([state({ since: at(8 * DAY_MS - 1) })], NOW, AFTER_DAYS).stale.map((i) => i.days)).toEqual([7]);
  });

  it('names WARNING and FAILED clusters, not PASSED or NOT_AVAILABLE ones', () => {
    const since = at(30 * DAY_MS);
    const states = [
      state({ identifier: 'failed', status: 'FAILED', since }),
      state({ identifier: 'warning', status: 'WARNING', condition: 'actual-short', since }),
      state({ identifier: 'passed', status: 'PASSED', condition: 'ok', alerted: 'none', since }),
      state({ identifier: 'na', status: 'NOT_AVAILABLE', condition: 'unsupported', alerted: 'none', since }),
    ];

    expect(reminderContents(states, NOW, AFTER_DAYS).stale.map((i) => i.state.identifier)).toEqual(['failed', 'warning']);
  });

  it('lists every exempt cluster among the exemptions, and none of them as failing', () => {
    const exempt = state({ identifier: 'legacy', suppressed: true, since: at(30 * DAY_MS) });
    const young = state({ identifier: 'young-exempt', suppressed: true, since: at(DAY_MS) });

    const contents = reminderContents([exempt, young], NOW, AFTER_DAYS);

    expect(contents.stale).toEqual([]);
    expect(contents.exemptions).toEqual([exempt, young]);
  });
});
