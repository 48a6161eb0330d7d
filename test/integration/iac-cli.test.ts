/**
 * `aurora-backtrack-check iac` as people run it: the built CLI (bin/aurora-backtrack-check.js →
 * dist/cli/) on the fixtures in test/fixtures/iac/ and on a real synthesized cdk.out, with no AWS
 * credentials, Region or endpoint in its environment (it makes no AWS call).
 */
import '@microsoft/jest-sarif';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Log } from 'sarif';
import { synthCdkOut } from '../lambda/iac/cdk-app';

jest.setTimeout(120_000);

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(REPO_ROOT, 'bin', 'aurora-backtrack-check.js');
const FIXTURES = 'test/fixtures/iac';

let home: string;
let cdkOut: string;
beforeAll(() => {
  if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'cli', 'cli.mjs'))) throw new Error('dist/cli is missing: run `npm run build` first');
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'iac-home-'));
  // The reader's test (test/lambda/iac/cdk-out.test.ts) reads the cdk.out with its validation report.
  cdkOut = synthCdkOut({ validation: false });
});
afterAll(() => {
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(cdkOut, { recursive: true, force: true });
});

/** Runs the CLI in the repository with no AWS_* variable and an empty HOME (no ~/.aws). */
function iac(...args: string[]) {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, NO_COLOR: '1' };
  const r = spawnSync(process.execPath, [CLI, 'iac', ...args], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const lineOf = (file: string, resource: string) =>
  fs.readFileSync(path.join(REPO_ROOT, file), 'utf8').split('\n').indexOf(`  ${resource}:`) + 1;

interface IacJson {
  totals: Record<string, number>;
  resources: { resource: string; file: string; line?: number; status: string; condition: string; suppressed: boolean; region: string }[];
}

describe('aurora-backtrack-check iac (built CLI, no AWS)', () => {
  it('judges a YAML template with short forms, prints the verdicts and exits 1 for a FAILED resource', () => {
    const r = iac(`${FIXTURES}/template.yaml`, '--region', 'eu-west-1');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/template\.yaml:\d+\s+Orders\s+eu-west-1\s+FAILED\s+disabled/);
    expect(r.stdout).toMatch(/Ledger\s+eu-west-1\s+WARNING\s+unknown/);
    expect(r.stdout).toContain('fix: Backtrack can only be turned on when a cluster is created or restored: set BacktrackWindow: 86400');
  });

  it('--format json: the same verdicts as the scan would give, with file, line and unknowns', () => {
    const r = iac(`${FIXTURES}/template.yaml`, '--region', 'eu-west-1', '--format', 'json');
    const doc = JSON.parse(r.stdout) as IacJson;
    const by = Object.fromEntries(doc.resources.map((x) => [x.resource, x]));
    expect(by.Orders).toMatchObject({
      status: 'FAILED',
      condition: 'disabled',
      file: `${FIXTURES}/template.yaml`,
      line: lineOf(`${FIXTURES}/template.yaml`, 'Orders'),
    });
    expect(by.Payments).toMatchObject({ status: 'PASSED' });
    expect(by.Scratch).toMatchObject({ status: 'FAILED', suppressed: true });
    expect(by.Legacy).toMatchObject({ status: 'NOT_AVAILABLE' });
    expect(by.Ledger).toMatchObject({ status: 'WARNING', condition: 'unknown' });
    expect(by.ProdOnly).toBeUndefined();
  });

  it('--format sarif: a valid log naming each resource with its file, start line and logical id; exempt is suppressed', () => {
    const out = path.join(home, 'iac.sarif');
    const r = iac(`${FIXTURES}/template.yaml`, `${FIXTURES}/plan.json`, '--region', 'eu-west-1', '--format', 'sarif', '--output', out);
    expect(r.code).toBe(1);
    const log = JSON.parse(fs.readFileSync(out, 'utf8')) as Log;
    expect(log).toBeValidSarifLog();
    const results = log.runs[0]?.results ?? [];
    const named = (id: string) => results.find((x) => x.locations?.[0]?.logicalLocations?.[0]?.name === id);
    expect(named('Orders')).toMatchObject({
      level: 'error',
      ruleId: 'backtrack-disabled',
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: `${FIXTURES}/template.yaml` },
            region: { startLine: lineOf(`${FIXTURES}/template.yaml`, 'Orders') },
          },
        },
      ],
    });
    expect(named('Ledger')).toMatchObject({ level: 'warning', ruleId: 'backtrack-unknown-before-deployment' });
    expect(named('Scratch')?.suppressions).toEqual([expect.objectContaining({ status: 'accepted', justification: 'throwaway test data' })]);
    expect(named('module.db.aws_rds_cluster.main')).toMatchObject({
      level: 'error',
      locations: [{ physicalLocation: { artifactLocation: { uri: `${FIXTURES}/plan.json` } } }],
    });
    expect(named('Payments')).toBeUndefined();
  });

  it('judges a Terraform plan in its provider region and skips a delete-only change', () => {
    const doc = JSON.parse(iac(`${FIXTURES}/plan.json`, '--format', 'json').stdout) as IacJson;
    expect(doc.resources.map((x) => [x.resource, x.region, x.status])).toEqual([
      ['module.db.aws_rds_cluster.main', 'eu-west-1', 'FAILED'],
      ['aws_rds_cluster.ok', 'eu-west-1', 'PASSED'],
      ['aws_rds_cluster.later', 'eu-west-1', 'WARNING'],
      ['aws_rds_cluster.secondary', 'eu-west-1', 'NOT_AVAILABLE'],
    ]);
  });

  it('judges a cdk.out: every stack, a stage and a nested stack', () => {
    const doc = JSON.parse(iac(cdkOut, '--format', 'json', '--region', 'us-east-1').stdout) as IacJson;
    expect(doc.resources.map((x) => [x.region, x.status]).sort()).toEqual([
      ['eu-west-1', 'FAILED'],
      ['eu-west-1', 'FAILED'],
      ['sa-east-1', 'NOT_AVAILABLE'],
      ['us-east-1', 'PASSED'],
    ]);
  });

  it('--parameters resolves a parameter; --fail-on warning exits 1 for an unknown; the policy flags apply', () => {
    const json = `${FIXTURES}/template.json`;
    expect(iac(json, '--region', 'eu-west-1').code).toBe(0);
    expect(iac(json, '--region', 'eu-west-1', '--fail-on', 'warning').code).toBe(1);
    const withParams = iac(json, '--region', 'eu-west-1', '--parameters', `${FIXTURES}/parameters.json`, '--format', 'json');
    expect(withParams.code).toBe(1);
    expect((JSON.parse(withParams.stdout) as IacJson).resources.find((x) => x.resource === 'Shop')).toMatchObject({
      condition: 'below-policy',
    });
    const lenient = iac(json, '--region', 'eu-west-1', '--parameters', `${FIXTURES}/parameters.json`, '--min-window-hours', '1');
    expect(lenient.code).toBe(0);
    expect(iac(json, '--region', 'sa-east-1', '--parameters', `${FIXTURES}/parameters.json`).code).toBe(0);
    expect(iac(json, '--region', 'sa-east-1', '--parameters', `${FIXTURES}/parameters.json`, '--backtrack-regions', 'sa-east-1').code).toBe(
      1,
    );
  });

  it.each([
    ['invalid YAML', `${FIXTURES}/bad.yaml`, /bad\.yaml: invalid YAML/],
    ['a file that is not a template', `${FIXTURES}/not-a-template.json`, /not-a-template\.json: not a CloudFormation template/],
    ['a missing file', `${FIXTURES}/missing.yaml`, /missing\.yaml: no such file or directory/],
    ['a directory that is not a cdk.out', FIXTURES, /fixtures\/iac: a directory, but not a CDK cloud assembly/],
  ])('%s: a clear error naming the file, exit 2', (_, file, message) => {
    const r = iac(file, '--region', 'eu-west-1');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('a typo in a flag stops with exit 2, naming the flag', () => {
    const r = iac(`${FIXTURES}/template.json`, '--min-window-hours', '100', '--format', 'xml');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--min-window-hours');
    expect(r.stderr).toContain('--format: "xml"');
  });
});
