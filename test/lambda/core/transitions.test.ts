import { evaluate } from '../../../lambda/core/evaluate';
import type { ClusterState } from '../../../lambda/core/state-types';
import { clusterKey } from '../../../lambda/core/state-types';
import {
  alertable,
  goneClusters,
  goneSettled,
  rememberedFacts,
  settle,
  stateChanged,
  stepCluster,
  waitsForRunEnd,
  type ClusterEvent,
  type WorkflowChange,
  windowRaisedAt,
} from '../../../lambda/core/transitions';
import type { ClusterFacts, Evaluation } from '../../../lambda/core/types';
import { forgetTagChanges } from '../../../lambda/core/tag-audit';
import { ACCOUNT_ID, cluster, DAY_MS, NOW, POLICY, state } from '../fixtures';

const LATER = new Date(NOW.getTime() + DAY_MS / 2);
const EXEMPT = { 'backtrack-check:exempt': 'true', 'backtrack-check:exempt-reason': 'legacy batch' };

const judge = (c: ClusterFacts, at = NOW): Evaluation => evaluate(c, POLICY, at);
const byPk = (states: ClusterState[]) => new Map(states.map((s) => [s.pk, s]));
const REGIONS = new Set(['eu-west-1']);

interface Transition {
  events: ClusterEvent[];
  next: ClusterState[];
  gone: ClusterState[];
  workflow: WorkflowChange[];
}

/**
 * One run over `clusters` as a scan steps them (in-scope clusters stepped one by one, then the
 * clusters of the complete Regions not seen declared gone), with the state the next run would load.
 */
function run(clusters: ClusterFacts[], previous: ClusterState[], at = NOW, complete = REGIONS): Transition & { stored: ClusterState[] } {
  const before = byPk(previous);
  const t: Transition = { events: [], next: [], gone: [], workflow: [] };
  const seen = new Set<string>();
  for (const c of clusters) {
    const prev = before.get(clusterKey(ACCOUNT_ID, c.region, c.resourceId));
    const e = judge(rememberedFacts(c, prev, at), at);
    if (e.scope !== 'in-scope') continue;
    const step = stepCluster(e, prev, ACCOUNT_ID, at, { firstSighting: before.size > 0 });
    seen.add(step.state.pk);
    t.next.push(step.state);
    if (step.event) t.events.push(step.event);
    if (step.workflow) t.workflow.push(step.workflow);
  }
  for (const region of complete) {
    const { gone, events } = goneClusters(before.values(), region, seen, ACCOUNT_ID);
    t.gone.push(...gone);
    t.events.push(...events);
  }
  const gone = new Set(t.gone.map((g) => g.pk));
  const kept = previous.filter((p) => !gone.has(p.pk) && !t.next.some((n) => n.pk === p.pk));
  return { ...t, stored: [...kept, ...t.next] };
}

const kinds = (t: Transition) => t.events.map((e) => e.kind);

