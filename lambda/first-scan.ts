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
import { awaitDatapoint, remainingOf, RESERVED_FOR_ANSWER_MS, type DatapointWait } from './custom-resource';
import type { RunSummary } from './run-types';
import { TELEMETRY } from './settings/schema';

/** The event the first scan runs as (lambda/events.ts): a scan whose alert is a baseline. */
export const BASELINE_SCAN = { mode: 'scan', baseline: true } as const;

/** The heartbeat alarm's metric (lib/monitoring.ts). */
const HEARTBEAT = {
  namespace: TELEMETRY.metricsNamespace,
  metricName: 'ScanCompleted',
  dimensions: { service: TELEMETRY.serviceName },
  alarm: 'Heartbeat',
};

type ScanResult = Omit<RunSummary, 'evaluations'> | { ignored: true } | Record<string, unknown>;

export interface FirstScanDeps extends DatapointWait {
  /** Runs the handler itself on BASELINE_SCAN with the given context. */
  scan(event: typeof BASELINE_SCAN, context: Context | undefined): Promise<ScanResult>;
}

/** The context a first run gets: the function's, less the time kept for the wait and the answer. */
export function runContext(context: Context | undefined): Context | undefined {
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
  const started = new Date((deps.now ?? Date.now)());
  const summary = await deps.scan(BASELINE_SCAN, runContext(context));
  return `${scanReason(summary)}; ${await awaitDatapoint(HEARTBEAT, started, remainingOf(context), deps)}`;
}
