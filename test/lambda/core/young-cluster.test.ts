import { buildAlert } from '../../../lambda/core/alert';
import { evaluate } from '../../../lambda/core/evaluate';
import { rememberedFacts, stepCluster, type ClusterEvent } from '../../../lambda/core/transitions';
import type { ApiCall, ClusterFacts } from '../../../lambda/core/types';
import { YOUNG_CLUSTER_HOURS, youngCluster } from '../../../lambda/core/young-cluster';
import { ACCOUNT, ACCOUNT_ID, cluster, HOUR, NOW, POLICY, secondsAgo } from '../fixtures';

const CREATE: ApiCall = {
  eventName: 'CreateDBCluster',
  actor: { kind: 'arn', arn: 'arn:aws:sts::111122223333:assumed-role/dba/alice' },
  eventTime: '2026-11-20T11:48:00Z',
};

/** One run over a cluster never seen before, as the judge makes it. */
function judge(facts: ClusterFacts, call?: ApiCall) {
  const e = evaluate(rememberedFacts(facts, undefined, NOW, call), POLICY, NOW);
  const step = stepCluster(e, undefined, ACCOUNT_ID, NOW, { firstSight: true, ...(call && { call }) });
  return { e, step };
}

const alertOf = (event: ClusterEvent | undefined) =>
  buildAlert({ account: ACCOUNT, now: NOW, events: event ? [event] : [], degraded: [], recovered: [] });
const cardOf = (event: ClusterEvent | undefined) =>
  JSON.parse(alertOf(event)?.default ?? '{}') as { content: { description: string; nextSteps?: string[] } };

const ADVICE =
  '  Re-create it now, while it holds little or no data: delete it and create it again with --backtrack-window 86400, ' +
  'or run: aurora-backtrack-check migrate --cluster orders --region eu-west-1 --window-hours 24. ' +
  'That costs far less now than a migration and cut-over later.';

describe('the minute after creation: a cluster created without Backtrack', () => {
  it('after CreateDBCluster, alerts that it was created N minutes ago (from the event time) and tells to re-create it now or migrate', () => {
    const { step } = judge(cluster({ backtrackWindowSeconds: 0, createdAt: secondsAgo(11 * 60) }), CREATE);

    expect(step.event).toMatchObject({ kind: 'new-failure', young: { minutes: 12, from: 'call', at: '2026-11-20T11:48:00Z' } });
    const email = alertOf(step.event)?.email ?? '';
    expect(email).toContain(
      '- orders (eu-west-1): Backtrack disabled; created 12 minutes ago (CloudTrail CreateDBCluster 2026-11-20T11:48:00Z)\n' +
        '  Backtrack is disabled (window 0); required: 86400 s (24 h), the account policy\n' +
        `${ADVICE}\n` +
        '  Fix: aws rds restore-db-cluster-to-point-in-time',
    );
    const card = cardOf(step.event);
    expect(card.content.description).toContain('*orders* (eu-west-1): Backtrack disabled; created 12 minutes ago — ');
    expect(card.content.nextSteps).toEqual([
      'orders (eu-west-1): re-create it now, while it holds little or no data: create it again with --backtrack-window 86400, ' +
        'or aurora-backtrack-check migrate --cluster orders --region eu-west-1 --window-hours 24',
    ]);
  });

  it('seen by a scan, takes its age from ClusterCreateTime', () => {
    const { step } = judge(cluster({ backtrackWindowSeconds: 0, createdAt: secondsAgo(3 * HOUR + 5 * 60) }));

    expect(alertOf(step.event)?.email).toContain(
      '- orders (eu-west-1): Backtrack disabled; created 3 h 5 min ago (ClusterCreateTime 2026-11-20T08:55:00Z)\n' +
        '  Backtrack is disabled (window 0); required: 86400 s (24 h), the account policy\n' +
        `${ADVICE}\n`,
    );
  });

  it('says nothing of re-creating once it is 6 hours old', () => {
    const { step } = judge(cluster({ backtrackWindowSeconds: 0, createdAt: secondsAgo(YOUNG_CLUSTER_HOURS * HOUR) }));

    expect(step.event).toMatchObject({ kind: 'new-failure' });
    expect(step.event).not.toHaveProperty('young');
    expect(alertOf(step.event)?.email).not.toContain('Re-create it now');
  });

  it('says nothing of re-creating a young cluster whose window is only short: that is raised in place', () => {
    const { step } = judge(cluster({ backtrackWindowSeconds: HOUR, createdAt: secondsAgo(60) }), CREATE);

    expect(step.event).toMatchObject({ kind: 'new-failure' });
    expect(step.event).not.toHaveProperty('young');
    expect(alertOf(step.event)?.email).not.toContain('Re-create it now');
  });

  it('does not date a restored cluster by the call that triggered the re-check (it holds the restored data)', () => {
    const restore: ApiCall = { ...CREATE, eventName: 'RestoreDBClusterToPointInTime' };
    const e = evaluate(cluster({ backtrackWindowSeconds: 0, createdAt: undefined }), POLICY, NOW);

    expect(youngCluster(e, NOW, restore)).toBeUndefined();
    expect(youngCluster(e, NOW, CREATE)).toEqual({ minutes: 12, from: 'call', at: '2026-11-20T11:48:00Z' });
  });
});