describe('stepCluster and goneClusters over a run', () => {
  const failing = cluster({ identifier: 'orders', backtrackWindowSeconds: 0 });
  const short = cluster({ identifier: 'billing', backtrackWindowSeconds: 3_600 });
  const passing = cluster({ identifier: 'catalog' });

  it('on the first run reports every current failure as new and nothing about passing clusters', () => {
    const t = run([failing, short, passing], []);

    expect(kinds(t)).toEqual(['new-failure', 'new-failure']);
    expect(t.events.every((e) => e.kind === 'new-failure' && !e.regression)).toBe(true);
    expect(t.next.map((s) => [s.identifier, s.alerted])).toEqual([
      ['orders', 'disabled'],
      ['billing', 'below-policy'],
      ['catalog', 'none'],
    ]);
  });

  it('on a second identical run reports nothing and changes no stored state', () => {
    const first = run([failing, short, passing], []);

    const second = run([failing, short, passing], first.stored, LATER);

    expect(second.events).toEqual([]);
    expect(second.workflow).toEqual([]);
    const before = byPk(first.stored);
    expect(second.next.filter((s) => stateChanged(before.get(s.pk), s))).toEqual([]);
  });

  it('reports a PASSED cluster that now fails as a regression', () => {
    const first = run([passing], []);

    const second = run([{ ...passing, backtrackWindowSeconds: 3_600 }], first.stored, LATER);

    expect(second.events).toEqual([expect.objectContaining({ kind: 'new-failure', regression: true })]);
    expect(second.next[0]?.since).toBe(LATER.toISOString());
  });

  it('reports a FAILED cluster that now passes as fixed', () => {
    const first = run([short], []);

    const second = run([{ ...short, backtrackWindowSeconds: 86_400 }], first.stored, LATER);

    expect(second.events).toEqual([expect.objectContaining({ kind: 'fixed', from: 'below-policy' })]);
    expect(second.next[0]?.alerted).toBe('none');
  });

  it('reports a failing cluster whose condition changed (disabled → below policy) as changed', () => {
    const first = run([failing], []);

    const second = run([{ ...failing, backtrackWindowSeconds: 3_600 }], first.stored, LATER);

    expect(second.events).toEqual([expect.objectContaining({ kind: 'changed', from: 'disabled' })]);
  });

  it('keeps the first-failed time while the condition stays the same', () => {
    const first = run([failing], []);

    const second = run([failing], first.stored, LATER);

    expect(second.next[0]?.since).toBe(NOW.toISOString());
  });

  it('an exemption added to a failing cluster is named once as granted and suppresses its finding with the reason and cap as note', () => {
    const first = run([failing], []);

    const second = run([{ ...failing, tags: EXEMPT }], first.stored, LATER);
    const third = run([{ ...failing, tags: EXEMPT }], second.stored, new Date(LATER.getTime() + DAY_MS));

    expect(second.events).toEqual([expect.objectContaining({ kind: 'tag-change', tagChanges: [{ kind: 'exemption-granted' }] })]);
    expect(third.events).toEqual([]);
    const cap = new Date(LATER.getTime() + 90 * DAY_MS).toISOString().replace('.000Z', 'Z');
    expect(second.workflow).toEqual([
      {
        pk: clusterKey(ACCOUNT_ID, 'eu-west-1', failing.resourceId),
        region: 'eu-west-1',
        resourceId: failing.resourceId,
        status: 'SUPPRESSED',
        note: `Exempt from the Backtrack check until ${cap} (capped: the longest an exemption may last; the tag gives no expiry): legacy batch`,
      },
    ]);
    expect(second.next[0]).toMatchObject({ suppressed: true, alerted: 'none', workflow: 'SUPPRESSED', exemptReason: 'legacy batch' });
  });

  it('does not set the workflow again while the exemption stays the same, but does when its note changes', () => {
    const first = run([{ ...failing, tags: EXEMPT }], []);

    const same = run([{ ...failing, tags: EXEMPT }], first.stored, LATER);
    const newReason = run(
      [{ ...failing, tags: { ...EXEMPT, 'backtrack-check:exempt-reason': 'until Q2 migration' } }],
      first.stored,
      LATER,
    );

    expect(same.workflow).toEqual([]);
    expect(newReason.workflow).toEqual([
      expect.objectContaining({ status: 'SUPPRESSED', note: expect.stringContaining('until Q2 migration') }),
    ]);
  });

  it('an exemption removed from a failing cluster sets the workflow back to NEW and reports the failure again', () => {
    const first = run([{ ...failing, tags: EXEMPT }], []);

    const second = run([failing], first.stored, LATER);

    expect(second.workflow).toEqual([expect.objectContaining({ status: 'NEW', note: 'Exemption removed: the cluster is judged again.' })]);
    expect(kinds(second)).toEqual(['new-failure']);
    expect(second.next[0]).toMatchObject({ suppressed: false, workflow: 'NEW', alerted: 'disabled' });
    expect(second.next[0]?.workflowNote).toBeUndefined();
  });

  it('an exemption that expires raises exactly one "exemption-expired" event, and none on the next run', () => {
    const tags = { ...EXEMPT, 'backtrack-check:exempt-until': '2026-11-20' };
    const first = run([{ ...failing, tags }], []);
    const afterExpiry = new Date('2026-11-21T06:00:00.000Z');
    const nextDay = new Date('2026-11-22T06:00:00.000Z');

    const expired = run([{ ...failing, tags }], first.stored, afterExpiry);
    const again = run([{ ...failing, tags }], expired.stored, nextDay);

    expect(first.events).toEqual([]);
    expect(kinds(expired)).toEqual(['exemption-expired']);
    expect(expired.workflow).toEqual([
      expect.objectContaining({ status: 'NEW', note: expect.stringContaining('Exemption expired (2026-11-20)') }),
    ]);
    expect(expired.next[0]).toMatchObject({ suppressed: false, expiryAlerted: true, alerted: 'disabled' });
    expect(again.events).toEqual([]);
    expect(again.workflow).toEqual([]);
  });

  it('a deleted failing cluster raises a "deleted" event; a deleted passing cluster is archived silently', () => {
    const first = run([failing, passing], []);

    const second = run([], first.stored, LATER);

    expect(second.gone.map((g) => g.identifier).sort()).toEqual(['catalog', 'orders']);
    expect(second.events).toEqual([expect.objectContaining({ kind: 'deleted', state: expect.objectContaining({ identifier: 'orders' }) })]);
  });

  it('declares nothing gone in a Region whose cluster list was not read in full', () => {
    const first = run([failing, passing], []);

    const second = run([], first.stored, LATER, new Set());

    expect(second.gone).toEqual([]);
    expect(second.events).toEqual([]);
  });

  it('declares gone only clusters of the complete Regions', () => {
    const elsewhere = state({ identifier: 'tokyo', region: 'ap-northeast-1' });
    const here = state({ identifier: 'orders' });

    const t = run([], [elsewhere, here]);

    expect(t.gone.map((g) => g.identifier)).toEqual(['orders']);
  });

  it('ignores out-of-scope clusters entirely', () => {
    const t = run([cluster({ engine: 'aurora-postgresql', backtrackWindowSeconds: 0 })], []);

    expect(t.next).toEqual([]);
    expect(t.events).toEqual([]);
  });

  it('an exempt failing cluster seen for the first time is not alerted', () => {
    const t = run([{ ...failing, tags: EXEMPT }], []);

    expect(t.events).toEqual([]);
    expect(t.next[0]).toMatchObject({ suppressed: true, alerted: 'none' });
  });
});

