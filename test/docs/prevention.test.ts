/**
 * docs/prevention.md is copied, so every example in it is run here as written: the workflow's
 * action step (action/run.mjs with the workflow's inputs, the CLI from the packed package), the CDK
 * app with the Aspect (its import pointed at lib/index.ts, run with tsx), the hook's context keys
 * (read as `cdk deploy -c` reads them, then synthesized), the Terraform plan check and `migrate`
 * (the built CLI), and the alert of a cluster created minutes ago (lambda/core). Needs `npm run build`.
 */
import '@microsoft/jest-sarif';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Log } from 'sarif';
import { parse } from 'yaml';
import { loadContext } from '../../lib/context';
import { buildAlert } from '../../lambda/core/alert';
import { evaluate } from '../../lambda/core/evaluate';
import { stepCluster } from '../../lambda/core/transitions';
import { ACCOUNT, ACCOUNT_ID, cluster, NOW, POLICY } from '../lambda/fixtures';
import { synth } from '../lib/stack-fixture';

jest.setTimeout(180_000);

const ROOT = path.resolve(__dirname, '..', '..');
const PAGE = 'docs/prevention.md';
const CLI = path.join(ROOT, 'bin', 'aurora-backtrack-check.js');
const page = fs.existsSync(path.join(ROOT, PAGE)) ? fs.readFileSync(path.join(ROOT, PAGE), 'utf8') : '';
const blocks = [...page.matchAll(/^```(\w+)\n([\s\S]*?)\n```$/gm)].map((m) => ({ lang: m[1] as string, body: m[2] as string }));

/** The one fenced block of this language whose text matches. */
function block(lang: string, has: string | RegExp): string {
  const found = blocks.filter((b) => b.lang === lang && (typeof has === 'string' ? b.body.includes(has) : has.test(b.body)));
  if (found.length !== 1) throw new Error(`${PAGE}: expected one \`\`\`${lang} block with ${String(has)}, found ${found.length}`);
  return (found[0] as { body: string }).body;
}

