import { computeFloor, computeOrganizationFloor, type FloorInput, type FloorRegion } from '../../bench/floor';

const region = (over: Partial<FloorRegion> = {}): FloorRegion => ({
  region: 'us-east-1',
  clusters: 100,
  importCalls: 1,
  updateCalls: 0,
  metricCalls: 0,
  ...over,
});

const input = (over: Partial<FloorInput> = {}): FloorInput => ({
  latencyMs: 50,
  regions: [region()],
  discoverRegions: false,
  publish: false,
  stateWriteCalls: 0,
  ...over,
});

describe('computeFloor', () => {
  it('one page and one import take two round trips', () => {
    // page (50) → import (50)
    const floor = computeFloor(input());

    expect(floor.totalMs).toBe(100);
    expect(floor.regions[0]).toMatchObject({ pages: 1, listedMs: 50, verdictsMs: 50, importedMs: 100, binding: 'import-latency' });
  });

  it('checks for hidden findings after the imports: one GetFindings round trip, more pages paced to 3 a second', () => {
    // page (50) → import (100) → GetFindings (150)
    const one = computeFloor(input({ regions: [region({ findingPages: 1 })] }));
    // 4 pages: max(4 × 50, 50 + 3 / 3 TPS = 1,050) after the import at 100
    const four = computeFloor(input({ regions: [region({ findingPages: 4 })] }));

    expect(one.regions[0]).toMatchObject({ importedMs: 100, checkedMs: 150, endMs: 150, binding: 'workflow-check' });
    expect(four.regions[0]?.checkedMs).toBe(1150);
    expect(computeFloor(input()).regions[0]?.checkedMs).toBe(0);
  });

  it('gives the run lease back after everything else: one more round trip at the end', () => {
    expect(computeFloor(input({ lease: true })).totalMs).toBe(150);
  });

  it('counts Marker pages sequentially: 1,000 clusters are ten pages', () => {
    // 10 pages × 50 = 500; the last finding can go once the last page is in: 550
    const floor = computeFloor(input({ regions: [region({ clusters: 1000, importCalls: 10 })] }));

    expect(floor.regions[0]?.pages).toBe(10);
    expect(floor.totalMs).toBe(550);
  });

  it('an empty Region still costs one page and no import', () => {
    const floor = computeFloor(input({ regions: [region({ clusters: 0, importCalls: 0 })] }));

    expect(floor.totalMs).toBe(50);
    expect(floor.regions[0]?.binding).toBe('pages');
  });

  it('adds one round trip for the metrics of the last page', () => {
    // 2 pages (100) → metrics (150) → import (200)
    const floor = computeFloor(input({ regions: [region({ clusters: 150, importCalls: 2, metricCalls: 3 })] }));

    expect(floor.regions[0]).toMatchObject({ listedMs: 100, verdictsMs: 150, importedMs: 200 });
    expect(floor.totalMs).toBe(200);
  });

  it('lets the import rate limit set the floor beyond the burst of 30', () => {
    // 10,000 clusters, 93 imports: pages end at 5,000 (+50 metrics = 5,050, +50 import = 5,100);
    // rate: first page at 50, (93 − 30) / 10 TPS = 6,300 ms, +50 response = 6,400
    const floor = computeFloor(input({ regions: [region({ clusters: 10_000, importCalls: 93, metricCalls: 72 })] }));

    expect(floor.regions[0]?.importedMs).toBe(6400);
    expect(floor.regions[0]?.binding).toBe('import-rate');
    expect(floor.totalMs).toBe(6400);
  });

  it('does not throttle 30 imports or fewer (the burst)', () => {
    // 30 pages → 1,500, +50 = 1,550 (rate term: 50 + 0 + 50 = 100)
    const floor = computeFloor(input({ regions: [region({ clusters: 3000, importCalls: 30 })] }));

    expect(floor.totalMs).toBe(1550);
    expect(floor.regions[0]?.binding).toBe('import-latency');
  });

  it('runs Regions in parallel and takes the slowest', () => {
    const floor = computeFloor(
      input({
        regions: [
          region({ region: 'eu-west-1', clusters: 300, importCalls: 3 }),
          region({ region: 'us-east-1', clusters: 50, importCalls: 1 }),
        ],
      }),
    );

    expect(floor.regionsMs).toBe(200);
    expect(floor.slowestRegion).toBe('eu-west-1');
    expect(floor.totalMs).toBe(200);
  });

  it('puts DescribeRegions before every Region when Regions are discovered', () => {
    const floor = computeFloor(input({ discoverRegions: true }));

    expect(floor.totalMs).toBe(150);
  });

  it('adds the alert and then the state writes after every Region', () => {
    // Region 100, Publish 150, BatchWriteItem (all in parallel) 200
    const floor = computeFloor(input({ publish: true, stateWriteCalls: 400 }));

    expect(floor.totalMs).toBe(200);
    expect(floor.tailMs).toBe(100);
  });

  it('writes state without an alert as soon as the verdicts are known', () => {
    // verdicts at 50, write answered at 100; the import also ends at 100
    const floor = computeFloor(input({ stateWriteCalls: 1 }));

    expect(floor.totalMs).toBe(100);
    expect(floor.tailMs).toBe(0);
  });

  it('puts a workflow update after the import of its finding', () => {
    // page 50 → import 100 → update 150
    const floor = computeFloor(input({ regions: [region({ updateCalls: 1 })] }));

    expect(floor.regions[0]).toMatchObject({ updatedMs: 150, binding: 'update' });
  });

  it('scales with latency and is zero at zero latency without rate limiting', () => {
    expect(computeFloor(input({ latencyMs: 10 })).totalMs).toBe(20);
    expect(computeFloor(input({ latencyMs: 0 })).totalMs).toBe(0);
  });

  it('rejects a negative latency', () => {
    expect(() => computeFloor(input({ latencyMs: -1 }))).toThrow(RangeError);
  });
});

