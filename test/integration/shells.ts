/**
 * The two shells of the checker, run as child processes the way people run them: the bundled
 * Lambda handler (dist/lambda/index.js, the bytes the stack deploys) through scripts/invoke-local.ts
 * (compiled by the build to dist/invoke-local.cjs: tsx would cost a second of CPU a start), and the
 * CLI (bin/aurora-backtrack-check.js → dist/cli/). All must be built (`npm run build`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silenceSdkNodeVersionWarning } from '../../lambda/node-warnings';
import type { Deployment } from '../../emulator/deployment';

// The tests' own SDK clients run on the Node.js of the test run; its support notice is noise here.
silenceSdkNodeVersionWarning();

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
const INVOKE_LOCAL = path.join(REPO_ROOT, 'dist', 'invoke-local.cjs');
const CLI = path.join(REPO_ROOT, 'bin', 'aurora-backtrack-check.js');
const HANDLER_BUNDLE = path.join(REPO_ROOT, 'dist', 'lambda', 'index.js');
const CLI_BUNDLE = path.join(REPO_ROOT, 'dist', 'cli', 'cli.mjs');

export interface ShellResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The JSON document the shell printed last (invoke-local: {ok, result|error}; CLI: the summary). */
  json: unknown;
}

/** What invoke-local prints. */
export interface InvokeOutput {
  ok: boolean;
  result?: Record<string, unknown>;
  error?: { name: string; message: string };
}

/**
 * The environment of a child: this process's, minus anything that could point the SDK at a real
 * account (AWS_*), plus the given variables.
 */
function childEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_') && !k.startsWith('POWERTOOLS_')) env[k] = v;
  return { ...env, ...vars };
}

/**
 * The last top-level JSON value written to stdout. invoke-local prints the handler's own log and
 * metric lines (one JSON object per line) before its pretty-printed result, which starts with a `{`
 * alone on its line.
 */
export function lastJson(stdout: string): unknown {
  const text = stdout.trimEnd();
  const start = text.lastIndexOf('\n{\n');
  const candidate = start >= 0 ? text.slice(start + 1) : text.startsWith('{') ? text : undefined;
  if (candidate === undefined) return undefined;
  try {
    return JSON.parse(candidate);
  } catch {
    return undefined;
  }
}

/** A shell started as a child process: kill it, or wait for its result. */
export interface RunningShell {
  child: ChildProcess;
  /** Resolves when the child has exited (also after a kill: code 128 for a signal). */
  result: Promise<ShellResult>;
  /** Everything written to stdout so far. */
  stdout(): string;
}

function start(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): RunningShell {
  const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  const result = new Promise<ShellResult>((resolve, reject) => {
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${path.basename(args[0] ?? command)} did not finish within ${timeoutMs / 1000} s\nstdout:\n${stdout}\nstderr:\n${stderr}`,
        ),
      );
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr, json: lastJson(stdout) });
    });
  });
  return { child, result, stdout: () => stdout };
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<ShellResult> {
  return start(command, args, env, timeoutMs).result;
}

function requireBuilt(): void {
  for (const file of [HANDLER_BUNDLE, CLI_BUNDLE, INVOKE_LOCAL]) {
    if (!fs.existsSync(file)) throw new Error(`${path.relative(REPO_ROOT, file)} is missing: run \`npm run build\` first`);
  }
}

/**
 * Runs the bundled handler once through invoke-local with the deployment's function environment.
 * `event`: `scan`, `reminder`, or an event object (written to a temporary JSON file, as a person
 * would pass a saved EventBridge event).
 */
