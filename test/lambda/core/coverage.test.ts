import {
  buildCoverageAlert,
  coverageChange,
  coverageLine,
  hasChange,
  judgeCoverage,
  readRunCompleted,
  RUN_COMPLETED,
  uncoveredToRemember,
  type Coverage,
} from '../../../lambda/core/coverage';

const HOUR = 3_600_000;
const PERIOD = 12 * HOUR;
const NOW = new Date('2026-11-29T12:00:00.000Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const ACTIVE = [{ id: '222222222222', name: 'workloads' }, { id: '111111111111', name: 'management' }, { id: '333333333333' }];

const judge = (seen: Record<string, Date>, active = ACTIVE) => judgeCoverage(active, new Map(Object.entries(seen)), PERIOD, NOW);

describe('judgeCoverage', () => {
  it('counts an account whose last report is exactly two schedule periods old as covered', () => {
    const c = judge({ '222222222222': ago(2 * PERIOD) }, [{ id: '222222222222' }]);
    expect(c.accounts[0]).toMatchObject({ accountId: '222222222222', status: 'covered' });
    expect(c.covered).toBe(1);
  });

  it('counts an account whose last report is one millisecond more than two periods old as stale', () => {
    const c = judge({ '222222222222': ago(2 * PERIOD + 1) }, [{ id: '222222222222' }]);
    expect(c.accounts[0]).toMatchObject({ status: 'stale', lastSeenAt: ago(2 * PERIOD + 1).toISOString() });
    expect(c.uncovered.map((a) => a.accountId)).toEqual(['222222222222']);
  });

  it('counts an ACTIVE account that never reported as missing, with no last report', () => {
    const c = judge({}, [{ id: '333333333333' }]);
    expect(c.accounts[0]).toEqual({ accountId: '333333333333', status: 'missing' });
  });

  it('counts a report from the future (a clock ahead) as covered', () => {
    expect(judge({ '222222222222': new Date(NOW.getTime() + HOUR) }, [{ id: '222222222222' }]).covered).toBe(1);
  });

  it('ignores reports of accounts that are not ACTIVE and lists accounts once, by id', () => {
    const c = judge({ '999999999999': NOW, '222222222222': NOW }, [...ACTIVE, { id: '222222222222', name: 'workloads' }]);
    expect(c.accounts.map((a) => a.accountId)).toEqual(['111111111111', '222222222222', '333333333333']);
    expect(c).toMatchObject({ active: 3, covered: 1 });
    expect(c.uncovered.map((a) => [a.accountId, a.status])).toEqual([
      ['111111111111', 'missing'],
      ['333333333333', 'missing'],
    ]);
  });
});

describe('judgeCoverage: the grace period of an account that never reported', () => {
  const GRACE = 2 * PERIOD;
  const judgeWithGrace = (seen: Record<string, Date>, listed: Record<string, Date>, active = ACTIVE) =>
    judgeCoverage(active, new Map(Object.entries(seen)), PERIOD, NOW, { firstListed: new Map(Object.entries(listed)), graceMs: GRACE });

  it('counts an account first listed one millisecond less than the grace period ago as deploying, neither covered nor uncovered', () => {
    const c = judgeWithGrace({}, { '333333333333': ago(GRACE - 1) }, [{ id: '333333333333' }]);
    expect(c.accounts).toEqual([
      { accountId: '333333333333', status: 'deploying', deployingUntil: new Date(NOW.getTime() + 1).toISOString() },
    ]);
    expect(c).toMatchObject({ covered: 0, active: 1, uncovered: [] });
    expect(c.deploying.map((a) => a.accountId)).toEqual(['333333333333']);
  });

  it('counts an account first listed exactly the grace period ago as missing', () => {
    const c = judgeWithGrace({}, { '333333333333': ago(GRACE) }, [{ id: '333333333333' }]);
    expect(c.accounts).toEqual([{ accountId: '333333333333', status: 'missing' }]);
    expect(c.uncovered.map((a) => a.accountId)).toEqual(['333333333333']);
    expect(c.deploying).toEqual([]);
  });

  it('counts an account not yet recorded as listed as listed now: deploying for the whole grace period', () => {
    const c = judgeWithGrace({}, {}, [{ id: '333333333333', name: 'new' }]);
    expect(c.accounts).toEqual([
      { accountId: '333333333333', name: 'new', status: 'deploying', deployingUntil: new Date(NOW.getTime() + GRACE).toISOString() },
    ]);
  });

  it('gives no grace to an account already alerted as uncovered (a hub upgraded before first listings were kept): it stays missing, not alerted again', () => {
    const c = judgeCoverage([{ id: '333333333333' }], new Map(), PERIOD, NOW, {
      firstListed: new Map([['333333333333', NOW]]),
      graceMs: GRACE,
      alertedUncovered: ['333333333333'],
    });
    expect(c.accounts).toEqual([{ accountId: '333333333333', status: 'missing' }]);
    expect(coverageChange(['333333333333'], c)).toEqual({ newlyUncovered: [], recovered: [], left: [] });
  });

  it('gives no grace to an account that reported once: late is stale, whenever it was listed', () => {
    const c = judgeWithGrace({ '222222222222': ago(2 * PERIOD + 1) }, { '222222222222': ago(1) }, [{ id: '222222222222' }]);
    expect(c.accounts[0]).toMatchObject({ status: 'stale' });
  });

  it('names the deploying accounts in the coverage line, after the uncovered ones', () => {
    const c = judgeWithGrace({ '222222222222': NOW }, { '111111111111': ago(GRACE), '333333333333': ago(HOUR) });
    expect(coverageLine(c)).toBe(
      'Coverage: 1/3 ACTIVE accounts of the targeted OUs have a checker that reported; uncovered: 111111111111 (missing); deploying: 333333333333',
    );
  });

  it('lists several deploying accounts by id, comma-separated, and a named one in the digest with its name', () => {
    const c = judgeWithGrace({}, {}, [{ id: '333333333333', name: 'data' }, { id: '111111111111' }]);
    expect(coverageLine(c)).toBe(
      'Coverage: 0/2 ACTIVE accounts of the targeted OUs have a checker that reported; deploying: 111111111111, 333333333333',
    );
    expect(buildCoverageAlert(c, coverageChange([], c), true)?.email).toContain(
      `- 333333333333 (data): until ${new Date(NOW.getTime() + GRACE).toISOString()}`,
    );
  });

  it('alerts no change for a deploying account, and lists it in the digest with the end of its grace', () => {
    const c = judgeWithGrace({ '111111111111': NOW, '222222222222': NOW }, { '333333333333': ago(HOUR) });
    const change = coverageChange([], c);
    expect(hasChange(change)).toBe(false);
    expect(buildCoverageAlert(c, change)).toBeUndefined();

    const digest = buildCoverageAlert(c, change, true);
    expect(digest?.email.split('\n')).toEqual([
      'Deploying (no report yet; missing if none comes within the grace period):',
      `- 333333333333: until ${new Date(NOW.getTime() - HOUR + GRACE).toISOString()}`,
      '',
      'Coverage: 2/3 ACTIVE accounts of the targeted OUs have a checker that reported; deploying: 333333333333',
      'See docs/operations.md, "Coverage".',
    ]);
    expect(digest).toMatchObject({ severity: 'INFORMATIONAL', accountIds: [] });
  });
});

describe('coverageChange', () => {
  const now = judge({ '111111111111': ago(3 * PERIOD), '222222222222': ago(HOUR) });

  it('names accounts uncovered now and not alerted before, and only those', () => {
    const change = coverageChange(['333333333333'], now);
    expect(change.newlyUncovered.map((a) => a.accountId)).toEqual(['111111111111']);
    expect(change.recovered).toEqual([]);
  });

  it('names an account alerted before and covered now as recovered', () => {
    const change = coverageChange(['222222222222', '111111111111', '333333333333'], now);
    expect(change.recovered.map((a) => a.accountId)).toEqual(['222222222222']);
    expect(change.newlyUncovered).toEqual([]);
  });

  it('names an account alerted before that is no longer ACTIVE as left, not as recovered', () => {
    const change = coverageChange(['111111111111', '333333333333', '444444444444'], now);
    expect(change).toEqual({ newlyUncovered: [], recovered: [], left: ['444444444444'] });
    expect(hasChange(change)).toBe(true);
  });

  it('finds no change when the same accounts stay uncovered', () => {
    expect(hasChange(coverageChange(['111111111111', '333333333333'], now))).toBe(false);
  });
});

describe('uncoveredToRemember', () => {
  const now = judge({ '222222222222': NOW });

  it("remembers this run's uncovered accounts when the alert went out", () => {
    expect(uncoveredToRemember(['222222222222'], now, false)).toEqual(['111111111111', '333333333333']);
  });

  it('keeps the accounts remembered before when the alert was lost, so the next run tells the change again', () => {
    expect(uncoveredToRemember(['222222222222', '222222222222'], now, true)).toEqual(['222222222222']);
  });
});

describe('readRunCompleted', () => {
  const event = {
    source: RUN_COMPLETED.source,
    'detail-type': RUN_COMPLETED.detailType,
    account: '222222222222',
    time: '2026-11-29T11:00:00Z',
    detail: { accountId: '222222222222', finishedAt: '2026-11-29T10:59:58.000Z', degraded: 0, verdicts: {} },
  };

  it("takes the sending account and EventBridge's time of a member's report", () => {
    expect(readRunCompleted(event)).toEqual({ ok: { accountId: '222222222222', at: new Date('2026-11-29T11:00:00Z') } });
  });

  it('refuses a report whose detail names another account than the sender', () => {
    const r = readRunCompleted({ ...event, detail: { ...event.detail, accountId: '333333333333' } });
    expect(r).toEqual({ problem: expect.stringContaining('"333333333333" is not the sending account 222222222222') });
  });

  it.each([
    ['another source', { source: 'aws.cloudwatch' }, 'not a "Checker run completed" event'],
    ['another detail type', { 'detail-type': 'Scheduled Event' }, 'not a "Checker run completed" event'],
    ['a sender that is not an account id', { account: '2222' }, 'sender account "2222" is not 12 digits'],
    ['a time that is not a date', { time: 'yesterday' }, 'event time "yesterday" is not a date'],
  ])('refuses %s', (_case, change, problem) => {
    expect(readRunCompleted({ ...event, ...change })).toEqual({ problem: expect.stringContaining(problem) });
  });
});

describe('coverage messages', () => {
  const coverage: Coverage = judge({ '111111111111': ago(3 * PERIOD), '222222222222': ago(HOUR) });

  it('states covered/total and each uncovered account with its status', () => {
    expect(coverageLine(coverage)).toBe(
      'Coverage: 1/3 ACTIVE accounts of the targeted OUs have a checker that reported; uncovered: 111111111111 (stale), 333333333333 (missing)',
    );
    expect(coverageLine(judge({ '111111111111': NOW, '222222222222': NOW, '333333333333': NOW }))).toBe(
      'Coverage: 3/3 ACTIVE accounts of the targeted OUs have a checker that reported',
    );
  });

  it('sends nothing when nothing changed', () => {
    expect(buildCoverageAlert(coverage, { newlyUncovered: [], recovered: [], left: [] })).toBeUndefined();
  });

  it('alerts a lost account as HIGH, naming it, its last report and the coverage', () => {
    const alert = buildCoverageAlert(coverage, coverageChange([], coverage));
    expect(alert).toMatchObject({
      subject: 'Aurora Backtrack coverage: 2 account(s) uncovered, 1/3 covered',
      severity: 'HIGH',
      accountIds: ['111111111111', '333333333333'],
      event: ['coverage-lost'],
    });
    expect(alert?.email).toContain(`111111111111 (management): its checker last reported ${ago(3 * PERIOD).toISOString()}`);
    expect(alert?.email).toContain('333333333333: no checker has ever reported');
    expect(alert?.email).toContain(coverageLine(coverage));
    expect(JSON.parse(alert?.default ?? '{}')).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: { textType: 'client-markdown' },
    });
  });

  it('alerts a recovery as INFORMATIONAL, naming the account', () => {
    const alert = buildCoverageAlert(coverage, coverageChange(['111111111111', '222222222222', '333333333333'], coverage));
    expect(alert).toMatchObject({
      subject: 'Aurora Backtrack coverage: recovered, 1/3 covered',
      severity: 'INFORMATIONAL',
      accountIds: ['222222222222'],
      event: ['coverage-recovered'],
    });
  });

  it('escapes account names in the Chatbot card so they cannot mention a channel', () => {
    const named = judge({}, [{ id: '111111111111', name: '<!channel> @here' }]);
    const card = JSON.parse(buildCoverageAlert(named, coverageChange([], named))?.default ?? '{}') as { content: { description: string } };
    expect(card.content.description).toContain('&lt;!channel&gt; @\u2060here');
  });
});

