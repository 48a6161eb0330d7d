/**
 * The checker's first scan on deploy (lambda/custom-resource.ts answers CloudFormation with it).
 *
 * The stack creates the Heartbeat alarm only after this resource (DependsOn), and that alarm treats
 * missing data as breaching: created over an empty metric it would page everyone with "checker
 * stopped". The scan's ScanCompleted datapoint is an EMF log line that CloudWatch turns into a
 * metric some seconds (at worst minutes) later, so the answer waits, for a bounded time, until
 * GetMetricData returns the datapoint: the alarm then starts over data. If it is still not visible
 * when the wait ends the answer is SUCCESS all the same and says so (a deployment must not roll
 * back over metric latency); the alarm then reads OK as soon as CloudWatch has the datapoint.
 */
import type { Context } from 'aws-lambda';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { metricSumSince } from './aws/own-metric';
import { RESPONSE_TIMEOUT_MS } from './aws/cloudformation-response';
import { waitUntilVisible } from './custom-resource';
import type { Logger, RunSummary } from './run-types';
import { TELEMETRY } from './settings/schema';

/** The event the first scan runs as (lambda/events.ts): a scan whose alert is a baseline. */
export const BASELINE_SCAN = { mode: 'scan', baseline: true } as const;

/** How long the answer waits for the heartbeat datapoint at most: EMF metrics usually appear within a minute. */
export const HEARTBEAT_WAIT_MS = 180_000;
const HEARTBEAT_POLL_MS = 10_000;
/** Kept from the scan for the wait and the answer (two PUT attempts and a margin). */
export const RESERVED_FOR_ANSWER_MS = HEARTBEAT_WAIT_MS + 2 * RESPONSE_TIMEOUT_MS + 5_000;

type ScanResult = Omit<RunSummary, 'evaluations'> | { ignored: true } | Record<string, unknown>;

export interface FirstScanDeps {
  /** Runs the handler itself on BASELINE_SCAN with the given context. */
  scan(event: typeof BASELINE_SCAN, context: Context | undefined): Promise<ScanResult>;
  /** A CloudWatch client in the function's own Region (where its metrics are). */
  cloudWatch: CloudWatchClient;
  log: Logger;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** The context the scan gets: the function's, less the time kept for the wait and the answer. */
function scanContext(context: Context | undefined): Context | undefined {
  if (typeof context?.getRemainingTimeInMillis !== 'function') return context;
  return { ...context, getRemainingTimeInMillis: () => Math.max(0, context.getRemainingTimeInMillis() - RESERVED_FOR_ANSWER_MS) };
}

/** What the scan found, in the words of the stack's events. */
function scanReason(s: ScanResult): string {
  const summary = s as Partial<RunSummary>;
  if (summary.skipped) return `first scan skipped: ${summary.skipped.reason}`;
  const t = summary.totals;
  const counts = t ? `${t.inScope} clusters checked, ${t.failedUnsuppressed + t.warning} failing or warning` : 'finished';
  const degraded = summary.degraded ?? [];
  const alertError = summary.alert?.error;
  const problems = [...degraded.map((d) => d.message), ...(alertError ? [`alert not published: ${alertError}`] : [])];
  return problems.length
    ? `first scan ${counts}, degraded (the alert and the Degraded alarm report it): ${problems.join('; ')}`
    : `first scan ${counts}`;
}

export async function firstScan(context: Context | undefined, deps: FirstScanDeps): Promise<string> {
  const now = deps.now ?? Date.now;
  const started = new Date(now());
  const summary = await deps.scan(BASELINE_SCAN, scanContext(context));
  const reason = scanReason(summary);
  const remaining = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : Infinity;
  const waitUntil = now() + Math.max(0, Math.min(HEARTBEAT_WAIT_MS, remaining - 2 * RESPONSE_TIMEOUT_MS - 5_000));
  const metric = { namespace: TELEMETRY.metricsNamespace, metricName: 'ScanCompleted', dimensions: { service: TELEMETRY.serviceName } };
  const heartbeat = await waitUntilVisible(
    async () => (await metricSumSince(deps.cloudWatch, metric, started, new Date(now()))) > 0,
    waitUntil,
    HEARTBEAT_POLL_MS,
    now,
    deps.sleep,
  );
  if (heartbeat.visible) return `${reason}; heartbeat datapoint visible`;
  const why = heartbeat.error
    ? `could not be read (${heartbeat.error})`
    : `was not visible after ${Math.round((now() - started.getTime()) / 1000)} s`;
  deps.log.warn(`the first scan's heartbeat datapoint ${why}: the Heartbeat alarm may show ALARM until CloudWatch has it`);
  return `${reason}; heartbeat datapoint ${why}, the Heartbeat alarm may show ALARM until CloudWatch has it`;
}
