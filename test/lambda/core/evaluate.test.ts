import { evaluate, isAuroraMySql, whyBacktrackUnsupported } from '../../../lambda/core/evaluate';
import { formatDuration } from '../../../lambda/core/text';
import type { BacktrackMetrics, ClusterFacts } from '../../../lambda/core/types';
import { cluster, HOUR, NOW, POLICY, policy, secondsAgo } from '../fixtures';

const EXEMPT = 'backtrack-check:exempt';
const UNTIL = 'backtrack-check:exempt-until';
const REASON = 'backtrack-check:exempt-reason';
const MIN_TAG = 'backtrack-check:min-window-hours';

describe('evaluate: scope', () => {
  it.each(['aurora-postgresql', 'mysql', 'postgres', 'neptune', 'docdb'])(
    'engine %s is out of scope (no finding, only counted) even with Backtrack off',
    (engine) => {
      const e = evaluate(cluster({ engine, backtrackWindowSeconds: 0 }), POLICY, NOW);

      expect(e.scope).toBe('out-of-scope');
      expect(e.status).not.toBe('FAILED');
      expect(e.reason).toContain(engine);
    },
  );

  it.each(['aurora-mysql', 'aurora'])('engine %s is Aurora MySQL', (engine) => {
    expect(isAuroraMySql(engine)).toBe(true);
  });

  it('judges the legacy engine "aurora" (5.6) like aurora-mysql: disabled fails, a full window passes', () => {
    const legacy = { engine: 'aurora', engineVersion: '5.6.mysql_aurora.1.23.4' };

    const off = evaluate(cluster({ ...legacy, backtrackWindowSeconds: 0 }), POLICY, NOW);
    const on = evaluate(cluster({ ...legacy, backtrackWindowSeconds: 86_400 }), POLICY, NOW);

    expect([off.scope, off.status, off.condition]).toEqual(['in-scope', 'FAILED', 'disabled']);
    expect([on.scope, on.status, on.condition]).toEqual(['in-scope', 'PASSED', 'ok']);
  });
});

describe('evaluate: clusters that cannot use Backtrack', () => {
  it.each([
    ['Serverless v1', { engineMode: 'serverless' }, /Serverless v1/],
    ['multi-master', { engineMode: 'multimaster' }, /multi-master/],
    ['engine mode global', { engineMode: 'global' }, /global/],
    ['a global database member', { globalClusterIdentifier: 'gdb-orders' }, /global database "gdb-orders"/],
    [
      'a binlog replica (ReplicationSourceIdentifier)',
      { replicationSourceIdentifier: 'arn:aws:rds:us-east-1:111122223333:cluster:source' },
      /binlog replica/,
    ],
    [
      'a binlog replication source (ReadReplicaIdentifiers)',
      { readReplicaIdentifiers: ['arn:aws:rds:us-west-2:111122223333:cluster:replica'] },
      /source of binlog replication/,
    ],
    ['Aurora MySQL 3.01', { engineVersion: '8.0.mysql_aurora.3.01.1' }, /3\.01 and 3\.02/],
    ['Aurora MySQL 3.02', { engineVersion: '8.0.mysql_aurora.3.02.2' }, /3\.01 and 3\.02/],
  ] as [string, Partial<ClusterFacts>, RegExp][])(
    '%s is NOT_AVAILABLE with the reason, not FAILED, even at window 0',
    (_name, overrides, reason) => {
      const e = evaluate(cluster({ ...overrides, backtrackWindowSeconds: 0 }), POLICY, NOW);

      expect(e).toMatchObject({
        scope: 'in-scope',
        status: 'NOT_AVAILABLE',
        condition: 'unsupported',
        severity: 'INFORMATIONAL',
        remediation: '',
      });
      expect(e.reason).toMatch(reason);
    },
  );

  it.each([
    '8.0.mysql_aurora.3.03.0',
    '8.0.mysql_aurora.3.04.3',
    '8.0.mysql_aurora.3.10.0',
    '5.7.mysql_aurora.2.11.2',
    '5.7.mysql_aurora.2.12.4',
    '8.4.mysql_aurora.4.0.0',
  ])('engine version %s supports Backtrack', (engineVersion) => {
    const c = cluster({ engineVersion });

    expect(whyBacktrackUnsupported(c)).toBeUndefined();
    expect(evaluate(c, POLICY, NOW).status).toBe('PASSED');
  });

  it('treats Serverless v2 (provisioned with a v2 scaling configuration) as supported', () => {
    const v2 = cluster({ engineMode: 'provisioned', serverlessV2: true });

    expect(evaluate(v2, POLICY, NOW).status).toBe('PASSED');
    expect(evaluate({ ...v2, backtrackWindowSeconds: 0 }, POLICY, NOW).status).toBe('FAILED');
  });

  it('treats an absent engine mode as provisioned', () => {
    const { engineMode: _omit, ...noMode } = cluster();

    expect(evaluate(noMode, POLICY, NOW).status).toBe('PASSED');
  });
});

