/**
 * `npm run emulator -- <command>`: the local AWS emulator by hand. It is always moto behind the
 * AWS-behaviour proxy (paging, Security Hub's limits and BatchUpdateFindings, SNS checks): plain
 * moto answers some of the checker's calls unlike AWS, so it is not offered on its own.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { silenceSdkNodeVersionWarning } from '../lambda/node-warnings';
import { startEmulatedAws } from '../emulator';
import { EmulatorSetupError, MotoStartError, ensureEmulator, findProjectRoot, stopPid } from '../emulator/emulator';
import { deploy } from '../emulator/deployment';
import { REGIONS_OF, SAMPLE_ACCOUNT, seedClusters } from '../emulator/sample-account';

/** What a running `serve` records, so that `status` and `stop` find it. */
interface ServeRecord {
  pid: number;
  endpoint: string;
  startedAt: string;
  /** `export` lines for a shell, and a read-only CLI command that fits the seeded account. */
  exports: string[];
  example?: string;
}

/** How a shell takes the running emulator's export lines in one step (`env` prints only them). */
export const EVAL_LINE = 'eval "$(npm run -s emulator -- env)"';

const root = findProjectRoot(path.join(__dirname, '..', 'emulator'));
/** Where the running emulator's record and log go (EMULATOR_RUN_DIR lets tests keep theirs apart). */
const runDir = process.env.EMULATOR_RUN_DIR || path.join(root, '.emulator');
const recordPath = path.join(runDir, 'serve.json');
const log = (line: string) => process.stderr.write(`${line}\n`);
const DEFAULT_START_WAIT_S = 180;

function readRecord(): ServeRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(recordPath, 'utf8')) as ServeRecord;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The record of a `serve` that is still running; a stale record is removed. */
function running(): ServeRecord | undefined {
  const r = readRecord();
  if (r && alive(r.pid)) return r;
  if (r) fs.rmSync(recordPath, { force: true });
  return undefined;
}

function parsePort(raw: string): number {
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65535) throw new InvalidArgumentError(`"${raw}" is out of range 1–65535`);
  return port;
}

function printRecord(r: ServeRecord): void {
  process.stdout.write(`${r.exports.join('\n')}\n`);
  log(`or, in another shell: ${EVAL_LINE}`);
  if (r.example) log(`then, for example (read-only: it judges and prints, writes nothing):\n  ${r.example}`);
}

async function serve(opts: { port?: number; seed: boolean }): Promise<number> {
  const other = running();
  if (other && other.pid !== process.pid) {
    log(`emulator: already running (pid ${other.pid}) at ${other.endpoint}; stop it first: npm run emulator -- stop`);
    return 1;
  }
  const aws = await startEmulatedAws({ port: opts.port, log });
  const record: ServeRecord = {
    pid: process.pid,
    endpoint: aws.endpoint,
    startedAt: new Date().toISOString(),
    exports: Object.entries(aws.env()).map(([k, v]) => `export ${k}=${v}`),
  };
  try {
    if (opts.seed) {
      const regions = REGIONS_OF(SAMPLE_ACCOUNT);
      const d = await deploy(aws, { regions, minWindowHours: 24 });
      await seedClusters(
        (r) => d.rds(r),
        SAMPLE_ACCOUNT,
        (r, id, o) => aws.proxy.setClusterOverrides(r, id, o),
      );
      log(`emulator: seeded the demo's sample account: ${SAMPLE_ACCOUNT.length} clusters in ${regions.join(', ')}`);
      log(`emulator: state table ${d.tableName}, topic ${d.topicArn} (an SQS queue is subscribed), Security Hub enabled`);
      // Read-only: the seeded Regions and policy, without --publish-findings, --alert-topic-arn or --state-table.
      record.example = `node bin/aurora-backtrack-check.js scan --regions ${regions.join(',')} --min-window-hours 24`;
    }
    fs.mkdirSync(path.dirname(recordPath), { recursive: true });
    fs.writeFileSync(recordPath, `${JSON.stringify(record, null, 2)}\n`);
    log(`emulator: moto behind the AWS-behaviour proxy at ${aws.endpoint}. For a shell:`);
    printRecord(record);
    log('Ctrl-C (or npm run emulator -- stop) stops it.');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    return 0;
  } finally {
    if (readRecord()?.pid === process.pid) fs.rmSync(recordPath, { force: true });
    await aws.stop();
  }
}

