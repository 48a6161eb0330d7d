/**
 * The CLI as a person starts it: a fresh process of bin/aurora-backtrack-check.js, beside a bare
 * `node -e 0`. Two figures: `--help` (what loading the entry costs) and a scan of a fleet on the
 * fake AWS, wall time from process start to exit, against the larger of two floors, each counting
 * process start and the CLI's one extra call (STS GetCallerIdentity; the Lambda takes its account
 * from its ARN):
 * - the model floor plus a bare `node -e 0`;
 * - the SDK floor (bench/sdk-floor-child.ts: the same calls with the same SDK clients and no
 *   checker logic) run in a fresh process on its own fake, timed from spawn to exit: what any
 *   program built on the AWS SDK pays to load it and make those calls.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startFakeAws } from './fake-aws';
import { forkForReport, handlerEnv } from './invoke';
import type { SdkFloorReport } from './reports';
import type { SdkFloorPlan } from './sdk-floor-plan';
import { BENCH_MIN_WINDOW_HOURS, expectationsOf, generateFleet } from './fleet';
import { computeFloor } from './floor';
import { floorInputFor, minimumCalls } from './minimum-calls';

const REPO_ROOT = path.resolve(__dirname, '..');
const CLI = path.join(REPO_ROOT, 'bin', 'aurora-backtrack-check.js');
const HOME_REGION = 'us-east-1';
const TABLE = 'aurora-backtrack-checker-state';
const TOPIC = `arn:aws:sns:${HOME_REGION}:123456789012:aurora-backtrack-checker-alerts`;

/** Written into a temporary file and preloaded: the process reports its own peak RSS (KB) and CPU (µs) when it exits. */
const RSS_PROBE =
  `process.on('exit', () => { const u = process.resourceUsage(); ` +
  `require('node:fs').writeFileSync(process.env.BENCH_RSS_FILE, u.maxRSS + ' ' + (u.userCPUTime + u.systemCPUTime)); });\n`;

export interface ProcessFigures {
  wallMs: number;
  maxRssKb: number;
  /** User + system CPU of the process (0 when it did not report). */
  cpuMs: number;
  code: number;
  stdout: string;
}

export interface StartFigures {
  /** Medians over the runs. */
  bare: { wallMs: number; maxRssKb: number };
  help: { wallMs: number; maxRssKb: number };
  runs: number;
}

