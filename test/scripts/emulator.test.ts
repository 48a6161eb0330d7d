/**
 * `npm run emulator` as a person uses it: help, start with the sample account, the printed export
 * lines driving the real CLI, status and stop. Each run keeps its record in its own folder.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'emulator.ts');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function emulator(args: string[], env: Record<string, string>): Promise<Result> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', SCRIPT, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      timeout: 240_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

const exportsOf = (stdout: string): Record<string, string> =>
  Object.fromEntries(
    stdout
      .split('\n')
      .map((l) => /^export ([A-Z_]+)=(.*)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1] as string, m[2] as string]),
  );

jest.setTimeout(300_000);

describe('npm run emulator', () => {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'emulator-run-'));
  const env = { EMULATOR_RUN_DIR: runDir };

  afterAll(async () => {
    await emulator(['stop'], env);
    fs.rmSync(runDir, { recursive: true, force: true });
  });

  it.each(['serve', 'start', 'status', 'env', 'stop', 'install'])('answers `%s --help` with its usage and exit 0', async (command) => {
    const r = await emulator([command, '--help'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: npm run emulator -- ${command}`);
  });

  it('refuses an unknown command and a bad port with exit 2 and the usage', async () => {
    const unknown = await emulator(['serv'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'serv'");
    const port = await emulator(['start', '--port', '70000'], env);
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('"70000" is out of range 1–65535');
  });

  it('starts the proxy with the sample account in the background, drives the CLI through its export lines, and stops', async () => {
    expect((await emulator(['status'], env)).code).toBe(1);
    const started = await emulator(['start', '--seed'], env);
    expect(started.code).toBe(0);
    const vars = exportsOf(started.stdout);
    expect(vars.AWS_ENDPOINT_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(started.stderr).toContain('node bin/aurora-backtrack-check.js scan --regions ap-southeast-2,eu-west-1,us-east-1');
    // The example to paste is read-only, and one line takes the variables into another shell.
    const example = started.stderr.split('\n').find((l) => l.includes('node bin/aurora-backtrack-check.js')) ?? '';
    expect(example).not.toMatch(/--publish-findings|--alert-topic-arn|--state-table/);
    expect(started.stderr).toContain('eval "$(npm run -s emulator -- env)"');
    const printed = await emulator(['env'], env);
    expect(printed.code).toBe(0);
    expect(printed.stdout.trim().split('\n')).toEqual(started.stdout.trim().split('\n'));

    const status = await emulator(['status'], env);
    expect(status.code).toBe(0);
    expect(exportsOf(status.stdout)).toEqual(vars);

    // The proxy answers as AWS does (a CLI run against plain moto fails on BatchUpdateFindings).
    const cli = await run(
      process.execPath,
      [path.join(ROOT, 'bin', 'aurora-backtrack-check.js'), 'scan', '--regions', 'eu-west-1', '--publish-findings', '--format', 'json'],
      { cwd: ROOT, env: { ...process.env, ...vars } },
    ).catch((e: { code: number; stdout: string }) => e);
    const summary = JSON.parse(cli.stdout) as {
      totals: { clusters: number; failed: number };
      regions: { findings: { imported: number } }[];
    };
    expect(summary.totals.clusters).toBe(8);
    expect(summary.regions[0]?.findings.imported).toBeGreaterThan(0);

    expect((await emulator(['stop'], env)).code).toBe(0);
    expect((await emulator(['status'], env)).code).toBe(1);
    expect((await emulator(['env'], env)).code).toBe(1);
    expect(fs.existsSync(path.join(runDir, 'serve.json'))).toBe(false);
  });
});
