import { buildAlert, buildReminder, type AlertMessage } from '../../../lambda/core/alert';
import { evaluate } from '../../../lambda/core/evaluate';
import type { ClusterEvent } from '../../../lambda/core/transitions';
import { ACCOUNT, cluster, NOW, POLICY, state } from '../fixtures';

const consoleUrl = (region: string, id: string) =>
  `https://${region}.console.aws.amazon.com/rds/home?region=${region}#database:id=${id};is-cluster=true`;
const findings = (region: string) =>
  `https://${region}.console.aws.amazon.com/securityhub/home?region=${region}#/findings?search=ProductName%3D%255Coperator%255C%253AEQUALS%255C%253AAurora%2520Backtrack%2520Checker`;
const restore = (id: string) =>
  `aws rds restore-db-cluster-to-point-in-time --source-db-cluster-identifier ${id} --db-cluster-identifier ${id}-bt ` +
  '--restore-type full-copy --use-latest-restorable-time --backtrack-window 86400 ' +
  `--tags '[{"Key":"backtrack-check:restored-from","Value":"arn:aws:rds:eu-west-1:111122223333:cluster:${id}"}]' --region eu-west-1`;
const migrate = (id: string, region = 'eu-west-1') => `aurora-backtrack-check migrate --cluster ${id} --region ${region} --window-hours 24`;

/** One event of each kind about a cluster, in the order the checker would list them. */
const EVENTS: ClusterEvent[] = [
  {
    kind: 'new-failure',
    regression: true,
    evaluation: evaluate(cluster({ identifier: 'orders', backtrackWindowSeconds: 0 }), POLICY, NOW),
  },
  {
    kind: 'changed',
    from: 'disabled',
    evaluation: evaluate(cluster({ identifier: 'billing', region: 'us-east-1', backtrackWindowSeconds: 3600 }), POLICY, NOW),
  },
  {
    kind: 'exemption-expired',
    evaluation: evaluate(
      cluster({
        identifier: 'legacy',
        backtrackWindowSeconds: 0,
        tags: { 'backtrack-check:exempt': 'true', 'backtrack-check:exempt-until': '2026-11-01', 'backtrack-check:exempt-reason': 'batch' },
      }),
      POLICY,
      NOW,
    ),
  },
  { kind: 'fixed', from: 'below-policy', evaluation: evaluate(cluster({ identifier: 'cart' }), POLICY, NOW) },
  { kind: 'deleted', state: state({ identifier: 'old', condition: 'actual-short', status: 'WARNING' }) },
];

