/**
 * The GitHub Action run as a runner runs it: action.yml's step, its `run` line in bash with the
 * `env` that action.yml gives it (the inputs' defaults, or the test's values), GITHUB_OUTPUT and
 * GITHUB_STEP_SUMMARY pointing at files, the caller's AWS credentials (the emulator's) in the
 * environment, and the CLI from the packed npm package through `npm exec`. Needs `npm run build`.
 */
import '@microsoft/jest-sarif';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Log } from 'sarif';
import type { EmulatedAws } from '../../emulator';
import type { Deployment } from '../../emulator/deployment';
import { REGIONS_OF, SAMPLE_ACCOUNT } from '../../emulator/sample-account';
import { freshAccount, useEmulatedAws } from './emulated-account';
import { REPO_ROOT } from './shells';

jest.setTimeout(180_000);

interface ActionYml {
  name: string;
  description: string;
  inputs: Record<string, { description: string; default?: string }>;
  outputs: Record<string, { description: string; value: string }>;
  runs: { using: string; steps: { id: string; shell: string; env: Record<string, string>; run: string }[] };
}

interface StepRun {
  code: number;
  log: string;
  outputs: Record<string, string>;
  summary: string;
  workspace: string;
}

let aws: EmulatedAws;
let d: Deployment;
let action: ActionYml;
let tarball: string;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'action-'));
useEmulatedAws((started) => (aws = started));

beforeAll(async () => {
  const yml = execFileSync(
    aws.paths.python,
    ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', 'action.yml'],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    },
  );
  action = JSON.parse(yml) as ActionYml;
  if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'cli', 'cli.mjs'))) throw new Error('dist/cli is missing: run `npm run build` first');
  const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  tarball = path.join(work, (JSON.parse(packed) as { filename: string }[])[0]?.filename ?? '');
  d = await freshAccount(aws, SAMPLE_ACCOUNT);
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** Outputs in GITHUB_OUTPUT's delimited form (`name<<DELIM`, the value, `DELIM`). */
function readOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([\w-]+)<<(\S+)$/.exec(lines[i] ?? '');
    if (!m) continue;
    const end = lines.indexOf(m[2] as string, i + 1);
    out[m[1] as string] = lines.slice(i + 1, end).join('\n');
    i = end;
  }
  return out;
}

/** Runs the action's step with these inputs (the rest take action.yml's defaults). */
async function runStep(inputs: Record<string, string>, before?: (workspace: string) => void): Promise<StepRun> {
  const step = action.runs.steps[0];
  if (!step) throw new Error('action.yml has no step');
  const dir = fs.mkdtempSync(path.join(work, 'run-'));
  const workspace = path.join(dir, 'workspace');
  fs.mkdirSync(workspace);
  before?.(workspace);
  const expand = (value: string) =>
    value.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_, expr: string) => {
      if (expr === 'github.action_path') return REPO_ROOT;
      const name = /^inputs\.([\w-]+)$/.exec(expr)?.[1];
      if (name === undefined || !(name in action.inputs)) throw new Error(`action.yml: unknown expression ${expr}`);
      return inputs[name] ?? action.inputs[name]?.default ?? '';
    });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    npm_config_cache: path.join(work, 'npm-cache'),
    npm_config_update_notifier: 'false',
    // The package has no dependencies: npm exec needs no registry for the tarball.
    npm_config_offline: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: path.join(dir, 'output'),
    GITHUB_STEP_SUMMARY: path.join(dir, 'summary'),
    ...d.emulatorEnv(),
    ...Object.fromEntries(Object.entries(step.env).map(([k, v]) => [k, expand(v)])),
  };
  const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run], { cwd: workspace, env });
  let log = '';
  child.stdout.on('data', (b: Buffer) => (log += b.toString()));
  child.stderr.on('data', (b: Buffer) => (log += b.toString()));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '');
  return {
    code,
    log,
    outputs: readOutputs(read(env.GITHUB_OUTPUT as string)),
    summary: read(env.GITHUB_STEP_SUMMARY as string),
    workspace,
  };
}

const inScope = SAMPLE_ACCOUNT.flatMap((c) => (c.expected.scope === 'in-scope' ? [{ id: c.id, ...c.expected }] : []));
const count = (f: (c: (typeof inScope)[number]) => boolean) => String(inScope.filter(f).length);

