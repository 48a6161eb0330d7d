/**
 * Runs the bundled handler (dist/lambda/index.js — the bytes the stack deploys) in this process,
 * with the environment the stack sets, against whatever AWS_ENDPOINT_URL names (or real AWS).
 *
 *   npm run invoke-local -- [scan | reminder | path/to/event.json] [--publish] [--no-build]
 *
 * Settings come from the same variables the stack sets (REGIONS, MIN_WINDOW_HOURS, TAG_PREFIX,
 * EXEMPT_TAG_KEY, PUBLISH_FINDINGS, ALERT_TOPIC_ARN, STATE_TABLE, REMINDER_AFTER_DAYS,
 * ACTUAL_WINDOW). Read-only unless `--publish` is given: without it no finding is imported, no
 * alert is published and no state is written, whatever account the credentials reach. With it,
 * PUBLISH_FINDINGS and ACTUAL_WINDOW default to true as in the stack.
 * Prints the run summary as JSON; exits 1 when the handler threw (the stack's Errors alarm).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleHandler, BUNDLE_FILE } from '../lib/bundle';
import { silenceSdkNodeVersionWarning } from '../lambda/node-warnings';
import { HANDLER_BUNDLE_DIR } from './build';

export interface InvokeResult {
  ok: boolean;
  result?: unknown;
  error?: { name: string; message: string };
}

export function eventFor(arg: string | undefined): unknown {
  if (arg === undefined || arg === 'scan') return { mode: 'scan' };
  if (arg === 'reminder') return { mode: 'reminder' };
  if (fs.existsSync(arg)) return JSON.parse(fs.readFileSync(arg, 'utf8'));
  throw new Error(`"${arg}" is neither scan, reminder nor a file with an event in JSON`);
}

/** Settings that make the handler write nothing: no imports, no alert topic, no state table. */
export function readOnly(env: NodeJS.ProcessEnv): void {
  env.PUBLISH_FINDINGS = 'false';
  delete env.ALERT_TOPIC_ARN;
  delete env.STATE_TABLE;
}

/** Loads the bundle fresh and invokes its handler once. */
export async function invokeBundled(event: unknown, bundleDir = HANDLER_BUNDLE_DIR): Promise<InvokeResult> {
  process.env.PUBLISH_FINDINGS ??= 'true';
  process.env.ACTUAL_WINDOW ??= 'true';
  process.env.POWERTOOLS_SERVICE_NAME ??= 'aurora-backtrack-checker';
  process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'AuroraBacktrackChecker';
  const file = path.join(bundleDir, BUNDLE_FILE);
  delete require.cache[require.resolve(file)];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(file) as { handler: (e: unknown, c?: unknown) => Promise<unknown> };
  try {
    return { ok: true, result: await mod.handler(event) };
  } catch (err) {
    const e = err as Error;
    return { ok: false, error: { name: e.name, message: e.message } };
  }
}

async function main(): Promise<number> {
  silenceSdkNodeVersionWarning();
  const args = process.argv.slice(2);
  if (!args.includes('--publish')) {
    readOnly(process.env);
    process.stderr.write('invoke-local: read-only run (no findings, alert or state written); add --publish to write them\n');
  }
  if (!args.includes('--no-build')) bundleHandler(HANDLER_BUNDLE_DIR);
  const event = eventFor(args.find((a) => !a.startsWith('--')));
  const out = await invokeBundled(event);
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  return out.ok ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => (process.exitCode = code),
    (err: Error) => {
      process.stderr.write(`invoke-local: ${err.message}\n`);
      process.exitCode = 2;
    },
  );
}