describe('goneClusters', () => {
  it('keeps the clusters named in `keep` (their description was unusable this run)', () => {
    const unreadable = state({ identifier: 'unreadable' });
    const deleted = state({ identifier: 'deleted' });

    const { gone, events } = goneClusters([unreadable, deleted], 'eu-west-1', new Set(), ACCOUNT_ID, new Set([unreadable.pk]));

    expect(gone.map((g) => g.identifier)).toEqual(['deleted']);
    expect(events).toHaveLength(1);
  });

  it('ignores clusters seen this run and clusters of other accounts', () => {
    const seen = state({ identifier: 'seen' });
    const foreign = { ...state({ identifier: 'foreign' }), accountId: '999988887777' };

    expect(goneClusters([seen, foreign], 'eu-west-1', new Set([seen.pk]), ACCOUNT_ID).gone).toEqual([]);
  });
});

describe('stepCluster', () => {
  it('stores the state keyed by account, Region and resource id', () => {
    const c = cluster({ backtrackWindowSeconds: 0 });

    const step = stepCluster(judge(c), undefined, ACCOUNT_ID, NOW);

    expect(step.state.pk).toBe(`cluster#${ACCOUNT_ID}#eu-west-1#${c.resourceId}`);
    expect(step.state).toMatchObject({ status: 'FAILED', condition: 'disabled', since: NOW.toISOString(), alerted: 'disabled' });
    expect(step.event?.kind).toBe('new-failure');
  });

  it('keeps the remembered state of a renamed cluster (same resource id) and updates its name', () => {
    const prev = state({ identifier: 'orders', resourceId: 'cluster-R', alerted: 'disabled' });

    const step = stepCluster(
      judge(cluster({ identifier: 'orders-renamed', resourceId: 'cluster-R', backtrackWindowSeconds: 0 })),
      prev,
      ACCOUNT_ID,
      NOW,
    );

    expect(step.event).toBeUndefined();
    expect(step.state).toMatchObject({ pk: prev.pk, identifier: 'orders-renamed', since: prev.since });
  });
});

