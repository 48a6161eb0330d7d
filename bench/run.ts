/**
 * The fleet-scale benchmark: runs the bundled handler, unchanged, against a wire-level fake AWS
 * serving synthetic fleets, and compares its wall time with two floors: the floor of the latency
 * and rate-limit model (bench/floor.ts, no CPU), and the SDK floor, measured by making the same
 * minimal calls with the same SDK clients and no checker logic (bench/sdk-floor-child.ts).
 *
 *   npx tsx bench/run.ts [--quick] [--points 100x1,1000x4] [--org 200x4x25|none] [--latency 50] [--out bench/results]
 *
 * Environment:
 *   BENCH_NODE_ARGS   extra Node flags for the handler's process, space-separated, e.g.
 *                     BENCH_NODE_ARGS=--max-old-space-size=96 to show the live heap fits a budget;
 *                     recorded in latest.json and latest.md. The SDK floor runs without them (it
 *                     holds the fleet's findings from the start).
 *
 * Writes <out>/latest.json and <out>/latest.md. Exits 1 when a run failed (handler or SDK floor
 * error, or findings / calls inconsistent with the fleet); speed is reported, never asserted.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Command, InvalidArgumentError } from 'commander';
import { CLIENT_SETTINGS } from '../lambda/default-deps';
import { checkRun, totalsByOperation } from './checks';
import { cliWorkDir, measureCliScan, measureStart } from './cli-point';
import { ACCOUNT_CONCURRENCY } from '../bin/accounts';
import { measureOrgScan, parseOrgPoint } from './org-point';
import type { ChildReport, SdkFloorReport } from './reports';
import { startFakeAws } from './fake-aws';
import { BENCH_MIN_WINDOW_HOURS, DEFAULT_REGIONS, DEFAULT_SEED, expectationsOf, generateFleet } from './fleet';
import { computeFloor } from './floor';
import { benchNodeArgs, buildChild, handlerEnv, invokeInChild, measureColdLoad } from './invoke';
import { type MinimumCalls, type RunKind, floorInputFor, minimumCalls } from './minimum-calls';
import { renderMarkdown } from './report';
import type { BenchResults, OperationCalls, OrgPoint, PointResult, RunResult, SdkFloorResult } from './results-types';
import { buildOrgSdkFloorChild, buildSdkFloorChild, runSdkFloor } from './sdk-floor';
import { BENCH_POLICY, type SdkFloorPlan, buildSdkFloorPlans, ratioToFloors } from './sdk-floor-plan';
import { SECURITY_HUB_RATES } from '../emulator/aws-limits';
import { failedChildReport, failedSdkFloorReport } from './reports';

const REPO_ROOT = path.resolve(__dirname, '..');
const HOME_REGION = 'us-east-1';
const TABLE = 'aurora-backtrack-checker-state';
const TOPIC = `arn:aws:sns:${HOME_REGION}:123456789012:aurora-backtrack-checker-alerts`;
export const FULL_POINTS = ['100x1', '100x4', '100x17', '1000x1', '1000x4', '1000x17', '10000x1', '10000x4', '10000x17'];
export const QUICK = { points: ['100x2'], latencyMs: 5, org: '3x2x5' };
/** The organization point: accounts × Regions × clusters per account, through `scan --accounts all`. */
export const ORG_POINT = '200x4x25';
/** The CLI's scan point: a fleet a person audits from a laptop. */
export const CLI_POINT = { clusters: 100, regions: 3 };

export interface Point {
  clusters: number;
  regions: number;
}

/** "1000x4" → { clusters: 1000, regions: 4 }. */
export function parsePoint(text: string): Point {
  const m = /^(\d+)[x×](\d+)$/.exec(text.trim());
  const clusters = Number(m?.[1]);
  const regions = Number(m?.[2]);
  if (!m || clusters < 1 || regions < 1 || regions > DEFAULT_REGIONS.length) {
    throw new InvalidArgumentError(
      `"${text}" is not a point: use <clusters>x<regions>, e.g. 1000x4, with 1–${DEFAULT_REGIONS.length} Regions`,
    );
  }
  return { clusters, regions };
}