let work: string;
beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'cli.mjs'))) throw new Error('dist/cli is missing: run `npm run build` first');
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'prevention-'));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** The built CLI in `cwd`, with no AWS variable and an empty HOME. */
function cli(args: string[], cwd: string) {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: work, NO_COLOR: '1' };
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, env, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe(`${PAGE}`, () => {
  it('is linked from the README', () => {
    expect(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')).toContain(`](${PAGE})`);
  });

  it("the workflow's iac step, run as the runner runs it, fails on the failing clusters and leaves SARIF (with counts) for the upload step", () => {
    interface Step {
      id?: string;
      uses?: string;
      if?: string;
      with?: Record<string, string | number>;
    }
    const workflow = parse(block('yaml', 'command: iac')) as {
      permissions: Record<string, string>;
      jobs: Record<string, { steps: Step[] }>;
    };
    const action = parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as {
      inputs: Record<string, { default?: string }>;
      outputs: Record<string, unknown>;
    };
    const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);
    const check = steps.find((s) => s.uses?.includes('/aurora-backtrack-checker@'));
    const upload = steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'));
    expect(workflow.permissions['security-events']).toBe('write');
    expect(upload?.with?.sarif_file).toBe(`\${{ steps.${check?.id}.outputs.sarif-file }}`);
    expect(Object.keys(action.outputs)).toContain('sarif-file');
    const given = check?.with ?? {};
    for (const name of Object.keys(given)) expect(Object.keys(action.inputs)).toContain(name);

    // The runner: a workspace holding the paths the workflow names (here: the template fixture).
    const workspace = fs.mkdtempSync(path.join(work, 'workspace-'));
    const paths = String(given.paths ?? '')
      .split(/[,\n]/)
      .map((p) => p.trim())
      .filter(Boolean);
    for (const p of paths) {
      fs.mkdirSync(path.dirname(path.join(workspace, p)), { recursive: true });
      fs.copyFileSync(path.join(ROOT, 'test/fixtures/iac/template.yaml'), path.join(workspace, p));
    }
    // The package is not published yet: the packed tarball stands in for the registry's.
    const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' });
    const tarball = path.join(work, (JSON.parse(packed) as { filename: string }[])[0]?.filename ?? '');
    const inputs = Object.fromEntries(
      Object.entries(action.inputs).map(([name, spec]) => [
        `INPUT_${name.replace(/-/g, '_').toUpperCase()}`,
        String(given[name] ?? spec.default ?? ''),
      ]),
    );
    const output = path.join(work, 'github-output');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'action', 'run.mjs')], {
      cwd: workspace,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        HOME: work,
        npm_config_cache: path.join(work, 'npm-cache'),
        npm_config_update_notifier: 'false',
        npm_config_offline: 'true',
        GITHUB_WORKSPACE: workspace,
        GITHUB_OUTPUT: output,
        ...inputs,
        INPUT_PACKAGE: tarball,
      },
    });
    const log = `${r.stdout}${r.stderr}`;

    expect({ code: r.status, warnings: log.split('\n').filter((l) => l.startsWith('::warning')) }).toEqual({ code: 1, warnings: [] });
    const outputs = fs.readFileSync(output, 'utf8');
    const value = (name: string) => new RegExp(`^${name}<<(\\S+)\\n(.*)\\n\\1$`, 'm').exec(outputs)?.[2];
    expect(['exit-code', 'failed', 'warning', 'passed', 'not-available', 'exempt', 'clusters'].map((n) => [n, value(n)])).toEqual([
      ['exit-code', '1'],
      ['failed', '3'],
      ['warning', '1'],
      ['passed', '1'],
      ['not-available', '2'],
      ['exempt', '1'],
      ['clusters', '8'],
    ]);
    const sarifFile = value('sarif-file') ?? '';
    expect(sarifFile).toBe(path.join(workspace, String(given['sarif-file'])));
    const sarif = JSON.parse(fs.readFileSync(sarifFile, 'utf8')) as Log;
    expect(sarif).toBeValidSarifLog();
    const orders = sarif.runs[0]?.results?.find((x) => x.locations?.[0]?.logicalLocations?.[0]?.name === 'Orders');
    expect(orders?.level).toBe('error');
    expect(orders?.locations?.[0]?.physicalLocation).toEqual({ artifactLocation: { uri: paths[0] }, region: { startLine: 18 } });
  });

  it('the CDK app with the Aspect stops synth with the error shown, on the cluster without a window only', () => {
    const source = block('ts', 'new BacktrackPolicy(');
    const local = source.replace(`from 'aurora-backtrack-checker/lib'`, `from '${path.join(ROOT, 'lib', 'index')}'`);
    expect(local).not.toBe(source);
    const dir = fs.mkdtempSync(path.join(work, 'cdk-app-'));
    const outdir = path.join(dir, 'cdk.out');
    fs.writeFileSync(path.join(dir, 'app.ts'), local);

    const r = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(dir, 'app.ts')], {
      cwd: dir,
      encoding: 'utf8',
      // As `cdk synth --no-validation`: the Aspect's errors do not depend on aws-cdk-lib's built-in
      // CloudFormation validation, whose set-up costs about 5 s of CPU (template-validation.test.ts).
      env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules'), CDK_OUTDIR: outdir, CDK_VALIDATION: 'false' },
      timeout: 120_000,
    });

    expect({ code: r.status, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    // What `cdk synth` reads to stop: the error entries in the cloud assembly's metadata.
    const errors = fs
      .readdirSync(outdir)
      .filter((f) => f.endsWith('.metadata.json'))
      .flatMap((f) =>
        Object.entries(JSON.parse(fs.readFileSync(path.join(outdir, f), 'utf8')) as Record<string, { type: string; data: unknown }[]>),
      )
      .flatMap(([at, entries]) => entries.filter((e) => e.type === 'aws:cdk:error').map((e) => ({ at, data: e.data })));
    expect(errors).toEqual([{ at: '/Data/Reports/Resource', data: block('text', '[BacktrackPolicy]') }]);
  });

  it.each(['fail', 'warn'])("the hook's context key creationGuard=%s is a valid setting and adds the hook in that mode", (mode) => {
    const line = block('sh', 'creationGuard=')
      .split('\n')
      .find((l) => l.includes(`creationGuard=${mode} `));
    const context = Object.fromEntries([...(line ?? '').matchAll(/-c (\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
    expect(line).toMatch(/^npx cdk deploy /);

    const { creationGuard } = loadContext(context);
    const { template } = synth({ config: { creationGuard } });

    template.hasResourceProperties('AWS::CloudFormation::LambdaHook', {
      FailureMode: mode.toUpperCase(),
      TargetFilters: { TargetNames: ['AWS::RDS::DBCluster'] },
    });
  });

  it('the Terraform plan check judges the plan JSON and exits 1 for its failing cluster', () => {
    const lines = block('sh', 'terraform show -json').split('\n');
    const last = lines.at(-1) ?? '';
    const [show, check] = last.split(' && ');
    expect(lines[0]).toBe('terraform plan -out plan.out');
    expect(show).toBe('terraform show -json plan.out > plan.json');
    const args = (check ?? '').split(/\s+/);
    expect(args[0]).toBe('aurora-backtrack-check');
    const dir = fs.mkdtempSync(path.join(work, 'terraform-'));
    fs.copyFileSync(path.join(ROOT, 'test/fixtures/iac/plan.json'), path.join(dir, 'plan.json'));

    const r = cli(args.slice(1), dir);

    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/plan\.json +module\.db\.aws_rds_cluster\.main +eu-west-1 +FAILED +disabled/);
    expect(r.stdout).toContain('set backtrack_window = 86400 (seconds) on the aws_rds_cluster');
  });

  it('the alert shown for a cluster created minutes ago is the one the checker writes', () => {
    const e = evaluate(cluster({ identifier: 'reports', backtrackWindowSeconds: 0 }), POLICY, NOW);
    const call = { eventName: 'CreateDBCluster', actor: { kind: 'unknown' as const }, eventTime: '2026-11-20T11:48:00Z' };
    const step = stepCluster(e, undefined, ACCOUNT_ID, NOW, { call });

    const alert = buildAlert({ account: ACCOUNT, now: NOW, events: step.event ? [step.event] : [], degraded: [], recovered: [] });

    expect(alert?.email).toContain(`${block('text', 'created 12 minutes ago')}\n`);
  });

  it("the migrate command shown uses only migrate's flags, with the cluster of the alert", () => {
    const line = block('sh', 'aurora-backtrack-check migrate');
    const help = cli(['migrate', '--help'], ROOT).stdout;
    const flags = [...line.matchAll(/(--[a-z-]+)/g)].map((m) => m[1] as string);

    expect(flags.length).toBeGreaterThan(0);
    expect(flags.filter((f) => !help.includes(f))).toEqual([]);
    expect(block('text', 'created 12 minutes ago')).toContain(line);
  });
});