describe('evaluate: the window against the required minimum', () => {
  it.each([
    ['absent', undefined, /window not set/],
    ['0', 0, /window 0\)/],
  ])('window %s is FAILED "disabled" MEDIUM with a restore (not modify) remediation', (_name, window, reason) => {
    const e = evaluate(cluster({ backtrackWindowSeconds: window }), POLICY, NOW);

    expect(e).toMatchObject({ scope: 'in-scope', status: 'FAILED', condition: 'disabled', severity: 'MEDIUM' });
    expect(e.reason).toMatch(reason);
    expect(e.remediation).toContain('cannot be turned on for an existing cluster');
    expect(e.remediation).toContain(
      'aws rds restore-db-cluster-to-point-in-time --source-db-cluster-identifier orders --db-cluster-identifier orders-bt',
    );
    expect(e.remediation).toContain('--backtrack-window 86400 ');
    expect(e.fixCommand).toMatch(/ --region eu-west-1$/);
    expect(e.remediation).not.toContain('modify-db-cluster');
  });

  it('one second under the minimum (86 399 s at 24 h) is FAILED "below policy" LOW with modify-db-cluster in place', () => {
    const e = evaluate(cluster({ backtrackWindowSeconds: 86_399 }), POLICY, NOW);

    expect(e).toMatchObject({ status: 'FAILED', condition: 'below-policy', severity: 'LOW' });
    expect(e.reason).toContain('86399 s');
    expect(e.reason).toContain('86400 s');
    expect(e.remediation).toBe(
      'Raise the window in place: aws rds modify-db-cluster --db-cluster-identifier orders --backtrack-window 86400 --apply-immediately --region eu-west-1 ' +
        '(or: aurora-backtrack-check migrate --cluster orders --region eu-west-1 --window-hours 24)',
    );
  });

  it('states a window just under the minimum without rounding it up to the minimum', () => {
    const e = evaluate(cluster({ backtrackWindowSeconds: 86_399 }), POLICY, NOW);

    expect(e.reason).toContain('86399 s (23 h 59 min 59 s)');
  });

  it.each([86_400, 86_401, 259_200])('window %i s at a 24 h minimum is PASSED INFORMATIONAL with no remediation', (window) => {
    const e = evaluate(cluster({ backtrackWindowSeconds: window }), POLICY, NOW);

    expect(e).toMatchObject({ status: 'PASSED', condition: 'ok', severity: 'INFORMATIONAL', remediation: '' });
  });

  it('a minimum of 0 passes any enabled window (1 s) and still fails window 0, suggesting 24 h', () => {
    const any = policy({ minWindowHours: 0 });

    const one = evaluate(cluster({ backtrackWindowSeconds: 1 }), any, NOW);
    const off = evaluate(cluster({ backtrackWindowSeconds: 0 }), any, NOW);

    expect(one.status).toBe('PASSED');
    expect(one.reason).toContain('any enabled window');
    expect(off).toMatchObject({ status: 'FAILED', condition: 'disabled' });
    expect(off.remediation).toContain('--backtrack-window 86400');
  });

  it('a fractional minimum (1.5 h) requires exactly 5400 s', () => {
    const p = policy({ minWindowHours: 1.5 });

    const under = evaluate(cluster({ backtrackWindowSeconds: 5_399 }), p, NOW);
    const exact = evaluate(cluster({ backtrackWindowSeconds: 5_400 }), p, NOW);

    expect(under.policy.requiredSeconds).toBe(5_400);
    expect(under.condition).toBe('below-policy');
    expect(under.remediation).toContain('--backtrack-window 5400');
    expect(exact.status).toBe('PASSED');
  });

  it('a 72 h minimum fails a 71 h window and passes the 72 h maximum', () => {
    const p = policy({ minWindowHours: 72 });

    expect(evaluate(cluster({ backtrackWindowSeconds: 71 * HOUR }), p, NOW).condition).toBe('below-policy');
    expect(evaluate(cluster({ backtrackWindowSeconds: 72 * HOUR }), p, NOW).status).toBe('PASSED');
  });
});