interface Options {
  quick: boolean;
  points: string[];
  /** undefined: no organization point (--org none). */
  org?: OrgPoint;
  accountConcurrency: number;
  latencyMs: number;
  out: string;
  seed: number;
  coldLoads: number;
  timeoutS: number;
  keep: boolean;
}

/** The committed results change only with a full run; a quick or partial run writes to a new temporary folder. */
export function defaultOut(partial: boolean): string {
  return partial ? fs.mkdtempSync(path.join(os.tmpdir(), 'backtrack-bench-')) : path.join('bench', 'results');
}

function parseArgs(argv: string[]): Options {
  const program = new Command()
    .name('bench')
    .description('Benchmark the bundled handler against a fake AWS at fleet scale')
    .option('--quick', `one small point (${QUICK.points.join(', ')}, latency ${QUICK.latencyMs} ms), for CI`, false)
    .option('--points <list>', `comma list of <clusters>x<regions> (default ${FULL_POINTS.join(',')})`)
    .option(
      '--org <point>',
      `organization point <accounts>x<regions>x<clusters per account>, or none (default ${ORG_POINT}; ${QUICK.org} with --quick)`,
    )
    .option('--account-concurrency <n>', 'accounts the CLI audits at once in the organization point', String(ACCOUNT_CONCURRENCY.default))
    .option('--latency <ms>', 'latency of every call, ms (default 50; 5 with --quick)')
    .option('--out <dir>', 'where latest.json and latest.md go (default: bench/results for a full run, a new temporary folder otherwise)')
    .option('--seed <n>', 'fleet seed', String(DEFAULT_SEED))
    .option('--cold-loads <n>', 'fresh processes for the load-time median', '5')
    .option('--timeout <s>', 'per handler run, seconds (Lambda allows 900)', '900')
    .option('--keep', 'keep the bundle and the handler logs even when every run passed', false)
    .addHelpText(
      'after',
      '\nEnvironment:\n  BENCH_NODE_ARGS  extra Node flags for the handler process, space-separated\n' +
        '                   (e.g. --max-old-space-size=96 to show the live heap fits a budget)',
    )
    .parse(argv);
  const o = program.opts<{
    quick: boolean;
    points?: string;
    org?: string;
    accountConcurrency: string;
    latency?: string;
    out?: string;
    seed: string;
    coldLoads: string;
    timeout: string;
    keep: boolean;
  }>();
  const points = o.points ? o.points.split(',') : o.quick ? QUICK.points : FULL_POINTS;
  points.forEach(parsePoint);
  const orgText = o.org ?? (o.quick ? QUICK.org : ORG_POINT);
  let org: OrgPoint | undefined;
  try {
    org = orgText === 'none' ? undefined : parseOrgPoint(orgText);
  } catch (err) {
    throw new InvalidArgumentError(`--org: ${(err as Error).message}, or none`);
  }
  const accountConcurrency = Number(o.accountConcurrency);
  if (
    !Number.isInteger(accountConcurrency) ||
    accountConcurrency < ACCOUNT_CONCURRENCY.min ||
    accountConcurrency > ACCOUNT_CONCURRENCY.max
  ) {
    throw new InvalidArgumentError(
      `--account-concurrency must be a whole number from ${ACCOUNT_CONCURRENCY.min} to ${ACCOUNT_CONCURRENCY.max}, got ${o.accountConcurrency}`,
    );
  }
  const latencyMs = o.latency !== undefined ? Number(o.latency) : o.quick ? QUICK.latencyMs : 50;
  if (!(latencyMs >= 0)) throw new InvalidArgumentError(`--latency must be a number of ms ≥ 0, got ${o.latency}`);
  return {
    quick: o.quick,
    points,
    ...(org && { org }),
    accountConcurrency,
    latencyMs,
    out:
      o.out ??
      defaultOut(o.quick || o.points !== undefined || o.org !== undefined || o.accountConcurrency !== String(ACCOUNT_CONCURRENCY.default)),
    seed: Number(o.seed),
    coldLoads: Number(o.coldLoads),
    timeoutS: Number(o.timeout),
    keep: o.keep,
  };
}

