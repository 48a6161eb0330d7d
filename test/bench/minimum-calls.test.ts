import { expectationsOf, generateFleet } from '../../bench/fleet';
import { floorInputFor, minimumCalls, organizationMinimumCalls } from '../../bench/minimum-calls';

const NOW = new Date('2026-11-25T12:00:00Z');

describe('minimumCalls', () => {
  const fleet = generateFleet({ clusters: 1000, regions: 4, now: NOW });
  const expectation = expectationsOf(fleet);

  it('needs one page and one import batch per 100 clusters per Region on a first run', () => {
    const min = minimumCalls({ expectation, run: 'first', discoverRegions: false, stateBytes: 0 });

    // 250 clusters per Region: 3 pages; about 232 in scope: 3 imports
    expect(min.total['rds:DescribeDBClusters']).toBe(12);
    expect(min.total['securityhub:BatchImportFindings']).toBe(expectation.regions.reduce((a, r) => a + Math.ceil(r.inScope / 100), 0));
    expect(min.total['sns:Publish']).toBe(1);
    expect(min.total['dynamodb:BatchWriteItem']).toBe(Math.ceil(930 / 25));
    expect(min.total['dynamodb:Scan']).toBe(1);
    expect(min.total['ec2:DescribeRegions']).toBe(0);
  });

  it('sets every workflow on a first run (NEW 100 at a time, SUPPRESSED per exemption note) and none on a steady run', () => {
    const first = minimumCalls({ expectation, run: 'first', discoverRegions: false, stateBytes: 0 });
    const steady = minimumCalls({ expectation, run: 'steady', discoverRegions: false, stateBytes: 1 });

    const perRegion = expectation.regions.map(
      (r) => Math.ceil((r.inScope - r.exempt) / 100) + Object.values(r.exemptGroups).reduce((a, n) => a + Math.ceil(n / 100), 0),
    );
    expect(first.total['securityhub:BatchUpdateFindings']).toBe(perRegion.reduce((a, n) => a + n, 0));
    expect(steady.total['securityhub:BatchUpdateFindings']).toBe(0);
  });

  it('takes and gives back the run lease with one PutItem each, every run', () => {
    for (const run of ['first', 'steady'] as const) {
      expect(minimumCalls({ expectation, run, discoverRegions: false, stateBytes: 1 }).total['dynamodb:PutItem']).toBe(2);
    }
  });

  it('needs no GetCallerIdentity: the account comes from the function’s ARN', () => {
    const min = minimumCalls({ expectation, run: 'first', discoverRegions: false, stateBytes: 0 });

    expect(min.total['sts:GetCallerIdentity']).toBe(0);
  });

  it('asks for 6 metric queries per cluster with Backtrack on, 500 per call', () => {
    const min = minimumCalls({ expectation, run: 'first', discoverRegions: false, stateBytes: 0 });

    const expected = expectation.regions.reduce((a, r) => a + Math.ceil((r.needsMetrics * 6) / 500), 0);
    expect(min.total['monitoring:GetMetricData']).toBe(expected);
  });

  it('writes nothing and publishes nothing on a steady-state run, and reads the table by 1 MB pages', () => {
    const min = minimumCalls({ expectation, run: 'steady', discoverRegions: true, stateBytes: 2.5 * 1024 * 1024 });

    expect(min.total['sns:Publish']).toBe(0);
    expect(min.total['dynamodb:BatchWriteItem']).toBe(0);
    expect(min.total['dynamodb:Scan']).toBe(3);
    expect(min.total['ec2:DescribeRegions']).toBe(1);
    expect(min.total['securityhub:BatchImportFindings']).toBeGreaterThan(0);
  });

  it('gives the floor the same Regions and calls', () => {
    const min = minimumCalls({ expectation, run: 'first', discoverRegions: false, stateBytes: 0 });

    const input = floorInputFor(min, 50, false);

    expect(input.regions).toHaveLength(4);
    expect(input.publish).toBe(true);
    expect(input.stateWriteCalls).toBe(min.total['dynamodb:BatchWriteItem']);
  });
});

describe('organizationMinimumCalls', () => {
  const fleets = [0, 1, 2].map((i) =>
    generateFleet({ clusters: 25, regions: 4, seed: 7 + i, now: NOW, accountId: String(200_000_000_000 + i) }),
  );

  it('adds one GetCallerIdentity, ListAccounts pages of 20 and one AssumeRole per account to the accounts’ scans', () => {
    const min = organizationMinimumCalls(fleets.map(expectationsOf));

    expect(min.listPages).toBe(1);
    expect(min.total['organizations:ListAccounts']).toBe(1);
    expect(min.total['sts:AssumeRole']).toBe(3);
    expect(min.total['sts:GetCallerIdentity']).toBe(1);
    expect(min.total['rds:DescribeDBClusters']).toBe(12);
  });

  it('lists 20 accounts a page: 20 accounts need one page, 21 need two', () => {
    const e = expectationsOf(fleets[0] as (typeof fleets)[number]);

    expect(organizationMinimumCalls(Array(20).fill(e)).listPages).toBe(1);
    expect(organizationMinimumCalls(Array(21).fill(e)).listPages).toBe(2);
  });

  it('keeps no state in an audit from one seat: no table, no lease, no alert, and no workflow set or checked, exemptions included', () => {
    const e = expectationsOf(generateFleet({ clusters: 1000, regions: 4, now: NOW }));
    const audit = minimumCalls({ expectation: e, run: 'first', discoverRegions: false, stateBytes: 0, state: false });

    for (const op of ['dynamodb:Scan', 'dynamodb:PutItem', 'dynamodb:BatchWriteItem', 'sns:Publish']) expect(audit.total[op]).toBe(0);
    expect(e.regions.reduce((a, r) => a + r.exempt, 0)).toBeGreaterThan(0);
    expect(audit.total['securityhub:BatchUpdateFindings']).toBe(0);
    expect(audit.total['securityhub:GetFindings']).toBe(0);
    expect(floorInputFor(audit, 50, false).lease).toBe(false);
  });

  it('checks each Region with failing clusters for hidden findings on a steady run (one page per 100 exempt failing), none on the first', () => {
    const e = expectationsOf(generateFleet({ clusters: 1000, regions: 4, now: NOW }));
    const first = minimumCalls({ expectation: e, run: 'first', discoverRegions: false, stateBytes: 0 });
    const steady = minimumCalls({ expectation: e, run: 'steady', discoverRegions: false, stateBytes: 0 });
    const expected = e.regions.reduce((a, r) => a + (r.failing > 0 ? Math.max(1, Math.ceil(r.exemptFailing / 100)) : 0), 0);

    expect(e.regions.every((r) => r.failing > 0)).toBe(true);
    expect(first.total['securityhub:GetFindings']).toBe(0);
    expect(steady.total['securityhub:GetFindings']).toBe(expected);
    expect(steady.regions.map((r) => r.findingPages)).toEqual(
      e.regions.map((r) => (r.failing > 0 ? Math.max(1, Math.ceil(r.exemptFailing / 100)) : 0)),
    );
  });
});
