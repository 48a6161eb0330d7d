import { evaluate } from '../../../lambda/core/evaluate';
import type { Evaluation } from '../../../lambda/core/types';
import { renderJson, renderTable } from '../../../bin/output/report';
import type { RegionReport, RunSummary } from '../../../lambda/run';
import { ACCOUNT_ID, cluster, HOUR, NOW, POLICY, secondsAgo } from '../../lambda/fixtures';

const region = (overrides: Partial<RegionReport> = {}): RegionReport => ({
  region: 'eu-west-1',
  scanned: true,
  clusters: 0,
  outOfScope: 0,
  byStatus: { PASSED: 0, WARNING: 0, FAILED: 0, NOT_AVAILABLE: 0 },
  suppressed: 0,
  failedUnsuppressed: 0,
  rejected: [],
  findings: { imported: 0, failed: 0 },
  archived: 0,
  ...overrides,
});

function summary(evaluations: Evaluation[], overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    mode: 'scan',
    accountId: ACCOUNT_ID,
    partition: 'aws',
    startedAt: NOW.toISOString(),
    finishedAt: NOW.toISOString(),
    regions: [region()],
    totals: {
      clusters: evaluations.length,
      inScope: evaluations.filter((e) => e.scope === 'in-scope').length,
      outOfScope: evaluations.filter((e) => e.scope === 'out-of-scope').length,
      failed: 0,
      failedUnsuppressed: 0,
      warning: 0,
      passed: 0,
      notAvailable: 0,
      suppressed: 0,
      notScannedRegions: 0,
      rejectedClusters: 0,
    },
    events: [],
    degraded: [],
    tagProblems: [],
    evaluations,
    ...overrides,
  };
}

const judge = (...args: Parameters<typeof cluster>) => evaluate(cluster(...args), POLICY, NOW);

describe('renderTable totals', () => {
  it('counts exempt clusters on their own, not as part of NOT_AVAILABLE, once', () => {
    const s = summary([], {
      totals: {
        clusters: 12,
        inScope: 10,
        outOfScope: 2,
        failed: 4,
        failedUnsuppressed: 3,
        warning: 2,
        passed: 3,
        notAvailable: 1,
        suppressed: 2,
        notScannedRegions: 0,
        rejectedClusters: 0,
      },
    });
    const totals = renderTable(s)
      .split('\n')
      .find((l) => l.startsWith('Totals:'));
    expect(totals).toBe(
      'Totals: 12 clusters; 10 Aurora MySQL — 4 FAILED, 2 WARNING, 3 PASSED, 1 NOT_AVAILABLE; 2 exempt; 2 out of scope (not Aurora MySQL)',
    );
    expect(totals?.match(/exempt/g)).toHaveLength(1);
  });
});

