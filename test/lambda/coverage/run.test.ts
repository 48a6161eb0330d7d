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
const TARGETS = ['ou-ab12-prod0001', 'r-ab12'];
/** No grace: an account that never reported is missing at once (the grace has its own tests). */
const SETTINGS: CoverageSettings = {
  table: 'coverage',
  topicArn: 'arn:aws:sns:eu-west-1:999999999999:alerts',
  schedulePeriodMs: PERIOD,
  accountsCacheMs: HOUR,
  targetParentIds: TARGETS,
  graceMs: 0,
};
const GRACE = 2 * PERIOD;
const WITH_GRACE: CoverageSettings = { ...SETTINGS, graceMs: GRACE };

class MemoryCoverageStore implements CoverageStore {
  seen = new Map<string, Date>();
  listed = new Map<string, Date>();
  accounts?: CachedAccounts;
  uncovered: string[] = [];
  recordReport(accountId: string, at: Date) {
    const before = this.seen.get(accountId);
    if (!before || before < at) this.seen.set(accountId, at);
    return Promise.resolve();
  }
  lastSeen = () => Promise.resolve(new Map(this.seen));
  firstListed = () => Promise.resolve(new Map(this.listed));
  recordFirstListed(ids: readonly string[], at: Date) {
    for (const id of ids) if (!this.listed.has(id)) this.listed.set(id, at);
    return Promise.resolve();
  }
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
  const listAccounts = jest.fn((_parents: readonly string[]) =>
    Promise.resolve<{ id: string; name?: string }[]>([{ id: MANAGEMENT, name: 'management' }, { id: MEMBER_A }, { id: MEMBER_B }]),
  );
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
    expect(h.published[1]?.email).toContain("The targeted OUs' accounts could not be listed (TooManyRequestsException: Rate exceeded)");
  });

  it('lists the accounts under the targeted OUs, and does not reuse a list kept for other targets, even when Organizations fails', async () => {
    const h = hub();
    await checkCoverage(SETTINGS, h.deps);
    expect(h.listAccounts).toHaveBeenCalledWith(TARGETS);
    expect(h.store.accounts?.parentIds).toEqual([...TARGETS].sort());

    const moved = { ...SETTINGS, targetParentIds: ['ou-ab12-sandbox1'] };
    h.listAccounts.mockRejectedValueOnce(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(checkCoverage(moved, h.deps)).rejects.toThrow('the ACTIVE accounts under ou-ab12-sandbox1 could not be listed');
    await checkCoverage(moved, h.deps);
    expect(h.listAccounts).toHaveBeenLastCalledWith(['ou-ab12-sandbox1']);
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

describe('checkCoverage: the grace period of a new account', () => {
  it('calls no account missing on the first check of a hub deployed into an existing organization, and alerts nothing', async () => {
    const h = hub();

    const first = await checkCoverage(WITH_GRACE, h.deps);

    expect(first.coverage.deploying.map((a) => a.accountId)).toEqual([MANAGEMENT, MEMBER_A, MEMBER_B]);
    expect(first.coverage.uncovered).toEqual([]);
    expect(first.alert).toBeUndefined();
    expect(h.published).toEqual([]);
    expect(h.store.listed.get(MEMBER_A)).toEqual(T0);
  });

  it('keeps an account deploying until just before the grace ends, then alerts it missing once, and not again', async () => {
    const h = hub();
    await h.report(MEMBER_A);
    await checkCoverage(WITH_GRACE, h.deps);
    h.at(later(GRACE - 1));
    await h.report(MEMBER_A);
    const before = await checkCoverage(WITH_GRACE, h.deps);
    expect(before.coverage.deploying.map((a) => a.accountId)).toEqual([MANAGEMENT, MEMBER_B]);
    expect(h.published).toEqual([]);

    h.at(later(GRACE));
    await h.report(MEMBER_A);
    const after = await checkCoverage(WITH_GRACE, h.deps);
    h.at(later(GRACE + HOUR));
    await h.report(MEMBER_A);
    await checkCoverage(WITH_GRACE, h.deps);

    expect(after.coverage.uncovered.map((a) => [a.accountId, a.status])).toEqual([
      [MANAGEMENT, 'missing'],
      [MEMBER_B, 'missing'],
    ]);
    expect(h.published.map((a) => [a.event, a.accountIds])).toEqual([[['coverage-lost'], [MANAGEMENT, MEMBER_B]]]);
  });

  it('starts the grace of an account that joins the targeted OUs later when it is first listed, not when the hub was deployed', async () => {
    const h = hub();
    const NEWCOMER = '444444444444';
    await checkCoverage(WITH_GRACE, h.deps);
    h.at(later(3 * GRACE));
    h.listAccounts.mockResolvedValue([{ id: MANAGEMENT }, { id: MEMBER_A }, { id: MEMBER_B }, { id: NEWCOMER }]);

    const joined = await checkCoverage(WITH_GRACE, h.deps);

    expect(joined.coverage.deploying).toEqual([{ accountId: NEWCOMER, status: 'deploying', deployingUntil: later(4 * GRACE).toISOString() }]);
    expect(h.published.map((a) => a.accountIds)).toEqual([[MANAGEMENT, MEMBER_A, MEMBER_B]]);
  });

  it('tells once when an account becomes uncovered, nothing while it stays uncovered, and one recovery line when it reports again', async () => {
    const h = hub();
    await h.report(MANAGEMENT);
    await h.report(MEMBER_A);
    await h.report(MEMBER_B);
    await checkCoverage(WITH_GRACE, h.deps);

    h.at(later(2 * PERIOD + 1));
    for (const id of [MANAGEMENT, MEMBER_A]) await h.report(id);
    await checkCoverage(WITH_GRACE, h.deps);
    h.at(later(3 * PERIOD));
    for (const id of [MANAGEMENT, MEMBER_A]) await h.report(id);
    await checkCoverage(WITH_GRACE, h.deps);
    h.at(later(4 * PERIOD));
    for (const id of [MANAGEMENT, MEMBER_A, MEMBER_B]) await h.report(id);
    await checkCoverage(WITH_GRACE, h.deps);

    expect(h.published.map((a) => [a.event, a.accountIds])).toEqual([
      [['coverage-lost'], [MEMBER_B]],
      [['coverage-recovered'], [MEMBER_B]],
    ]);
    expect(h.published[1]?.email.split('\n').filter((l) => l.startsWith('- '))).toEqual([
      `- ${MEMBER_B}: reported ${later(4 * PERIOD).toISOString()}`,
    ]);
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