describe('computeOrganizationFloor', () => {
  // Each account: one page and one import in one Region, 100 ms; with AssumeRole 150 ms.
  const account = input();
  const accounts = (n: number) => Array.from({ length: n }, () => account);
  const unlimited = { rate: 1_000_000, burst: 1_000_000 };

  it('assumes the role, then scans: one account takes the listing, AssumeRole and its own floor', () => {
    const floor = computeOrganizationFloor({ latencyMs: 50, accounts: accounts(1), concurrency: 8, listLimit: unlimited });

    expect(floor).toMatchObject({ listPages: 1, listedMs: 50, accountMinMs: 150, accountMaxMs: 150 });
    expect(floor.totalMs).toBe(200);
  });

  it('runs at most `concurrency` accounts at once: 8 accounts fit one wave at 8, the 9th starts a second', () => {
    const at = (n: number) =>
      computeOrganizationFloor({ latencyMs: 50, accounts: accounts(n), concurrency: 8, listLimit: unlimited }).totalMs;

    expect(at(8)).toBe(200);
    expect(at(9)).toBe(350);
  });

  it('lists 20 accounts a page, one page after another: 20 accounts are one page, 21 two', () => {
    const pages = (n: number) => computeOrganizationFloor({ latencyMs: 50, accounts: accounts(n), concurrency: 100, listLimit: unlimited });

    expect(pages(20)).toMatchObject({ listPages: 1, listedMs: 50 });
    expect(pages(21)).toMatchObject({ listPages: 2, listedMs: 100 });
    // the 21st account can start only once page 2 is in: 100 + 150
    expect(pages(21).totalMs).toBe(250);
  });

  it("holds ListAccounts to Organizations' rate once the burst is spent", () => {
    // burst 2, 1 per second: page 3 may not go before (3 − 2) / 1 s = 1,000 ms
    const floor = computeOrganizationFloor({ latencyMs: 50, accounts: accounts(60), concurrency: 100, listLimit: { rate: 1, burst: 2 } });

    expect(floor.listPages).toBe(3);
    expect(floor.listedMs).toBe(1050);
    expect(floor.totalMs).toBe(1200);
  });

  it('refuses a concurrency below one', () => {
    expect(() => computeOrganizationFloor({ latencyMs: 50, accounts: accounts(1), concurrency: 0 })).toThrow(RangeError);
  });
});