export async function runHandler(
  d: Deployment,
  event: 'scan' | 'reminder' | Record<string, unknown> = 'scan',
  extraEnv: Record<string, string> = {},
  /** The function's timeout: the handler gets a Lambda context with this much time remaining. */
  timeoutSeconds?: number,
  /** Run as `npm run invoke-local` does without `--publish`: nothing written anywhere. */
  readOnly = false,
): Promise<ShellResult & { json: InvokeOutput }> {
  requireBuilt();
  let arg: string = typeof event === 'string' ? event : '';
  let dir: string | undefined;
  if (typeof event !== 'string') {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backtrack-event-'));
    arg = path.join(dir, 'event.json');
    fs.writeFileSync(arg, JSON.stringify(event, null, 2));
  }
  try {
    const timeout = timeoutSeconds === undefined ? [] : ['--timeout', String(timeoutSeconds)];
    const publish = readOnly ? [] : ['--publish'];
    const r = await run(
      process.execPath,
      [INVOKE_LOCAL, arg, ...publish, '--no-build', ...timeout],
      childEnv(d.handlerEnv(extraEnv)),
      120_000,
    );
    const json = r.json as InvokeOutput | undefined;
    if (!json || typeof json.ok !== 'boolean') {
      throw new Error(
        `invoke-local printed no result (exit ${r.code})\nstdout:\n${r.stdout.slice(-3000)}\nstderr:\n${r.stderr.slice(-3000)}`,
      );
    }
    return { ...r, json };
  } finally {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts the bundled handler's scan (invoke-local) without waiting for it. */
export function startHandler(d: Deployment, extraEnv: Record<string, string> = {}, timeoutSeconds?: number): RunningShell {
  requireBuilt();
  const timeout = timeoutSeconds === undefined ? [] : ['--timeout', String(timeoutSeconds)];
  return start(process.execPath, [INVOKE_LOCAL, 'scan', '--publish', '--no-build', ...timeout], childEnv(d.handlerEnv(extraEnv)), 120_000);
}

/** Starts the bundled handler on an event object (written to a temporary JSON file) without waiting for it. */
export function startHandlerOn(d: Deployment, event: Record<string, unknown>, timeoutSeconds: number): RunningShell {
  requireBuilt();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backtrack-event-'));
  const file = path.join(dir, 'event.json');
  fs.writeFileSync(file, JSON.stringify(event, null, 2));
  const running = start(
    process.execPath,
    [INVOKE_LOCAL, file, '--publish', '--no-build', '--timeout', String(timeoutSeconds)],
    childEnv(d.handlerEnv()),
    120_000,
  );
  void running.result.finally(() => fs.rmSync(dir, { recursive: true, force: true })).catch(() => undefined);
  return running;
}

/** Starts `aurora-backtrack-check scan` without waiting for it. */
export function startCli(d: Deployment, extraArgs: string[] = []): RunningShell {
  requireBuilt();
  return start(process.execPath, [CLI, ...d.cliArgs(extraArgs)], childEnv(d.emulatorEnv()), 120_000);
}

/** Runs `aurora-backtrack-check scan` with the deployment's flags (JSON output) and the emulator's environment. */
export async function runCli(d: Deployment, extraArgs: string[] = [], env: Record<string, string> = {}): Promise<ShellResult> {
  requireBuilt();
  return run(process.execPath, [CLI, ...d.cliArgs(extraArgs)], childEnv({ ...d.emulatorEnv(), ...env }), 120_000);
}

/** The run summary both shells produce (the handler returns it, the CLI prints it with --format json). */
export interface SummaryJson {
  mode: string;
  accountId: string;
  startedAt: string;
  regions: {
    region: string;
    scanned: boolean;
    error?: string;
    clusters: number;
    findings: { imported: number; failed: number; notPublished?: string };
    archived: number;
  }[];
  totals: Record<string, number>;
  events: { kind: string; region: string; identifier: string }[];
  degraded: { key: string; region?: string; message: string }[];
  tagProblems: string[];
  alert?: { subject: string; published: boolean; messageId?: string; error?: string };
  /** CLI only: one entry per cluster. */
  clusters?: CliCluster[];
}

/** One cluster in the CLI's JSON output. */
export interface CliCluster {
  region: string;
  identifier: string;
  resourceId: string;
  scope: string;
  status: string;
  condition: string;
  suppressed: boolean;
  reason: string;
  remediation?: string;
  backtrackWindowSeconds: number;
  requiredWindowSeconds: number;
  policySource: 'account' | 'tag';
  actualWindowSeconds?: number;
  actualWindow?: string;
  changeRecordsPerHour?: number;
  exemption?: { active: boolean; expired: boolean; reason?: string; until?: string };
  tagProblems?: string[];
}

/** One scheduled scan through one shell. */
export interface ScanRun extends ShellResult {
  /** The summary: the handler's return value, or the CLI's JSON. Absent when the handler threw. */
  summary?: SummaryJson;
  /** The handler's error (name, message) when it threw. */
  error?: { name: string; message: string };
}

export interface Shell {
  name: string;
  kind: 'handler' | 'cli';
  scan(d: Deployment): Promise<ScanRun>;
  /** Exit status for a run with nothing failing, with failing clusters, and with the checker degraded. */
  exit: { clean: number; failing: number; degraded: number };
}

export const HANDLER_SHELL: Shell = {
  name: 'bundled Lambda handler (invoke-local)',
  kind: 'handler',
  scan: async (d) => {
    const r = await runHandler(d, 'scan');
    return {
      ...r,
      ...(r.json.ok ? { summary: r.json.result as unknown as SummaryJson } : {}),
      ...(r.json.error ? { error: r.json.error } : {}),
    };
  },
  // The handler returns the summary whatever the verdicts, degraded or not (invoke-local exits 0);
  // it throws only on a bad configuration or a crash.
  exit: { clean: 0, failing: 0, degraded: 0 },
};

export const CLI_SHELL: Shell = {
  name: 'CLI (aurora-backtrack-check scan)',
  kind: 'cli',
  scan: async (d) => {
    const r = await runCli(d);
    const summary = r.json as SummaryJson | undefined;
    if (!summary || !Array.isArray(summary.regions)) {
      throw new Error(
        `the CLI printed no JSON summary (exit ${r.code})\nstdout:\n${r.stdout.slice(-3000)}\nstderr:\n${r.stderr.slice(-3000)}`,
      );
    }
    return { ...r, summary };
  },
  exit: { clean: 0, failing: 1, degraded: 3 },
};

export const SHELLS: readonly Shell[] = [HANDLER_SHELL, CLI_SHELL];

/** What a run says went wrong with the checker: the handler's error message, or the CLI's degraded list and alert error. */
export function reportedProblems(run: ScanRun): string {
  if (run.error) return `${run.error.name}: ${run.error.message}`;
  const s = run.summary;
  return [...(s?.degraded.map((d) => d.message) ?? []), s?.alert?.error ?? ''].filter(Boolean).join('\n');
}

/** Runs the CLI with exactly these arguments and the emulator's environment (no deployment's flags). */
export async function runCliArgs(args: string[], env: Record<string, string>): Promise<ShellResult> {
  requireBuilt();
  return run(process.execPath, [CLI, ...args], childEnv(env), 120_000);
}

/** Runs the built CLI with any arguments and environment (no deployment: `migrate` needs none). */
export async function runCliWith(args: string[], env: Record<string, string>): Promise<ShellResult> {
  requireBuilt();
  return run(process.execPath, [CLI, ...args], childEnv(env), 120_000);
}
