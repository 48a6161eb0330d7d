/**
 * `npm test`: the static checks (tsc and ESLint over one program, then Prettier) beside the build, the
 * emulator's install and jest. The checks use one core for about a minute; run one after the other
 * with jest, they would leave the other core idle. Jest starts once the build and the install (both
 * at once) are done; its output is shown as it comes, the checks' output once they finish. Every
 * step runs to its end; the exit status is 1 if any failed.
 *
 * Arguments go to jest: `npm test -- test/lib` runs the checks and that part of the suite.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'node_modules', '.bin');

interface Outcome {
  name: string;
  code: number;
  seconds: number;
  output: string;
}

const children = new Set<ReturnType<typeof spawn>>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    for (const child of children) child.kill(signal);
    process.exit(130);
  });
}

/** Runs a command (from node_modules/.bin unless it is a path); `live` passes its output through, else it is kept. */
function run(name: string, command: string, args: string[], live = false): Promise<Outcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    const executable = path.isAbsolute(command) ? command : path.join(BIN, command);
    const child = spawn(executable, args, { cwd: ROOT, stdio: live ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const done = (code: number) => {
      children.delete(child);
      resolve({ name, code, seconds: (Date.now() - started) / 1000, output });
    };
    child.on('error', (e) => {
      output += `${e.message}\n`;
      done(127);
    });
    child.on('close', (code, signal) => done(code ?? (signal ? 128 : 1)));
  });
}

/** Runs the steps one after the other, stopping at the first that fails (like `a && b && c`). */
async function chain(steps: (() => Promise<Outcome>)[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const step of steps) {
    const outcome = await step();
    outcomes.push(outcome);
    if (outcome.code !== 0) break;
  }
  return outcomes;
}

function report(outcome: Outcome): void {
  const status = outcome.code === 0 ? 'ok' : `FAILED (exit ${outcome.code})`;
  process.stdout.write(`\n── ${outcome.name}: ${status} in ${outcome.seconds.toFixed(0)} s\n`);
  if (outcome.code !== 0 || outcome.output.trim() !== '') process.stdout.write(outcome.output.trimEnd() + '\n');
}

async function main(): Promise<number> {
  const started = Date.now();
  const jestArgs = process.argv.slice(2);
  const checks = chain([
    // One TypeScript program for both (scripts/typecheck-and-lint.ts); a larger young generation
    // (64 MB) saves the compiler about a tenth of its CPU in garbage collection.
    () =>
      run('typecheck and lint (tsc --noEmit, eslint)', process.execPath, [
        '--max-semi-space-size=64',
        '--import',
        'tsx',
        'scripts/typecheck-and-lint.ts',
      ]),
    () => run('format (prettier --check)', 'prettier', ['--check', '--log-level', 'warn', '.']),
  ]);
  // The build and the emulator's install do not depend on each other.
  const prepared = await Promise.all([
    run('build', 'tsx', ['scripts/build.ts']),
    run('emulator install', 'tsx', ['scripts/emulator.ts', 'install']),
  ]);
  prepared.forEach(report);
  const tests = prepared.every((o) => o.code === 0) ? [await run('jest', 'jest', jestArgs, true)] : [];
  const checked = await checks;
  checked.forEach(report);
  const all = [...prepared, ...checked, ...tests];
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  process.stdout.write(`\nnpm test: ${all.map((o) => `${o.name} ${o.code === 0 ? 'ok' : 'FAILED'}`).join(', ')}; ${seconds} s in all\n`);
  return all.every((o) => o.code === 0) && tests.length === 1 ? 0 : 1;
}

void main().then((code) => process.exit(code));
