import '@microsoft/jest-sarif';
import { parse } from 'csv-parse/sync';
import type { Log } from 'sarif';
import { evaluate } from '../../../lambda/core/evaluate';
import type { Evaluation } from '../../../lambda/core/types';
import type { RunSummary } from '../../../lambda/run';
import { renderAsff } from '../../../bin/output/asff';
import { CSV_COLUMNS, csvCell, renderCsv } from '../../../bin/output/csv';
import { mdText, renderMarkdown } from '../../../bin/output/markdown';
import { renderSarif } from '../../../bin/output/sarif';
import { TOOL } from '../../../bin/output/version';
import { ACCOUNT_ID, cluster, HOUR, NOW, POLICY } from '../../lambda/fixtures';

const HOSTILE_REASON = '=HYPERLINK("http://x")|<b>@channel</b> *bold* `tick`\nnext line';

const judge = (...args: Parameters<typeof cluster>) => evaluate(cluster(...args), POLICY, NOW);

const EVALUATIONS: Evaluation[] = [
  judge({ identifier: 'ok' }),
  judge({ identifier: 'off', backtrackWindowSeconds: 0 }),
  judge({ identifier: 'short', backtrackWindowSeconds: HOUR, region: 'us-east-1' }),
  judge({
    identifier: 'exempt',
    backtrackWindowSeconds: 0,
    tags: {
      'backtrack-check:exempt': 'true',
      'backtrack-check:exempt-reason': HOSTILE_REASON,
      'backtrack-check:exempt-until': '2099-01-01',
    },
  }),
  judge({ identifier: 'sls', engineMode: 'serverless' }),
  judge({ identifier: 'pg', engine: 'aurora-postgresql' }),
];

function summary(evaluations: Evaluation[] = EVALUATIONS, overrides: Partial<RunSummary> = {}): RunSummary {
  const inScope = evaluations.filter((e) => e.scope === 'in-scope');
  const count = (status: string) => inScope.filter((e) => e.status === status).length;
  return {
    mode: 'scan',
    accountId: ACCOUNT_ID,
    partition: 'aws',
    startedAt: NOW.toISOString(),
    finishedAt: NOW.toISOString(),
    regions: [],
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

describe('--format csv', () => {
  const rows = parse<Record<string, string>>(renderCsv(summary()), { columns: true });

  it('has a header and one row per cluster, Aurora MySQL or not', () => {
    expect(Object.keys(rows[0] ?? {})).toEqual([...CSV_COLUMNS]);
    expect(rows.map((r) => r.cluster).sort()).toEqual(['exempt', 'off', 'ok', 'pg', 'short', 'sls']);
    expect(rows.find((r) => r.cluster === 'pg')).toMatchObject({ scope: 'out-of-scope', status: '' });
    expect(rows.find((r) => r.cluster === 'off')).toMatchObject({ status: 'FAILED', condition: 'disabled', window_seconds: '0' });
  });

  it('keeps a tag value with commas, quotes and a line break in one cell, and defuses a formula', () => {
    const exempt = rows.find((r) => r.cluster === 'exempt');
    expect(exempt?.exempt).toBe('true');
    expect(exempt?.exempt_reason).toBe(`'${HOSTILE_REASON}`);
  });

  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['=1+1', "'=1+1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    [-5, '-5'],
    [undefined, ''],
  ])('writes %p as %p', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });
});

