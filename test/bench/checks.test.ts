import { checkRun, totalsByOperation, type RunObservation } from '../../bench/checks';
import type { StoredFinding } from '../../bench/fake-aws/security-hub';
import { BENCH_ACCOUNT_ID, expectationsOf, generateFleet, type Fleet } from '../../bench/fleet';
import { minimumCalls } from '../../bench/minimum-calls';

const NOW = new Date('2026-11-25T12:00:00Z');
const fleet = generateFleet({ clusters: 200, regions: 2, now: NOW });
const minimum = minimumCalls({ expectation: expectationsOf(fleet), run: 'first', discoverRegions: false, stateBytes: 0 }).total;

/** What a correct first run leaves in Security Hub. */
function correctRun(f: Fleet): RunObservation {
  const imported = new Map<string, Set<string>>();
  const findings = new Map<string, Map<string, StoredFinding>>();
  for (const c of f.clusters.filter((x) => x.expected.scope === 'in-scope')) {
    const id = `backtrack/${c.resourceId}`;
    imported.set(c.region, (imported.get(c.region) ?? new Set()).add(id));
    const store = findings.get(c.region) ?? new Map<string, StoredFinding>();
    store.set(`p|${id}`, {
      id,
      productArn: 'p',
      resourceId: c.arn,
      updatedAt: NOW.toISOString(),
      ...(c.expected.status && { complianceStatus: c.expected.status }),
      recordState: 'ACTIVE',
      workflowStatus: c.expected.exempt ? 'SUPPRESSED' : 'NEW',
      generatorId: 'g',
      raw: {},
    });
    findings.set(c.region, store);
  }
  return { run: 'first', imported, findings, rejected: [], errors: [], published: [], calls: { ...minimum }, throttled: {}, minimum };
}

describe('checkRun', () => {
  it('passes a run that imported one finding with the right status per in-scope cluster', () => {
    const verdict = checkRun(fleet, correctRun(fleet));

    expect(verdict).toEqual({ failures: [], notes: [] });
  });

  it('fails a run that left an in-scope cluster without a finding', () => {
    const o = correctRun(fleet);
    const region = fleet.regions[0] as string;
    const first = [...(o.imported.get(region) ?? [])][0] as string;
    (o.imported.get(region) as Set<string>).delete(first);

    const verdict = checkRun(fleet, o);

    expect(verdict.failures).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/findings imported for .* in-scope clusters/),
        expect.stringMatching(/1 in-scope clusters got no finding/),
      ]),
    );
  });

  it('fails a finding whose compliance status differs from the fleet’s', () => {
    const o = correctRun(fleet);
    const f = [...(o.findings.get(fleet.regions[1] as string)?.values() ?? [])].find(
      (x) => x.complianceStatus === 'FAILED',
    ) as StoredFinding;
    f.complianceStatus = 'PASSED';

    expect(checkRun(fleet, o).failures).toEqual([
      expect.stringMatching(/1 findings have a compliance status other than the fleet's .*FAILED→PASSED/),
    ]);
  });

  it('fails a run with fewer DescribeDBClusters calls than pages, and the handler’s error', () => {
    const o = { ...correctRun(fleet), handlerError: 'CheckDegradedError: Region us-east-2 not scanned' };
    o.calls['rds:DescribeDBClusters'] = 1;

    const failures = checkRun(fleet, o).failures;

    expect(failures).toEqual(
      expect.arrayContaining([
        'the handler failed: CheckDegradedError: Region us-east-2 not scanned',
        expect.stringMatching(/^rds:DescribeDBClusters: 1 calls, fewer than the 2 /),
      ]),
    );
  });

  it('notes calls above the minimum and throttling without failing the run', () => {
    const o = correctRun(fleet);
    o.calls['securityhub:BatchImportFindings'] = (minimum['securityhub:BatchImportFindings'] ?? 0) + 2;
    o.throttled['securityhub:BatchImportFindings'] = 2;

    const verdict = checkRun(fleet, o);

    expect(verdict.failures).toEqual([]);
    expect(verdict.notes).toEqual([expect.stringMatching(/BatchImportFindings: \d+ calls, minimum \d+ \(2 throttled\)/)]);
  });

  it('fails a run during which the fake answered with errors other than throttling', () => {
    const o = {
      ...correctRun(fleet),
      errors: [{ key: 'dynamodb:UpdateItem@us-east-1', status: 400, code: 'UnknownOperationException', message: 'not served' }],
    };

    expect(checkRun(fleet, o).failures).toEqual([expect.stringContaining('dynamodb:UpdateItem@us-east-1 → 400 UnknownOperationException')]);
  });
});

describe('totalsByOperation', () => {
  it('sums calls and throttles over Regions', () => {
    const totals = totalsByOperation([
      { account: BENCH_ACCOUNT_ID, service: 'rds', operation: 'DescribeDBClusters', region: 'a', calls: 2, throttled: 0, errors: 0 },
      { account: BENCH_ACCOUNT_ID, service: 'rds', operation: 'DescribeDBClusters', region: 'b', calls: 3, throttled: 1, errors: 0 },
    ]);

    expect(totals).toEqual({ calls: { 'rds:DescribeDBClusters': 5 }, throttled: { 'rds:DescribeDBClusters': 1 } });
  });
});