describe('alertable', () => {
  it.each([
    ['a failing cluster', cluster({ backtrackWindowSeconds: 0 }), 'disabled'],
    ['a warning cluster', cluster({ earliestBacktrackTime: new Date(NOW.getTime() - 3_600_000) }), 'actual-short'],
    ['a passing cluster', cluster(), 'none'],
    ['a cluster that cannot use Backtrack', cluster({ engineMode: 'serverless' }), 'none'],
    ['an exempt failing cluster', cluster({ backtrackWindowSeconds: 0, tags: EXEMPT }), 'none'],
  ])('%s → %s', (_name, c, expected) => {
    expect(alertable(judge(c))).toBe(expected);
  });
});

describe('windowRaisedAt', () => {
  it('dates a window raised since the last run to now', () => {
    expect(windowRaisedAt(cluster({ backtrackWindowSeconds: 86_400 }), state({ windowSeconds: 3_600 }), NOW)).toEqual(NOW);
  });

  it('keeps the remembered date when the window is unchanged or lowered', () => {
    const at = '2026-11-19T00:00:00.000Z';
    expect(windowRaisedAt(cluster({ backtrackWindowSeconds: 86_400 }), state({ windowSeconds: 86_400, windowSetAt: at }), NOW)).toEqual(
      new Date(at),
    );
    expect(windowRaisedAt(cluster({ backtrackWindowSeconds: 3_600 }), state({ windowSeconds: 86_400, windowSetAt: at }), NOW)).toEqual(
      new Date(at),
    );
  });

  it('has no date for a cluster never seen before (its creation time serves)', () => {
    expect(windowRaisedAt(cluster(), undefined, NOW)).toBeUndefined();
  });

  it('is remembered in the next state so the window keeps filling across runs', () => {
    const step = stepCluster(
      evaluate(cluster({ backtrackWindowSeconds: 86_400 }), POLICY, NOW),
      state({ windowSeconds: 3_600 }),
      ACCOUNT_ID,
      NOW,
    );

    expect(step.state).toMatchObject({ windowSeconds: 86_400, windowSetAt: NOW.toISOString() });
  });
});

