import { evaluate } from '../../../lambda/core/evaluate';
import { exemptionNote } from '../../../lambda/core/finding';
import { FIRST_SIGHT_NOTE, goneClusters, rememberedFacts, stateChanged, stepCluster } from '../../../lambda/core/transitions';
import type { ClusterFacts } from '../../../lambda/core/types';
import { ACCOUNT_ID, cluster, NOW, POLICY, state } from '../fixtures';

const EXEMPT = { 'backtrack-check:exempt': 'true', 'backtrack-check:exempt-reason': 'legacy batch' };
const judge = (c: ClusterFacts) => evaluate(c, POLICY, NOW);

describe('stepCluster: the workflow on first sight', () => {
  it('sets a cluster that is not exempt to NEW with the first-sight note, and remembers NEW without a note', () => {
    const step = stepCluster(judge(cluster({ backtrackWindowSeconds: 0 })), undefined, ACCOUNT_ID, NOW, { firstSight: true });

    expect(step.workflow).toEqual({
      pk: step.state.pk,
      region: 'eu-west-1',
      resourceId: 'cluster-ORDERS',
      status: 'NEW',
      note: FIRST_SIGHT_NOTE,
    });
    expect(step.state.workflow).toBe('NEW');
    expect(step.state).not.toHaveProperty('workflowNote');
  });

  it('suppresses an exempt cluster with the exemption as note', () => {
    const e = judge(cluster({ backtrackWindowSeconds: 0, tags: EXEMPT }));

    const step = stepCluster(e, undefined, ACCOUNT_ID, NOW, { firstSight: true });

    expect(step.workflow).toMatchObject({ status: 'SUPPRESSED', note: exemptionNote(e) });
    expect(step.state).toMatchObject({ workflow: 'SUPPRESSED', workflowNote: exemptionNote(e), suppressed: true });
  });

  it('leaves the workflow alone when the cluster is not seen for the first time by this state', () => {
    const step = stepCluster(judge(cluster({ backtrackWindowSeconds: 0 })), undefined, ACCOUNT_ID, NOW);

    expect(step.workflow).toBeUndefined();
    expect(step.state).not.toHaveProperty('workflow');
  });

  it('keeps the workflow and note it set before while nothing about the exemption changes', () => {
    const prev = state({ workflow: 'NEW', workflowNote: 'set by hand', alerted: 'disabled' });

    const step = stepCluster(judge(cluster({ backtrackWindowSeconds: 0 })), prev, ACCOUNT_ID, NOW, { firstSight: true });

    expect(step.workflow).toBeUndefined();
    expect(step.state).toMatchObject({ workflow: 'NEW', workflowNote: 'set by hand' });
  });
});

describe('stepCluster: what is remembered', () => {
  it('remembers the reason, expiry, cap and first sighting of an exemption in force, and the policy tag', () => {
    const tags = { ...EXEMPT, 'backtrack-check:exempt-until': '2099-12-31', 'backtrack-check:min-window-hours': '12' };

    const { state: s } = stepCluster(judge(cluster({ tags })), undefined, ACCOUNT_ID, NOW);

    expect(s).toMatchObject({
      suppressed: true,
      exemptReason: 'legacy batch',
      exemptUntil: '2099-12-31',
      exemptCappedAt: '2027-02-18T12:00:00Z',
      exemptSince: '2026-11-20T12:00:00Z',
      policyHours: 12,
      windowSeconds: 86_400,
    });
    expect(s).not.toHaveProperty('expiryAlerted');
  });

  it('remembers nothing of an exemption that does not apply, and no policy hours without the tag', () => {
    const { state: s } = stepCluster(
      judge(cluster({ tags: { 'backtrack-check:exempt': 'false', 'backtrack-check:exempt-reason': 'why' } })),
      undefined,
      ACCOUNT_ID,
      NOW,
    );

    for (const k of ['exemptReason', 'exemptUntil', 'exemptCappedAt', 'exemptSince', 'policyHours', 'expiryAlerted']) {
      expect(s).not.toHaveProperty(k);
    }
    expect(s.suppressed).toBe(false);
  });

  it('remembers the expiry of an expired exemption and that its expiry was alerted', () => {
    const tags = { 'backtrack-check:exempt': 'true', 'backtrack-check:exempt-until': '2026-11-01' };

    const { state: s } = stepCluster(judge(cluster({ tags })), undefined, ACCOUNT_ID, NOW);

    expect(s).toMatchObject({ suppressed: false, exemptUntil: '2026-11-01', expiryAlerted: true });
    expect(s).not.toHaveProperty('exemptReason');
  });

  it('records an absent window as 0', () => {
    expect(stepCluster(judge(cluster({ backtrackWindowSeconds: undefined })), undefined, ACCOUNT_ID, NOW).state.windowSeconds).toBe(0);
  });

  it('a new failure of a cluster that was failing unnoticed (alerted none) is not a regression', () => {
    const step = stepCluster(judge(cluster({ backtrackWindowSeconds: 0 })), state({ status: 'FAILED', alerted: 'none' }), ACCOUNT_ID, NOW);

    expect(step.event).toMatchObject({ kind: 'new-failure', regression: false });
  });
});

describe('stateChanged', () => {
  const s = state({ windowSeconds: 86_400 });

  it('is true without a stored state, for any changed value and for a key only one side has', () => {
    expect(stateChanged(undefined, s)).toBe(true);
    expect(stateChanged(s, { ...s, windowSeconds: 3_600 })).toBe(true);
    expect(stateChanged(s, { ...s, policyHours: 12 })).toBe(true);
    expect(stateChanged({ ...s, policyHours: 12 }, s)).toBe(true);
  });

  it('is false for an equal state', () => {
    expect(stateChanged(s, { ...s })).toBe(false);
  });
});

describe('goneClusters', () => {
  it('archives a cluster that was passing without an event, and one that was failing with a "deleted" event', () => {
    const passing = state({ identifier: 'quiet', resourceId: 'cluster-QUIET', alerted: 'none' });
    const failing = state({ identifier: 'loud', resourceId: 'cluster-LOUD', alerted: 'disabled' });

    const { gone, events } = goneClusters([passing, failing], 'eu-west-1', new Set(), ACCOUNT_ID);

    expect(gone).toEqual([passing, failing]);
    expect(events).toEqual([{ kind: 'deleted', state: failing }]);
  });
});

describe('rememberedFacts and events from memory', () => {
  it('adds when the window was raised and when the exemption was first seen', () => {
    const prev = state({ windowSeconds: 3_600, exemptSince: '2026-11-01T00:00:00Z' });

    const facts = rememberedFacts(cluster(), prev, NOW);

    expect(facts.windowSetAt).toEqual(NOW);
    expect(facts.exemptSince).toEqual(new Date('2026-11-01T00:00:00Z'));
  });

  it('names a change from one failing condition to another as changed, from what people were told', () => {
    const step = stepCluster(judge(cluster({ backtrackWindowSeconds: 3_600 })), state({ alerted: 'disabled' }), ACCOUNT_ID, NOW);

    expect(step.event).toMatchObject({ kind: 'changed', from: 'disabled' });
  });

  it('does not name the exemption of a cluster without state unless told it is a first sighting', () => {
    const e = judge(cluster({ tags: EXEMPT }));

    expect(stepCluster(e, undefined, ACCOUNT_ID, NOW).event).toBeUndefined();
    expect(stepCluster(e, undefined, ACCOUNT_ID, NOW, { firstSighting: true }).event).toMatchObject({ kind: 'tag-change' });
  });
});
