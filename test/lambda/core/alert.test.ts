import { buildAlert, buildReminder, messageBytes, type AlertInput, type AlertMessage } from '../../../lambda/core/alert';
import { evaluate } from '../../../lambda/core/evaluate';
import type { ClusterEvent } from '../../../lambda/core/transitions';
import type { ClusterFacts } from '../../../lambda/core/types';
import { ACCOUNT, cluster, NOW, POLICY, state } from '../fixtures';

const SNS_LIMIT = 256 * 1024;

const newFailure = (c: ClusterFacts, regression = false): ClusterEvent => ({
  kind: 'new-failure',
  evaluation: evaluate(c, POLICY, NOW),
  regression,
});

const input = (overrides: Partial<AlertInput> = {}): AlertInput => ({
  account: ACCOUNT,
  now: NOW,
  events: [],
  degraded: [],
  recovered: [],
  ...overrides,
});

interface ChatbotCard {
  version: string;
  source: string;
  content: { textType: string; title: string; description: string; nextSteps?: string[] };
}

const card = (m: AlertMessage): ChatbotCard => JSON.parse(m.default) as ChatbotCard;

function alertOf(overrides: Partial<AlertInput>): AlertMessage {
  const m = buildAlert(input(overrides));
  if (!m) throw new Error('expected an alert');
  return m;
}

