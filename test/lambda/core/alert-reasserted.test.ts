/**
 * The alert's section for failing clusters whose finding was SUPPRESSED or RESOLVED outside the
 * checker and set back to the workflow it remembers: one line each, counted, filterable.
 */
import { buildAlert, type AlertInput, type AlertMessage } from '../../../lambda/core/alert';
import type { ReassertedWorkflow } from '../../../lambda/core/reasserted';
import { evaluate } from '../../../lambda/core/evaluate';
import { ACCOUNT, cluster, NOW, POLICY } from '../fixtures';

const orders: ReassertedWorkflow = { region: 'eu-west-1', identifier: 'orders', found: 'SUPPRESSED', setTo: 'NEW' };
const legacy: ReassertedWorkflow = { region: 'eu-west-1', identifier: 'legacy', found: 'RESOLVED', setTo: 'SUPPRESSED' };

function alertOf(overrides: Partial<AlertInput>): AlertMessage {
  const m = buildAlert({ account: ACCOUNT, now: NOW, events: [], degraded: [], recovered: [], ...overrides });
  if (!m) throw new Error('expected an alert');
  return m;
}
const description = (m: AlertMessage) => (JSON.parse(m.default) as { content: { description: string } }).content.description;

describe('buildAlert: findings hidden outside the checker and set back', () => {
  it('names each cluster in one line saying what was found and what was set back, counted in the subject', () => {
    const m = alertOf({ reasserted: [orders] });

    expect(m.subject).toBe('Aurora Backtrack: 1 hidden finding set back (account 111122223333)');
    expect(m.email).toContain(
      '\nHIDDEN OUTSIDE THE CHECKER, SET BACK (1)\n- orders (eu-west-1): its finding was SUPPRESSED outside the checker; set back to NEW\n',
    );
    expect(description(m)).toContain(
      '*Hidden outside the checker, set back (1)*\n• *orders* (eu-west-1): its finding was SUPPRESSED outside the checker; set back to NEW — <https://',
    );
    expect(description(m)).toContain('Findings in Security Hub: <https://eu-west-1.console.aws.amazon.com/securityhub/');
  });

  it('counts two clusters in the plural, beside the other sections', () => {
    const failure = {
      kind: 'new-failure' as const,
      evaluation: evaluate(cluster({ backtrackWindowSeconds: 0 }), POLICY, NOW),
      regression: false,
    };
    const m = alertOf({ events: [failure], reasserted: [orders, legacy] });

    expect(m.subject).toBe('Aurora Backtrack: 1 new failure, 2 hidden findings set back (account 111122223333)');
    expect(m.email).toContain('- legacy (eu-west-1): its finding was RESOLVED outside the checker; set back to SUPPRESSED\n');
  });

  it('carries the event attribute workflow-reasserted, MEDIUM when a failing cluster was hidden, LOW for an exempt one resolved', () => {
    expect(alertOf({ reasserted: [orders] }).attributes).toEqual({
      severity: 'MEDIUM',
      event: ['workflow-reasserted'],
      accountId: ACCOUNT.accountId,
    });
    expect(alertOf({ reasserted: [legacy] }).attributes.severity).toBe('LOW');
    expect(alertOf({ reasserted: [legacy, orders] }).attributes.severity).toBe('MEDIUM');
  });

  it('makes the identifier inert: escaped for Slack, no control characters in the e-mail', () => {
    const m = alertOf({ reasserted: [{ ...orders, identifier: 'x<!channel>&\u2028y' }] });

    expect(description(m)).toContain('• *x&lt;!channel&gt;&amp; y* (eu-west-1)');
    expect(description(m)).not.toContain('<!channel>');
    expect(m.email).toContain('- x<!channel>& y (eu-west-1): its finding was SUPPRESSED');
  });

  it('sends no message for an empty list', () => {
    expect(buildAlert({ account: ACCOUNT, now: NOW, events: [], degraded: [], recovered: [], reasserted: [] })).toBeUndefined();
  });
});
