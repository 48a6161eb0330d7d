import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

describe('bin/app.ts', () => {
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
