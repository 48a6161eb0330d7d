/**
 * Runs the bundled handler the way Lambda would: in a fresh Node process, with the environment
 * the stack sets, against the fake AWS; and measures how long the bundle takes to load.
 */
import { fork, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import type { ChildReport } from './reports';
import { loadConfig } from '../lib/config';
import { telemetryEnvironment, toEnvironment } from '../lambda/settings/schema';

export interface HandlerEnvOptions {
  endpoint: string;
  regions: readonly string[];
  minWindowHours: number;
  topicArn: string;
  tableName: string;
}

/** The environment the CDK stack gives the function, pointed at the fake. */
export function handlerEnv(o: HandlerEnvOptions): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    TZ: 'UTC',
    AWS_ENDPOINT_URL: o.endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_LAMBDA_FUNCTION_NAME: 'aurora-backtrack-checker-bench',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
    // The variables lib/backtrack-checker.ts writes for this context, from the same schema.
    ...toEnvironment({
      ...loadConfig({ regions: [...o.regions], minWindowHours: o.minWindowHours }),
      publishFindings: true,
      alertTopicArn: o.topicArn,
      stateTable: o.tableName,
    }),
    ...telemetryEnvironment(),
  };
}

/** Bundles bench/child.ts into `<outDir>/bench-child.cjs` and returns its path. */
export function buildChild(outDir: string): string {
  const outfile = path.join(outDir, 'bench-child.cjs');
  buildSync({
    entryPoints: [path.join(__dirname, 'child.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
  });
  return outfile;
}

export interface InvokeOptions {
  childPath: string;
  bundlePath: string;
  event: unknown;
  env: Record<string, string>;
  /** The handler's stdout and stderr (its logs) go here. */
  logFile: string;
  timeoutMs?: number;
}

/**
 * Extra Node flags for the measured child processes, from BENCH_NODE_ARGS (space-separated, e.g.
 * `--max-old-space-size=96` to show the live heap fits a budget). Empty when unset.
 */
export function benchNodeArgs(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env['BENCH_NODE_ARGS'] ?? '').split(/\s+/).filter((a) => a !== '');
}

export interface ForkOptions {
  /** A bundled CommonJS entry that sends one report over IPC, then exits. */
  modulePath: string;
  args: string[];
  env: Record<string, string>;
  /** The child's stdout and stderr go here. */
  logFile: string;
  timeoutMs?: number;
  /** What the child is, for error messages. */
  what: string;
  /** Extra Node flags for the child (default none). */
  nodeArgs?: string[];
}

/** Runs a child in a fresh Node process and resolves with its report. */
export function forkForReport<T>(o: ForkOptions): Promise<T> {
  const log = fs.openSync(o.logFile, 'w');
  const timeoutMs = o.timeoutMs ?? 900_000;
  const child = fork(o.modulePath, o.args, {
    env: o.env,
    execArgv: o.nodeArgs ?? [],
    stdio: ['ignore', log, log, 'ipc'],
  });
  return new Promise<T>((resolve, reject) => {
    let report: T | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${o.what} did not finish within ${timeoutMs / 1000} s (log: ${o.logFile})`));
    }, timeoutMs);
    child.on('message', (m) => {
      report = m as T;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      fs.closeSync(log);
      if (report) resolve(report);
      else reject(new Error(`${o.what} exited (code ${code}, signal ${signal}) without a report; see ${o.logFile}`));
    });
  });
}

/** Invokes the handler once in a fresh process (with BENCH_NODE_ARGS); resolves with the child's figures. */
export function invokeInChild(o: InvokeOptions): Promise<ChildReport> {
  return forkForReport<ChildReport>({
    nodeArgs: benchNodeArgs(),
    modulePath: o.childPath,
    args: [o.bundlePath, JSON.stringify(o.event)],
    env: o.env,
    logFile: o.logFile,
    ...(o.timeoutMs !== undefined && { timeoutMs: o.timeoutMs }),
    what: 'the handler process',
  });
}

export interface ColdLoad {
  /** require() of the bundle, measured inside each fresh process. */
  requireMs: number[];
  medianRequireMs: number;
  /** Process start to exit, measured outside. */
  processMs: number[];
  medianProcessMs: number;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** Loads the bundle `samples` times, each in a fresh Node process, and takes the medians. */
export function measureColdLoad(bundlePath: string, env: Record<string, string>, samples = 5): ColdLoad {
  const code =
    'const t=performance.now();require(process.argv[1]);' +
    'process.stdout.write("\\n@@"+JSON.stringify({ms:performance.now()-t})+"\\n");process.exit(0)';
  const requireMs: number[] = [];
  const processMs: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, ['-e', code, bundlePath], { env, encoding: 'utf8' });
    processMs.push(performance.now() - t);
    const line = r.stdout.split('\n').find((l) => l.startsWith('@@'));
    if (r.status !== 0 || !line) throw new Error(`loading ${bundlePath} failed (exit ${r.status}): ${r.stderr.slice(0, 2000)}`);
    requireMs.push((JSON.parse(line.slice(2)) as { ms: number }).ms);
  }
  return { requireMs, medianRequireMs: median(requireMs), processMs, medianProcessMs: median(processMs) };
}
