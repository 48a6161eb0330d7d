import type { CachedAccounts, CoverageStore } from '../../../lambda/aws/coverage-store';
import { RUN_COMPLETED, type CoverageAlert } from '../../../lambda/core/coverage';
import { AccountsUnavailableError, checkCoverage, recordReport, type CoverageDeps } from '../../../lambda/coverage/run';
import type { CoverageSettings } from '../../../lambda/coverage/settings';

const HOUR = 3_600_000;
const PERIOD = 12 * HOUR;
const T0 = new Date('2026-11-29T12:00:00.000Z');
const MANAGEMENT = '111111111111';
const MEMBER_A = '222222222222';
const MEMBER_B = '333333333333';
const SETTINGS: CoverageSettings = { table: 'coverage', topicArn: 'arn:aws:sns:eu-west-1:999999999999:alerts', schedulePeriodMs: PERIOD, accountsCacheMs: HOUR };

class MemoryCoverageStore implements CoverageStore {
  seen = new Map<string, Date>();
  accounts?: CachedAccounts;
  uncovered: string[] = [];
  recordReport(accountId: string, at: Date) {
    const before = this.seen.get(accountId);
    if (!before || before < at) this.seen.set(accountId, at);
    return Promise.resolve();
  }
  lastSeen = () => Promise.resolve(new Map(this.seen));
  cachedAccounts = () => Promise.resolve(this.accounts);
  saveAccounts(cache: CachedAccounts) {
    this.accounts = cache;
    return Promise.resolve();
  }
  alertedUncovered = () => Promise.resolve([...this.uncovered]);
  saveAlertedUncovered(ids: readonly string[]) {
    this.uncovered = [...ids];
    return Promise.resolve();
  }
}

function hub() {
  let now = T0;
  const store = new MemoryCoverageStore();
  const published: CoverageAlert[] = [];
  const listAccounts = jest.fn(() => Promise.resolve([{ id: MANAGEMENT, name: 'management' }, { id: MEMBER_A }, { id: MEMBER_B }]));
  const publish = jest.fn((_arn: string, alert: CoverageAlert) => {
    published.push(alert);
    return Promise.resolve(`msg-${published.length}`);
  });
  const deps: CoverageDeps = {
    now: () => now,
    store,
    listAccounts,
    publish,
    log: { info: jest.fn(), warn: jest.fn(), error: jest.fn() },
  };
  const report = (account: string, at: Date = now) =>
    recordReport(deps, { source: RUN_COMPLETED.source, 'detail-type': RUN_COMPLETED.detailType, account, time: at.toISOString(), detail: { accountId: account } });
  return { deps, store, published, listAccounts, publish, report, at: (t: Date) => (now = t) };
}

const later = (ms: number) => new Date(T0.getTime() + ms);

