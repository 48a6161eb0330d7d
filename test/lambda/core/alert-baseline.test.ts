import { buildAlert, type AlertInput, type AlertMessage } from '../../../lambda/core/alert';
import { evaluate } from '../../../lambda/core/evaluate';
import type { ClusterEvent } from '../../../lambda/core/transitions';
import type { ClusterFacts } from '../../../lambda/core/types';
import { ACCOUNT, cluster, NOW, POLICY } from '../fixtures';

const newFailure = (c: ClusterFacts): ClusterEvent => ({ kind: 'new-failure', evaluation: evaluate(c, POLICY, NOW), regression: false });
const baseline = (overrides: Partial<AlertInput>, clustersChecked: number): AlertMessage | undefined =>
  buildAlert({ account: ACCOUNT, now: NOW, events: [], degraded: [], recovered: [], ...overrides, baseline: { clustersChecked } });
const card = (m: AlertMessage | undefined) =>
  (JSON.parse(m?.default ?? '{}') as { content: { title: string; description: string } }).content;

describe('the baseline (the first scan on deploy)', () => {
  it('counts the clusters checked and the failing ones, under a "Failing" section, not "new failures"', () => {
    const m = baseline(
      {
        events: [
          newFailure(cluster({ identifier: 'orders', backtrackWindowSeconds: 0 })),
          newFailure(cluster({ identifier: 'billing', backtrackWindowSeconds: 3_600 })),
        ],
      },
      14,
    );

    expect(m?.subject).toBe('Aurora Backtrack baseline: 14 clusters checked, 2 failing (account 111122223333)');
    expect(card(m).title).toBe(':rotating_light: Aurora Backtrack baseline: 14 clusters checked, 2 failing (account 111122223333)');
    expect(m?.email).toContain('\nFAILING (2)\n- orders (');
    expect(m?.email).not.toContain('NEW FAILURES');
    expect(card(m).description).toMatch(/^\*Failing \(2\)\*\n• \*orders\*/);
    expect(m?.email).toContain('This is the first scan of this account: every failing or warning cluster is named.');
    expect(m?.attributes.event).toEqual(['baseline', 'new-failure']);
  });

  it('says "0 failing" when only a checker problem is to report, and counts that problem', () => {
    const m = baseline({ degraded: [{ kind: 'security-hub-not-enabled', region: 'eu-west-3', reason: 'InvalidAccessException' }] }, 1);

    expect(m?.subject).toBe('Aurora Backtrack baseline: 1 cluster checked, 0 failing, 1 checker problem (account 111122223333)');
    expect(m?.attributes.event).toEqual(['baseline', 'degraded']);
    expect(m?.attributes.severity).toBe('HIGH');
  });

  it('sends nothing when nothing fails and the checker is healthy, like any run with nothing to say', () => {
    expect(baseline({}, 12)).toBeUndefined();
  });

  it('keeps the change alert as it was when the run is not a baseline', () => {
    const m = buildAlert({
      account: ACCOUNT,
      now: NOW,
      events: [newFailure(cluster({ backtrackWindowSeconds: 0 }))],
      degraded: [],
      recovered: [],
    });

    expect(m?.subject).toBe('Aurora Backtrack: 1 new failure (account 111122223333)');
    expect(m?.attributes.event).toEqual(['new-failure']);
  });
});