describe('buildAlert', () => {
  it('returns no message when nothing changed', () => {
    expect(buildAlert(input())).toBeUndefined();
  });

  it('writes a subject under 100 characters with no line break', () => {
    const m = alertOf({
      events: [newFailure(cluster({ backtrackWindowSeconds: 0 }))],
      degraded: [{ kind: 'region-not-scanned', region: 'eu-west-3', cause: { code: 'AccessDenied', message: 'not\nauthorized' } }],
      recovered: ['security-hub-not-enabled#us-east-1'],
    });

    expect(m.subject.length).toBeLessThan(100);
    expect(m.subject).not.toMatch(/[\r\n]/);
    expect(m.subject).toContain('111122223333');
  });

  it('counts in the subject in the singular for one cluster and the plural for more', () => {
    expect(alertOf({ events: [newFailure(cluster({ backtrackWindowSeconds: 0 }))] }).subject).toMatch(
      /^Aurora Backtrack: 1 new failure \(/,
    );
    const two = [
      newFailure(cluster({ identifier: 'a', backtrackWindowSeconds: 0 })),
      newFailure(cluster({ identifier: 'b', backtrackWindowSeconds: 0 })),
    ];
    expect(alertOf({ events: two }).subject).toMatch(/^Aurora Backtrack: 2 new failures \(/);
  });

  it('renders `default` as an AWS Chatbot custom notification', () => {
    const m = alertOf({ events: [newFailure(cluster({ backtrackWindowSeconds: 0 }))] });

    const c = card(m);

    expect(c).toMatchObject({ version: '1.0', source: 'custom', content: { textType: 'client-markdown' } });
    expect(c.content.title).toContain('new failure');
    expect(c.content.title).toContain('111122223333');
    expect(c.content.description).toContain('*orders* (eu-west-1): Backtrack disabled');
    expect(c.content.nextSteps?.[0]).toContain(
      'restore into a new cluster with a window — plan it with aurora-backtrack-check migrate --cluster orders',
    );
  });

  it('writes `email` as plain text naming cluster, Region, account, state, the fix and a console link', () => {
    const m = alertOf({ events: [newFailure(cluster({ backtrackWindowSeconds: 3_600 }))] });

    expect(m.email).toContain('account 111122223333');
    expect(m.email).toContain('NEW FAILURES (1)');
    expect(m.email).toContain('- orders (eu-west-1): window below policy');
    expect(m.email).toContain('Fix: Raise the window in place: aws rds modify-db-cluster --db-cluster-identifier orders');
    expect(m.email).toContain(
      'Console: https://eu-west-1.console.aws.amazon.com/rds/home?region=eu-west-1#database:id=orders;is-cluster=true',
    );
  });

  it('marks a regression as "was passing"', () => {
    const m = alertOf({ events: [newFailure(cluster({ backtrackWindowSeconds: 0 }), true)] });

    expect(m.email).toContain('Backtrack disabled (was passing)');
  });

  it('lists fixed, changed, deleted and expired-exemption clusters in their own sections', () => {
    const fixedEval = evaluate(cluster({ identifier: 'fixed-one' }), POLICY, NOW);
    const changedEval = evaluate(cluster({ identifier: 'changed-one', backtrackWindowSeconds: 3_600 }), POLICY, NOW);
    const expiredEval = evaluate(
      cluster({
        identifier: 'expired-one',
        backtrackWindowSeconds: 0,
        tags: { 'backtrack-check:exempt': 'true', 'backtrack-check:exempt-until': '2026-01-01' },
      }),
      POLICY,
      NOW,
    );

    const m = alertOf({
      events: [
        { kind: 'fixed', evaluation: fixedEval, from: 'disabled' },
        { kind: 'changed', evaluation: changedEval, from: 'disabled' },
        { kind: 'exemption-expired', evaluation: expiredEval },
        { kind: 'deleted', state: state({ identifier: 'deleted-one' }) },
      ],
    });

    expect(m.email).toContain('FIXED (1)\n- fixed-one (eu-west-1): was Backtrack disabled, now PASSED');
    expect(m.email).toContain('CHANGED (1)\n- changed-one (eu-west-1): Backtrack disabled → window below policy');
    expect(m.email).toContain('EXEMPTIONS EXPIRED (1)\n- expired-one (eu-west-1): exemption expired (2026-01-01)');
    expect(m.email).toContain('RESOLVED: CLUSTER DELETED (1)\n- deleted-one (eu-west-1): the cluster no longer exists');
    expect(m.attributes.event).toEqual(expect.arrayContaining(['fixed', 'changed', 'exemption-expired', 'deleted']));
  });

  it('reports the checker degraded with HIGH severity, and its recovery', () => {
    const m = alertOf({
      degraded: [{ kind: 'security-hub-not-enabled', region: 'eu-west-1', reason: 'Security Hub is not enabled in eu-west-1' }],
      recovered: ['region-not-scanned#us-east-1'],
    });

    expect(m.attributes).toEqual({ severity: 'HIGH', event: ['degraded', 'recovered'], accountId: ACCOUNT.accountId });
    expect(m.email).toContain('CHECKER DEGRADED (1)\n- eu-west-1: findings not published');
    expect(m.email).toContain('us-east-1: region not scanned — no longer');
  });

  it('sets the attributes to the highest severity and the kinds of change', () => {
    const m = alertOf({
      events: [
        newFailure(cluster({ identifier: 'a', backtrackWindowSeconds: 3_600 })),
        newFailure(cluster({ identifier: 'b', backtrackWindowSeconds: 0 })),
      ],
    });

    expect(m.attributes).toEqual({ severity: 'MEDIUM', event: ['new-failure'], accountId: ACCOUNT.accountId });
  });

  it('summarises 5 000 new failures under 256 KB with an "… and N more" line', () => {
    const events = Array.from({ length: 5_000 }, (_, i) =>
      newFailure(cluster({ identifier: `cluster-${String(i).padStart(4, '0')}-${'x'.repeat(40)}`, backtrackWindowSeconds: 0 })),
    );

    const m = alertOf({ events });

    expect(messageBytes(m)).toBeLessThan(SNS_LIMIT);
    const published = JSON.stringify({ default: m.default, email: m.email });
    expect(Buffer.byteLength(published) + Buffer.byteLength(m.subject) + 200).toBeLessThan(SNS_LIMIT);
    expect(m.email).toMatch(/… and \d+ more clusters — see Security Hub/);
    expect(m.email).toContain('NEW FAILURES (5000)');
    expect(card(m).content.description).toMatch(/… and \d+ more/);
    expect(m.subject).toContain('5000 new failures');
    expect(m.subject.length).toBeLessThan(100);
  });
});

describe('buildReminder', () => {
  it('returns no message when nothing is stale and nothing is exempt', () => {
    expect(buildReminder(ACCOUNT, NOW, [], [], 7)).toBeUndefined();
  });

  it('keeps the whole account id in the subject of a reminder with failures and exemptions', () => {
    const m = buildReminder(
      ACCOUNT,
      NOW,
      [{ state: state({ identifier: 'old' }), days: 9 }],
      [state({ identifier: 'a', suppressed: true }), state({ identifier: 'b', suppressed: true })],
      7,
    );

    expect(m?.subject).toBe(`Aurora Backtrack reminder: 1 still failing, 2 exemptions (account ${ACCOUNT.accountId})`);
  });

  it('lists clusters failing for longer than N days, the longest first', () => {
    const m = buildReminder(
      ACCOUNT,
      NOW,
      [
        { state: state({ identifier: 'newer', condition: 'below-policy' }), days: 9 },
        { state: state({ identifier: 'older' }), days: 40 },
      ],
      [],
      7,
    );

    expect(m?.subject).toContain('reminder');
    expect(m?.subject.length).toBeLessThan(100);
    expect(m?.email).toContain('STILL FAILING AFTER 7 DAYS (2)\n- older (eu-west-1): Backtrack disabled for 40 days');
    expect(m?.email.indexOf('older')).toBeLessThan(m?.email.indexOf('newer') ?? -1);
    expect(m?.attributes).toEqual({ severity: 'MEDIUM', event: ['reminder'], accountId: ACCOUNT.accountId });
    expect(JSON.parse(m?.default ?? '{}')).toMatchObject({ version: '1.0', source: 'custom' });
  });

  it('lists exemptions, showing those without expiry prominently', () => {
    const m = buildReminder(
      ACCOUNT,
      NOW,
      [],
      [
        state({ identifier: 'forever', suppressed: true, alerted: 'none', exemptReason: 'legacy' }),
        state({ identifier: 'bounded', suppressed: true, alerted: 'none', exemptUntil: '2027-01-31' }),
      ],
      7,
    );

    expect(m?.email).toContain('- forever (eu-west-1): exempt NO EXPIRY — set an exempt-until date; reason: legacy');
    expect(m?.email).toContain('- bounded (eu-west-1): exempt until 2027-01-31; reason: no reason given');
    expect(m?.email).toContain('This is the periodic reminder');
  });

  it('ends with why the reminder came, not with the change alert\'s "something changed"', () => {
    const m = buildReminder(ACCOUNT, NOW, [{ state: state({ identifier: 'old' }), days: 9 }], [], 7);

    expect(m?.email.endsWith('This is the periodic reminder: clusters failing for more than 7 days and every exemption.')).toBe(true);
    expect(m?.email).not.toContain('something changed');
  });
});

describe('buildAlert: Regions no longer watched', () => {
  const stockholm = { region: 'eu-north-1', clusters: 3, failing: 2, published: true, archived: 3 };

  it('writes one informational line per Region in its own section, counted in the subject', () => {
    const m = alertOf({ unwatched: [stockholm] });

    expect(m.subject).toBe('Aurora Backtrack: 1 Region no longer watched (account 111122223333)');
    expect(m.email).toContain(
      "REGIONS NO LONGER WATCHED (1)\n- eu-north-1 is no longer watched: 3 clusters' findings archived (2 were failing)\n",
    );
    expect(card(m).content.description).toContain(
      "*Regions no longer watched (1)*\n• eu-north-1 is no longer watched: 3 clusters' findings archived (2 were failing)",
    );
    expect(m.attributes).toMatchObject({ severity: 'INFORMATIONAL', event: ['region-unwatched'] });
  });

  it('counts two Regions in the plural', () => {
    const m = alertOf({ unwatched: [stockholm, { ...stockholm, region: 'eu-south-1' }] });

    expect(m.subject).toBe('Aurora Backtrack: 2 Regions no longer watched (account 111122223333)');
  });

  it('is LOW when findings were left ACTIVE, so someone archives them', () => {
    const m = alertOf({ unwatched: [{ ...stockholm, archived: 1, reason: 'AccessDeniedException: denied' }] });

    expect(m.attributes.severity).toBe('LOW');
    expect(m.email).toContain('2 could not be (AccessDeniedException: denied)');
  });

  it('sends no message for an empty list of Regions', () => {
    expect(buildAlert(input({ unwatched: [] }))).toBeUndefined();
  });
});
