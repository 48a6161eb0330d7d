/**
 * `npm run pack-check` (run by `.ci/run`): the npm package as a user gets it. `npm pack` (its
 * `prepack` builds), the tarball installed into an empty folder outside the repository, and the
 * installed command run from there with nothing of the repository around it: `--version`,
 * `--help`, and a read-only scan of the demo's sample account on the emulator, every cluster's
 * verdict as the sample account expects. Prints each check; exit 1 when one fails.
 *
 *   npm run pack-check [-- --keep]     (--keep: leave the temporary folder for a look)
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silenceSdkNodeVersionWarning } from '../lambda/node-warnings';
import { REPO_ROOT } from '../lib/bundle';
import { startEmulatedAws } from '../emulator';
import { deploy } from '../emulator/deployment';
import { REGIONS_OF, SAMPLE_ACCOUNT, seedClusters } from '../emulator/sample-account';

const COMMAND = 'aurora-backtrack-check';
/** What the package may hold: the launcher, the built CLI, the documents (npm adds package.json). */
const ALLOWED =
  /^(bin\/aurora-backtrack-check\.js|dist\/cli\/[\w.-]+\.(mjs|txt)|docs\/[\w-]+\.md|(README|CHANGELOG|SECURITY)\.md|LICENSE|NOTICE|package\.json)$/;

const failures: string[] = [];
const say = (line: string) => process.stdout.write(`${line}\n`);
function check(ok: boolean, what: string, detail = ''): void {
  say(`${ok ? 'ok  ' : 'FAIL'} ${what}${ok || !detail ? '' : `\n     ${detail.trim().split('\n').slice(-15).join('\n     ')}`}`);
  if (!ok) failures.push(what);
}

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}
/** Runs a child to its end. Asynchronous: the emulator's proxy answers from this very process. */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('error', (e) => (stderr += String(e)));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

async function main(keep: boolean): Promise<number> {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pack-check-'));
  try {
    // 1. Pack: prepack builds dist/ from the sources.
    const packed = await run('npm', ['pack', '--json', '--pack-destination', work], REPO_ROOT);
    const listing = (JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[])[0];
    check(packed.code === 0 && listing !== undefined, `npm pack made ${listing?.filename ?? 'no tarball'}`, packed.stderr);
    if (!listing) return 1;
    const files = listing.files.map((f) => f.path);
    const stray = files.filter((f) => !ALLOWED.test(f));
    check(stray.length === 0, `the tarball holds only the launcher, dist/cli/ and the documents (${files.length} files)`, stray.join('\n'));
    check(
      ['LICENSE', 'dist/cli/cli.mjs', 'dist/cli/THIRD-PARTY-LICENSES.txt'].every((f) => files.includes(f)),
      'LICENSE, the CLI and its notices are in it',
    );

    // 2. Install into an empty folder, offline: the package needs nothing from the registry.
    const app = path.join(work, 'app');
    fs.mkdirSync(app);
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: work, npm_config_cache: path.join(work, 'npm-cache') };
    const installed = await run('npm', ['install', '--offline', '--no-audit', '--no-fund', path.join(work, listing.filename)], app, env);
    check(installed.code === 0, `npm install --offline ${listing.filename} in an empty folder`, installed.stderr);
    const modules = fs.existsSync(path.join(app, 'node_modules')) ? fs.readdirSync(path.join(app, 'node_modules')) : [];
    check(
      modules.filter((m) => !m.startsWith('.')).join() === pkg.name,
      `node_modules holds ${pkg.name} alone (no runtime dependencies)`,
      modules.join(' '),
    );
    const real = fs.existsSync(path.join(app, 'node_modules', pkg.name)) ? fs.realpathSync(path.join(app, 'node_modules', pkg.name)) : '';
    check(real.startsWith(app), 'the installed package is a copy, not a link into the repository', real);

    // 3. The installed command, from the empty folder.
    const bin = path.join(app, 'node_modules', '.bin', COMMAND);
    const version = await run(bin, ['--version'], app, env);
    check(
      version.code === 0 && version.stdout.trim() === pkg.version,
      `${COMMAND} --version prints ${pkg.version}`,
      version.stdout + version.stderr,
    );
    const viaNpx = await run('npm', ['exec', '--offline', '--', COMMAND, '--version'], app, env);
    check(viaNpx.code === 0 && viaNpx.stdout.trim() === pkg.version, `npx ${COMMAND} --version runs the installed package`, viaNpx.stderr);
    const help = await run(bin, ['--help'], app, env);
    check(
      help.code === 0 && help.stdout.includes(`Usage: ${COMMAND}`) && help.stdout.includes('--fail-on'),
      `${COMMAND} --help`,
      help.stderr,
    );

    // 4. A read-only scan of the sample account on the emulator.
    const aws = await startEmulatedAws({ log: (line) => say(`     ${line}`) });
    try {
      const regions = REGIONS_OF(SAMPLE_ACCOUNT);
      const d = await deploy(aws, { regions, minWindowHours: 24 });
      await seedClusters(
        (r) => d.rds(r),
        SAMPLE_ACCOUNT,
        (r, id, o) => aws.proxy.setClusterOverrides(r, id, o),
      );
      aws.proxy.clearCalls();
      const args = ['scan', '--regions', regions.join(','), '--min-window-hours', '24', '--format', 'json'];
      const scan = await run(bin, args, app, { ...env, ...aws.env(regions[0]) });
      const doc = JSON.parse(scan.stdout || '{}') as {
        tool?: { version?: string };
        clusters?: { identifier: string; status: string; scope: string }[];
      };
      const got = Object.fromEntries((doc.clusters ?? []).map((c) => [c.identifier, c.scope === 'in-scope' ? c.status : c.scope]));
      const want = Object.fromEntries(
        SAMPLE_ACCOUNT.map((c) => [c.id, c.expected.scope === 'in-scope' ? c.expected.status : c.expected.scope]),
      );
      const wrong = Object.keys(want).filter((id) => got[id] !== want[id]);
      const failing = SAMPLE_ACCOUNT.some(
        (c) => c.expected.scope === 'in-scope' && c.expected.status === 'FAILED' && !c.expected.suppressed,
      );
      check(scan.code === (failing ? 1 : 0), `${COMMAND} ${args.join(' ')} exits ${failing ? 1 : 0}`, `exit ${scan.code}\n${scan.stderr}`);
      check(
        wrong.length === 0 && Object.keys(got).length === SAMPLE_ACCOUNT.length,
        `its ${SAMPLE_ACCOUNT.length} clusters have the sample account's verdicts`,
        wrong.map((id) => `${id}: ${got[id]} (expected ${want[id]})`).join('\n') || scan.stderr,
      );
      check(doc.tool?.version === pkg.version, `the scan names version ${pkg.version}`);
      const writes = aws.proxy.calls.filter((c) => !/^(Describe|Get|List)/.test(c.operation) && c.operation !== 'GetCallerIdentity');
      check(writes.length === 0, 'the scan wrote nothing to AWS', writes.map((c) => `${c.service} ${c.operation}`).join('\n'));
    } finally {
      await aws.stop();
    }
  } finally {
    if (keep) say(`kept ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
  say(failures.length ? `pack-check: ${failures.length} check(s) failed` : 'pack-check: the packed package installs and runs');
  return failures.length ? 1 : 0;
}

if (require.main === module) {
  silenceSdkNodeVersionWarning();
  main(process.argv.includes('--keep')).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`pack-check: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
