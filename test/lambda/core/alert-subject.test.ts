import { buildAlert } from '../../../lambda/core/alert';
import { evaluate } from '../../../lambda/core/evaluate';
import type { ClusterEvent } from '../../../lambda/core/transitions';
import type { ClusterFacts } from '../../../lambda/core/types';
import { ACCOUNT, cluster, NOW, POLICY } from '../fixtures';

const failing = (c: ClusterFacts): ClusterEvent => ({ kind: 'new-failure', evaluation: evaluate(c, POLICY, NOW), regression: false });
/** A WARNING: the target meets policy, AWS reported the actual window short. */
const warning = (c: ClusterFacts): ClusterEvent => ({
  kind: 'new-failure',
  evaluation: evaluate(c, POLICY, NOW, { windowAlertCount: 3 }),
  regression: false,
});

const subjectOf = (events: ClusterEvent[]) =>
  buildAlert({ account: ACCOUNT, now: NOW, events, degraded: [], recovered: [] })?.subject ?? '';

describe('alert subject: warnings are counted apart from failures', () => {
  it('says "2 new failures, 1 new warning" for two FAILED clusters and one WARNING', () => {
    const events = [
      failing(cluster({ identifier: 'a', backtrackWindowSeconds: 0 })),
      failing(cluster({ identifier: 'b', backtrackWindowSeconds: 0 })),
      warning(cluster({ identifier: 'c' })),
    ];
    expect(events[2]?.kind === 'new-failure' && events[2].evaluation.status).toBe('WARNING');

    expect(subjectOf(events)).toBe('Aurora Backtrack: 2 new failures, 1 new warning (account 111122223333)');
  });

  it('says "2 new warnings" and no "0 new failures" when only warnings are new', () => {
    const events = [warning(cluster({ identifier: 'c' })), warning(cluster({ identifier: 'd' }))];

    expect(subjectOf(events)).toBe('Aurora Backtrack: 2 new warnings (account 111122223333)');
  });
});

describe('baseline subject: the state found, warnings apart and not "new"', () => {
  it('says "1 failing, 1 warning" in a first scan with one FAILED and one WARNING cluster', () => {
    const events = [failing(cluster({ identifier: 'a', backtrackWindowSeconds: 0 })), warning(cluster({ identifier: 'c' }))];
    const m = buildAlert({ account: ACCOUNT, now: NOW, events, degraded: [], recovered: [], baseline: { clustersChecked: 5 } });

    expect(m?.subject).toBe('Aurora Backtrack baseline: 5 clusters checked, 1 failing, 1 warning (account 111122223333)');
  });
});
