import type { OrgFigures } from '../../bench/results-types';
import { renderMarkdown } from '../../bench/report';
import type { BenchResults, RunResult, SdkFloorResult } from '../../bench/results-types';
import { parsePoint } from '../../bench/run';

const run = (over: Partial<RunResult> = {}): RunResult => ({
  run: 'first',
  ok: true,
  wallMs: 2500,
  floorMs: 2000,
  ratio: 1.25,
  floorBinding: 'import-rate',
  floorTailMs: 0,
  loadMs: 100,
  cpuUserMs: 900,
  cpuSystemMs: 100,
  maxRssMb: 150.4,
  heapUsedMb: 40,
  totalCalls: 12,
  totalMinimum: 10,
  operations: {
    'rds:DescribeDBClusters': { calls: 10, minimum: 10, throttled: 0 },
    'dynamodb:GetItem': { calls: 2, minimum: 0, throttled: 0 },
  },
  lastResponseMs: {},
  published: [],
  failures: [],
  notes: [],
  logFile: '/tmp/x.log',
  ...over,
});

const sdkFloor = (over: Partial<SdkFloorResult> = {}): SdkFloorResult => ({
  ok: true,
  wallMs: 2200,
  cpuMs: 2050,
  maxRssMb: 90,
  heapUsedMb: 30,
  totalCalls: 10,
  totalMinimum: 10,
  throttled: 0,
  phases: { listedMs: 1000, importedMs: 2000, publishedMs: 2050, writtenMs: 2200 },
  failures: [],
  notes: [],
  logFile: '/tmp/sdk.log',
  ...over,
});

const results = (runs: RunResult[]): BenchResults => ({
  generatedAt: '2026-11-25T12:00:00.000Z',
  machine: { cpus: 2, cpuModel: 'Xeon', memoryMb: 24_000, node: 'v20.20.2', platform: 'linux', arch: 'x64' },
  options: { quick: false, latencyMs: 50, seed: 1, points: ['1000x4'] },
  bundle: { bytes: 1_300_000, gzipBytes: 350_000, byPackage: [{ name: '@aws-sdk/client-ec2', bytes: 540_000 }] },
  coldLoad: { requireMs: [100, 110, 120], medianRequireMs: 110, processMs: [150, 160, 170], medianProcessMs: 160 },
  points: [{ clusters: 1000, regions: 4, latencyMs: 50, fleet: { inScope: 930, byStatus: {}, alertable: 200 }, runs }],
  ok: runs.every((r) => r.ok),
});

describe('renderMarkdown', () => {
  it('puts wall, floor, ratio, calls against the minimum, CPU and RSS in one row per run', () => {
    const md = renderMarkdown(results([run()]));

    expect(md).toContain('| 1,000 | 4 | first | 2.50 | 2.00 | 1.25 | import-rate | — | — | — | 12 (10) | 1.00 | 150 | ok |');
    expect(md).toContain('| dynamodb:GetItem | 2 / 0 ⚠ |  |');
    expect(md).toContain('Bundle: 1270 KiB (342 KiB gzipped)');
    expect(md).toContain('median of 3): 110 ms');
  });

  it('shows the SDK floor, its CPU and the wall time against the larger floor', () => {
    const md = renderMarkdown(results([run({ sdkFloor: sdkFloor(), ratioToFloors: 2500 / 2200 })]));

    expect(md).toContain('| import-rate | 2.20 | 2.05 | 1.14 | 12 (10) |');
    expect(md).toContain('| SDK floor s | SDK floor CPU s | wall / SDK floor |');
    expect(md).toMatch(/\*\*floor\*\*: .*counting no CPU.*\*\*SDK floor\*\*: measured/);
  });

  it('marks an SDK floor that failed instead of showing its time', () => {
    const md = renderMarkdown(
      results([run({ ok: false, sdkFloor: sdkFloor({ ok: false }), failures: ['SDK floor: the handler failed'] })]),
    );

    expect(md).toContain('| import-rate | failed | — | — |');
  });

  it('records the extra Node flags of the measured processes', () => {
    const flagged = {
      ...results([run()]),
      options: { quick: false, latencyMs: 50, seed: 1, points: ['1000x4'], nodeArgs: ['--max-old-space-size=96'] },
    };

    expect(renderMarkdown(flagged)).toContain('BENCH_NODE_ARGS `--max-old-space-size=96`');
    expect(renderMarkdown(results([run()]))).toContain('BENCH_NODE_ARGS not set');
  });

  it('says when the alert and state writes add to the floor', () => {
    expect(renderMarkdown(results([run({ floorTailMs: 100 })]))).toContain('| import-rate + tail |');
  });

  it('shows a failed run and its reason', () => {
    const md = renderMarkdown(results([run({ ok: false, failures: ['us-east-1: 3 in-scope clusters got no finding'] })]));

    expect(md).toContain('**FAILED**: us-east-1: 3 in-scope clusters got no finding');
    expect(md).toContain('- ✗ 1000×4 first: us-east-1: 3 in-scope clusters got no finding');
  });
});

