/**
 * The project-owned AWS emulator: moto in server mode, installed from emulator/requirements.txt
 * into a project-local virtualenv (.emulator/venv), started on a free loopback port, health-checked
 * and stopped by its PID.
 *
 * Works from jest (CommonJS) and from `npx tsx`; needs python3 (3.9+) with the venv module
 * and a reachable Python package index on the first run only.
 */
import { createHash } from 'node:crypto';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

/** The emulator cannot be installed on this machine; `message` says what to install or fix. */
export class EmulatorSetupError extends Error {
  override readonly name = 'EmulatorSetupError';
}

/** moto was installed but did not come up (or exited); the message carries its stderr tail. */
export class MotoStartError extends Error {
  override readonly name = 'MotoStartError';
}

export interface EmulatorPaths {
  projectRoot: string;
  venvDir: string;
  python: string;
  motoServer: string;
  cfnLint: string;
  requirementsFile: string;
}

export interface EnsureEmulatorOptions {
  /** Repository root; default: found from this file's location. */
  projectRoot?: string;
  /** Interpreter used to create the venv; default `python3`. */
  python?: string;
  /** Progress lines (the CLI passes console.error); silent by default. */
  log?: (line: string) => void;
  /** Give up waiting for another process's install after this long; default 15 minutes. */
  lockTimeoutMs?: number;
}

const MIN_PYTHON: readonly [number, number] = [3, 9];
const MARKER_FILE = '.requirements-sha256';
const PYTHON_INSTALL_HINT =
  'Install Python 3.9 or later with its venv module, e.g. `apt-get install python3 python3-venv` ' +
  '(Debian/Ubuntu), `dnf install python3` (Fedora), or `brew install python` (macOS).';

/** The repository root: the nearest ancestor of this file holding a package.json. */
export function findProjectRoot(start: string = __dirname): string {
  let dir = path.resolve(start);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'emulator'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new EmulatorSetupError(`cannot find the project root (a folder with package.json and emulator/) above ${start}`);
    }
    dir = parent;
  }
}

export function emulatorPaths(projectRoot: string = findProjectRoot()): EmulatorPaths {
  const venvDir = path.join(projectRoot, '.emulator', 'venv');
  const bin = path.join(venvDir, 'bin');
  return {
    projectRoot,
    venvDir,
    python: path.join(bin, 'python'),
    motoServer: path.join(bin, 'moto_server'),
    cfnLint: path.join(bin, 'cfn-lint'),
    requirementsFile: path.join(projectRoot, 'emulator', 'requirements.txt'),
  };
}

/** Hash of the requirements file: the venv is rebuilt when it changes. */
export function requirementsHash(requirementsFile: string): string {
  return createHash('sha256').update(fs.readFileSync(requirementsFile)).digest('hex');
}

function isInstalled(paths: EmulatorPaths, hash: string): boolean {
  const marker = path.join(paths.venvDir, MARKER_FILE);
  if (!fs.existsSync(marker) || !fs.existsSync(paths.motoServer) || !fs.existsSync(paths.cfnLint)) return false;
  if (!fs.existsSync(paths.python)) return false;
  return fs.readFileSync(marker, 'utf8').trim() === hash;
}

/**
 * Makes sure .emulator/venv holds exactly emulator/requirements.txt and returns the tool paths.
 * Installs only when the venv is missing or the requirements file changed (hash marker); several
 * processes calling this at once wait for one install (a lock directory).
 */
export async function ensureEmulator(options: EnsureEmulatorOptions = {}): Promise<EmulatorPaths> {
  const paths = emulatorPaths(options.projectRoot ?? findProjectRoot());
  if (!fs.existsSync(paths.requirementsFile)) {
    throw new EmulatorSetupError(`missing ${paths.requirementsFile}: the emulator's pinned requirements`);
  }
  const hash = requirementsHash(paths.requirementsFile);
  if (isInstalled(paths, hash)) return paths;

  const release = await acquireLock(path.join(paths.projectRoot, '.emulator', 'install.lock'), options.lockTimeoutMs ?? 15 * 60_000);
  try {
    if (isInstalled(paths, hash)) return paths; // another process installed it while we waited
    await install(paths, hash, options);
    return paths;
  } finally {
    release();
  }
}