describe('action.yml', () => {
  it('is a composite action: every input documented and passed to its step through the environment, every output the step’s', () => {
    expect(action).toMatchObject({ name: expect.any(String), description: expect.any(String), runs: { using: 'composite' } });
    const [step] = action.runs.steps;
    for (const [name, spec] of Object.entries(action.inputs)) {
      expect({ name, described: spec.description.length > 10 }).toEqual({ name, described: true });
      expect(step?.env[`INPUT_${name.replace(/-/g, '_').toUpperCase()}`]).toBe(`\${{ inputs.${name} }}`);
    }
    // An input written into the script's text would be run by the shell: they reach it only as variables.
    expect(step?.run).not.toContain('${{');
    for (const [name, spec] of Object.entries(action.outputs)) expect(spec.value).toBe(`\${{ steps.${step?.id}.outputs.${name} }}`);
    expect(action.inputs.command?.default).toBe('scan');
  });
});

describe('the action’s step on the emulator, the CLI from the packed package', () => {
  it('scan: writes SARIF where sarif-file says, fails the step for a FAILED cluster, and outputs the exit status and the counts', async () => {
    const r = await runStep({ regions: REGIONS_OF(SAMPLE_ACCOUNT).join(','), 'sarif-file': 'reports/backtrack.sarif', package: tarball });
    expect({ code: r.code, log: r.code === 1 ? '' : r.log }).toEqual({ code: 1, log: '' });
    const sarifFile = path.join(r.workspace, 'reports', 'backtrack.sarif');
    expect(r.outputs).toEqual({
      'exit-code': '1',
      'sarif-file': sarifFile,
      failed: count((c) => c.status === 'FAILED' && !c.suppressed),
      warning: count((c) => c.status === 'WARNING' && !c.suppressed),
      passed: count((c) => c.status === 'PASSED'),
      'not-available': count((c) => c.status === 'NOT_AVAILABLE'),
      exempt: count((c) => c.suppressed === true),
      clusters: String(inScope.length),
      'out-of-scope': String(SAMPLE_ACCOUNT.length - inScope.length),
      'not-scanned-regions': '0',
    });
    const log = JSON.parse(fs.readFileSync(sarifFile, 'utf8')) as Log;
    expect(log).toBeValidSarifLog();
    const named = (log.runs[0]?.results ?? []).map((x) => x.locations?.[0]?.logicalLocations?.[0]?.name).sort();
    expect(named).toEqual(
      inScope
        .filter((c) => c.status === 'FAILED' || c.status === 'WARNING')
        .map((c) => c.id)
        .sort(),
    );
    expect(r.summary).toContain(`(exit 1): ${r.outputs.failed} FAILED, ${r.outputs.warning} WARNING (not exempt)`);
  });

  it('fail-on and cluster reach the CLI: one WARNING cluster passes the step by default and fails it with fail-on warning', async () => {
    const writeHeavy = inScope.find((c) => c.status === 'WARNING');
    const inputs = { regions: 'us-east-1', cluster: `${writeHeavy?.id.slice(0, 6)}*`, package: tarball };
    const lenient = await runStep(inputs);
    expect({ code: lenient.code, warning: lenient.outputs.warning, clusters: lenient.outputs.clusters }).toEqual({
      code: 0,
      warning: '1',
      clusters: '1',
    });
    const strict = await runStep({ ...inputs, 'fail-on': 'warning' });
    expect({ code: strict.code, exit: strict.outputs['exit-code'] }).toEqual({ code: 1, exit: '1' });
  });

  it('a usage error: exit-code 2, no sarif-file, and a SARIF left by an earlier step is removed, not passed off as this run’s', async () => {
    const r = await runStep({ regions: 'us-east-1', 'min-window-hours': '99', package: tarball }, (workspace) =>
      fs.writeFileSync(path.join(workspace, 'aurora-backtrack.sarif'), '{"stale": true}'),
    );
    expect({ code: r.code, outputs: r.outputs }).toEqual({ code: 2, outputs: { 'exit-code': '2', 'sarif-file': '' } });
    expect(fs.existsSync(path.join(r.workspace, 'aurora-backtrack.sarif'))).toBe(false);
    expect(r.log).toContain('--min-window-hours');
    expect(r.log).toContain('::error::aurora-backtrack-check exited 2 and wrote no SARIF');
  });

  it('inputs are values, never shell: `$(…)` in args reaches the CLI as a word and runs nothing', async () => {
    const r = await runStep({ regions: 'us-east-1', args: '--tag-prefix $(touch${IFS}pwned)', package: tarball });
    expect(fs.existsSync(path.join(r.workspace, 'pwned'))).toBe(false);
    expect(r.log).toContain('$(touch${IFS}pwned)');
  });

  it('refuses a command the CLI does not have, before running anything', async () => {
    const r = await runStep({ command: 'deploy', package: tarball });
    expect({ code: r.code, outputs: r.outputs }).toEqual({ code: 2, outputs: { 'exit-code': '2' } });
    expect(r.log).toContain('::error::command: "deploy" is not a command of aurora-backtrack-check; use scan or iac');
  });
});