describe('the alert message, word for word', () => {
  // Built inside each test, so that a mutant (active per test) is in the message.
  const alert = () => buildAlert({ account: ACCOUNT, now: NOW, events: EVENTS, degraded: [], recovered: [] }) as AlertMessage;

  it('e-mail: header, the cut-over procedure once, one section per kind of change with its entries, and the footer', () => {
    const m = alert();

    expect(m.email).toBe(
      [
        'Aurora Backtrack Checker — account 111122223333 (aws), 2026-11-20T12:00:00Z',
        '',
        'How to turn Backtrack on where it is disabled:',
        'Backtrack cannot be turned on for an existing cluster, and a window once set to 0 can never be raised again on it: move the data into a new cluster that has a window.',
        '1. Stop writes to the cluster and wait until its LatestRestorableTime (aws rds describe-db-clusters) is after the last write.',
        "2. Restore it into a new cluster with the command given for it (it repeats the source's subnet group, security groups, parameter group, encryption key, port, storage type, Serverless v2 capacity, tags and other settings), then run the commands given after it once the new cluster is available (backup retention and windows, IAM roles).",
        "3. Add a writer: aws rds create-db-instance --db-cluster-identifier <cluster>-bt --db-instance-identifier <cluster>-bt-1 --engine <engine> --db-instance-class <class>, then readers like the source's.",
        '4. Move clients to the new endpoints, then retire the old cluster (with a final snapshot).',
        "A restore carries neither the instances (create them like the source's, writer first) nor the endpoints' names (clients move to the new cluster's endpoints; custom endpoints are made again); the new cluster keeps the source's engine version.",
        '',
        'NEW FAILURES (1)',
        '- orders (eu-west-1): Backtrack disabled (was passing)',
        '  Backtrack is disabled (window 0); required: 86400 s (24 h), the account policy',
        `  Fix: ${restore('orders')}`,
        `  Or plan it with: ${migrate('orders')}`,
        `  Console: ${consoleUrl('eu-west-1', 'orders')}`,
        '',
        'CHANGED (1)',
        '- billing (us-east-1): Backtrack disabled → window below policy',
        '  Backtrack window 3600 s (1 h) is below the required 86400 s (24 h), the account policy',
        '  Fix: Raise the window in place: aws rds modify-db-cluster --db-cluster-identifier billing --backtrack-window 86400 --apply-immediately --region us-east-1 ' +
          `(or: ${migrate('billing', 'us-east-1')})`,
        `  Console: ${consoleUrl('us-east-1', 'billing')}`,
        '',
        'EXEMPTIONS EXPIRED (1)',
        '- legacy (eu-west-1): exemption expired (2026-11-01), now FAILED: Backtrack disabled',
        '  Backtrack is disabled (window 0); required: 86400 s (24 h), the account policy',
        `  Fix: ${restore('legacy')}`,
        `  Or plan it with: ${migrate('legacy')}`,
        '  Exemption expired 2026-11-01; reason was: batch',
        `  Console: ${consoleUrl('eu-west-1', 'legacy')}`,
        '',
        'FIXED (1)',
        '- cart (eu-west-1): was window below policy, now PASSED',
        '  Backtrack window 86400 s (24 h) meets the required 86400 s (24 h), the account policy',
        '',
        'RESOLVED: CLUSTER DELETED (1)',
        '- old (eu-west-1): the cluster no longer exists (was actual window short); its finding is archived.',
        '',
        'Every cluster has a finding in Security Hub in its own Region (product "Aurora Backtrack Checker").',
        'You receive this message because something changed; nothing is re-sent while it stays the same.',
      ].join('\n'),
    );
  });

  it('Slack card: a custom notification with one line per cluster, the findings of each Region, and the fixes as next steps', () => {
    const card = JSON.parse(alert().default) as unknown;

    expect(card).toEqual({
      version: '1.0',
      source: 'custom',
      content: {
        textType: 'client-markdown',
        title:
          ':rotating_light: Aurora Backtrack: 1 new failure, 1 changed, 1 exemption expired, 1 fixed, 1 deleted (account 111122223333)',
        description: [
          '*New failures (1)*',
          `• *orders* (eu-west-1): Backtrack disabled (was passing) — <${consoleUrl('eu-west-1', 'orders')}|console>`,
          '',
          '*Changed (1)*',
          `• *billing* (us-east-1): Backtrack disabled → window below policy — <${consoleUrl('us-east-1', 'billing')}|console>`,
          '',
          '*Exemptions expired (1)*',
          `• *legacy* (eu-west-1): exemption expired (2026-11-01), now FAILED: Backtrack disabled — <${consoleUrl('eu-west-1', 'legacy')}|console>`,
          '',
          '*Fixed (1)*',
          `• *cart* (eu-west-1): was window below policy, now PASSED — <${consoleUrl('eu-west-1', 'cart')}|console>`,
          '',
          '*Resolved: cluster deleted (1)*',
          '• *old* (eu-west-1): deleted (was actual window short)',
          '',
          `Findings in Security Hub: <${findings('eu-west-1')}|eu-west-1>, <${findings('us-east-1')}|us-east-1>`,
        ].join('\n'),
        nextSteps: [
          `orders (eu-west-1): restore into a new cluster with a window — plan it with ${migrate('orders')}; the full command is in the e-mail and in the finding`,
          'billing (us-east-1): aws rds modify-db-cluster --db-cluster-identifier billing --backtrack-window 86400 --apply-immediately --region us-east-1 ' +
            `(or: ${migrate('billing', 'us-east-1')})`,
          `legacy (eu-west-1): restore into a new cluster with a window — plan it with ${migrate('legacy')}; the full command is in the e-mail and in the finding`,
        ],
      },
      metadata: { enableCustomActions: false, additionalContext: { accountId: '111122223333', checkedAt: '2026-11-20T12:00:00Z' } },
    });
  });

  it('attributes: the highest severity of the events and each kind of change once', () => {
    expect(alert().attributes).toEqual({
      accountId: '111122223333',
      severity: 'MEDIUM',
      event: ['new-failure', 'changed', 'exemption-expired', 'fixed', 'deleted'],
    });
  });

  it('subject: the counts per kind, in the singular, cut to 99 characters', () => {
    expect(alert().subject).toBe('Aurora Backtrack: 1 new failure, 1 changed, 1 exemption expired, 1 fixed, 1 deleted (account 11112…');
  });
});

