/**
 * The alert's exact shape: each section's lines, the severity each kind of change carries, the fix
 * steps and their limits, the cut-over procedure only where a restore is the fix, the size limits.
 */
import { buildAlert, buildReminder, MAX_MESSAGE_BYTES, messageBytes, type AlertInput, type AlertMessage } from '../../../lambda/core/alert';
import { evaluate } from '../../../lambda/core/evaluate';
import type { ClusterEvent } from '../../../lambda/core/transitions';
import type { ClusterFacts, Evaluation } from '../../../lambda/core/types';
import { ACCOUNT, cluster, NOW, POLICY, state } from '../fixtures';

const input = (overrides: Partial<AlertInput> = {}): AlertInput => ({
  account: ACCOUNT,
  now: NOW,
  events: [],
  degraded: [],
  recovered: [],
  ...overrides,
});

interface Card {
  content: { title: string; description: string; nextSteps?: string[] };
}
const cardOf = (m: AlertMessage): Card => JSON.parse(m.default) as Card;

function alertOf(overrides: Partial<AlertInput>): AlertMessage {
  const m = buildAlert(input(overrides));
  if (!m) throw new Error('expected an alert');
  return m;
}

const judged = (c: Partial<ClusterFacts>): Evaluation => evaluate(cluster(c), POLICY, NOW);
const newFailure = (c: Partial<ClusterFacts>, regression = false): ClusterEvent => ({
  kind: 'new-failure',
  evaluation: judged(c),
  regression,
});
/** The e-mail's lines of one section: from its heading to the blank line after it. */
function section(m: AlertMessage, heading: string): string[] {
  const lines = m.email.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`${heading} (`));
  if (start < 0) throw new Error(`no section ${heading} in:\n${m.email}`);
  const end = lines.indexOf('', start);
  return lines.slice(start, end);
}
/** The card's lines of one section. */
function slackSection(m: AlertMessage, heading: string): string[] {
  const lines = cardOf(m).content.description.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`*${heading} (`));
  if (start < 0) throw new Error(`no section ${heading} in the card`);
  const end = lines.indexOf('', start);
  return lines.slice(start, end < 0 ? undefined : end);
}

const CONSOLE =
  /^ {2}Console: https:\/\/eu-west-1\.console\.aws\.amazon\.com\/rds\/home\?region=eu-west-1#database:id=[a-z-]+;is-cluster=true$/;