async function install(paths: EmulatorPaths, hash: string, options: EnsureEmulatorOptions): Promise<void> {
  const log = options.log ?? (() => undefined);
  const python = options.python ?? 'python3';
  const uvPin = /^uv==\S+$/m.exec(fs.readFileSync(paths.requirementsFile, 'utf8'))?.[0];
  if (uvPin === undefined) {
    throw new EmulatorSetupError(`${paths.requirementsFile} must pin the installer, uv, on a line of its own (such as \`uv==0.13.8\`)`);
  }
  checkPython(python);

  const started = Date.now();
  log(`emulator: creating ${path.relative(paths.projectRoot, paths.venvDir)} (first run, or emulator/requirements.txt changed)`);
  fs.rmSync(paths.venvDir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(paths.venvDir), { recursive: true });
  const venv = await run(python, ['-m', 'venv', paths.venvDir]);
  if (venv.code !== 0) {
    fs.rmSync(paths.venvDir, { recursive: true, force: true });
    throw new EmulatorSetupError(
      `\`${python} -m venv\` failed: the Python venv module (with ensurepip) is missing. ${PYTHON_INSTALL_HINT}\n${tail(venv.output)}`,
    );
  }

  log('emulator: installing moto and cfn-lint from emulator/requirements.txt');
  const logFile = path.join(paths.projectRoot, '.emulator', 'install.log');
  const failed = (what: string, output: string) =>
    new EmulatorSetupError(
      `${what} (full log: ${logFile}). The Python package index must be reachable on the first run ` +
        `(or set PIP_INDEX_URL / PIP_FIND_LINKS).\n${tail(output)}`,
    );
  // pip takes about a minute for this file (it unpacks and compiles one package after the other);
  // uv, pinned in the same file, takes seconds: pip installs uv into the venv, uv installs the rest.
  const pip = await run(paths.python, [
    '-m',
    'pip',
    'install',
    '--disable-pip-version-check',
    '--no-input',
    '--progress-bar',
    'off',
    '--no-compile',
    uvPin,
  ]);
  fs.writeFileSync(logFile, pip.output);
  if (pip.code !== 0) throw failed(`pip could not install ${uvPin}`, pip.output);
  const uvArgs = ['pip', 'install', '--python', paths.python, '--compile-bytecode', '--no-progress', '-r', paths.requirementsFile];
  const uv = await run(path.join(path.dirname(paths.python), 'uv'), uvArgs, uvEnvironment(process.env));
  fs.appendFileSync(logFile, uv.output);
  if (uv.code !== 0) throw failed('uv could not install emulator/requirements.txt', uv.output);
  if (!fs.existsSync(paths.motoServer) || !fs.existsSync(paths.cfnLint)) {
    throw new EmulatorSetupError(`uv finished but ${paths.motoServer} or ${paths.cfnLint} is missing (see ${logFile})`);
  }
  fs.writeFileSync(path.join(paths.venvDir, MARKER_FILE), `${hash}\n`);
  log(`emulator: installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Fails with what to install when python3 is absent or too old. */
function checkPython(python: string): void {
  const probe = spawnSync(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    const why =
      probe.error && (probe.error as NodeJS.ErrnoException).code === 'ENOENT'
        ? `\`${python}\` was not found${python.includes('/') ? '' : ' on PATH'}.`
        : `\`${python}\` did not run (${probe.error?.message ?? tail(probe.stderr ?? '')}).`;
    throw new EmulatorSetupError(`The AWS emulator (moto) needs Python: ${why} ${PYTHON_INSTALL_HINT}`);
  }
  const [major, minor] = probe.stdout.trim().split('.').map(Number);
  if (major === undefined || minor === undefined || major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1])) {
    throw new EmulatorSetupError(
      `The AWS emulator (moto) needs Python ${MIN_PYTHON.join('.')}+, found ${probe.stdout.trim()}. ${PYTHON_INSTALL_HINT}`,
    );
  }
}