/** Starts `serve` in the background and returns once it answers (the first start also installs moto). */
async function start(opts: { port?: number; seed: boolean; wait: number }): Promise<number> {
  const other = running();
  if (other) {
    log(`emulator: already running (pid ${other.pid}) at ${other.endpoint}`);
    printRecord(other);
    return 0;
  }
  fs.mkdirSync(runDir, { recursive: true });
  const logFile = path.join(runDir, 'serve.log');
  const out = fs.openSync(logFile, 'w');
  // tsx as a loader, not its CLI: the process started is the `serve` itself, so its pid is the one recorded.
  const args = [
    '--import',
    'tsx',
    __filename,
    'serve',
    ...(opts.port ? ['--port', String(opts.port)] : []),
    ...(opts.seed ? ['--seed'] : []),
  ];
  const child = spawn(process.execPath, args, { cwd: root, detached: true, stdio: ['ignore', out, out] });
  child.unref();
  const until = Date.now() + opts.wait * 1000;
  while (Date.now() < until) {
    const r = readRecord();
    if (r && r.pid === child.pid) {
      log(`emulator: running in the background (pid ${r.pid}, log ${logFile}) at ${r.endpoint}. For a shell:`);
      printRecord(r);
      return 0;
    }
    if (child.pid === undefined || !alive(child.pid)) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (child.pid !== undefined && alive(child.pid)) await stopPid(child.pid);
  log(`emulator: did not start within ${opts.wait} s; the end of ${logFile}:`);
  log(fs.readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n'));
  return 2;
}

async function stop(): Promise<number> {
  const r = running();
  if (!r) {
    log('emulator: not running');
    return 0;
  }
  await stopPid(r.pid, undefined, 10_000);
  fs.rmSync(recordPath, { force: true });
  log(`emulator: stopped (pid ${r.pid})`);
  return 0;
}

/** `env`: only the export lines of the running emulator, for `eval "$(npm run -s emulator -- env)"`. */
function env(): number {
  const r = running();
  if (!r) {
    log('emulator: not running (start it with: npm run emulator -- start --seed)');
    return 1;
  }
  process.stdout.write(`${r.exports.join('\n')}\n`);
  return 0;
}

function status(): number {
  const r = running();
  if (!r) {
    log('emulator: not running (start it with: npm run emulator -- start --seed)');
    return 1;
  }
  log(`emulator: running (pid ${r.pid}, since ${r.startedAt}) at ${r.endpoint}`);
  printRecord(r);
  return 0;
}

export function program(run: (code: Promise<number> | number) => void): Command {
  const p = new Command()
    .name('npm run emulator --')
    .description('The local AWS emulator: moto behind the AWS-behaviour proxy, on 127.0.0.1 only.')
    .showHelpAfterError()
    // A usage error exits 2, as the checker's own CLI does; --help exits 0.
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .addHelpText(
      'after',
      "\nExamples:\n  npm run emulator -- serve --seed      # foreground, with the demo's sample account\n" +
        '  npm run emulator -- start --seed      # background; then eval the printed export lines\n' +
        `  ${EVAL_LINE}   # point this shell (and the CLI) at the running emulator\n` +
        '  npm run emulator -- status | stop',
    );
  p.command('install')
    .description('create or refresh .emulator/venv from emulator/requirements.txt (PyPI)')
    .action(() =>
      run(
        ensureEmulator({ projectRoot: root, python: process.env.EMULATOR_PYTHON, log }).then((paths) => {
          process.stdout.write(`moto_server: ${paths.motoServer}\ncfn-lint:    ${paths.cfnLint}\n`);
          return 0;
        }),
      ),
    );
  p.command('serve')
    .description('run the emulator in the foreground and print the export lines for the CLI; Ctrl-C stops it')
    .option('--port <n>', 'port of the proxy on 127.0.0.1 (default: a free one)', parsePort)
    .option('--seed', "create the demo's sample account: state table, topic, Security Hub, 22 clusters in 3 Regions", false)
    .action((o: { port?: number; seed: boolean }) => run(serve(o)));
  p.command('start')
    .description('run `serve` in the background (log in .emulator/serve.log) and print the export lines')
    .option('--port <n>', 'port of the proxy on 127.0.0.1 (default: a free one)', parsePort)
    .option('--seed', "create the demo's sample account", false)
    .option('--wait <s>', `seconds to wait for it to answer (the first start installs moto), default ${DEFAULT_START_WAIT_S}`, (v) => {
      const n = Number(v);
      if (!/^\d+$/.test(v) || n < 1 || n > 3600) throw new InvalidArgumentError(`"${v}" is out of range 1–3600`);
      return n;
    })
    .action((o: { port?: number; seed: boolean; wait?: number }) => run(start({ ...o, wait: o.wait ?? DEFAULT_START_WAIT_S })));
  p.command('status')
    .description('print the running emulator and its export lines; exit 1 when none runs')
    .action(() => run(status()));
  p.command('env')
    .description(`print only the running emulator's export lines, for: ${EVAL_LINE}; exit 1 when none runs`)
    .action(() => run(env()));
  p.command('stop')
    .description('stop the emulator started by `start` (or a `serve` in another terminal)')
    .action(() => run(stop()));
  return p;
}

if (require.main === module) {
  silenceSdkNodeVersionWarning();
  const finish = (code: Promise<number> | number): void =>
    void Promise.resolve(code).then(
      (c) => process.exit(c),
      (e: unknown) => {
        // A set-up problem (no python3, no venv) says what to install; anything else is a bug.
        if (e instanceof EmulatorSetupError || e instanceof MotoStartError) log(`error: ${e.message}`);
        else log(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        process.exit(2);
      },
    );
  const p = program(finish);
  if (process.argv.length <= 2) {
    p.outputHelp();
    process.exit(2);
  }
  p.parse(process.argv);
}