describe('parsePoint', () => {
  it("shows the organization point: wall against its floor, CPU, the calls against the minimum, and a failure's reason", () => {
    const organization: OrgFigures = {
      accounts: 200,
      regions: 4,
      clustersPerAccount: 25,
      clusters: 5000,
      concurrency: 8,
      latencyMs: 50,
      wallMs: 12_700,
      floorMs: 5080,
      modelFloorMs: 5050,
      bareStartMs: 30,
      ratio: 2.5,
      ratioToFloors: 2.5,
      listPages: 10,
      accountFloorMs: 200,
      totalCalls: 2737,
      totalMinimum: 2736,
      operations: { 'organizations:ListAccounts': { calls: 11, minimum: 10, throttled: 1 } },
      maxRssKb: 270_000,
      cpuMs: 8750,
      exitCode: 1,
      ok: false,
      failures: ["account 200000000001 is missing from the CLI's output"],
      notes: [],
    };

    const md = renderMarkdown({ ...results([run()]), organization });

    expect(md).toContain('200 accounts × 4 Regions × 25 clusters (5,000 clusters): 12.70 s from process start to exit, floor 5.08 s');
    expect(md).toContain('**2.50×**; CPU 8.75 s');
    expect(md).toContain('| organizations:ListAccounts | 11 | 10 | 1 |');
    expect(md).toContain("- ✗ organization: account 200000000001 is missing from the CLI's output");
  });

  it('shows the organization against both floors when its SDK floor was measured: the larger one sets the ratio', () => {
    const organization: OrgFigures = {
      accounts: 200,
      regions: 4,
      clustersPerAccount: 25,
      clusters: 5000,
      concurrency: 8,
      latencyMs: 50,
      wallMs: 12_000,
      floorMs: 5000,
      modelFloorMs: 4900,
      bareStartMs: 100,
      ratio: 2.4,
      sdkFloor: {
        wallMs: 8000,
        processMs: 8200,
        planMs: 200,
        cpuMs: 6500,
        maxRssKb: 300 * 1024,
        totalCalls: 2736,
        operations: { 'organizations:ListAccounts': { calls: 10, minimum: 10, throttled: 0 } },
        ok: true,
        failures: [],
        notes: [],
      },
      ratioToFloors: 1.5,
      listPages: 10,
      accountFloorMs: 200,
      totalCalls: 2737,
      totalMinimum: 2736,
      operations: { 'organizations:ListAccounts': { calls: 11, minimum: 10, throttled: 1 } },
      maxRssKb: 270_000,
      cpuMs: 8750,
      exitCode: 1,
      ok: true,
      failures: [],
      notes: [],
    };

    const md = renderMarkdown({ ...results([run()]), organization });

    expect(md).toContain('12.00 s from process start to exit, model floor 5.00 s');
    expect(md).toContain('SDK floor 8.00 s (spawn to exit less 0.20 s reading its plan; CPU 6.50 s, 300 MB peak RSS, 2736 calls)');
    expect(md).toContain('**1.50× the larger floor** (2.40× the model floor, 1.50× the SDK floor); CPU 8.75 s');
    expect(md).toContain('| organizations:ListAccounts | 11 | 10 | 1 | 10 |');
  });

  it('reads <clusters>x<regions>', () => {
    expect(parsePoint('10000x17')).toEqual({ clusters: 10_000, regions: 17 });
  });

  it.each(['1000', '1000x0', '1000x18', 'ax4'])('rejects %s', (text) => {
    expect(() => parsePoint(text)).toThrow(/is not a point/);
  });
});