export interface CliScanFigures {
  clusters: number;
  regions: number;
  latencyMs: number;
  wallMs: number;
  /** Model floor of the run + one STS call + the median bare Node start. */
  modelFloorMs: number;
  /** The SDK floor in a fresh process, spawn to exit, + one STS call; undefined when not measured. */
  sdkFloorMs?: number;
  /** The larger of the two floors. */
  floorMs: number;
  ratio: number;
  maxRssKb: number;
  ok: boolean;
  error?: string;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** Runs one process to its end, timing it from spawn to exit, with its peak RSS. */
export async function measureProcess(args: string[], env: NodeJS.ProcessEnv, probeDir: string): Promise<ProcessFigures> {
  const probe = path.join(probeDir, 'rss-probe.cjs');
  fs.writeFileSync(probe, RSS_PROBE);
  const rssFile = path.join(probeDir, `rss-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const started = performance.now();
  const child = spawn(process.execPath, ['--require', probe, ...args], {
    env: { ...env, BENCH_RSS_FILE: rssFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.resume();
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  const wallMs = performance.now() - started;
  const [rss, cpuUs] = fs.existsSync(rssFile) ? fs.readFileSync(rssFile, 'utf8').split(' ').map(Number) : [];
  fs.rmSync(rssFile, { force: true });
  return { wallMs, maxRssKb: rss ?? 0, cpuMs: (cpuUs ?? 0) / 1000, code, stdout };
}

/** `--help` against a bare `node -e 0`, `runs` times each, interleaved. */
export async function measureStart(runs: number, workDir: string): Promise<StartFigures> {
  const bare: ProcessFigures[] = [];
  const help: ProcessFigures[] = [];
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  for (let i = 0; i < runs; i++) {
    bare.push(await measureProcess(['-e', '0'], env, workDir));
    help.push(await measureProcess([CLI, '--help'], env, workDir));
  }
  const fig = (xs: ProcessFigures[]) => ({ wallMs: median(xs.map((x) => x.wallMs)), maxRssKb: median(xs.map((x) => x.maxRssKb)) });
  return { bare: fig(bare), help: fig(help), runs };
}

/** What the SDK floor of the CLI point needs: the bundled floor child and its plan for this fleet. */
export interface CliSdkFloor {
  childPath: string;
  plan: (fleet: ReturnType<typeof generateFleet>) => SdkFloorPlan;
}

/** The SDK floor of the fleet's first run in a fresh process on its own fake, spawn to exit. */
async function measureSdkFloorProcess(
  fleet: ReturnType<typeof generateFleet>,
  floor: CliSdkFloor,
  o: { latencyMs: number; workDir: string },
): Promise<number> {
  const fake = await startFakeAws({ fleet, latencyMs: o.latencyMs, tables: [TABLE], topics: [TOPIC], homeRegion: HOME_REGION });
  try {
    const planPath = path.join(o.workDir, 'cli-sdk-floor-plan.json');
    fs.writeFileSync(planPath, JSON.stringify(floor.plan(fleet)));
    const env = handlerEnv({
      endpoint: fake.url,
      regions: fleet.regions,
      minWindowHours: BENCH_MIN_WINDOW_HOURS,
      topicArn: TOPIC,
      tableName: TABLE,
    });
    const started = performance.now();
    const report = await forkForReport<SdkFloorReport>({
      modulePath: floor.childPath,
      args: [planPath],
      env,
      logFile: path.join(o.workDir, 'cli-sdk-floor.log'),
      what: 'the SDK floor process',
    });
    const wallMs = performance.now() - started;
    if (!report.ok) throw new Error(`the SDK floor run failed: ${report.error?.message ?? 'no report'}`);
    return wallMs;
  } finally {
    await fake.close();
  }
}

/** One first-run scan of `clusters` × `regions` through the CLI, publishing like the deployed checker. */
export async function measureCliScan(
  point: { clusters: number; regions: number },
  o: { latencyMs: number; seed: number; bareStartMs: number; workDir: string; sdkFloor?: CliSdkFloor },
): Promise<CliScanFigures> {
  const fleet = generateFleet({ clusters: point.clusters, regions: point.regions, seed: o.seed });
  const sdkFloorMs = o.sdkFloor ? (await measureSdkFloorProcess(fleet, o.sdkFloor, o)) + o.latencyMs : undefined;
  const fake = await startFakeAws({ fleet, latencyMs: o.latencyMs, tables: [TABLE], topics: [TOPIC], homeRegion: HOME_REGION });
  try {
    const min = minimumCalls({ expectation: expectationsOf(fleet), run: 'first', discoverRegions: false, stateBytes: 0 });
    const modelFloorMs = computeFloor(floorInputFor(min, o.latencyMs, false)).totalMs + o.latencyMs + o.bareStartMs;
    const floorMs = Math.max(modelFloorMs, sdkFloorMs ?? 0);
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      AWS_ENDPOINT_URL: fake.url,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: HOME_REGION,
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    const args = [
      CLI,
      'scan',
      '--regions',
      fleet.regions.join(','),
      '--min-window-hours',
      String(BENCH_MIN_WINDOW_HOURS),
      '--publish-findings',
      '--alert-topic-arn',
      TOPIC,
      '--state-table',
      TABLE,
      '--format',
      'json',
      '--quiet',
    ];
    const run = await measureProcess(args, env, o.workDir);
    let error: string | undefined;
    try {
      const summary = JSON.parse(run.stdout) as { totals?: { clusters?: number } };
      if (summary.totals?.clusters !== fleet.clusters.length)
        error = `judged ${summary.totals?.clusters} of ${fleet.clusters.length} clusters`;
    } catch {
      error = `no JSON on stdout (exit ${run.code})`;
    }
    if (run.code === 2 || run.code === 3) error ??= `exit ${run.code}`;
    return {
      clusters: point.clusters,
      regions: point.regions,
      latencyMs: o.latencyMs,
      wallMs: run.wallMs,
      modelFloorMs,
      ...(sdkFloorMs !== undefined && { sdkFloorMs }),
      floorMs,
      ratio: run.wallMs / floorMs,
      maxRssKb: run.maxRssKb,
      ok: error === undefined,
      ...(error !== undefined && { error }),
    };
  } finally {
    await fake.close();
  }
}

/** A scratch folder for the probe and its files. */
export const cliWorkDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'backtrack-bench-cli-'));
