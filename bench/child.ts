/**
 * Runs inside a fresh Node process (bundled to plain CommonJS by bench/invoke.ts, so no TypeScript
 * loader sits in the measured process): loads the bundled handler, invokes it once with the event
 * given on the command line, and sends the figures to the parent over IPC.
 *   argv: <bundle path> <event JSON>
 */
import { randomUUID } from 'node:crypto';
import { type ChildReport, failedChildReport } from './reports';

const TIMEOUT_MS = 900_000;
const cut = (s: string) => (s.length > 20_000 ? `${s.slice(0, 20_000)}…` : s);

function stringify(v: unknown): string {
  try {
    return cut(JSON.stringify(v) ?? 'undefined');
  } catch {
    return String(v);
  }
}

async function main(): Promise<ChildReport> {
  const [bundlePath, eventJson] = process.argv.slice(2);
  if (!bundlePath || !eventJson) throw new Error('usage: child <bundle path> <event JSON>');
  const event: unknown = JSON.parse(eventJson);
  const t0 = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(bundlePath) as { handler?: (e: unknown, c: unknown) => Promise<unknown> };
  const loadMs = performance.now() - t0;
  if (typeof mod.handler !== 'function') throw new Error(`${bundlePath} exports no handler function`);

  const started = Date.now();
  const context = {
    functionName: 'aurora-backtrack-checker-bench',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:aurora-backtrack-checker-bench',
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/aurora-backtrack-checker-bench',
    logStreamName: 'bench',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => TIMEOUT_MS - (Date.now() - started),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };

  const cpu0 = process.cpuUsage();
  const t1 = performance.now();
  let ok = true;
  let result: string | undefined;
  let error: ChildReport['error'];
  try {
    result = stringify(await mod.handler(event, context));
  } catch (err) {
    ok = false;
    const e = err instanceof Error ? err : new Error(String(err));
    const own = Object.fromEntries(Object.entries(e as unknown as Record<string, unknown>));
    error = { name: e.name, message: e.message, ...(Object.keys(own).length > 0 && { details: stringify(own) }) };
  }
  const wallMs = performance.now() - t1;
  const cpu = process.cpuUsage(cpu0);
  const total = process.cpuUsage();
  return {
    ok,
    ...(result !== undefined && { result }),
    ...(error && { error }),
    loadMs,
    wallMs,
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
    processCpuMs: (total.user + total.system) / 1000,
    maxRssKb: process.resourceUsage().maxRSS,
    heapUsedMb: process.memoryUsage().heapUsed / 1_048_576,
  };
}

main()
  .then((report) => process.send?.(report, () => process.exit(0)))
  .catch((err: unknown) => {
    process.send?.(failedChildReport({ name: 'BenchChildError', message: String(err) }), () => process.exit(1));
  });