describe('the reminder, word for word', () => {
  const stale = [
    { state: state({ identifier: 'slow', region: 'us-east-1', condition: 'below-policy' }), days: 9 },
    { state: state({ identifier: 'off' }), days: 40 },
  ];
  const exempt = [
    state({
      identifier: 'capped',
      suppressed: true,
      alerted: 'none',
      exemptUntil: '2099-12-31',
      exemptCappedAt: '2027-02-18T12:00:00Z',
      exemptReason: 'batch',
    }),
  ];
  const reminder = () => buildReminder(ACCOUNT, NOW, stale, exempt, 7) as AlertMessage;

  it('e-mail: the longest-failing first, each with its console link, then the exemptions with their cap', () => {
    const m = reminder();

    expect(m.email).toBe(
      [
        'Aurora Backtrack Checker — account 111122223333 (aws), 2026-11-20T12:00:00Z',
        '',
        'STILL FAILING AFTER 7 DAYS (2)',
        '- off (eu-west-1): Backtrack disabled for 40 days (FAILED)',
        `  Console: ${consoleUrl('eu-west-1', 'off')}`,
        '- slow (us-east-1): window below policy for 9 days (FAILED)',
        `  Console: ${consoleUrl('us-east-1', 'slow')}`,
        '',
        'EXEMPTIONS IN FORCE (1)',
        '- capped (eu-west-1): exempt until 2099-12-31 (capped: ends 2027-02-18T12:00:00Z); reason: batch',
        '',
        'Every cluster has a finding in Security Hub in its own Region (product "Aurora Backtrack Checker").',
        'This is the periodic reminder: clusters failing for more than 7 days and every exemption.',
      ].join('\n'),
    );
    expect(m.subject).toBe('Aurora Backtrack reminder: 2 still failing, 1 exemption (account 111122223333)');
  });

  it('Slack: the same two lists, shorter', () => {
    expect((JSON.parse(reminder().default) as { content: { description: string } }).content.description).toBe(
      [
        '*Still failing after 7 days (2)*',
        '• *off* (eu-west-1): Backtrack disabled for 40 days',
        '• *slow* (us-east-1): window below policy for 9 days',
        '',
        '*Exemptions in force (1)*',
        '• *capped* (eu-west-1): until 2099-12-31 (capped: ends 2027-02-18T12:00:00Z); batch',
      ].join('\n'),
    );
  });

  it('is MEDIUM when a cluster is still disabled and LOW when the rest only fall short', () => {
    expect(reminder().attributes).toEqual({ accountId: ACCOUNT.accountId, severity: 'MEDIUM', event: ['reminder'] });
    expect(buildReminder(ACCOUNT, NOW, stale.slice(0, 1), [], 7)?.attributes.severity).toBe('LOW');
  });
});

describe('long alerts', () => {
  const failures = (n: number): ClusterEvent[] =>
    Array.from({ length: n }, (_, i) => ({
      kind: 'new-failure' as const,
      regression: false,
      evaluation: evaluate(cluster({ identifier: `db-${i}`, backtrackWindowSeconds: 3600 }), POLICY, NOW),
    }));

  it('lists 200 clusters in the e-mail and says "… and 1 more" for the 201st', () => {
    const at200 = buildAlert({ account: ACCOUNT, now: NOW, events: failures(200), degraded: [], recovered: [] }) as AlertMessage;
    const at201 = buildAlert({ account: ACCOUNT, now: NOW, events: failures(201), degraded: [], recovered: [] }) as AlertMessage;

    expect(at200.email).not.toContain('… and');
    expect(at201.email).toContain('- db-199 (eu-west-1)');
    expect(at201.email).not.toContain('- db-200 (eu-west-1)');
    expect(at201.email).toContain('\n… and 1 more clusters — see Security Hub\n');
  });

  it('shows 15 lines of a section in Slack and counts the rest', () => {
    const m = buildAlert({ account: ACCOUNT, now: NOW, events: failures(16), degraded: [], recovered: [] }) as AlertMessage;
    const description = (JSON.parse(m.default) as { content: { description: string } }).content.description;

    expect(description.split('\n').filter((l) => l.startsWith('• '))).toHaveLength(15);
    expect(description).toContain('• *db-14* (eu-west-1)');
    expect(description).toContain('\n… and 1 more\n');
  });

  it('shows all 15 lines of a 15-line section in Slack without "… and"', () => {
    const m = buildAlert({ account: ACCOUNT, now: NOW, events: failures(15), degraded: [], recovered: [] }) as AlertMessage;

    const description = (JSON.parse(m.default) as { content: { description: string } }).content.description;

    expect(description.split('\n').filter((l) => l.startsWith('• '))).toHaveLength(15);
    expect(description).not.toContain('… and');
  });
});
