/**
 * One moto per jest worker, shared by the test files the worker runs one after another. moto
 * spends about 3 s of CPU loading each AWS service on its first request, once per process: a moto
 * per test file paid that some forty times a run. Each file gets it emptied (startEmulatedAws
 * resets a moto it is given) and never stops it; it watches the worker's PID and exits with it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { attachMoto, ensureEmulator, startMoto, type MotoServer } from '../emulator/emulator';

/** Where this worker notes its moto: the test files' module registries do not outlive them. */
const recordOf = (projectRoot: string) => path.join(projectRoot, '.emulator', `moto-of-worker-${process.pid}.json`);

/** The moto of a process that is this worker's child, as its record says, if it still answers. */
async function recorded(file: string): Promise<MotoServer | undefined> {
  let started: { pid: number; port: number; endpoint: string };
  try {
    started = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof started;
  } catch {
    return undefined;
  }
  // A record left by an earlier run whose worker had this PID names some other process by now.
  if (parentOf(started.pid) !== process.pid) return undefined;
  return attachMoto(started);
}

/** The parent PID, from /proc (Linux); where there is no /proc, only this run's records exist. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return fs.existsSync('/proc') ? undefined : process.pid;
  }
}

export async function workerMoto(): Promise<MotoServer> {
  const paths = await ensureEmulator();
  const file = recordOf(paths.projectRoot);
  const known = await recorded(file);
  if (known) return known;
  const moto = await startMoto({ paths });
  fs.writeFileSync(file, JSON.stringify({ pid: moto.pid, port: moto.port, endpoint: moto.endpoint }));
  return moto;
}