describe('tag audit', () => {
  const failing = cluster({ identifier: 'orders', backtrackWindowSeconds: 0 });
  const passing = cluster({ identifier: 'orders' });
  // Remembered in a Region this run does not list in full, so it is not taken for deleted.
  const other = state({ identifier: 'someone-else', region: 'us-east-1', resourceId: 'cluster-OTHER' });
  const changesOf = (t: Transition) => t.events.flatMap((e) => (e.kind === 'deleted' ? [] : (e.tagChanges ?? [])));

  it('names a changed exemption expiry once, with the old and new value', () => {
    const first = run([{ ...failing, tags: { ...EXEMPT, 'backtrack-check:exempt-until': '2026-12-01' } }], [other]);

    const second = run([{ ...failing, tags: { ...EXEMPT, 'backtrack-check:exempt-until': '2026-12-31' } }], first.stored, LATER);
    const third = run([{ ...failing, tags: { ...EXEMPT, 'backtrack-check:exempt-until': '2026-12-31' } }], second.stored, LATER);

    expect(changesOf(second)).toEqual([{ kind: 'exemption-changed', fromUntil: '2026-12-01', fromReason: 'legacy batch' }]);
    expect(third.events).toEqual([]);
  });

  it('names a changed exemption reason once', () => {
    const first = run([{ ...failing, tags: EXEMPT }], [other]);

    const second = run([{ ...failing, tags: { ...EXEMPT, 'backtrack-check:exempt-reason': 'forever' } }], first.stored, LATER);

    expect(changesOf(second)).toEqual([{ kind: 'exemption-changed', fromReason: 'legacy batch' }]);
  });

  it('names a new policy tag below the account minimum, and again when it is lowered further, but not a raise above it', () => {
    const first = run([passing], [other]);

    const lowered = run([{ ...passing, tags: { 'backtrack-check:min-window-hours': '12' } }], first.stored, LATER);
    const lower = run([{ ...passing, tags: { 'backtrack-check:min-window-hours': '1' } }], lowered.stored, LATER);
    const raised = run([{ ...passing, tags: { 'backtrack-check:min-window-hours': '48' } }], first.stored, LATER);
    const atMinimum = run([{ ...passing, tags: { 'backtrack-check:min-window-hours': '24' } }], first.stored, LATER);

    expect(changesOf(lowered)).toEqual([{ kind: 'policy-lowered' }]);
    expect(changesOf(lower)).toEqual([{ kind: 'policy-lowered', fromHours: 12 }]);
    expect(changesOf(raised)).toEqual([]);
    expect(changesOf(atMinimum)).toEqual([]);
  });

  it('names the exemption of a cluster seen for the first time while other clusters are remembered', () => {
    const t = run([{ ...failing, tags: EXEMPT }], [other]);

    expect(t.events).toEqual([expect.objectContaining({ kind: 'tag-change', tagChanges: [{ kind: 'exemption-granted' }] })]);
  });

  it('takes the tags of the first run (nothing remembered) as the baseline and names nothing', () => {
    const t = run(
      [
        { ...failing, tags: { ...EXEMPT } },
        { ...passing, identifier: 'dev', tags: { 'backtrack-check:min-window-hours': '1' } },
      ],
      [],
    );

    expect(changesOf(t)).toEqual([]);
  });

  it('carries the tag change with the verdict event when both happen (a lowered tag that makes a failure pass)', () => {
    const below = cluster({ identifier: 'orders', backtrackWindowSeconds: 3_600 });
    const first = run([below], [other]);

    const second = run([{ ...below, tags: { 'backtrack-check:min-window-hours': '1' } }], first.stored, LATER);

    expect(second.events).toEqual([expect.objectContaining({ kind: 'fixed', tagChanges: [{ kind: 'policy-lowered' }] })]);
  });

  it('forgetTagChanges puts back what was remembered, so an alert that was not sent names the change again', () => {
    const first = run([failing], [other]);
    const second = run([{ ...failing, tags: { ...EXEMPT, 'backtrack-check:min-window-hours': '2' } }], first.stored, LATER);
    const next = { ...(second.next[0] as ClusterState) };

    forgetTagChanges(next, first.next[0]);

    expect(next).toMatchObject({ suppressed: false });
    expect(next.exemptReason).toBeUndefined();
    expect(next.policyHours).toBeUndefined();
    const again = run([{ ...failing, tags: { ...EXEMPT, 'backtrack-check:min-window-hours': '2' } }], [other, next], LATER);
    expect(changesOf(again).map((c) => c.kind)).toEqual(['exemption-granted', 'policy-lowered']);
  });
});

