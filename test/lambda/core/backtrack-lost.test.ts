import { buildAlert } from '../../../lambda/core/alert';
import { evaluate } from '../../../lambda/core/evaluate';
import { toFinding } from '../../../lambda/core/finding';
import type { ClusterState } from '../../../lambda/core/state-types';
import { rememberedFacts, stepCluster, type ClusterEvent } from '../../../lambda/core/transitions';
import type { ApiCall, ClusterFacts } from '../../../lambda/core/types';
import { ACCOUNT, ACCOUNT_ID, cluster, NOW, POLICY, state } from '../fixtures';

const PASSING = state({ status: 'PASSED', condition: 'ok', alerted: 'none', windowSeconds: 86_400 });
const ALICE: ApiCall = {
  eventName: 'ModifyDBCluster',
  actor: { kind: 'arn', arn: 'arn:aws:sts::111122223333:assumed-role/Admin/alice' },
  backtrackWindow: 0,
};

/** One run over one cluster: the remembered facts, the verdict and the step, as the judge makes them. */
function judge(facts: ClusterFacts, prev: ClusterState | undefined, call?: ApiCall) {
  const e = evaluate(rememberedFacts(facts, prev, NOW, call), POLICY, NOW);
  const step = stepCluster(e, prev, ACCOUNT_ID, NOW, { firstSight: true, firstSighting: true, ...(call && { call }) });
  return { e, step };
}

const alertOf = (event: ClusterEvent | undefined) =>
  buildAlert({ account: ACCOUNT, now: NOW, events: event ? [event] : [], degraded: [], recovered: [] });

describe('a cluster that had Backtrack and lost it', () => {
  it('is HIGH and says the window can never be raised again, with who: unknown, when a scan sees 0 where the state had > 0', () => {
    const { e, step } = judge(cluster({ backtrackWindowSeconds: 0 }), PASSING);

    expect(e).toMatchObject({ status: 'FAILED', condition: 'disabled', severity: 'HIGH' });
    expect(e.reason).toContain('a window set to 0 can never be raised again on this cluster, so its data must move to a new cluster');
    expect(step.event).toMatchObject({ kind: 'new-failure', regression: true, lost: { at: NOW.toISOString(), by: { kind: 'unknown' } } });
    expect(step.state).toMatchObject({ backtrackLostAt: NOW.toISOString(), backtrackLostBy: { kind: 'unknown' }, windowSeconds: 0 });

    const alert = alertOf(step.event);
    expect(alert?.attributes.severity).toBe('HIGH');
    expect(alert?.email).toContain(
      '- orders (eu-west-1): Backtrack turned off, irreversible: a window set to 0 can never be raised again on this cluster; ' +
        'who: unknown (see CloudTrail ModifyDBCluster) (was passing)',
    );
  });

  it('names who did it from the CloudTrail call that triggered the re-check', () => {
    const { step } = judge(cluster({ backtrackWindowSeconds: 0 }), PASSING, ALICE);

    expect(step.event).toMatchObject({ lost: { by: ALICE.actor } });
    expect(step.state.backtrackLostBy).toEqual(ALICE.actor);
    expect(alertOf(step.event)?.email).toContain('who: arn:aws:sts::111122223333:assumed-role/Admin/alice (was passing)');
  });

  it('keeps a caller-chosen identity inert: no Slack mention or link, no line break in the e-mail', () => {
    const call: ApiCall = {
      ...ALICE,
      actor: { kind: 'principal', type: 'AssumedRole', principalId: 'AROA:<!channel>\n@here <https://x|y>' },
    };
    const { step } = judge(cluster({ backtrackWindowSeconds: 0 }), PASSING, call);
    const alert = alertOf(step.event);
    const card = JSON.parse(alert?.default ?? '{}') as { content: { description: string } };

    expect(card.content.description).toContain('who: AssumedRole AROA:&lt;!channel&gt; @\u2060here &lt;https://x|y&gt;');
    expect(card.content.description).not.toContain('<!channel>');
    expect(alert?.email).toContain('who: AssumedRole AROA:<!channel> @here <https://x|y> (was passing)');
  });

  it('is seen from a ModifyDBCluster that set backtrackWindow 0 even without remembered state', () => {
    const { e, step } = judge(cluster({ backtrackWindowSeconds: 0 }), undefined, ALICE);

    expect(e.severity).toBe('HIGH');
    expect(step.event).toMatchObject({ kind: 'new-failure', lost: { by: ALICE.actor } });
  });

  it('is seen when a window below policy drops to 0: "changed", HIGH, naming who', () => {
    const below = state({ status: 'FAILED', condition: 'below-policy', alerted: 'below-policy', windowSeconds: 3_600 });
    const { step } = judge(cluster({ backtrackWindowSeconds: 0 }), below, ALICE);

    expect(step.event).toMatchObject({ kind: 'changed', from: 'below-policy', lost: { by: ALICE.actor } });
    expect(alertOf(step.event)?.email).toContain(
      '- orders (eu-west-1): window below policy → Backtrack turned off, irreversible: a window set to 0 can never be raised again on this cluster; who: arn:aws:sts::111122223333:assumed-role/Admin/alice',
    );
    expect(alertOf(step.event)?.attributes.severity).toBe('HIGH');
  });

  it('stays HIGH in the finding on later runs, with no new alert, and keeps who did it', () => {
    const first = judge(cluster({ backtrackWindowSeconds: 0 }), PASSING, ALICE).step.state;
    const { e, step } = judge(cluster({ backtrackWindowSeconds: 0 }), first);

    expect(e.severity).toBe('HIGH');
    expect(step.event).toBeUndefined();
    expect(step.state).toMatchObject({ backtrackLostAt: NOW.toISOString(), backtrackLostBy: ALICE.actor });
    expect(toFinding(e, ACCOUNT, NOW, first.since).Severity.Label).toBe('HIGH');
  });
});

describe('a cluster that never had Backtrack', () => {
  it('stays MEDIUM "disabled" with nothing said about a loss, even after a ModifyDBCluster that named window 0', () => {
    const never = state({ status: 'FAILED', condition: 'disabled', alerted: 'none', windowSeconds: 0 });
    const { e, step } = judge(cluster({ backtrackWindowSeconds: 0 }), never, ALICE);

    expect(e.severity).toBe('MEDIUM');
    expect(e.reason).toMatch(/^Backtrack is disabled \(window 0\)/);
    expect(step.event).toMatchObject({ kind: 'new-failure' });
    expect(step.event).not.toHaveProperty('lost');
    expect(step.state.backtrackLostAt).toBeUndefined();
  });

  it('is MEDIUM on first sight without a call (no evidence it ever had a window)', () => {
    expect(judge(cluster({ backtrackWindowSeconds: 0 }), undefined).e.severity).toBe('MEDIUM');
  });
});
