/**
 * `--format html` as markup: what the page must hold whatever the browser does with it (the
 * browser's view is tested end to end in test/integration/html-report.test.ts).
 */
import { createHash } from 'node:crypto';
import type { AccountsSummary } from '../../../lambda/accounts';
import { evaluate } from '../../../lambda/core/evaluate';
import type { Evaluation } from '../../../lambda/core/types';
import type { RegionReport, RunSummary } from '../../../lambda/run';
import { FORMATS, render } from '../../../bin/output';
import { renderAccounts } from '../../../bin/output/accounts';
import { esc } from '../../../bin/output/html-page';
import { renderAccountsHtml, renderHtml, type ScanSettings } from '../../../bin/output/html';
import { TOOL } from '../../../bin/output/version';
import { ACCOUNT_ID, cluster, HOUR, NOW, POLICY } from '../../lambda/fixtures';

const HOSTILE = '<img src=x onerror=alert(1)></script><script>alert(2)</script>" onmouseover="alert(3)';

const judge = (...args: Parameters<typeof cluster>) => evaluate(cluster(...args), POLICY, NOW);

const EVALUATIONS: Evaluation[] = [
  judge({ identifier: 'ok' }),
  judge({ identifier: 'off', backtrackWindowSeconds: 0 }),
  judge({ identifier: 'short', backtrackWindowSeconds: HOUR, region: 'us-east-1' }),
  judge({
    identifier: 'exempt',
    backtrackWindowSeconds: 0,
    tags: { 'backtrack-check:exempt': 'true', 'backtrack-check:exempt-reason': HOSTILE, 'backtrack-check:exempt-until': '2099-01-01' },
  }),
  judge({ identifier: 'sls', engineMode: 'serverless' }),
  judge({ identifier: 'pg', engine: 'aurora-postgresql' }),
];

const region = (name: string, overrides: Partial<RegionReport> = {}): RegionReport => ({
  region: name,
  scanned: true,
  clusters: 0,
  outOfScope: 0,
  byStatus: { FAILED: 0, WARNING: 0, PASSED: 0, NOT_AVAILABLE: 0 },
  suppressed: 0,
  failedUnsuppressed: 0,
  rejected: [],
  findings: { imported: 0, failed: 0 },
  archived: 0,
  ...overrides,
});