/**
 * uv reads its own settings, not pip's: a package index, extra index, local wheels or CA bundle set
 * for pip (PIP_INDEX_URL, PIP_EXTRA_INDEX_URL, PIP_FIND_LINKS, PIP_CERT) is passed on, unless the uv
 * setting is there already. pip separates several find-links locations with spaces, uv with commas.
 */
export function uvEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  const pairs = [
    ['PIP_INDEX_URL', 'UV_INDEX_URL'],
    ['PIP_EXTRA_INDEX_URL', 'UV_EXTRA_INDEX_URL'],
    ['PIP_FIND_LINKS', 'UV_FIND_LINKS'],
    ['PIP_CERT', 'SSL_CERT_FILE'],
  ] as const;
  for (const [pip, uv] of pairs) {
    const value = env[pip];
    if (value === undefined || value.trim() === '' || out[uv] !== undefined) continue;
    out[uv] = uv === 'UV_FIND_LINKS' ? value.trim().split(/\s+/).join(',') : value;
  }
  return out;
}

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(env && { env }) });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (e) => resolve({ code: -1, output: output + String(e) }));
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** True while `pid` runs; an exited process not yet reaped by its parent (a zombie) counts as gone. */
export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    // Gone between the two checks, or no /proc (macOS), where kill(0) is all we know.
    return !fs.existsSync('/proc/self/stat');
  }
}

/** A lock directory holding the owner's PID; a lock whose owner died is taken over. */
async function acquireLock(lockDir: string, timeoutMs: number): Promise<() => void> {
  fs.mkdirSync(path.dirname(lockDir), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
      return () => fs.rmSync(lockDir, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = Number(readOrEmpty(path.join(lockDir, 'pid')));
    const age = Date.now() - (statOrUndefined(lockDir)?.mtimeMs ?? Date.now());
    if ((owner > 0 && !isProcessRunning(owner)) || (!owner && age > 10_000)) {
      fs.rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new EmulatorSetupError(
        `timed out waiting for another emulator install (lock ${lockDir}, pid ${owner}); remove the folder if no install is running`,
      );
    }
    await sleep(250);
  }
}

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

function statOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Running moto

export interface MotoServer {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  port: number;
  pid: number;
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process is gone. */
  stop(): Promise<void>;
  /** Forgets every resource in every Region and account (POST /moto-api/reset). */
  reset(): Promise<void>;
  /** The last lines moto wrote to stderr (its request log and any traceback). */
  stderrTail(): string;
}

export interface StartMotoOptions {
  /** From ensureEmulator(); installed on demand when absent. */
  paths?: EmulatorPaths;
  /** Fixed port; default: a free loopback port. */
  port?: number;
  /** How long to wait for the health check; default 30 s. */
  bootTimeoutMs?: number;
  /**
   * Default true: moto exits by itself when this process dies, even by SIGKILL (it watches its
   * parent PID). False for a server that must outlive its starter (`scripts/emulator.ts start`).
   */
  watchParent?: boolean;
  /** Where moto's output goes when `watchParent` is false; default .emulator/moto.log. */
  logFile?: string;
}

/**
 * Runs moto.server.main in-process after starting a thread that exits when the parent PID changes.
 * moto finds the service of every request by listing its own package folder (some 200 `isdir`
 * calls, under a lock all request threads share): the list never changes while it runs, so it is
 * read once. Answers are unchanged; a seventh of moto's CPU in the end-to-end tests is saved.
 */
const LAUNCHER = [
  'import os, sys, threading, time',
  'import moto.backends',
  'moto_modules = tuple(moto.backends.list_of_moto_modules())',
  'moto.backends.list_of_moto_modules = lambda: moto_modules',
  'parent = int(sys.argv[1])',
  'def watch():',
  '    while True:',
  '        time.sleep(0.5)',
  '        if os.getppid() != parent:',
  '            os._exit(0)',
  'if parent > 0:',
  '    threading.Thread(target=watch, daemon=True).start()',
  'from moto.server import main',
  'main(sys.argv[2:])',
].join('\n');

const liveServers = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of liveServers) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/** A port the OS reports free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Starts moto on 127.0.0.1, waits until it answers, and returns a handle to stop or reset it. */
export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  const paths = options.paths ?? (await ensureEmulator());
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = options.port ?? (await freePort());
    try {
      return await launch(paths, port, options);
    } catch (e) {
      lastError = e;
      // Another process took the port between the probe and moto's bind: try another one.
      if (options.port !== undefined || !(e instanceof MotoStartError) || !/address already in use/i.test(e.message)) throw e;
    }
  }
  throw lastError;
}

