/**
 * bin/app.ts run as `cdk synth` runs it: a process (tsx), its context in CDK_CONTEXT_JSON, a fresh
 * cloud assembly folder read back before it is removed.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cdkJsonContext } from './stack-fixture';

const ROOT = path.join(__dirname, '..', '..');

interface SynthTemplate {
  Resources?: Record<string, { Type: string; Properties: { EventPattern?: unknown; Targets?: { Arn: unknown }[] } }>;
}

export interface AppRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** The files the synth wrote. */
  files: string[];
  /** Each `*.template.json` it wrote, by file name. */
  templates: Record<string, SynthTemplate>;
}

/** bin/app.ts with exactly `context` (nothing from cdk.json) and `env` added to a bare environment. */
export function runAppWithContext(context: Record<string, unknown>, env: Record<string, string> = {}): AppRun {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backtrack-app-'));
  try {
    const run = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'bin/app.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', CDK_OUTDIR: outDir, CDK_CONTEXT_JSON: JSON.stringify(context), ...env },
      encoding: 'utf8',
      timeout: 120_000,
    });
    const files = fs.readdirSync(outDir);
    const templates = Object.fromEntries(
      files
        .filter((f) => f.endsWith('.template.json'))
        .map((f) => [f, JSON.parse(fs.readFileSync(path.join(outDir, f), 'utf8')) as SynthTemplate]),
    );
    return { status: run.status, stdout: run.stdout, stderr: run.stderr, files, templates };
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

/**
 * bin/app.ts with cdk.json's context plus the given values, without bundling (as `cdk ls` and
 * `cdk destroy` run it). `CDK_VALIDATION: 'false'` in `env` (`cdk synth --no-validation`) spares the
 * seconds of aws-cdk-lib's built-in CloudFormation validation where a test is about something else
 * (test/lib/template-validation.test.ts runs it on every stack kind).
 */
export function runApp(context: Record<string, unknown>, env: Record<string, string> = {}): AppRun {
  return runAppWithContext({ ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...context }, env);
}
