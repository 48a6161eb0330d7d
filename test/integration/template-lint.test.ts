/**
 * The synthesized CloudFormation template passes cfn-lint (pinned in emulator/requirements.txt,
 * installed with the emulator), for the default configuration and for one with every option set.
 * One warning that aws-cdk-lib itself produces is accepted, narrowly and with its reason below.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { BacktrackCheckerStack, type BacktrackCheckerStackProps } from '../../lib/backtrack-checker-stack';
import { ensureEmulator } from '../../emulator';
import { testApp } from '../lib/stack-fixture';

jest.setTimeout(180_000);

const CONFIGURATIONS: [string, BacktrackCheckerStackProps][] = [
  ['default configuration', {}],
  ['weekday cron scan schedule (one-day heartbeat periods)', { config: { schedule: 'cron(0 9 ? * MON-FRI *)', allowNoSubscribers: true } }],
  [
    'every option set (Regions, e-mail, Slack, schedules, no instant re-check, the creation guard)',
    {
      env: { account: '111122223333', region: 'eu-west-1' },
      config: {
        minWindowHours: 36,
        regions: ['eu-west-1', 'us-east-1'],
        schedule: 'cron(0 6 * * ? *)',
        reminderSchedule: 'rate(1 day)',
        reminderAfterDays: 3,
        alertEmails: ['ops@example.com'],
        slackWorkspaceId: 'T0123ABCD',
        slackChannelId: 'C0123ABCD',
        tagPrefix: 'acme:backtrack:',
        exemptTagKey: 'acme:backtrack:exempt',
        instantRecheck: false,
        actualWindow: false,
        maxExemptionDays: 30,
        backtrackRegions: ['eu-north-1'],
        allowNoSubscribers: false,
        creationGuard: 'fail',
      },
    },
  ],
];

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backtrack-template-'));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

interface LintMatch {
  Level: string;
  Message: string;
  Location: { Path: (string | number)[] };
  Rule: { Id: string };
}

/**
 * The one finding accepted, and only for the checker's function and the creation guard's: W3005 (an obsolete DependsOn) on its
 * DependsOn of its own execution role. aws-cdk-lib's lambda.Function always adds that dependency
 * itself (`this.resource.node.addDependency(this.role)` in aws-lambda/lib/function.js, so that the
 * role's policy exists before the function), while `Role: Fn::GetAtt` already orders the role. It is
 * redundant, harmless, and not in this product's code; any other W3005 still fails.
 */
const cdkFunctionRoleDependency = (m: LintMatch) =>
  m.Rule.Id === 'W3005' &&
  m.Location.Path[0] === 'Resources' &&
  /^Checker(CreationGuard)?Function[0-9A-F]{8}$/.test(String(m.Location.Path[1])) &&
  m.Location.Path[2] === 'DependsOn' &&
  /^'Checker(CreationGuard)?FunctionRole[0-9A-F]{8}' dependency already enforced by a 'GetAtt' at 'Resources\/Checker(CreationGuard)?Function[0-9A-F]{8}\/Properties\/Role'$/.test(
    m.Message,
  );

it.each(CONFIGURATIONS)('cfn-lint reports no problem in the synthesized template (%s)', async (name, props) => {
  const { cfnLint } = await ensureEmulator();
  const stack = new BacktrackCheckerStack(testApp(), 'AuroraBacktrackChecker', props);
  const file = path.join(dir, `${name.replace(/\W+/g, '-')}.template.json`);
  fs.writeFileSync(file, JSON.stringify(Template.fromStack(stack).toJSON(), null, 1));

  const r = spawnSync(cfnLint, ['--format', 'json', '--regions', 'us-east-1', 'eu-west-1', '--', file], { encoding: 'utf8' });

  expect(r.stderr).toBe('');
  const matches = JSON.parse(r.stdout) as LintMatch[];
  expect(matches.filter((m) => !cdkFunctionRoleDependency(m))).toEqual([]);
  // cfn-lint's exit status: 0 clean, 4 warnings only (2 or 8 would mean errors or informational findings).
  expect(r.status).toBe(matches.length ? 4 : 0);
});
