import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cdkJsonContext } from './stack-fixture';

const ROOT = path.join(__dirname, '..', '..');

/**
 * Runs bin/app.ts as `cdk synth` does, with cdk.json's context plus the given values, without
 * bundling. `CDK_VALIDATION: 'false'` (`cdk synth --no-validation`) spares the seconds of
 * aws-cdk-lib's built-in CloudFormation validation where a test is about something else; the
 * shipped cdk.json's synth below keeps it.
 */
function runApp(context: Record<string, unknown>, env: Record<string, string> = {}) {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backtrack-app-'));
  try {
    return spawnSync(process.execPath, [require.resolve('tsx/cli'), 'bin/app.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        CDK_OUTDIR: outDir,
        CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...context }),
        ...env,
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

describe('bin/app.ts', () => {
  it('stops synth on a mistyped key and an empty value, naming the nearest setting, with exit status 2', () => {
    const run = runApp({ minWindowHour: '12', alertEmail: 'a@b.c', regions: '' });

    expect(run.status).toBe(2);
    expect(run.stderr).toContain('Invalid aurora-backtrack-checker configuration (3 problems)');
    expect(run.stderr).toContain('minWindowHour: "12" is not a setting of the checker; did you mean minWindowHours?');
    expect(run.stderr).toContain('alertEmail: "a@b.c" is not a setting of the checker; did you mean alertEmails?');
    expect(run.stderr).toContain('regions: "" is empty');
    expect(run.stderr).not.toMatch(/^\s+at /m);
  }, 60_000);

  it('synthesizes the shipped cdk.json and warns that the topic has no subscriber', () => {
    const run = runApp({});

    expect(run.status).toBe(0);
    expect(run.stdout + run.stderr).toContain('The alert topic has no subscriber');
  }, 60_000);

  it('synthesizes without the warning when told allowNoSubscribers=true', () => {
    const run = runApp({ allowNoSubscribers: 'true' }, { CDK_VALIDATION: 'false' });

    expect(run.status).toBe(0);
    expect(run.stdout + run.stderr).not.toContain('no subscriber');
  }, 60_000);

  it('stops synth on invalid context with exit status 2 and one message listing each bad value, no stack trace', () => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backtrack-app-'));
    try {
      const run = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'bin/app.ts'], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          CDK_OUTDIR: outDir,
          CDK_CONTEXT_JSON: JSON.stringify({ minWindowHours: '96', alertEmails: 'ops-at-example.com', slackChannelId: 'C0123ABCD' }),
        },
        encoding: 'utf8',
        timeout: 60_000,
      });

      expect(run.status).toBe(2);
      expect(run.stderr).toContain('Invalid aurora-backtrack-checker configuration (3 problems)');
      expect(run.stderr).toContain('minWindowHours: "96"');
      expect(run.stderr).toContain('alertEmails: "ops-at-example.com"');
      expect(run.stderr).toContain('slackWorkspaceId: (not set) is required when slackChannelId is set');
      expect(run.stderr).not.toMatch(/^\s+at /m);
    } finally {
      fs.rmSync(outDir, { recursive: true, force: true });
    }
  }, 60_000);
});