describe('evaluate: exemption tag', () => {
  it.each(['true', 'TRUE', ' True'])('value %j exempts the cluster without changing its verdict', (value) => {
    const e = evaluate(cluster({ backtrackWindowSeconds: 0, tags: { [EXEMPT]: value } }), POLICY, NOW);

    expect(e.exemption.active).toBe(true);
    expect(e.status).toBe('FAILED');
    expect(e.tagProblems).toEqual([]);
  });

  it.each(['yes', '1'])('value %j does not exempt and is reported as a tag problem', (value) => {
    const e = evaluate(cluster({ backtrackWindowSeconds: 0, tags: { [EXEMPT]: value } }), POLICY, NOW);

    expect(e.exemption.active).toBe(false);
    expect(e.tagProblems).toHaveLength(1);
    expect(e.tagProblems[0]).toContain(EXEMPT);
    expect(e.tagProblems[0]).toContain(`"${value}"`);
  });

  it('value "false" does not exempt and is not a problem', () => {
    const e = evaluate(cluster({ tags: { [EXEMPT]: 'false' } }), POLICY, NOW);

    expect(e.exemption).toMatchObject({ active: false, expired: false, problems: [] });
    expect(e.tagProblems).toEqual([]);
  });

  it('reads the exemption from a custom exemption tag key only', () => {
    const p = policy({ exemptTagKey: 'team:no-backtrack' });

    expect(evaluate(cluster({ tags: { 'team:no-backtrack': 'true' } }), p, NOW).exemption.active).toBe(true);
    expect(evaluate(cluster({ tags: { [EXEMPT]: 'true' } }), p, NOW).exemption.active).toBe(false);
  });

  it('keeps the reason and a future expiry: the exemption is active', () => {
    const e = evaluate(cluster({ tags: { [EXEMPT]: 'true', [REASON]: ' migration to v3 ', [UNTIL]: '2026-12-31' } }), POLICY, NOW);

    expect(e.exemption).toMatchObject({ active: true, expired: false, reason: 'migration to v3', until: '2026-12-31' });
  });

  it('a past expiry is expired: not active, so it no longer suppresses', () => {
    const e = evaluate(cluster({ backtrackWindowSeconds: 0, tags: { [EXEMPT]: 'true', [UNTIL]: '2026-11-01' } }), POLICY, NOW);

    expect(e.exemption).toMatchObject({ active: false, expired: true, until: '2026-11-01' });
    expect(e.status).toBe('FAILED');
    expect(e.tagProblems).toEqual([]);
  });

  it.each(['next week', '2026-02-30', '2026-13-01', '20261231', '2026-12-31T10:00'])(
    'an expiry that is not a date (%j) does not exempt and is reported as a tag problem',
    (until) => {
      const e = evaluate(cluster({ tags: { [EXEMPT]: 'true', [UNTIL]: until } }), POLICY, NOW);

      expect(e.exemption).toMatchObject({ active: false, expired: false });
      expect(e.tagProblems).toHaveLength(1);
      expect(e.tagProblems[0]).toContain(UNTIL);
    },
  );

  it('a date-only expiry holds through the end of that day, UTC', () => {
    const tags = { [EXEMPT]: 'true', [UNTIL]: '2026-11-20' };
    const c = cluster({ tags });

    expect(evaluate(c, POLICY, new Date('2026-11-20T23:59:59.999Z')).exemption.active).toBe(true);
    expect(evaluate(c, POLICY, new Date('2026-11-21T00:00:00.000Z')).exemption).toMatchObject({ active: false, expired: true });
  });

  it('a date-time expiry with a time zone ends at that instant', () => {
    const c = cluster({ tags: { [EXEMPT]: 'true', [UNTIL]: '2026-11-20T13:00:00+02:00' } });

    expect(evaluate(c, POLICY, new Date('2026-11-20T10:59:59Z')).exemption.active).toBe(true);
    expect(evaluate(c, POLICY, new Date('2026-11-20T11:00:00Z')).exemption.expired).toBe(true);
  });

  it('an exemption without expiry is active with no until date', () => {
    const e = evaluate(cluster({ tags: { [EXEMPT]: 'true' } }), POLICY, NOW);

    expect(e.exemption.active).toBe(true);
    expect(e.exemption.until).toBeUndefined();
  });

  it('reads every tag under a custom prefix', () => {
    const p = policy({ tagPrefix: 'ops/bt-', exemptTagKey: 'ops/bt-exempt' });
    const c = cluster({ tags: { 'ops/bt-exempt': 'true', 'ops/bt-exempt-until': '2026-01-01', 'ops/bt-min-window-hours': '48' } });

    const e = evaluate(c, p, NOW);

    expect(e.exemption.expired).toBe(true);
    expect(e.policy).toMatchObject({ source: 'tag', requiredHours: 48 });
  });
});

