/**
 * The template with the Security Hub action (remediationAction=true) passes cfn-lint in a Region
 * whose CloudFormation offers AWS::SecurityHub::ActionTarget. CloudFormation's per-Region registry
 * schemas (as cfn-lint and aws-cdk-lib's validator ship them) list the type in some Regions only:
 * elsewhere the deployment stops before creating anything, and cfn-lint says why.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { BacktrackCheckerStack } from '../../lib/backtrack-checker-stack';
import { ensureEmulator } from '../../emulator';
import { testApp } from '../lib/stack-fixture';

jest.setTimeout(180_000);

interface LintMatch {
  Level: string;
  Message: string;
  Location: { Path: (string | number)[] };
  Rule: { Id: string };
}

let file: string;

beforeAll(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backtrack-raise-template-'));
  file = path.join(dir, 'template.json');
  // No concrete Region: aws-cdk-lib's own validation then leaves the Region to cfn-lint.
  const stack = new BacktrackCheckerStack(testApp(), 'AuroraBacktrackChecker', {
    config: { remediationAction: true, regions: ['us-east-1', 'eu-west-1'], allowNoSubscribers: true },
  });
  fs.writeFileSync(file, JSON.stringify(Template.fromStack(stack).toJSON(), null, 1));
});

afterAll(() => {
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
});

async function lint(region: string): Promise<LintMatch[]> {
  const { cfnLint } = await ensureEmulator();
  const r = spawnSync(cfnLint, ['--format', 'json', '--regions', region, '--', file], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  // aws-cdk-lib's own DependsOn of the function on its role (see template-lint.test.ts) is not this feature's.
  return (JSON.parse(r.stdout) as LintMatch[]).filter((m) => !(m.Rule.Id === 'W3005' && m.Location.Path[2] === 'DependsOn'));
}

it('passes cfn-lint in us-east-1, with the action target, its rule and the permission', async () => {
  expect(await lint('us-east-1')).toEqual([]);
  expect(fs.readFileSync(file, 'utf8')).toContain('AWS::SecurityHub::ActionTarget');
});

it('is refused by cfn-lint only for the action target where CloudFormation does not offer it (eu-west-1)', async () => {
  const matches = await lint('eu-west-1');

  expect(matches.map((m) => [m.Rule.Id, String(m.Location.Path[1])])).toEqual([
    ['E3006', expect.stringMatching(/^CheckerRaiseActionTarget/)],
  ]);
});