interface BundleModule {
  bundleHandler(
    outDir: string,
    options?: { metafile?: boolean },
  ): { outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }> } | undefined | void;
}

/** Package (or "lambda/…" for the project's own code) a bundled input belongs to. */
function packageOf(input: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  return m ? (m[1] as string) : input.split('/').slice(0, 2).join('/');
}

function bundle(outDir: string): NonNullable<BenchResults['bundle']> & { file: string } {
  for (const f of ['lambda/handler.ts', 'lib/bundle.ts']) {
    if (!fs.existsSync(path.join(REPO_ROOT, f))) throw new Error(`${f} does not exist: the benchmark runs the bundled handler`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(REPO_ROOT, 'lib', 'bundle')) as BundleModule;
  const meta = mod.bundleHandler(outDir, { metafile: true }) ?? undefined;
  const file = path.join(outDir, 'index.js');
  const bytes = fs.readFileSync(file);
  const byPackage = new Map<string, number>();
  for (const out of Object.values(meta?.outputs ?? {})) {
    for (const [input, v] of Object.entries(out.inputs))
      byPackage.set(packageOf(input), (byPackage.get(packageOf(input)) ?? 0) + v.bytesInOutput);
  }
  return {
    file,
    bytes: bytes.length,
    gzipBytes: gzipSync(bytes).length,
    byPackage: [...byPackage.entries()].map(([name, b]) => ({ name, bytes: b })).sort((a, b) => b.bytes - a.bytes),
  };
}

interface Work {
  dir: string;
  childPath: string;
  bundlePath: string;
  sdkChildPath: string;
  logDir: string;
}

/**
 * The SDK floor of one run, on its own fake (same fleet, latency and limits), so that its writes
 * and imports never change what the handler's runs find.
 */
async function sdkFloorRun(
  fleet: ReturnType<typeof generateFleet>,
  sdkFake: Awaited<ReturnType<typeof startFakeAws>>,
  plan: SdkFloorPlan,
  o: Options,
  work: Work,
  label: string,
): Promise<SdkFloorResult> {
  sdkFake.reset();
  const run = plan.run;
  const stateBytes = sdkFake.dynamo.table(HOME_REGION, TABLE).bytes();
  const min: MinimumCalls = minimumCalls({ expectation: expectationsOf(fleet), run, discoverRegions: false, stateBytes });
  const env = handlerEnv({
    endpoint: sdkFake.url,
    regions: fleet.regions,
    minWindowHours: BENCH_MIN_WINDOW_HOURS,
    topicArn: TOPIC,
    tableName: TABLE,
  });
  const logFile = path.join(work.logDir, `${label}-sdk-floor.log`);
  const report: SdkFloorReport = await runSdkFloor({
    childPath: work.sdkChildPath,
    plan,
    planPath: path.join(work.dir, 'sdk-floor-plan.json'),
    env,
    logFile,
    timeoutMs: o.timeoutS * 1000,
  }).catch((err: unknown) => failedSdkFloorReport({ name: 'BenchError', message: String(err) }));
  const { calls, throttled } = totalsByOperation(sdkFake.stats());
  const verdict = checkRun(fleet, {
    run,
    ...(report.error && { handlerError: `${report.error.name}: ${report.error.message}` }),
    imported: sdkFake.securityHub.importedSinceReset,
    findings: sdkFake.securityHub.findings,
    rejected: sdkFake.securityHub.failedSinceReset,
    errors: sdkFake.errors(),
    published: sdkFake.published,
    calls,
    throttled,
    minimum: min.total,
  });
  return {
    ok: report.ok && verdict.failures.length === 0,
    wallMs: report.wallMs,
    cpuMs: report.cpuUserMs + report.cpuSystemMs,
    maxRssMb: report.maxRssKb / 1024,
    heapUsedMb: report.heapUsedMb,
    totalCalls: Object.values(calls).reduce((a, b) => a + b, 0),
    totalMinimum: Object.values(min.total).reduce((a, b) => a + b, 0),
    throttled: Object.values(throttled).reduce((a, b) => a + b, 0),
    phases: report.phases,
    failures: verdict.failures,
    notes: verdict.notes,
    logFile,
  };
}

/** The SDK floor's plans (first and steady run) for a fleet, under the bench's policy. */
function sdkFloorPlans(fleet: ReturnType<typeof generateFleet>): Record<RunKind, SdkFloorPlan> {
  return buildSdkFloorPlans(fleet, {
    policy: BENCH_POLICY,
    now: new Date(),
    homeRegion: HOME_REGION,
    tableName: TABLE,
    topicArn: TOPIC,
    clientSettings: CLIENT_SETTINGS,
    importLimit: SECURITY_HUB_RATES.BatchImportFindings,
  });
}

async function runPoint(point: Point, o: Options, work: Work): Promise<PointResult> {
  const fleet = generateFleet({ clusters: point.clusters, regions: point.regions, seed: o.seed });
  const expectation = expectationsOf(fleet);
  const fakeOptions = { fleet, latencyMs: o.latencyMs, tables: [TABLE], topics: [TOPIC], homeRegion: HOME_REGION };
  const fake = await startFakeAws(fakeOptions);
  const sdkFake = await startFakeAws(fakeOptions);
  const env = handlerEnv({
    endpoint: fake.url,
    regions: fleet.regions,
    minWindowHours: BENCH_MIN_WINDOW_HOURS,
    topicArn: TOPIC,
    tableName: TABLE,
  });
  // Built before anything is timed: the findings, state items and alert the SDK floor sends.
  const plans = sdkFloorPlans(fleet);
  const runs: RunResult[] = [];
  try {
    for (const run of ['first', 'steady'] as RunKind[]) {
      fake.reset();
      const stateBytes = fake.dynamo.table(HOME_REGION, TABLE).bytes();
      const min = minimumCalls({ expectation, run, discoverRegions: false, stateBytes });
      const floor = computeFloor(floorInputFor(min, o.latencyMs, false));
      const logFile = path.join(work.logDir, `${point.clusters}x${point.regions}-${run}.log`);
      process.stderr.write(`  ${point.clusters} clusters × ${point.regions} Regions, ${run} run … `);
      const child: ChildReport = await invokeInChild({
        childPath: work.childPath,
        bundlePath: work.bundlePath,
        event: { mode: 'scan' },
        env,
        logFile,
        timeoutMs: o.timeoutS * 1000,
      }).catch((err: unknown) => failedChildReport({ name: 'BenchError', message: String(err) }));
      const { calls, throttled } = totalsByOperation(fake.stats());
      const handlerError = child.error
        ? `${child.error.name}: ${child.error.message}${child.error.details ? ` ${child.error.details.slice(0, 2000)}` : ''}`
        : undefined;
      const verdict = checkRun(fleet, {
        run,
        ...(handlerError && { handlerError }),
        imported: fake.securityHub.importedSinceReset,
        findings: fake.securityHub.findings,
        rejected: fake.securityHub.failedSinceReset,
        errors: fake.errors(),
        published: fake.published,
        calls,
        throttled,
        minimum: min.total,
      });
      const operations: Record<string, OperationCalls> = {};
      for (const op of new Set([...Object.keys(calls), ...Object.keys(min.total)])) {
        operations[op] = { calls: calls[op] ?? 0, minimum: min.total[op] ?? 0, throttled: throttled[op] ?? 0 };
      }
      const trace = fake.trace();
      const firstCall = Math.min(...trace.map((t) => t.startMs));
      const lastResponseMs: Record<string, number> = {};
      for (const t of trace) {
        const op = t.key.split('@')[0] as string;
        lastResponseMs[op] = Math.max(lastResponseMs[op] ?? 0, Math.round(t.endMs - firstCall));
      }
      const slowest = floor.regions.find((r) => r.region === floor.slowestRegion);
      process.stderr.write('SDK floor … ');
      const sdkFloor = await sdkFloorRun(fleet, sdkFake, plans[run], o, work, `${point.clusters}x${point.regions}-${run}`);
      const result: RunResult = {
        run,
        ok: verdict.failures.length === 0 && sdkFloor.ok,
        wallMs: child.wallMs,
        floorMs: floor.totalMs,
        ratio: floor.totalMs > 0 ? child.wallMs / floor.totalMs : NaN,
        ...(slowest && { floorBinding: slowest.binding, floorSlowestRegion: slowest.region }),
        floorTailMs: floor.tailMs,
        sdkFloor,
        ratioToFloors: ratioToFloors(child.wallMs, floor.totalMs, sdkFloor.ok ? sdkFloor.wallMs : undefined),
        loadMs: child.loadMs,
        cpuUserMs: child.cpuUserMs,
        cpuSystemMs: child.cpuSystemMs,
        maxRssMb: child.maxRssKb / 1024,
        heapUsedMb: child.heapUsedMb,
        totalCalls: Object.values(calls).reduce((a, b) => a + b, 0),
        totalMinimum: Object.values(min.total).reduce((a, b) => a + b, 0),
        operations,
        lastResponseMs,
        published: fake.published.map((m) => ({
          ...(m.subject !== undefined && { subject: m.subject }),
          bytes: m.messageBytes,
          keys: m.keys,
        })),
        failures: [...verdict.failures, ...sdkFloor.failures.map((f) => `SDK floor: ${f}`)],
        notes: [...verdict.notes, ...sdkFloor.notes.map((n) => `SDK floor: ${n}`)],
        ...(child.result !== undefined && { handlerResult: child.result.slice(0, 4000) }),
        ...(handlerError && { handlerError }),
        logFile,
      };
      runs.push(result);
      process.stderr.write(
        `${result.ok ? 'ok' : 'FAILED'}: wall ${(result.wallMs / 1000).toFixed(2)} s, floor ${(result.floorMs / 1000).toFixed(2)} s, ` +
          `SDK floor ${(sdkFloor.wallMs / 1000).toFixed(2)} s (CPU ${(sdkFloor.cpuMs / 1000).toFixed(2)} s), ` +
          `wall / max(floors) ${(result.ratioToFloors ?? NaN).toFixed(2)}, calls ${result.totalCalls} (min ${result.totalMinimum}), RSS ${result.maxRssMb.toFixed(0)} MB\n`,
      );
      for (const f of result.failures) process.stderr.write(`    ✗ ${f}\n`);
    }
  } finally {
    await fake.close();
    await sdkFake.close();
  }
  return {
    clusters: point.clusters,
    regions: point.regions,
    latencyMs: o.latencyMs,
    fleet: { inScope: expectation.inScope, byStatus: expectation.byStatus, alertable: expectation.alertable },
    runs,
  };
}

export async function main(argv: string[]): Promise<number> {
  const o = parseArgs(argv);
  const cpus = os.cpus();
  const results: BenchResults = {
    generatedAt: new Date().toISOString(),
    machine: {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model.trim() ?? 'unknown',
      memoryMb: Math.round(os.totalmem() / 1_048_576),
      node: process.version,
      platform: os.platform(),
      arch: os.arch(),
    },
    options: {
      quick: o.quick,
      latencyMs: o.latencyMs,
      seed: o.seed,
      points: o.points,
      ...(o.org && { org: `${o.org.accounts}x${o.org.regions}x${o.org.clustersPerAccount}`, accountConcurrency: o.accountConcurrency }),
      nodeArgs: benchNodeArgs(),
    },
    points: [],
    ok: false,
  };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'backtrack-bench-'));
  const logDir = path.join(work, 'logs');
  fs.mkdirSync(logDir);
  try {
    process.stderr.write(`bundling the handler into ${work} …\n`);
    const b = bundle(work);
    results.bundle = { bytes: b.bytes, gzipBytes: b.gzipBytes, byPackage: b.byPackage.slice(0, 15) };
    const childPath = buildChild(work);
    const sdkChildPath = buildSdkFloorChild(work);
    const loadEnv = handlerEnv({
      endpoint: 'http://127.0.0.1:9',
      regions: ['us-east-1'],
      minWindowHours: BENCH_MIN_WINDOW_HOURS,
      topicArn: TOPIC,
      tableName: TABLE,
    });
    results.coldLoad = measureColdLoad(b.file, loadEnv, o.coldLoads);
    process.stderr.write(`bundle ${b.bytes} bytes (${b.gzipBytes} gzipped), cold load ${results.coldLoad.medianRequireMs.toFixed(0)} ms\n`);
    for (const p of o.points)
      results.points.push(await runPoint(parsePoint(p), o, { dir: work, childPath, bundlePath: b.file, sdkChildPath, logDir }));
    const cliDir = cliWorkDir();
    process.stderr.write('  the CLI: --help beside bare Node, then 100 clusters × 3 Regions … ');
    const start = await measureStart(o.coldLoads, cliDir);
    const scan = await measureCliScan(CLI_POINT, {
      latencyMs: o.latencyMs,
      seed: o.seed,
      bareStartMs: start.bare.wallMs,
      workDir: cliDir,
      sdkFloor: { childPath: sdkChildPath, plan: (fleet) => sdkFloorPlans(fleet).first },
    });
    results.cli = { start, scan };
    process.stderr.write(`${scan.ok ? 'ok' : `FAILED: ${scan.error}`}\n`);
    if (o.org) {
      const { accounts, regions, clustersPerAccount } = o.org;
      process.stderr.write(
        `  an organization: ${accounts} accounts × ${regions} Regions × ${clustersPerAccount} clusters through scan --accounts all … `,
      );
      results.organization = await measureOrgScan(o.org, {
        latencyMs: o.latencyMs,
        seed: o.seed,
        concurrency: o.accountConcurrency,
        bareStartMs: start.bare.wallMs,
        workDir: cliDir,
        sdkFloor: { childPath: buildOrgSdkFloorChild(work), timeoutMs: o.timeoutS * 1000 },
      });
      const org = results.organization;
      const sec = (ms: number) => (ms / 1000).toFixed(2);
      const sdk = org.sdkFloor;
      process.stderr.write(
        `${org.ok ? 'ok' : 'FAILED'}: wall ${sec(org.wallMs)} s (CPU ${sec(org.cpuMs)} s), floor ${sec(org.floorMs)} s, ` +
          `SDK floor ${sdk ? `${sec(sdk.wallMs)} s (CPU ${sec(sdk.cpuMs)} s)` : 'not measured'}, ` +
          `wall / floor ${org.ratio.toFixed(2)}, wall / max(floors) ${org.ratioToFloors.toFixed(2)}, ` +
          `calls ${org.totalCalls} (min ${org.totalMinimum})\n`,
      );
      for (const f of org.failures) process.stderr.write(`    ✗ ${f}\n`);
    }
    fs.rmSync(cliDir, { recursive: true, force: true });
    results.ok = results.points.every((p) => p.runs.every((r) => r.ok)) && scan.ok && (results.organization?.ok ?? true);
  } catch (err) {
    results.fatal = err instanceof Error ? err.message : String(err);
    process.stderr.write(`the benchmark could not run: ${results.fatal}\n`);
  }
  fs.mkdirSync(o.out, { recursive: true });
  fs.writeFileSync(path.join(o.out, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  fs.writeFileSync(path.join(o.out, 'latest.md'), `${renderMarkdown(results)}\n`);
  if (results.ok && !o.keep) {
    fs.rmSync(work, { recursive: true, force: true });
    process.stderr.write(`results: ${path.join(o.out, 'latest.md')}\n`);
  } else {
    process.stderr.write(`results: ${path.join(o.out, 'latest.md')} (bundle and handler logs kept in ${work})\n`);
  }
  return results.ok ? 0 : 1;
}

if (require.main === module) {
  main(process.argv).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(2);
    },
  );
}
