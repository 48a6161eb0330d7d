/**
 * Runs the bundled handler (dist/lambda/index.js — the bytes the stack deploys) in this process,
 * with the environment the stack sets, against whatever AWS_ENDPOINT_URL names (or real AWS).
 *
 *   npm run invoke-local -- [scan | reminder | path/to/event.json] [--publish] [--no-build] [--timeout SECONDS]
 *
 * Settings come from the same variables the stack sets (lambda/settings/schema.ts, `ENV_VARIABLES`).
 * Read-only unless `--publish` is given: without it no finding is imported, no alert is published
 * and no state is written, whatever account the credentials reach. With it, findings are imported
 * and the actual window is read unless the environment says otherwise, as in the stack.
 * `--timeout` gives the handler a Lambda context with that many seconds remaining, as the function's
 * timeout does (without it the handler runs without a deadline).
 * Prints the run summary as JSON; exits 1 when the handler threw (the stack's Errors alarm).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleHandler, BUNDLE_FILE } from '../lib/bundle';
import { silenceSdkNodeVersionWarning } from '../lambda/node-warnings';
import { ENV_NAMES, telemetryEnvironment } from '../lambda/settings/schema';
import { HANDLER_BUNDLE_DIR } from './dist-paths';

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
  env[ENV_NAMES.publishFindings] = 'false';
  delete env[ENV_NAMES.alertTopicArn];
  delete env[ENV_NAMES.stateTable];
}

/** The part of a Lambda context the handler reads for its deadline, for a function with this timeout. */
export function localContext(timeoutSeconds: number, startedMs = Date.now()): { getRemainingTimeInMillis(): number; functionName: string } {
  const end = startedMs + timeoutSeconds * 1000;
  return { functionName: 'aurora-backtrack-checker-local', getRemainingTimeInMillis: () => Math.max(0, end - Date.now()) };
}

function timeoutArg(args: string[]): number | undefined {
  const i = args.indexOf('--timeout');
  if (i < 0) return undefined;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value < 1 || value > 900) throw new Error(`--timeout "${args[i + 1]}": use whole seconds from 1 to 900`);
  return value;
}

/** Loads the bundle fresh and invokes its handler once. */
export async function invokeBundled(event: unknown, bundleDir = HANDLER_BUNDLE_DIR, context?: unknown): Promise<InvokeResult> {
  for (const [name, value] of Object.entries(telemetryEnvironment())) process.env[name] ??= value;
  const file = path.join(bundleDir, BUNDLE_FILE);
  delete require.cache[require.resolve(file)];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(file) as { handler: (e: unknown, c?: unknown) => Promise<unknown> };
  try {
    return { ok: true, result: await (context === undefined ? mod.handler(event) : mod.handler(event, context)) };
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
  const timeout = timeoutArg(args);
  const event = eventFor(args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--timeout'));
  const out = await invokeBundled(event, HANDLER_BUNDLE_DIR, timeout === undefined ? undefined : localContext(timeout));
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  return out.ok ? 0 : 1;
}

if (require.main === module) {
  main().then(
    // Like Lambda, which freezes the process once the handler returns: a call the run abandoned at
    // its deadline does not keep it alive.
    (code) => process.exit(code),
    (err: Error) => {
      process.stderr.write(`invoke-local: ${err.message}\n`);
      process.exitCode = 2;
    },
  );
}