function summary(overrides: Partial<RunSummary> = {}, evaluations: Evaluation[] = EVALUATIONS): RunSummary {
  const inScope = evaluations.filter((e) => e.scope === 'in-scope');
  const count = (status: string) => inScope.filter((e) => e.status === status).length;
  return {
    mode: 'scan',
    accountId: ACCOUNT_ID,
    partition: 'aws',
    startedAt: NOW.toISOString(),
    finishedAt: new Date(NOW.getTime() + 4_250).toISOString(),
    regions: [
      region('eu-west-1', { byStatus: { FAILED: 2, WARNING: 0, PASSED: 1, NOT_AVAILABLE: 1 }, suppressed: 1, outOfScope: 1 }),
      region('us-east-1', { byStatus: { FAILED: 1, WARNING: 0, PASSED: 0, NOT_AVAILABLE: 0 } }),
    ],
    totals: {
      clusters: evaluations.length,
      inScope: inScope.length,
      outOfScope: evaluations.length - inScope.length,
      failed: count('FAILED'),
      failedUnsuppressed: inScope.filter((e) => e.status === 'FAILED' && !e.exemption.active).length,
      warning: count('WARNING'),
      passed: count('PASSED'),
      notAvailable: count('NOT_AVAILABLE'),
      suppressed: inScope.filter((e) => e.exemption.active).length,
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

const SETTINGS: ScanSettings = {
  policy: { ...POLICY, backtrackRegions: ['eu-north-1'] },
  regions: ['eu-west-1', 'us-east-1'],
  actualWindow: false,
  publishFindings: false,
  clusterFilter: ['orders-*'],
  failOn: 'warning',
};

/** The rows of the clusters' table, as `verdict account region identifier`. */
function clusterRows(html: string): string[] {
  const body = /<div id="clusters">[\s\S]*?\n<\/div>/.exec(html)?.[0] ?? '';
  return [
    ...body.matchAll(/<tr class="v-\w+" data-verdict="(\w+)" data-account="(\d+)" data-region="([\w-]+)"[^>]*>.*?<a [^>]*>([^<]*)<\/a>/g),
  ].map((m) => `${m[1]} ${m[2]} ${m[3]} ${m[4]}`);
}

const scriptOf = (html: string) => [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? '');
const styleOf = (html: string) => [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1] ?? '');
const hash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

describe('--format html', () => {
  it('is one of the formats, and renders a whole page for one account and for several', () => {
    expect(FORMATS).toContain('html');
    expect(render('html', summary())).toMatch(/^<!DOCTYPE html>\n<html lang="en">[\s\S]*<\/html>\n$/);
    const accounts: AccountsSummary = {
      callerAccountId: ACCOUNT_ID,
      partition: 'aws',
      startedAt: NOW.toISOString(),
      finishedAt: NOW.toISOString(),
      accounts: [{ accountId: ACCOUNT_ID, summary: summary() }],
      totals: { ...summary().totals, accounts: 1, accountsAudited: 1, accountsNotAudited: 0 },
    };
    expect(renderAccounts('html', accounts)).toMatch(/^<!DOCTYPE html>[\s\S]*<\/html>\n$/);
  });

  it('has one row per Aurora MySQL cluster, most urgent first, with its verdict, account and Region in the markup', () => {
    expect(clusterRows(renderHtml(summary()))).toEqual([
      `FAILED ${ACCOUNT_ID} eu-west-1 exempt`,
      `FAILED ${ACCOUNT_ID} eu-west-1 off`,
      `FAILED ${ACCOUNT_ID} us-east-1 short`,
      `PASSED ${ACCOUNT_ID} eu-west-1 ok`,
      `NOT_AVAILABLE ${ACCOUNT_ID} eu-west-1 sls`,
    ]);
  });

  it('writes a hostile tag value as text: no element, attribute or script comes out of it', () => {
    const html = renderHtml(summary());
    expect(html).not.toContain('<img');
    expect(html).not.toContain('onerror=alert(1)>');
    expect(html).not.toContain('" onmouseover');
    expect(scriptOf(html)).toHaveLength(1);
    expect(scriptOf(html)[0]).not.toContain('alert');
    expect(html).toContain(esc(HOSTILE));
    expect(esc(HOSTILE)).toBe(
      '&lt;img src=x onerror=alert(1)&gt;&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;&quot; onmouseover=&quot;alert(3)',
    );
  });

  it('allows by hash exactly its own script and style sheet, and nothing else to load', () => {
    const html = renderHtml(summary());
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1]?.replace(/&#39;/g, "'");
    const [script] = scriptOf(html);
    const [style] = styleOf(html);
    expect(csp).toBe(
      `default-src 'none'; script-src ${hash(script ?? '')}; style-src ${hash(style ?? '')}; base-uri 'none'; form-action 'none'`,
    );
    // Self-contained: no file is fetched (links to the console are followed only when clicked).
    expect(html).not.toMatch(/<[^>]*\ssrc=|<link|@import|url\(|@font-face/);
    expect([...html.matchAll(/href="([^"#][^"]*)"/g)].map((m) => m[1]).every((h) => h?.startsWith('https://'))).toBe(true);
  });

  it('links each cluster to its page in the console of its partition', () => {
    const html = renderHtml(summary({ partition: 'aws-us-gov' }));
    expect(html).toContain(
      'href="https://us-east-1.console.amazonaws-us-gov.com/rds/home?region=us-east-1#database:id=short;is-cluster=true"',
    );
  });

  it("draws each cluster's window against its minimum on a 0–72 h scale, and says it in words", () => {
    const html = renderHtml(summary());
    const row = html.split('\n').find((l) => l.includes('>short</a>')) ?? '';
    // 1 h of 72 h on 150 px is 2.1 px; the 24 h minimum is at 50 px.
    expect(row).toContain('<rect class="target" y="2" width="2.1" height="7"/>');
    expect(row).toContain('<line class="min" x1="50.0" x2="50.0" y1="0" y2="16"/>');
    expect(row).toContain('<title>window 1 h, required 24 h</title>');
    expect(row).toContain('1 h of 24 h (account)');
  });

  it('shows the reason and the fix of each cluster that has one', () => {
    const html = renderHtml(summary());
    const off = EVALUATIONS.find((e) => e.cluster.identifier === 'off');
    expect(html).toContain(esc(off?.reason ?? '?'));
    expect(html).toContain(`<pre>${esc(off?.remediation ?? '?')}</pre>`);
  });

  it('lists the exemptions with their end: the cap and the date the tag gives', () => {
    const html = renderHtml(summary());
    const table = /<table id="exemption-list">[\s\S]*?<\/table>/.exec(html)?.[0] ?? '';
    const exempt = EVALUATIONS.find((e) => e.cluster.identifier === 'exempt')?.exemption;
    expect(exempt?.cappedAt).toBeDefined();
    expect(table).toContain(`<td>exempt</td><td>${ACCOUNT_ID}</td><td>eu-west-1</td>`);
    expect(table).toContain('in force');
    expect(table).toContain(`${exempt?.cappedAt} (capped; tag says 2099-01-01)`);
  });

  it('summarises by Region and verdict with an SVG chart and the numbers, the exempt counted on their own', () => {
    const html = renderHtml(summary());
    expect(html).toMatch(/<svg class="chart" role="img" aria-label="Verdicts by Region"/);
    expect(html).toContain('<title>eu-west-1: 2 FAILED</title>');
    expect(html).toContain('1 exempt (counted in their verdict); 1 out of scope (not Aurora MySQL)');
    expect(html).toContain('<tr><td>111122223333</td><td>eu-west-1</td><td class="n">2</td>');
  });

  it('names every Region not scanned, cluster not judged, degradation and tag problem, with its reason', () => {
    const html = renderHtml(
      summary({
        regions: [
          region('eu-west-1', { rejected: [{ identifier: 'odd', reason: 'no engine' }] }),
          region('eu-central-2', { scanned: false, error: 'AccessDenied: rds:DescribeDBClusters' }),
        ],
        degraded: [{ key: 'metrics-unavailable#eu-west-1', region: 'eu-west-1', message: 'eu-west-1: CloudWatch metrics unavailable' }],
        tagProblems: [`x (eu-west-1): tag backtrack-check:exempt is "${HOSTILE}"`],
      }),
    );
    const problems = /<ul id="problems">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? '';
    expect(problems).toContain('eu-central-2 NOT SCANNED</span>: AccessDenied: rds:DescribeDBClusters');
    expect(problems).toContain('eu-west-1: cluster odd not judged: no engine');
    expect(problems).toContain('checker degraded: eu-west-1: CloudWatch metrics unavailable');
    expect(problems).toContain(`tag problem: x (eu-west-1): tag backtrack-check:exempt is &quot;${esc(HOSTILE)}&quot;`);
    expect(html).toContain('<td class="n">0</td><td><span class="bad">NO: AccessDenied: rds:DescribeDBClusters</span></td>');
    expect(html).toMatch(/1 cluster\(s\) out of scope[\s\S]*eu-west-1 pg \(aurora-postgresql\)/);
  });

  it('says when and how the scan ran: tool version, times, duration, Regions, the policy and flags, changes and the alert', () => {
    const s = summary({
      events: [{ kind: 'new-failure', region: 'eu-west-1', identifier: 'off' }],
      alert: { subject: '1 new failure', published: false, error: 'AuthorizationError: denied' },
    });
    const how = /<h2 id="how">[\s\S]*<\/dl>/.exec(renderHtml(s, SETTINGS))?.[0] ?? '';
    for (const text of [
      `<dt>Tool</dt><dd>${TOOL.name} ${TOOL.version}</dd>`,
      `<dt>Started</dt><dd>${NOW.toISOString()}</dd>`,
      '<dt>Duration</dt><dd>4.3 s</dd>',
      '<dt>Regions</dt><dd>eu-west-1, us-east-1</dd>',
      '<dt>Required minimum</dt><dd>24 h',
      'exemptions capped at 90 days',
      '<dt>Backtrack Regions added</dt><dd>eu-north-1</dd>',
      'not read (--no-actual-window)',
      'only orders-* (--cluster)',
      'FAILED or WARNING (--fail-on warning)',
      '<dt>Changes since the last run</dt><dd>new-failure off (eu-west-1)</dd>',
      '<dt>Alert</dt><dd>NOT published: AuthorizationError: denied</dd>',
    ]) {
      expect(how).toContain(text);
    }
  });

  it('for several accounts: a chart by account, the account of every row, and each account not audited with its reason', () => {
    const other = '444455556666';
    const s: AccountsSummary = {
      callerAccountId: ACCOUNT_ID,
      partition: 'aws',
      startedAt: NOW.toISOString(),
      finishedAt: NOW.toISOString(),
      accounts: [
        { accountId: ACCOUNT_ID, name: 'prod', summary: summary() },
        { accountId: other, name: 'sandbox', summary: summary({ accountId: other }, [judge({ identifier: 'lab', region: 'eu-north-1' })]) },
        { accountId: '777788889999', error: { code: 'AssumeRoleError', message: 'AccessDenied: not authorized to assume BacktrackAudit' } },
      ],
      totals: { ...summary().totals, accounts: 3, accountsAudited: 2, accountsNotAudited: 1 },
    };
    const html = renderAccountsHtml(s, { ...SETTINGS, accounts: 'all', roleName: 'BacktrackAudit' });
    expect(html).toMatch(/<svg class="chart" role="img" aria-label="Verdicts by account"/);
    expect(html).toContain('<text x="0" y="15">111122223333 prod</text>');
    expect(html).toContain('<title>777788889999: 0 FAILED, 0 WARNING, 0 PASSED, 0 NOT_AVAILABLE</title>');
    expect(clusterRows(html)).toContain(`NOT_AVAILABLE ${other} eu-north-1 lab`);
    expect(clusterRows(html).filter((r) => r.includes(ACCOUNT_ID))).toHaveLength(5);
    expect(html).toContain('<option value="444455556666">444455556666</option>');
    expect(html).toContain('account 777788889999 NOT AUDITED</span>: AccessDenied: not authorized to assume BacktrackAudit');
    expect(html).toContain('<dt>Accounts</dt><dd>2 of 3 audited');
    expect(html).toContain('<dt>Accounts asked</dt><dd>all, role BacktrackAudit</dd>');
  });

  it('without clusters says so instead of an empty table', () => {
    const html = renderHtml(summary({ regions: [region('eu-west-1')] }, []));
    expect(html).toContain('No Aurora MySQL clusters in the scanned Regions.');
    expect(html).not.toContain('<div id="clusters">');
  });
});