describe('alert sections, line by line', () => {
  const expiredTags = {
    'backtrack-check:exempt': 'true',
    'backtrack-check:exempt-until': '2026-01-01',
    'backtrack-check:exempt-reason': 'migration',
  };

  it('writes a regression with its lead, reason, fix, tag problems and console link', () => {
    const m = alertOf({
      events: [newFailure({ identifier: 'orders', backtrackWindowSeconds: 0, tags: { 'backtrack-check:min-window-hours': 'lots' } }, true)],
    });

    const lines = section(m, 'NEW FAILURES');
    expect(lines[0]).toBe('NEW FAILURES (1)');
    expect(lines[1]).toBe('- orders (eu-west-1): Backtrack disabled (was passing)');
    expect(lines.find((l) => l.startsWith('  Fix: '))).toMatch(/^ {2}Fix: aws rds restore-db-cluster-to-point-in-time /);
    expect(lines.find((l) => l.startsWith('  Tag problems: '))).toMatch(/^ {2}Tag problems: .*min-window-hours.*lots/);
    expect(lines.at(-1)).toMatch(CONSOLE);
    expect(slackSection(m, 'New failures')[1]).toMatch(
      /^• \*orders\* \(eu-west-1\): Backtrack disabled \(was passing\) — <https:\/\/.+\|console>$/,
    );
  });

  it('writes an expired exemption with its end date and reason, and no fix for a cluster that now passes', () => {
    const m = alertOf({ events: [{ kind: 'exemption-expired', evaluation: judged({ identifier: 'legacy', tags: expiredTags }) }] });

    const lines = section(m, 'EXEMPTIONS EXPIRED');
    expect(lines).toEqual([
      'EXEMPTIONS EXPIRED (1)',
      '- legacy (eu-west-1): exemption expired (2026-01-01), now PASSED: meets policy',
      expect.stringMatching(/^ {2}\S/),
      '  Exemption expired 2026-01-01; reason was: migration',
      expect.stringMatching(CONSOLE),
    ]);
    expect(m.email).not.toContain('Fix:');
    expect(cardOf(m).content.nextSteps).toBeUndefined();
    // A passing cluster whose exemption ended is worth a look: LOW, not INFORMATIONAL.
    expect(m.attributes.severity).toBe('LOW');
  });

  it('writes a tag change with the verdict and console link, LOW when nothing else changed', () => {
    const e = judged({ identifier: 'tagged', tags: { 'backtrack-check:exempt': 'true', 'backtrack-check:exempt-until': '2026-12-31' } });
    const m = alertOf({ events: [{ kind: 'tag-change', evaluation: e, tagChanges: [{ kind: 'exemption-granted' }] }] });

    const lines = section(m, 'TAG CHANGES');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^- tagged \(eu-west-1\): .*exempt/i);
    expect(lines[2]).toBe(`  Verdict: ${e.status} (meets policy)`);
    expect(lines[3]).toMatch(CONSOLE);
    expect(slackSection(m, 'Tag changes')[1]).toMatch(/^• \*tagged\* \(eu-west-1\): .*exempt.* — <https:\/\/.+\|console>$/i);
    expect(m.attributes.severity).toBe('LOW');
  });

  it('writes a first failure with the condition alone, and an ended exemption without a reason as "none given"', () => {
    const noReason = { 'backtrack-check:exempt': 'true', 'backtrack-check:exempt-until': '2026-01-01' };
    const m = alertOf({
      events: [
        newFailure({ identifier: 'orders', backtrackWindowSeconds: 0 }),
        { kind: 'exemption-expired', evaluation: judged({ identifier: 'legacy', tags: noReason }) },
      ],
    });
    expect(section(m, 'NEW FAILURES')[1]).toBe('- orders (eu-west-1): Backtrack disabled');
    expect(section(m, 'EXEMPTIONS EXPIRED')).toContain('  Exemption expired 2026-01-01; reason was: none given');
  });

  it('joins several tag problems, and several tag changes, with "; "', () => {
    const e = judged({
      identifier: 'tagged',
      tags: { 'backtrack-check:min-window-hours': 'lots', 'backtrack-check:exempt-until': 'soon' },
    });
    const m = alertOf({
      events: [
        {
          kind: 'new-failure',
          regression: false,
          evaluation: { ...judged({ identifier: 'orders', backtrackWindowSeconds: 0 }), tagProblems: ['first problem', 'second problem'] },
        },
        { kind: 'tag-change', evaluation: e, tagChanges: [{ kind: 'exemption-granted' }, { kind: 'policy-lowered', fromHours: 48 }] },
      ],
    });
    expect(m.email).toContain('  Tag problems: first problem; second problem');
    expect(section(m, 'TAG CHANGES')[1]).toMatch(/^- tagged \(eu-west-1\): exemption granted .*given; policy tag lowers /);
    expect(slackSection(m, 'Tag changes')[1]).toMatch(/^• \*tagged\* \(eu-west-1\): exemption granted .*given; policy tag lowers /);
  });

  it('writes degradations and recoveries as bullets in the card and dashes in the e-mail', () => {
    const m = alertOf({
      degraded: [{ kind: 'region-not-scanned', region: 'eu-west-3', cause: { code: 'AccessDenied', message: 'denied' } }],
      recovered: ['security-hub-not-enabled#us-east-1'],
    });

    expect(section(m, 'CHECKER DEGRADED')).toEqual(['CHECKER DEGRADED (1)', expect.stringMatching(/^- .*eu-west-3.*AccessDenied/)]);
    expect(section(m, 'CHECKER RECOVERED')).toEqual(['CHECKER RECOVERED (1)', expect.stringMatching(/^- .*us-east-1/)]);
    expect(slackSection(m, 'Checker degraded')).toEqual(['*Checker degraded (1)*', expect.stringMatching(/^• .*eu-west-3/)]);
    expect(slackSection(m, 'Checker recovered')).toEqual(['*Checker recovered (1)*', expect.stringMatching(/^• .*us-east-1/)]);
    expect(m.subject).toBe(`Aurora Backtrack: 1 checker problem, 1 recovered (account ${ACCOUNT.accountId})`);
  });

  it('states the time of the run to the second', () => {
    const m = alertOf({ now: new Date('2026-11-20T12:34:56.789Z'), events: [newFailure({ backtrackWindowSeconds: 0 })] });
    expect(m.email.split('\n')[0]).toBe(`Aurora Backtrack Checker — account ${ACCOUNT.accountId} (aws), 2026-11-20T12:34:56Z`);
  });

  it('links the findings of every Region named, sorted by Region', () => {
    const m = alertOf({
      events: [
        newFailure({ identifier: 'b', region: 'us-west-2', backtrackWindowSeconds: 0 }),
        newFailure({ identifier: 'a', region: 'eu-west-1', backtrackWindowSeconds: 0 }),
      ],
    });
    const findings = cardOf(m).content.description.split('\n').at(-1) ?? '';
    expect(findings).toMatch(/^Findings in Security Hub: <[^|]+\|eu-west-1>, <[^|]+\|us-west-2>$/);
  });
});