describe('exemption cap (maxExemptionDays)', () => {
  const failing = cluster({ identifier: 'orders', backtrackWindowSeconds: 0 });
  const FOREVER = { ...EXEMPT, 'backtrack-check:exempt-until': '9999-12-31' };
  const at = (ms: number) => new Date(NOW.getTime() + ms);

  it('remembers when the exemption was first seen and keeps it while the tag says true', () => {
    const first = run([{ ...failing, tags: FOREVER }], []);
    const later = run([{ ...failing, tags: FOREVER }], first.stored, at(30 * DAY_MS));

    expect(first.next[0]?.exemptSince).toBe('2026-11-20T12:00:00Z');
    expect(later.next[0]?.exemptSince).toBe('2026-11-20T12:00:00Z');
    expect(later.next[0]?.exemptCappedAt).toBe('2027-02-18T12:00:00Z');
  });

  it('keeps an exemption up to one millisecond before first-seen + 90 days and ends it at exactly 90 days, saying so once', () => {
    const first = run([{ ...failing, tags: FOREVER }], []);

    const justBefore = run([{ ...failing, tags: FOREVER }], first.stored, at(90 * DAY_MS - 1));
    const atCap = run([{ ...failing, tags: FOREVER }], justBefore.stored, at(90 * DAY_MS));
    const after = run([{ ...failing, tags: FOREVER }], atCap.stored, at(91 * DAY_MS));

    expect(justBefore.next[0]).toMatchObject({ suppressed: true });
    expect(kinds(atCap)).toEqual(['exemption-expired']);
    expect(atCap.next[0]).toMatchObject({ suppressed: false, alerted: 'disabled', exemptSince: '2026-11-20T12:00:00Z' });
    expect(after.events).toEqual([]);
  });

  it('does not cap an expiry that comes before the cap', () => {
    const first = run([{ ...failing, tags: { ...EXEMPT, 'backtrack-check:exempt-until': '2026-12-01' } }], []);

    expect(first.next[0]?.exemptCappedAt).toBeUndefined();
    expect(first.next[0]?.exemptUntil).toBe('2026-12-01');
  });

  it('starts the cap again only after the exemption tag was removed (a new grant, which is named)', () => {
    const first = run([{ ...failing, tags: FOREVER }], [state({ identifier: 'x', region: 'us-east-1', resourceId: 'cluster-X' })]);
    const removed = run([failing], first.stored, at(100 * DAY_MS));
    const again = run([{ ...failing, tags: FOREVER }], removed.stored, at(101 * DAY_MS));

    expect(removed.next[0]?.exemptSince).toBeUndefined();
    expect(again.next[0]).toMatchObject({
      suppressed: true,
      exemptSince: at(101 * DAY_MS)
        .toISOString()
        .replace('.000Z', 'Z'),
    });
    expect(changesOf(again)).toEqual([{ kind: 'exemption-granted' }]);
  });

  const changesOf = (t: Transition) => t.events.flatMap((e) => (e.kind === 'deleted' ? [] : (e.tagChanges ?? [])));
});

