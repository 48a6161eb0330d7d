/**
 * cfn-lint (pinned in emulator/requirements.txt, installed with the emulator) reports nothing in
 * the hub template, the StackSet's member template and a member stack deployed by hand, apart
 * from one W3005 that aws-cdk-lib writes itself (see test/integration/template-lint.test.ts).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureEmulator } from '../../../emulator';
import { synth } from '../stack-fixture';
import { synthHub } from './hub-fixture';

jest.setTimeout(180_000);

interface LintMatch {
  Message: string;
  Location: { Path: (string | number)[] };
  Rule: { Id: string };
}

/**
 * W3005 on a Lambda function's DependsOn of its own execution role, which aws-cdk-lib's
 * lambda.Function adds itself (and so does the BucketDeployment singleton function, a
 * lambda.Function too, and the coverage and alarm relay functions), while `Role: Fn::GetAtt` already orders the role. Any other W3005 fails.
 */
const cdkFunctionRoleDependency = (m: LintMatch) =>
  m.Rule.Id === 'W3005' &&
  m.Location.Path[2] === 'DependsOn' &&
  /^'(\w+)' dependency already enforced by a 'GetAtt' at 'Resources\/\w+\/Properties\/Role'$/.test(m.Message) &&
  /^(CheckerFunctionRole|CoverageRole|RelayRole|CustomCDKBucketDeployment\w+ServiceRole)[0-9A-F]{8}'/.test(m.Message.slice(1));

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backtrack-hub-template-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

async function lint(name: string, template: unknown): Promise<LintMatch[]> {
  const { cfnLint } = await ensureEmulator();
  const file = path.join(dir, `${name}.template.json`);
  fs.writeFileSync(file, JSON.stringify(template, null, 1));
  const r = spawnSync(cfnLint, ['--format', 'json', '--regions', 'us-east-1', 'eu-west-1', '--', file], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  const matches = JSON.parse(r.stdout) as LintMatch[];
  // cfn-lint's exit status: 0 clean, 4 warnings only.
  expect(r.status).toBe(matches.length ? 4 : 0);
  return matches.filter((m) => !cdkFunctionRoleDependency(m));
}

describe('cfn-lint', () => {
  const hub = synthHub({ config: { alertEmails: ['sec@example.com'], slackWorkspaceId: 'T0123ABCD', slackChannelId: 'C0123ABCD' } });

  it('reports no problem in the hub template', async () => {
    expect(await lint('hub', hub.template.toJSON())).toEqual([]);
  });

  it("reports no problem in the StackSet's member template", async () => {
    expect(await lint('member-template', hub.member.toJSON())).toEqual([]);
  });

  it('reports no problem in a member stack deployed by hand', async () => {
    const { template } = synth({
      hubEventBusArn: 'arn:aws:events:eu-west-1:111122223333:event-bus/aurora-backtrack-checker-hub',
    });

    expect(await lint('member', template.toJSON())).toEqual([]);
  });
});