describe('the cut-over procedure', () => {
  it('is left out when no fix is a restore (a window below policy is modified in place)', () => {
    const m = alertOf({ events: [newFailure({ backtrackWindowSeconds: 3_600 })] });
    expect(m.email).toContain('  Fix: Raise the window in place: aws rds modify-db-cluster');
    expect(m.email).not.toContain('How to turn Backtrack on where it is disabled:');
  });

  it('is stated once when any one fix is a restore, beside fixes that are not', () => {
    const m = alertOf({
      events: [
        newFailure({ identifier: 'short', backtrackWindowSeconds: 3_600 }),
        newFailure({ identifier: 'off', backtrackWindowSeconds: 0 }),
      ],
    });
    expect(m.email.split('How to turn Backtrack on where it is disabled:')).toHaveLength(2);
  });

  it('is left out of a reminder, even for disabled clusters', () => {
    const m = buildReminder(ACCOUNT, NOW, [{ state: state({ condition: 'disabled' }), days: 40 }], [], 30);
    expect(m?.email).not.toContain('How to turn Backtrack on where it is disabled:');
  });
});

describe('the fix as a next step', () => {
  /** A failing cluster whose fix command makes the step exactly `chars` long. */
  function withStep(chars: number, condition: Evaluation['condition']): ClusterEvent {
    const e = judged({ identifier: 'db', backtrackWindowSeconds: condition === 'disabled' ? 0 : 3_600 });
    const who = 'db (eu-west-1): ';
    return { kind: 'new-failure', regression: false, evaluation: { ...e, condition, fixCommand: 'x'.repeat(chars - who.length) } };
  }

  it('shows a step of exactly 280 characters whole, and points to the e-mail for one of 281', () => {
    expect(cardOf(alertOf({ events: [withStep(280, 'below-policy')] })).content.nextSteps?.[0]).toHaveLength(280);
    expect(cardOf(alertOf({ events: [withStep(281, 'below-policy')] })).content.nextSteps).toEqual([
      'db (eu-west-1): the full command is in the e-mail and in the finding',
    ]);
    expect(cardOf(alertOf({ events: [withStep(281, 'disabled')] })).content.nextSteps).toEqual([
      'db (eu-west-1): restore into a new cluster with a window — plan it with aurora-backtrack-check migrate --cluster db --region eu-west-1 --window-hours 24; ' +
        'the full command is in the e-mail and in the finding',
    ]);
  });

  it('shows five steps whole, and of six the first four and how many more there are', () => {
    const failures = (n: number) =>
      Array.from({ length: n }, (_, i) => newFailure({ identifier: `db-${i}`, backtrackWindowSeconds: 3_600 }));
    const five = cardOf(alertOf({ events: failures(5) })).content.nextSteps ?? [];
    expect(five).toHaveLength(5);
    expect(five.every((s) => s.startsWith('db-'))).toBe(true);
    const six = cardOf(alertOf({ events: failures(6) })).content.nextSteps ?? [];
    expect(six).toHaveLength(5);
    expect(six.slice(0, 4).every((s) => s.startsWith('db-'))).toBe(true);
    expect(six[4]).toBe('… and 2 more: see the e-mail or Security Hub');
  });
});