describe('evaluate: per-cluster minimum from the min-window-hours tag', () => {
  it('a higher tag value (72) overrides the account minimum: a 24 h window is below policy', () => {
    const e = evaluate(cluster({ tags: { [MIN_TAG]: '72' } }), POLICY, NOW);

    expect(e.policy).toEqual({ requiredHours: 72, requiredSeconds: 259_200, source: 'tag' });
    expect(e.condition).toBe('below-policy');
    expect(e.reason).toContain('set by the cluster tag');
    expect(e.remediation).toContain('--backtrack-window 259200');
  });

  it('a lower tag value (12) overrides the account minimum: a 12 h window passes', () => {
    const e = evaluate(cluster({ backtrackWindowSeconds: 12 * HOUR, tags: { [MIN_TAG]: '12' } }), POLICY, NOW);

    expect(e.policy.source).toBe('tag');
    expect(e.status).toBe('PASSED');
  });

  it('a tag value of 0 accepts any enabled window', () => {
    expect(evaluate(cluster({ backtrackWindowSeconds: 60, tags: { [MIN_TAG]: '0' } }), POLICY, NOW).status).toBe('PASSED');
  });

  it.each(['abc', '100', '-1', '', '24h'])('an invalid tag value %j is a tag problem and the account minimum applies', (value) => {
    const e = evaluate(cluster({ backtrackWindowSeconds: 12 * HOUR, tags: { [MIN_TAG]: value } }), POLICY, NOW);

    expect(e.policy).toMatchObject({ source: 'account', requiredSeconds: 86_400 });
    expect(e.condition).toBe('below-policy');
    expect(e.tagProblems).toHaveLength(1);
    expect(e.tagProblems[0]).toContain(MIN_TAG);
    expect(e.tagProblems[0]).toContain('account minimum of 24 h applies');
  });
});