describe('renderTable', () => {
  const evaluations = [
    judge({ identifier: 'zeta-ok' }),
    judge({ identifier: 'alpha-off', backtrackWindowSeconds: 0 }),
    judge({ identifier: 'short', earliestBacktrackTime: secondsAgo(20 * HOUR) }),
    judge({ identifier: 'pg', engine: 'aurora-postgresql' }),
    judge({
      identifier: 'exempt',
      backtrackWindowSeconds: 0,
      tags: { 'backtrack-check:exempt': 'true', 'backtrack-check:exempt-reason': 'legacy', 'backtrack-check:exempt-until': '2027-01-31' },
    }),
    judge({ identifier: 'tagged', backtrackWindowSeconds: 72 * HOUR, tags: { 'backtrack-check:min-window-hours': '48' } }),
  ];

  it('lists in-scope clusters, failures first, with window, required minimum and its source, actual window and exemption', () => {
    const lines = renderTable(summary(evaluations)).split('\n');
    const rows = lines.filter((l) => l.startsWith('eu-west-1'));

    expect(lines.find((l) => l.startsWith('REGION'))).toMatch(/VERDICT.*WINDOW.*REQUIRED \(SOURCE\).*ACTUAL.*CHANGE REC\/H.*EXEMPTION/);
    expect(rows.map((r) => r.split(/\s{2,}/)[1])).toEqual(['alpha-off', 'exempt', 'short', 'tagged', 'zeta-ok']);
    expect(rows[0]).toMatch(/FAILED\s+disabled\s+off\s+24 h account/);
    expect(rows[1]).toMatch(/FAILED \(exempt\).*until 2027-01-31: legacy/);
    expect(rows[2]).toMatch(/WARNING\s+actual-short\s+24 h\s+24 h account\s+20 h/);
    expect(rows[3]).toMatch(/PASSED\s+ok\s+72 h\s+48 h tag\s+no data/);
  });

  it('does not list out-of-scope clusters but counts them', () => {
    const text = renderTable(summary(evaluations));

    expect(text).not.toMatch(/^eu-west-1\s+pg/m);
    expect(text).toContain('1 out of scope (not Aurora MySQL)');
  });

  it('gives the reason and the fix of every cluster that did not pass', () => {
    const text = renderTable(summary(evaluations));

    expect(text).toContain('- alpha-off (eu-west-1): Backtrack is disabled');
    expect(text).toContain('    fix: Backtrack cannot be turned on for an existing cluster.');
    expect(text).not.toContain('- zeta-ok (eu-west-1)');
  });

  it('names a Region that was not scanned and why, the degradations and the unpublished alert', () => {
    const text = renderTable(
      summary([], {
        regions: [region(), region({ region: 'us-east-1', scanned: false, error: 'AccessDenied: not authorized' })],
        degraded: [{ key: 'region-not-scanned#us-east-1', region: 'us-east-1', message: 'us-east-1: Region not scanned' }],
        alert: { subject: 's', published: false, error: 'KMSDisabledException: key disabled' },
      }),
    );

    expect(text).toContain('No Aurora MySQL clusters in the watched Regions.');
    expect(text).toContain('Regions: eu-west-1, us-east-1 (NOT SCANNED)');
    expect(text).toContain('  us-east-1 not scanned: AccessDenied: not authorized');
    expect(text).toContain('Checker degraded:\n  - us-east-1: Region not scanned');
    expect(text).toContain('Alert NOT published: KMSDisabledException: key disabled');
  });

  it('lists tag problems and findings published', () => {
    const text = renderTable(
      summary([], {
        tagProblems: ['orders (eu-west-1): tag backtrack-check:min-window-hours is bad'],
        regions: [region({ findings: { imported: 3, failed: 1 }, archived: 1 })],
      }),
    );

    expect(text).toContain('Tag problems:\n  - orders (eu-west-1): tag backtrack-check:min-window-hours is bad');
    expect(text).toContain('Findings: eu-west-1 3 imported, 1 failed, 1 archived');
  });
});

describe('renderJson', () => {
  it('prints the summary with one flat entry per cluster and without the alert body', () => {
    const s = summary([judge({ backtrackWindowSeconds: undefined }), judge({ identifier: 'pg', engine: 'aurora-postgresql' })], {
      alert: {
        subject: 'subject',
        published: true,
        messageId: 'm-1',
        message: {
          subject: 'subject',
          default: '{}',
          email: 'body',
          attributes: { severity: 'LOW', event: ['new-failure'], accountId: '111122223333' },
        },
      },
    });

    const out = JSON.parse(renderJson(s)) as Record<string, unknown> & {
      clusters: Record<string, unknown>[];
      alert: Record<string, unknown>;
    };

    expect(out.evaluations).toBeUndefined();
    expect(out.alert).toEqual({ subject: 'subject', published: true, messageId: 'm-1' });
    expect(out.clusters[0]).toMatchObject({
      region: 'eu-west-1',
      identifier: 'orders',
      scope: 'in-scope',
      status: 'FAILED',
      condition: 'disabled',
      severity: 'MEDIUM',
      suppressed: false,
      backtrackWindowSeconds: 0,
      requiredWindowSeconds: 86_400,
      policySource: 'account',
    });
    expect(out.clusters[0]?.remediation).toContain('restore-db-cluster-to-point-in-time');
    expect(out.clusters[1]).toMatchObject({ identifier: 'pg', scope: 'out-of-scope' });
    expect(out.accountId).toBe(ACCOUNT_ID);
  });
});

describe('renderTable with hostile tag values', () => {
  it('prints no control characters from a tag (no terminal escape sequences) and shows the exemption cap', () => {
    const e = judge({
      backtrackWindowSeconds: 0,
      tags: { 'backtrack-check:exempt': 'true', 'backtrack-check:exempt-reason': 'ok\u001b[2J\u0007 then' },
    });

    const text = renderTable(summary([e], { tagProblems: ['orders (eu-west-1): tag backtrack-check:exempt is "\u001b[31mred"'] }));

    expect([...text].some((ch) => ch.charCodeAt(0) < 0x20 && ch !== '\n')).toBe(false);
    expect(text).toContain('until 2027-02-18 (capped): ok [2J  then');
  });
});