describe('--format sarif', () => {
  const text = renderSarif(summary());
  const log = JSON.parse(text) as Log;
  const results = log.runs[0]?.results ?? [];

  it('is a valid SARIF 2.1.0 log', () => {
    expect(JSON.parse(text)).toBeValidSarifLog();
  });

  it('has one result per FAILED or WARNING cluster, with the tool version and a rule per condition', () => {
    expect(log.runs[0]?.tool.driver).toMatchObject({ name: TOOL.name, version: TOOL.version });
    expect(results.map((r) => r.locations?.[0]?.logicalLocations?.[0]?.name).sort()).toEqual(['exempt', 'off', 'short']);
    expect(results.find((r) => r.ruleId === 'backtrack-window-below-policy')?.level).toBe('error');
    for (const r of results) expect(log.runs[0]?.tool.driver.rules?.[r.ruleIndex ?? -1]?.id).toBe(r.ruleId);
  });

  it('reports a cluster with Backtrack off in a Region AWS does not document as a warning under its own rule', () => {
    const undocumented = renderSarif(summary([judge({ identifier: 'kl', region: 'ap-southeast-5', backtrackWindowSeconds: 0 })]));
    const run = (JSON.parse(undocumented) as Log).runs[0];

    expect(JSON.parse(undocumented)).toBeValidSarifLog();
    expect(run?.results?.map((r) => [r.ruleId, r.level])).toEqual([['backtrack-off-region-undocumented', 'warning']]);
    expect(run?.tool.driver.rules?.[0]?.id).toBe('backtrack-off-region-undocumented');
  });

  it('marks an exempt cluster as an accepted external suppression with its reason', () => {
    const exempt = results.find((r) => r.locations?.[0]?.logicalLocations?.[0]?.name === 'exempt');
    expect(exempt?.suppressions).toEqual([{ kind: 'external', status: 'accepted', justification: `${HOSTILE_REASON} (until 2099-01-01)` }]);
  });

  it('locates a cluster by a relative path that code scanning accepts (no URI scheme such as arn:), its ARN as the logical location', () => {
    const off = results.find((r) => r.locations?.[0]?.logicalLocations?.[0]?.name === 'off');
    const uri = off?.locations?.[0]?.physicalLocation?.artifactLocation?.uri ?? '';
    expect(uri).toBe(`aws/${ACCOUNT_ID}/eu-west-1/rds/cluster/off`);
    expect(uri).not.toMatch(/^[a-z][a-z0-9+.-]*:/i);
    expect(off?.locations?.[0]?.logicalLocations?.[0]?.fullyQualifiedName).toMatch(/^arn:aws:rds:eu-west-1:\d{12}:cluster:off$/);
  });

  it("carries the run's totals in the run's properties, PASSED and NOT_AVAILABLE included, exempt counted on its own", () => {
    expect(log.runs[0]?.properties?.totals).toMatchObject({
      inScope: 5,
      failed: 3,
      failedUnsuppressed: 2,
      passed: 1,
      notAvailable: 1,
      suppressed: 1,
    });
  });

  it('reports a degraded run as not successful, naming what was not checked', () => {
    const degraded = JSON.parse(
      renderSarif(
        summary(EVALUATIONS, {
          degraded: [{ key: 'region-not-scanned#eu-north-1', region: 'eu-north-1', message: 'eu-north-1: not scanned' }],
        }),
      ),
    ) as Log;
    expect(degraded).toBeValidSarifLog();
    expect(degraded.runs[0]?.invocations?.[0]).toMatchObject({
      executionSuccessful: false,
      toolExecutionNotifications: [{ level: 'error', message: { text: 'eu-north-1: not scanned' } }],
    });
  });
});

describe('--format markdown', () => {
  const md = renderMarkdown(summary());

  it('lists the clusters to act on in a table and the fixes below it', () => {
    expect(md).toContain('| FAILED | off | eu-west-1 | off | 24 h (account) |');
    expect(md).toMatch(
      /- \*\*short\*\* \(us-east-1\): `Raise the window in place: aws rds modify-db-cluster --db-cluster-identifier short /,
    );
    expect(md).toContain('### Backtrack not available');
  });

  it('renders a hostile tag value as inert text: no markup, no mention, no new line', () => {
    const line = md.split('\n').find((l) => l.includes('exempt:')) ?? '';
    expect(line).not.toContain('<b>');
    expect(line).not.toContain('@channel');
    expect(line).toContain('&lt;b>&#64;channel&lt;/b> \\*bold\\* \\`tick\\` next line');
    expect(mdText('a|b\nc')).toBe('a\\|b c');
  });
});

describe('--format asff', () => {
  it('holds one finding per Aurora MySQL cluster, as imported', () => {
    const findings = JSON.parse(renderAsff(summary())) as { Id: string; Compliance: { Status: string }; AwsAccountId: string }[];
    expect(findings).toHaveLength(5);
    expect(findings.every((f) => f.AwsAccountId === ACCOUNT_ID)).toBe(true);
    expect(findings.map((f) => f.Compliance.Status).sort()).toEqual(['FAILED', 'FAILED', 'FAILED', 'NOT_AVAILABLE', 'PASSED']);
  });
});