describe('coverage: exact shapes', () => {
  it('keeps no name key for an account Organizations gives no name', () => {
    const c = judge({}, [{ id: '333333333333' }]);
    expect(c.accounts).toEqual([{ accountId: '333333333333', status: 'missing' }]);
    expect(Object.keys(c.accounts[0] ?? {})).toEqual(['accountId', 'status']);
  });

  it('lists recovered and left accounts sorted by id, whatever the order they were remembered in', () => {
    const now = judge({ '111111111111': NOW, '333333333333': NOW });
    const change = coverageChange(['555555555555', '333333333333', '444444444444', '111111111111'], now);
    expect(change.recovered.map((a) => a.accountId)).toEqual(['111111111111', '333333333333']);
    expect(change.left).toEqual(['444444444444', '555555555555']);
  });

  it('remembers the accounts of a lost alert sorted and once each', () => {
    expect(uncoveredToRemember(['333333333333', '111111111111', '333333333333'], judge({}), true)).toEqual([
      '111111111111',
      '333333333333',
    ]);
  });

  it.each([['x222222222222'], ['2222222222223'], ['22222222222']])(
    'refuses a sender account %s that is not exactly 12 digits',
    (account) => {
      const r = readRunCompleted({
        source: RUN_COMPLETED.source,
        'detail-type': RUN_COMPLETED.detailType,
        account,
        time: '2026-11-29T11:00:00Z',
        detail: { accountId: account },
      });
      expect(r).toEqual({ problem: `sender account "${account}" is not 12 digits` });
    },
  );

  it('writes the digest with every section, in order: still uncovered, newly uncovered, covered again, left, then the coverage', () => {
    const active = [
      { id: '111111111111', name: 'management' },
      { id: '222222222222' },
      { id: '333333333333', name: 'data' },
      { id: '666666666666' },
    ];
    const c = judgeCoverage(
      active,
      new Map([
        ['222222222222', ago(3 * PERIOD)],
        ['333333333333', ago(HOUR)],
        ['666666666666', ago(HOUR)],
      ]),
      PERIOD,
      NOW,
    );
    // 111 was alerted before and is still missing; 222 is newly stale; 333 recovered; 444 left.
    const change = coverageChange(['444444444444', '333333333333', '111111111111'], c);

    const alert = buildCoverageAlert(c, change, true);

    const lines = [
      'Still uncovered:',
      '- 111111111111 (management): no checker has ever reported (the StackSet skips the management account; a failed stack instance; a member stack never deployed)',
      'Accounts without a working checker:',
      `- 222222222222: its checker last reported ${ago(3 * PERIOD).toISOString()}, more than 2 schedule periods ago (stack deleted, stack instance failed, function failing)`,
      'Accounts covered again:',
      `- 333333333333 (data): reported ${ago(HOUR).toISOString()}`,
      'Accounts no longer ACTIVE in the targeted OUs (no longer expected to report):',
      '- 444444444444',
      '',
      'Coverage: 2/4 ACTIVE accounts of the targeted OUs have a checker that reported; uncovered: 111111111111 (missing), 222222222222 (stale)',
      'See docs/operations.md, "Coverage".',
    ];
    expect(alert).toEqual({
      subject: 'Aurora Backtrack coverage digest: 2/4 accounts covered',
      email: lines.join('\n'),
      default: JSON.stringify({
        version: '1.0',
        source: 'custom',
        content: {
          textType: 'client-markdown',
          title: 'Aurora Backtrack coverage digest: 2/4 accounts covered',
          description: lines.join('\n'),
        },
      }),
      severity: 'HIGH',
      accountIds: ['111111111111', '222222222222', '333333333333', '444444444444'],
      event: ['coverage-digest', 'coverage-lost', 'coverage-recovered', 'coverage-account-left'],
    });
  });

  it('writes a digest with nothing changed and nothing uncovered as the coverage alone, INFORMATIONAL, naming no account', () => {
    const c = judge({ '111111111111': NOW, '222222222222': NOW, '333333333333': NOW });
    const alert = buildCoverageAlert(c, coverageChange([], c), true);
    expect(alert).toMatchObject({
      email: '\nCoverage: 3/3 ACTIVE accounts of the targeted OUs have a checker that reported\nSee docs/operations.md, "Coverage".',
      severity: 'INFORMATIONAL',
      accountIds: [],
      event: ['coverage-digest'],
    });
  });

  it('names no account in a change alert beyond the change (the still-uncovered ones only in a digest), sorted by id', () => {
    const c = judge({ '222222222222': ago(3 * PERIOD) });
    const alert = buildCoverageAlert(c, coverageChange(['111111111111', '333333333333', '000000000001'], c));
    expect(alert?.accountIds).toEqual(['000000000001', '222222222222']);
    expect(alert?.email).not.toContain('Still uncovered');
  });

  it('names a recovered account without a name by its id alone', () => {
    const c = judge({ '333333333333': NOW }, [{ id: '333333333333' }]);
    expect(buildCoverageAlert(c, coverageChange(['333333333333'], c))?.email).toContain(`- 333333333333: reported ${NOW.toISOString()}\n`);
  });
});