describe('checkCoverage', () => {
  it('alerts once for a member that stopped reporting and once for an account without a checker, and once each on recovery', async () => {
    const h = hub();
    await h.report(MEMBER_A);
    await h.report(MEMBER_B);

    const first = await checkCoverage(SETTINGS, h.deps);
    expect(first.coverage).toMatchObject({ covered: 2, active: 3 });
    expect(h.published.map((a) => [a.event, a.accountIds])).toEqual([[['coverage-lost'], [MANAGEMENT]]]);

    // Member B stops reporting: stale one millisecond after two periods.
    h.at(later(2 * PERIOD));
    await h.report(MEMBER_A);
    await checkCoverage(SETTINGS, h.deps);
    expect(h.published).toHaveLength(1);
    h.at(later(2 * PERIOD + 1));
    await checkCoverage(SETTINGS, h.deps);
    expect(h.published.map((a) => [a.event, a.accountIds])).toEqual([
      [['coverage-lost'], [MANAGEMENT]],
      [['coverage-lost'], [MEMBER_B]],
    ]);

    // No change: silent.
    h.at(later(2 * PERIOD + HOUR));
    await checkCoverage(SETTINGS, h.deps);
    expect(h.published).toHaveLength(2);

    // Both report again: one recovery alert naming both.
    await h.report(MEMBER_B);
    await h.report(MANAGEMENT);
    const recovered = await checkCoverage(SETTINGS, h.deps);
    expect(h.published[2]).toMatchObject({ event: ['coverage-recovered'], accountIds: [MANAGEMENT, MEMBER_B], severity: 'INFORMATIONAL' });
    expect(recovered.coverage).toMatchObject({ covered: 3, active: 3, uncovered: [] });
  });

  it('publishes the digest with the coverage even when nothing changed', async () => {
    const h = hub();
    await h.report(MEMBER_A);
    await checkCoverage(SETTINGS, h.deps);

    await checkCoverage(SETTINGS, h.deps, true);

    expect(h.published[1]).toMatchObject({ subject: 'Aurora Backtrack coverage digest: 1/3 accounts covered', event: ['coverage-digest'] });
    expect(h.published[1]?.email).toContain('Still uncovered:');
    expect(h.published[1]?.accountIds).toEqual([MANAGEMENT, MEMBER_B]);
  });

  it('asks Organizations once within the cache time and again after it', async () => {
    const h = hub();
    await checkCoverage(SETTINGS, h.deps);
    h.at(later(HOUR - 1));
    await checkCoverage(SETTINGS, h.deps);
    expect(h.listAccounts).toHaveBeenCalledTimes(1);

    h.at(later(HOUR));
    await checkCoverage(SETTINGS, h.deps);
    expect(h.listAccounts).toHaveBeenCalledTimes(2);
  });

  it('uses the last account list when Organizations fails, and says so in the alert', async () => {
    const h = hub();
    await checkCoverage(SETTINGS, h.deps);
    h.listAccounts.mockRejectedValue(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));
    h.store.uncovered = [];
    h.at(later(2 * HOUR));

    const summary = await checkCoverage(SETTINGS, h.deps);

    expect(summary).toMatchObject({ accountsFrom: 'stale-cache', accountsProblem: 'TooManyRequestsException: Rate exceeded' });
    expect(h.published[1]?.email).toContain("The organization's accounts could not be listed (TooManyRequestsException: Rate exceeded)");
  });

  it('refuses to judge coverage when Organizations fails and no list was ever kept', async () => {
    const h = hub();
    h.listAccounts.mockRejectedValue(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));

    await expect(checkCoverage(SETTINGS, h.deps)).rejects.toThrow(AccountsUnavailableError);
    await expect(checkCoverage(SETTINGS, h.deps)).rejects.toThrow('AccessDeniedException: denied');
  });

  it('keeps the accounts alerted before when the alert is lost, so the next run alerts the change again', async () => {
    const h = hub();
    h.publish.mockRejectedValueOnce(Object.assign(new Error('KMS key disabled'), { name: 'KMSDisabledException' }));

    const lost = await checkCoverage(SETTINGS, h.deps);
    const again = await checkCoverage(SETTINGS, h.deps);

    expect(lost.alert).toMatchObject({ published: false, error: 'KMSDisabledException: KMS key disabled' });
    expect(again.alert).toMatchObject({ published: true });
    expect(again.change.newlyUncovered.map((a) => a.accountId)).toEqual([MANAGEMENT, MEMBER_A, MEMBER_B]);
  });
});

describe('recordReport', () => {
  it("records EventBridge's time of the report, capped at now", async () => {
    const h = hub();

    await h.report(MEMBER_A, later(HOUR));

    expect(h.store.seen.get(MEMBER_A)).toEqual(T0);
  });

  it('ignores an event whose detail names another account than its sender, and records nothing', async () => {
    const h = hub();

    const out = await recordReport(h.deps, {
      source: RUN_COMPLETED.source,
      'detail-type': RUN_COMPLETED.detailType,
      account: MEMBER_A,
      time: T0.toISOString(),
      detail: { accountId: MEMBER_B },
    });

    expect(out).toEqual({ ignored: expect.stringContaining('is not the sending account') });
    expect(h.store.seen.size).toBe(0);
  });
});
