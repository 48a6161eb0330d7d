import { isAuditDegraded, runAccounts, summarizeAccounts, sumTotals, type AccountOutcome } from '../../lambda/accounts';
import type { RunSummary } from '../../lambda/run';

const totals = (over: Partial<RunSummary['totals']> = {}): RunSummary['totals'] => ({
  clusters: 0,
  inScope: 0,
  outOfScope: 0,
  failed: 0,
  failedUnsuppressed: 0,
  warning: 0,
  passed: 0,
  notAvailable: 0,
  suppressed: 0,
  notScannedRegions: 0,
  rejectedClusters: 0,
  ...over,
});

const summary = (accountId: string, over: Partial<RunSummary> = {}): RunSummary => ({
  mode: 'scan',
  accountId,
  partition: 'aws',
  startedAt: '2026-11-29T12:00:00.000Z',
  finishedAt: '2026-11-29T12:00:01.000Z',
  regions: [],
  totals: totals(),
  events: [],
  degraded: [],
  tagProblems: [],
  ...over,
});

const targets = (n: number) => Array.from({ length: n }, (_, i) => ({ accountId: String(100000000000 + i) }));
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('runAccounts', () => {
  it('never runs more accounts at once than the bound, and runs them all', async () => {
    let running = 0;
    let most = 0;
    const outcomes = await runAccounts(targets(10), 3, async (t) => {
      most = Math.max(most, ++running);
      await tick();
      running--;
      return summary(t.accountId);
    });

    expect(most).toBe(3);
    expect(outcomes.map((o) => o.summary?.accountId)).toEqual(targets(10).map((t) => t.accountId));
  });

  it('runs one account at a time with a bound of 1', async () => {
    let running = 0;
    let most = 0;
    await runAccounts(targets(4), 1, async (t) => {
      most = Math.max(most, ++running);
      await tick();
      running--;
      return summary(t.accountId);
    });

    expect(most).toBe(1);
  });

  it('records an account that failed with its reason, and still returns every other account', async () => {
    const [a, b, c] = targets(3).map((t) => t.accountId) as [string, string, string];
    const outcomes = await runAccounts(targets(3), 8, (t) =>
      t.accountId === b
        ? Promise.reject(Object.assign(new Error(`cannot assume arn:aws:iam::${b}:role/R`), { name: 'AssumeRoleError' }))
        : Promise.resolve(summary(t.accountId)),
    );

    expect(outcomes.map((o) => [o.accountId, o.summary ? 'audited' : o.error?.code])).toEqual([
      [a, 'audited'],
      [b, 'AssumeRoleError'],
      [c, 'audited'],
    ]);
    expect(outcomes[1]?.error?.message).toContain(`arn:aws:iam::${b}:role/R`);
  });

  it('drops the results of credentials that act in another account than the one asked for', async () => {
    const [outcome] = await runAccounts([{ accountId: '111111111111' }], 1, () => Promise.resolve(summary('999999999999')));

    expect(outcome).toMatchObject({ accountId: '111111111111', error: { code: 'WrongAccount' } });
    expect(outcome?.summary).toBeUndefined();
  });
});

describe('summarizeAccounts', () => {
  const caller = { accountId: '000000000000', partition: 'aws' };
  const at = new Date('2026-11-29T12:00:00Z');

  it('sums the audited accounts and counts the accounts not audited', () => {
    const outcomes: AccountOutcome[] = [
      { accountId: '1', summary: summary('1', { totals: totals({ clusters: 3, inScope: 2, failed: 1, passed: 1 }) }) },
      { accountId: '2', summary: summary('2', { totals: totals({ clusters: 1, inScope: 1, warning: 1 }) }) },
      { accountId: '3', error: { code: 'AssumeRoleError', message: 'no role' } },
    ];

    const s = summarizeAccounts(caller, at, at, outcomes);

    expect(s.totals).toMatchObject({
      clusters: 4,
      inScope: 3,
      failed: 1,
      warning: 1,
      passed: 1,
      accounts: 3,
      accountsAudited: 2,
      accountsNotAudited: 1,
    });
    expect(s.callerAccountId).toBe('000000000000');
  });

  it('sums nothing for no audited account', () => {
    expect(sumTotals([{ accountId: '1', error: { code: 'X', message: 'y' } }])).toEqual(totals());
  });

  it('is degraded when an account was not audited, or an audited account’s run was degraded, and not otherwise', () => {
    const clean: AccountOutcome = { accountId: '1', summary: summary('1') };
    const notAudited: AccountOutcome = { accountId: '2', error: { code: 'AccessDenied', message: 'no' } };
    const partial: AccountOutcome = {
      accountId: '3',
      summary: summary('3', { degraded: [{ key: 'region-not-scanned#eu-west-1', region: 'eu-west-1', message: 'x' }] }),
    };

    expect(isAuditDegraded(summarizeAccounts(caller, at, at, [clean]))).toBe(false);
    expect(isAuditDegraded(summarizeAccounts(caller, at, at, [clean, notAudited]))).toBe(true);
    expect(isAuditDegraded(summarizeAccounts(caller, at, at, [clean, partial]))).toBe(true);
  });
});