describe('evaluate: actual window', () => {
  const alerting = (windowAlertCount: number): BacktrackMetrics => ({ windowAlertCount, source: 'cluster' });

  it('an old cluster whose EarliestBacktrackTime gives less than required is WARNING "actual short" with the measurement', () => {
    const e = evaluate(cluster({ earliestBacktrackTime: secondsAgo(20 * HOUR) }), POLICY, NOW);

    expect(e).toMatchObject({ status: 'WARNING', condition: 'actual-short', severity: 'LOW' });
    expect(e.actual?.seconds).toBe(72_000);
    expect(e.reason).toContain('the actual window is 72000 s (20 h)');
    expect(e.remediation).toContain('Write load');
    expect(e.remediation).toContain('modify-db-cluster --db-cluster-identifier orders --backtrack-window 172800');
  });

  it('an actual window at or above the required minimum passes and is reported', () => {
    const e = evaluate(cluster({ earliestBacktrackTime: secondsAgo(25 * HOUR) }), POLICY, NOW);

    expect(e.status).toBe('PASSED');
    expect(e.actual).toMatchObject({ seconds: 90_000, filling: false });
    expect(e.actual?.summary).toContain('EarliestBacktrackTime');
  });

  it('a cluster younger than its window is PASSED "still filling", not a warning', () => {
    const e = evaluate(cluster({ createdAt: secondsAgo(2 * HOUR), earliestBacktrackTime: secondsAgo(2 * HOUR) }), POLICY, NOW);

    expect(e.status).toBe('PASSED');
    expect(e.actual?.filling).toBe(true);
    expect(e.reason).toContain('still filling');
  });

  it('a window raised less than one window ago is "still filling", not an actual-window warning', () => {
    const e = evaluate(
      cluster({ backtrackWindowSeconds: 24 * HOUR, windowSetAt: secondsAgo(3 * HOUR), earliestBacktrackTime: secondsAgo(3 * HOUR) }),
      POLICY,
      NOW,
    );

    expect(e.status).toBe('PASSED');
    expect(e.actual?.filling).toBe(true);
    expect(e.actual?.summary).toContain('target window set 3 h ago');
  });

  it('a window raised longer ago than the window is judged on its actual window again', () => {
    const e = evaluate(
      cluster({ backtrackWindowSeconds: 24 * HOUR, windowSetAt: secondsAgo(30 * HOUR), earliestBacktrackTime: secondsAgo(3 * HOUR) }),
      POLICY,
      NOW,
    );

    expect(e).toMatchObject({ status: 'WARNING', condition: 'actual-short' });
  });

  it('without EarliestBacktrackTime, BacktrackWindowAlert > 0 with target equal to the required minimum is WARNING', () => {
    const e = evaluate(cluster(), POLICY, NOW, alerting(3));

    expect(e).toMatchObject({ status: 'WARNING', condition: 'actual-short' });
    expect(e.reason).toContain('3 time(s)');
  });

  it('without EarliestBacktrackTime, BacktrackWindowAlert > 0 with target above the required minimum passes (actual vs required unknown)', () => {
    const e = evaluate(cluster({ backtrackWindowSeconds: 48 * HOUR }), POLICY, NOW, alerting(3));

    expect(e.status).toBe('PASSED');
    expect(e.actual?.summary).toContain('BacktrackWindowAlert 3');
  });

  it('states that nothing was measured rather than guessing', () => {
    const e = evaluate(cluster(), POLICY, NOW);

    expect(e.status).toBe('PASSED');
    expect(e.actual?.seconds).toBeUndefined();
    expect(e.actual?.summary).toContain('no EarliestBacktrackTime');
    expect(e.actual?.summary).toContain('no Backtrack metrics');
  });

  it('reports the raw BacktrackWindowActual value with its unit, without judging on it', () => {
    const e = evaluate(cluster(), POLICY, NOW, { windowActualMinutes: 5, source: 'writer-instance' });

    expect(e.status).toBe('PASSED');
    expect(e.actual?.summary).toContain('BacktrackWindowActual 5 min (raw value)');
  });

  it('gives the change-record cost hint per hour as the per-5-minute rate × 12', () => {
    const e = evaluate(cluster(), POLICY, NOW, { changeRecordsPer5Min: 250.4, source: 'cluster' });

    expect(e.changeRecordsPerHour).toBe(3_005);
  });

  it('does not measure the actual window of a failing cluster', () => {
    const e = evaluate(cluster({ backtrackWindowSeconds: 3_600, earliestBacktrackTime: secondsAgo(HOUR) }), POLICY, NOW);

    expect(e.condition).toBe('below-policy');
    expect(e.actual).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [30, '30 s'],
    [60, '1 min'],
    [90, '1 min 30 s'],
    [2_700, '45 min'],
    [3_600, '1 h'],
    [5_400, '1.5 h'],
    [86_400, '24 h'],
    [3_601, '1 h 1 s'],
    [86_399, '23 h 59 min 59 s'],
    [86_460, '24 h 1 min'],
  ])('%i s reads "%s"', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

describe('evaluate: boundaries of the actual window and of "still filling"', () => {
  const DAY = 24 * HOUR;

  it('an actual window of exactly the required minimum passes; one second less is "actual short"', () => {
    const exact = evaluate(cluster({ earliestBacktrackTime: secondsAgo(DAY) }), POLICY, NOW);
    const short = evaluate(cluster({ earliestBacktrackTime: secondsAgo(DAY - 1) }), POLICY, NOW);

    expect(exact).toMatchObject({ status: 'PASSED', condition: 'ok', actual: { seconds: DAY } });
    expect(short).toMatchObject({ status: 'WARNING', condition: 'actual-short', actual: { seconds: DAY - 1 } });
  });

  it('a cluster exactly one window old is judged on its actual window; one second younger is still filling', () => {
    const measured = { earliestBacktrackTime: secondsAgo(20 * HOUR) };

    const full = evaluate(cluster({ ...measured, createdAt: secondsAgo(DAY) }), POLICY, NOW);
    const young = evaluate(cluster({ ...measured, createdAt: secondsAgo(DAY - 1) }), POLICY, NOW);

    expect(full).toMatchObject({ status: 'WARNING', condition: 'actual-short', actual: { filling: false } });
    expect(young).toMatchObject({ status: 'PASSED', condition: 'ok', actual: { filling: true } });
  });

  it('a target above the minimum is full once the required minimum has passed, not the whole target', () => {
    const e = evaluate(
      cluster({ backtrackWindowSeconds: 2 * DAY, createdAt: secondsAgo(30 * HOUR), earliestBacktrackTime: secondsAgo(30 * HOUR) }),
      POLICY,
      NOW,
    );

    expect(e).toMatchObject({ status: 'PASSED', actual: { filling: false } });
    expect(e.reason).not.toContain('still filling');
  });

  it('a measured actual window at the minimum passes even when AWS also raised BacktrackWindowAlert', () => {
    const e = evaluate(cluster({ earliestBacktrackTime: secondsAgo(25 * HOUR) }), POLICY, NOW, {
      windowAlertCount: 3,
      source: 'cluster',
    });

    expect(e).toMatchObject({ status: 'PASSED', condition: 'ok' });
  });
});

describe('evaluate: the words of the verdict', () => {
  const DAY = 24 * HOUR;

  it('a passing reason states the window and the account policy, and nothing else', () => {
    const e = evaluate(cluster(), POLICY, NOW);

    expect(e.reason).toBe('Backtrack window 86400 s (24 h) meets the required 86400 s (24 h), the account policy');
  });

  it('summarises a full window measured from EarliestBacktrackTime with no metrics as exactly two statements', () => {
    const e = evaluate(cluster({ earliestBacktrackTime: secondsAgo(25 * HOUR) }), POLICY, NOW);

    expect(e.actual?.summary).toBe(
      'actual window 90000 s (25 h) (now − EarliestBacktrackTime 2026-11-19T11:00:00.000Z); ' +
        'no Backtrack metrics in CloudWatch for the last 24 h',
    );
  });

  it('says a young cluster is filling because of its age, not because its window was raised', () => {
    const e = evaluate(cluster({ createdAt: secondsAgo(2 * HOUR) }), POLICY, NOW);

    expect(e.actual?.summary).toContain('cluster is 2 h old, younger than the window: still filling');
    expect(e.actual?.summary).not.toContain('target window set');
  });

  it('a window set at the moment the cluster was created is not a raised window', () => {
    const e = evaluate(cluster({ createdAt: secondsAgo(2 * HOUR), windowSetAt: secondsAgo(2 * HOUR) }), POLICY, NOW);

    expect(e.actual?.summary).toContain('cluster is 2 h old');
    expect(e.actual?.summary).not.toContain('target window set');
  });

  it('a window raised one second after creation is a raised window', () => {
    const e = evaluate(cluster({ createdAt: secondsAgo(2 * HOUR + 1), windowSetAt: secondsAgo(2 * HOUR) }), POLICY, NOW);

    expect(e.actual?.summary).toContain('target window set 2 h ago');
  });

  it('does not call the window "still filling" once it is full', () => {
    const e = evaluate(cluster({ createdAt: secondsAgo(2 * DAY), windowSetAt: secondsAgo(2 * DAY) }), POLICY, NOW);

    expect(e.actual?.filling).toBe(false);
    expect(e.actual?.summary).not.toContain('still filling');
  });

  it.each([
    ['BacktrackWindowAlert only', { windowAlertCount: 0 }, false],
    ['BacktrackWindowActual only', { windowActualMinutes: 1_440 }, false],
    ['the change-record rate only', { changeRecordsPer5Min: 10 }, true],
  ] as [string, Partial<BacktrackMetrics>, boolean][])(
    'with %s, says "no Backtrack metrics" only when neither window metric was found',
    (_name, found, missing) => {
      const e = evaluate(cluster(), POLICY, NOW, { source: 'cluster', ...found });

      expect(e.actual?.summary.includes('no Backtrack metrics')).toBe(missing);
    },
  );

  it('lists every binlog replica a source cluster feeds, comma-separated', () => {
    const c = cluster({ readReplicaIdentifiers: ['replica-a', 'replica-b'] });

    expect(whyBacktrackUnsupported(c)).toContain('source of binlog replication to replica-a, replica-b:');
  });

  it('names the setting backtrackRegions as the fix for a Region AWS may since have added Backtrack to', () => {
    const e = evaluate(cluster({ region: 'eu-north-1' }), POLICY, NOW);

    expect(e.reason).toMatch(/If AWS now offers it there, list the Region in the setting backtrackRegions$/);
  });

  it('a window below the account minimum names the account policy as the source of the minimum', () => {
    const e = evaluate(cluster({ backtrackWindowSeconds: 12 * HOUR }), POLICY, NOW);

    expect(e.reason).toBe('Backtrack window 43200 s (12 h) is below the required 86400 s (24 h), the account policy');
  });

  it('the restore for a disabled cluster suggests the required minimum when it is not 24 h, and ends with the cut-over', () => {
    const e = evaluate(cluster({ backtrackWindowSeconds: 0 }), policy({ minWindowHours: 12 }), NOW);

    expect(e.fixCommand).toContain('--backtrack-window 43200');
    expect(e.remediation).toMatch(
      /; add a writer \(aws rds create-db-instance\) and readers like the source's, move clients to the new endpoints, then retire orders\. .* Or plan it with: aurora-backtrack-check migrate --cluster orders --region eu-west-1 --window-hours 12$/,
    );
  });
});