describe('settle', () => {
  const prev = state({ status: 'PASSED', condition: 'ok', alerted: 'none', workflow: 'NEW', since: NOW.toISOString() });
  const regressed = stepCluster(judge(cluster({ backtrackWindowSeconds: 0 }), LATER), prev, ACCOUNT_ID, LATER);

  it('stores the next state as is when the alert was delivered and the workflow set', () => {
    expect(settle({ ...regressed, prev }, true, true)).toEqual(regressed.state);
  });

  it('does not remember as told an event whose alert was not delivered: the alerted condition and the verdict stay as before', () => {
    const s = settle({ ...regressed, prev }, false, true);

    expect(regressed.event).toMatchObject({ kind: 'new-failure', regression: true });
    expect(s).toMatchObject({ alerted: 'none', status: 'PASSED', condition: 'disabled' });
  });

  it("keeps a new cluster's alerted condition at none when its alert was not delivered", () => {
    const first = stepCluster(judge(cluster({ backtrackWindowSeconds: 0 })), undefined, ACCOUNT_ID, NOW);

    expect(settle(first, false, true)).toMatchObject({ alerted: 'none', status: 'FAILED' });
  });

  it('changes nothing for a cluster without an event when the alert was not delivered', () => {
    const quiet = stepCluster(judge(cluster({ backtrackWindowSeconds: 0 }), LATER), state({ alerted: 'disabled' }), ACCOUNT_ID, LATER);

    expect(quiet.event).toBeUndefined();
    expect(settle(quiet, false, true)).toEqual(quiet.state);
  });

  it('does not remember an expiry as alerted when that alert was not delivered', () => {
    const tags = { ...EXEMPT, 'backtrack-check:exempt-until': '2026-11-01' };
    const before = state({ suppressed: true, alerted: 'none', workflow: 'SUPPRESSED', exemptUntil: '2026-11-01' });
    const expired = stepCluster(judge(cluster({ backtrackWindowSeconds: 0, tags }), LATER), before, ACCOUNT_ID, LATER);

    expect(expired.event?.kind).toBe('exemption-expired');
    expect(expired.state.expiryAlerted).toBe(true);
    expect(settle({ ...expired, prev: before }, false, true)).not.toHaveProperty('expiryAlerted');
    expect(settle({ ...expired, prev: { ...before, expiryAlerted: true } }, false, true).expiryAlerted).toBe(true);
  });

  it('forgets the tag changes of an undelivered alert, so the next run names them again', () => {
    const before = state({ alerted: 'disabled' });
    const granted = stepCluster(judge(cluster({ backtrackWindowSeconds: 0, tags: EXEMPT }), LATER), before, ACCOUNT_ID, LATER, {
      firstSighting: true,
    });

    expect(granted.event?.kind === 'deleted' ? [] : (granted.event?.tagChanges ?? []).map((t) => t.kind)).toEqual(['exemption-granted']);
    expect(settle({ ...granted, prev: before }, false, true)).toMatchObject({ suppressed: false });
    expect(settle({ ...granted, prev: before }, false, true)).not.toHaveProperty('exemptReason');
    expect(settle({ ...granted, prev: before }, true, true)).toMatchObject({ suppressed: true, exemptReason: 'legacy batch' });
  });

  it('keeps the workflow remembered before when Security Hub did not take the change', () => {
    const before = state({ alerted: 'disabled', workflow: 'NEW', workflowNote: 'old note' });
    const exempted = stepCluster(judge(cluster({ backtrackWindowSeconds: 0, tags: EXEMPT }), LATER), before, ACCOUNT_ID, LATER);

    expect(exempted.state.workflow).toBe('SUPPRESSED');
    expect(settle({ ...exempted, prev: before }, true, false)).toMatchObject({ workflow: 'NEW', workflowNote: 'old note' });
  });

  it('stores no workflow for a new cluster whose first workflow Security Hub did not take', () => {
    const first = stepCluster(judge(cluster({ backtrackWindowSeconds: 0, tags: EXEMPT })), undefined, ACCOUNT_ID, NOW, {
      firstSight: true,
    });

    expect(first.state.workflow).toBe('SUPPRESSED');
    const s = settle(first, true, false);
    expect(s).not.toHaveProperty('workflow');
    expect(s).not.toHaveProperty('workflowNote');
  });
});

describe('goneSettled', () => {
  it.each([
    ['removes a silent deletion once archived, even when the alert was lost', 'none', false, true, true],
    ['removes an alerted deletion once told and archived', 'disabled', true, true, true],
    ['keeps an alerted deletion whose alert was lost', 'disabled', false, true, false],
    ['keeps a deletion whose archived finding Security Hub did not take', 'none', true, false, false],
  ] as const)('%s', (_case, alerted, delivered, archived, removed) => {
    expect(goneSettled(state({ alerted }), delivered, archived)).toBe(removed);
  });
});

describe('waitsForRunEnd', () => {
  it('keeps a cluster with an event until the alert is sent', () => {
    const first = stepCluster(judge(cluster({ backtrackWindowSeconds: 0 })), undefined, ACCOUNT_ID, NOW);

    expect(first.event?.kind).toBe('new-failure');
    expect(waitsForRunEnd(first)).toBe(true);
  });

  it('keeps a cluster with a workflow change and no event until Security Hub took it (first sight of a passing cluster)', () => {
    const first = stepCluster(judge(cluster()), undefined, ACCOUNT_ID, NOW, { firstSight: true });

    expect(first.event).toBeUndefined();
    expect(first.workflow?.status).toBe('NEW');
    expect(waitsForRunEnd(first)).toBe(true);
  });

  it('writes at once a cluster with neither (a passing cluster seen before)', () => {
    const again = stepCluster(judge(cluster(), LATER), state({ status: 'PASSED', condition: 'ok', alerted: 'none' }), ACCOUNT_ID, LATER);

    expect(waitsForRunEnd(again)).toBe(false);
  });
});