async function launch(paths: EmulatorPaths, port: number, options: StartMotoOptions): Promise<MotoServer> {
  const watchParent = options.watchParent ?? true;
  const args = ['-c', LAUNCHER, String(watchParent ? process.pid : 0), '-H', '127.0.0.1', '-p', String(port)];
  const env = { ...process.env, PYTHONUNBUFFERED: '1' };
  let child: ChildProcess;
  let stderr = '';
  const remember = (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-16_384);
  };
  if (watchParent) {
    child = spawn(paths.python, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    child.stdout?.on('data', remember);
    child.stderr?.on('data', remember);
    // Never keep a test run or script alive just because moto is running; the exit hook and the
    // parent watch end it.
    child.unref();
    (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
    (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  } else {
    const logFile = options.logFile ?? path.join(paths.projectRoot, '.emulator', 'moto.log');
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    const fd = fs.openSync(logFile, 'w');
    child = spawn(paths.python, args, { stdio: ['ignore', fd, fd], env, detached: true });
    fs.closeSync(fd);
    child.unref();
  }
  const pid = child.pid;
  if (pid === undefined) throw new MotoStartError(`could not start ${paths.python} (moto)`);
  if (watchParent) {
    installExitHook();
    liveServers.add(child);
  }

  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      liveServers.delete(child);
      resolve();
    });
  });
  const readTail = () => {
    if (watchParent) return tail(stderr, 20);
    return tail(readOrEmpty(options.logFile ?? path.join(paths.projectRoot, '.emulator', 'moto.log')), 20);
  };

  const endpoint = `http://127.0.0.1:${port}`;
  const timeoutMs = options.bootTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) {
      throw new MotoStartError(
        `moto exited (code ${exited.code ?? exited.signal}) before answering on ${endpoint}. Its last output:\n${readTail()}`,
      );
    }
    if (await answers(`${endpoint}/moto-api/`)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new MotoStartError(`moto did not answer on ${endpoint} within ${timeoutMs / 1000} s. Its last output:\n${readTail()}`);
    }
    await sleep(100);
  }

  return {
    endpoint,
    port,
    pid,
    stderrTail: readTail,
    reset: () => resetMoto(endpoint),
    stop: () => stopPid(pid, exited ? Promise.resolve() : exitPromise),
  };
}

/**
 * A handle on a moto this process started earlier and no longer holds (a test runner's worker keeps
 * one for all its test files): undefined unless it still answers on `endpoint`.
 */
export async function attachMoto(started: { pid: number; port: number; endpoint: string }): Promise<MotoServer | undefined> {
  if (!isProcessRunning(started.pid) || !(await answers(`${started.endpoint}/moto-api/`))) return undefined;
  return {
    ...started,
    stderrTail: () => '',
    reset: () => resetMoto(started.endpoint),
    stop: () => stopPid(started.pid),
  };
}

async function resetMoto(endpoint: string): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  if (!res.ok) throw new MotoStartError(`moto reset failed: HTTP ${res.status}`);
  await res.arrayBuffer();
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
export async function stopPid(pid: number, exited?: Promise<void>, graceMs = 3_000): Promise<void> {
  if (!isProcessRunning(pid)) return;
  if (!signal(pid, 'SIGTERM')) return;
  if (await waitGone(pid, exited, graceMs)) return;
  if (!signal(pid, 'SIGKILL')) return;
  await waitGone(pid, exited, 2_000);
}

function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pid: number, exited: Promise<void> | undefined, ms: number): Promise<boolean> {
  let done = false;
  void exited?.then(() => {
    done = true;
  });
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (done || !isProcessRunning(pid)) return true;
    await sleep(50);
  }
  return done || !isProcessRunning(pid);
}
