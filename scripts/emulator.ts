/**
 * The local AWS emulator, by hand:
 *   npx tsx scripts/emulator.ts install          create/refresh .emulator/venv from emulator/requirements.txt
 *   npx tsx scripts/emulator.ts start [--port N] start moto in the background, print its endpoint
 *   npx tsx scripts/emulator.ts stop             stop the moto started by `start`
 *   npx tsx scripts/emulator.ts status           print the running endpoint, if any
 *   npx tsx scripts/emulator.ts serve [--port N] moto + the AWS-behaviour proxy in the foreground (Ctrl-C stops)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startAwsProxy } from '../test/harness/aws-proxy';
import { emulatedEnv } from '../test/harness/emulated-aws';
import { EmulatorSetupError, MotoStartError, ensureEmulator, findProjectRoot, startMoto, stopPid } from '../test/harness/emulator';

interface PidFile {
  pid: number;
  port: number;
  endpoint: string;
  startedAt: string;
}

const USAGE = 'usage: npx tsx scripts/emulator.ts install | start [--port N] | stop | status | serve [--port N]';

function pidFilePath(root: string): string {
  return path.join(root, '.emulator', 'moto.pid');
}

function readPidFile(root: string): PidFile | undefined {
  try {
    return JSON.parse(fs.readFileSync(pidFilePath(root), 'utf8')) as PidFile;
  } catch {
    return undefined;
  }
}

/** True when `pid` is alive and (where /proc tells) is a moto process, not a recycled PID. */
function isMoto(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const cmdline = `/proc/${pid}/cmdline`;
  if (!fs.existsSync('/proc/self/cmdline')) return true;
  try {
    return fs.readFileSync(cmdline, 'utf8').includes('moto');
  } catch {
    return false;
  }
}

function portArg(args: string[]): number | undefined {
  const i = args.indexOf('--port');
  if (i < 0) return undefined;
  const port = Number(args[i + 1]);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new UsageError(`--port needs a number 1–65535, got ${args[i + 1] ?? 'nothing'}`);
  return port;
}

class UsageError extends Error {}

const log = (line: string) => console.error(line);

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  const root = findProjectRoot(path.join(__dirname, '..', 'test', 'harness'));
  switch (command) {
    case 'install': {
      const paths = await ensureEmulator({ projectRoot: root, python: process.env.EMULATOR_PYTHON, log });
      console.log(`moto_server: ${paths.motoServer}\ncfn-lint:    ${paths.cfnLint}`);
      return 0;
    }
    case 'start': {
      const running = readPidFile(root);
      if (running && isMoto(running.pid)) {
        console.log(running.endpoint);
        log(`emulator: already running (pid ${running.pid})`);
        return 0;
      }
      const paths = await ensureEmulator({ projectRoot: root, python: process.env.EMULATOR_PYTHON, log });
      const moto = await startMoto({ paths, port: portArg(args), watchParent: false });
      const record: PidFile = { pid: moto.pid, port: moto.port, endpoint: moto.endpoint, startedAt: new Date().toISOString() };
      fs.writeFileSync(pidFilePath(root), `${JSON.stringify(record, null, 2)}\n`);
      console.log(moto.endpoint);
      log(`emulator: moto running (pid ${moto.pid}, log .emulator/moto.log); stop it with: npx tsx scripts/emulator.ts stop`);
      return 0;
    }
    case 'stop': {
      const running = readPidFile(root);
      if (!running || !isMoto(running.pid)) {
        fs.rmSync(pidFilePath(root), { force: true });
        log('emulator: not running');
        return 0;
      }
      await stopPid(running.pid);
      fs.rmSync(pidFilePath(root), { force: true });
      log(`emulator: stopped (pid ${running.pid})`);
      return 0;
    }
    case 'status': {
      const running = readPidFile(root);
      if (running && isMoto(running.pid)) {
        console.log(running.endpoint);
        return 0;
      }
      log('emulator: not running');
      return 1;
    }
    case 'serve': {
      const paths = await ensureEmulator({ projectRoot: root, python: process.env.EMULATOR_PYTHON, log });
      const moto = await startMoto({ paths });
      const proxy = await startAwsProxy({ target: moto.endpoint, port: portArg(args) });
      console.log(proxy.endpoint);
      log(`emulator: moto at ${moto.endpoint} behind the AWS-behaviour proxy at ${proxy.endpoint}. For a shell:`);
      for (const [k, v] of Object.entries(emulatedEnv(proxy.endpoint))) log(`  export ${k}=${v}`);
      log('Ctrl-C stops both.');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await proxy.close();
      await moto.stop();
      return 0;
    }
    default:
      throw new UsageError(command ? `unknown command: ${command}` : 'no command given');
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UsageError) {
      console.error(`${e.message}\n${USAGE}`);
      process.exit(64);
    }
    if (e instanceof EmulatorSetupError || e instanceof MotoStartError) {
      console.error(`error: ${e.message}`);
      process.exit(2);
    }
    console.error(e);
    process.exit(1);
  },
);