describe('sizes', () => {
  it('measures a message as SNS does: the JSON of its bodies plus its subject, in UTF-8 bytes', () => {
    const m: AlertMessage = {
      subject: 'é',
      default: 'a',
      email: 'b',
      attributes: { severity: 'LOW', event: [], accountId: ACCOUNT.accountId },
    };
    expect(messageBytes(m)).toBe('{"default":"a","email":"b"}'.length + 2);
  });

  it('fits an alert whose entries would pass the SNS limit by listing fewer per section, halving until it fits', () => {
    // 300 failures with 1,800-character reasons: 200 entries a section (the first try) are ~420 KB.
    const events: ClusterEvent[] = Array.from({ length: 300 }, (_, i) => {
      const e = judged({ identifier: `db-${String(i).padStart(3, '0')}`, backtrackWindowSeconds: 3_600 });
      return { kind: 'new-failure', regression: false, evaluation: { ...e, reason: 'r'.repeat(1_800) } };
    });
    const m = alertOf({ events });
    const entries = section(m, 'NEW FAILURES').filter((l) => l.startsWith('- db-'));
    expect(messageBytes(m)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    // 200 → 100 entries is the first size that fits (~225 KB); 50 would also fit but lists fewer.
    expect(entries).toHaveLength(100);
    expect(section(m, 'NEW FAILURES').at(-1)).toBe('… and 200 more clusters — see Security Hub');
  });

  it('stops shrinking at one entry per section when even that is over the limit (SNS then refuses it, which is reported)', () => {
    const e = judged({ identifier: 'huge', backtrackWindowSeconds: 3_600 });
    const events: ClusterEvent[] = [0, 1].map((i) => ({
      kind: 'new-failure',
      regression: false,
      evaluation: { ...e, cluster: { ...e.cluster, identifier: `huge-${i}` }, reason: 'r'.repeat(300_000) },
    }));
    const m = alertOf({ events });
    expect(messageBytes(m)).toBeGreaterThan(MAX_MESSAGE_BYTES);
    expect(section(m, 'NEW FAILURES').filter((l) => l.startsWith('- huge-'))).toHaveLength(1);
  });

  it('keeps a card of eight full sections within 3,500 characters, with room for every heading', () => {
    const long = (i: number) => `c${String(i).padStart(2, '0')}-${'n'.repeat(56)}`;
    const failing = (i: number) => judged({ identifier: long(i), backtrackWindowSeconds: 0 });
    const events: ClusterEvent[] = [];
    for (let i = 0; i < 15; i++) {
      events.push({ kind: 'new-failure', regression: false, evaluation: failing(i) });
      events.push({ kind: 'changed', evaluation: failing(100 + i), from: 'below-policy' });
      events.push({ kind: 'exemption-expired', evaluation: failing(200 + i) });
      events.push({ kind: 'tag-change', evaluation: judged({ identifier: long(300 + i) }), tagChanges: [{ kind: 'exemption-granted' }] });
      events.push({ kind: 'fixed', evaluation: judged({ identifier: long(400 + i) }), from: 'disabled' });
      events.push({ kind: 'deleted', state: state({ identifier: long(500 + i) }) });
    }
    const degraded = Array.from({ length: 15 }, (_, i) => ({
      kind: 'region-not-scanned' as const,
      region: `eu-west-${i}`,
      cause: { code: 'AccessDenied', message: 'x'.repeat(120) },
    }));
    const recovered = Array.from({ length: 15 }, (_, i) => `region-not-scanned#eu-west-${i}`);
    const d = cardOf(alertOf({ events, degraded, recovered })).content.description;
    expect(d.split('\n').filter((l) => /^\*.+ \(\d+\)\*$/.test(l))).toHaveLength(8);
    expect(d.length).toBeLessThanOrEqual(3_500);
  });

  it('keeps the card within 3,500 characters and fills it with whole lines', () => {
    const events = Array.from({ length: 15 }, (_, i) =>
      newFailure({ identifier: `c${String(i).padStart(2, '0')}-${'n'.repeat(56)}`, backtrackWindowSeconds: 0 }),
    );
    const d = cardOf(alertOf({ events })).content.description;
    const shown = d.split('\n').filter((l) => l.startsWith('• '));
    expect(d.length).toBeLessThanOrEqual(3_500);
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.length).toBeLessThan(15);
    // Room for one more line was not left unused: the budget is the card's limit less the findings
    // links, the blank line before them, and 80 characters for each section's heading and "more" line.
    const tail = d.split('\n').at(-1) ?? '';
    const used = shown.reduce((a, l) => a + l.length + 1, 0);
    expect(used + (shown[0]?.length ?? 0) + 1).toBeGreaterThan(3_500 - tail.length - 2 - 80);
    expect(used).toBeLessThanOrEqual(3_500 - tail.length - 2 - 80);
    expect(d).toContain(`… and ${15 - shown.length} more`);
  });
});

describe('the reminder', () => {
  it('has no next steps and no failing section when only exemptions are in force', () => {
    const m = buildReminder(
      ACCOUNT,
      NOW,
      [],
      [state({ identifier: 'legacy', suppressed: true, exemptUntil: '2027-01-01', exemptReason: 'migration' })],
      30,
    );
    if (!m) throw new Error('expected a reminder');
    expect(cardOf(m).content.nextSteps).toBeUndefined();
    expect(m.email).not.toContain('STILL FAILING');
    expect(slackSection(m, 'Exemptions in force')).toEqual([
      '*Exemptions in force (1)*',
      '• *legacy* (eu-west-1): until 2027-01-01; migration',
    ]);
  });

  it('names an exemption given without a reason as such', () => {
    const m = buildReminder(ACCOUNT, NOW, [], [state({ identifier: 'legacy', suppressed: true, exemptUntil: '2027-01-01' })], 30);
    if (!m) throw new Error('expected a reminder');
    expect(slackSection(m, 'Exemptions in force')[1]).toBe('• *legacy* (eu-west-1): until 2027-01-01; no reason given');
  });

  it('has no next steps for clusters still failing either', () => {
    const m = buildReminder(ACCOUNT, NOW, [{ state: state({ condition: 'below-policy', status: 'FAILED' }), days: 40 }], [], 30);
    if (!m) throw new Error('expected a reminder');
    expect(cardOf(m).content.nextSteps).toBeUndefined();
    expect(m.email).not.toContain('EXEMPTIONS IN FORCE');
  });
});
