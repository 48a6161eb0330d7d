/**
 * Run once on deploy: a CloudFormation custom resource whose ServiceToken is the function itself
 * (no provider function, no extra asset: the StackSet template carries only the function's own
 * code, and the wiring is visible in the template). On Create the function does its first run and
 * answers; Update and Delete are answered at once, since there is nothing to create or remove.
 *
 * What the answer means: the run threw (a bad configuration, a crash) → FAILED with the reason,
 * so the operator sees why in the stack's events and the deployment rolls back; the run finished,
 * even degraded (Security Hub not yet enabled in one Region, an alert not published) → SUCCESS,
 * since the run's alert and the Degraded alarm tell people, and a rollout must not roll back because
 * one Region is not ready.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { RESPONSE_TIMEOUT_MS, type CloudFormationResponse } from './aws/cloudformation-response';
import { metricSumSince, type OwnMetric } from './aws/own-metric';
import type { Logger } from './run-types';

export interface CustomResourceEvent {
  RequestType: 'Create' | 'Update' | 'Delete';
  ResponseURL: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  ResourceType?: string;
  /** Set on Update and Delete: the id the Create answered. */
  PhysicalResourceId?: string;
}

/** The id every Create answers; Update and Delete answer the id they were given, so nothing is replaced. */
export const FIRST_RUN_PHYSICAL_ID = 'first-run-on-deploy';

/** CloudFormation takes a response of at most 4,096 bytes: the reason is clipped well below. */
const MAX_REASON_CHARS = 1_000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A CloudFormation custom resource request (what CloudFormation sends to a ServiceToken Lambda). */
export function isCustomResourceEvent(event: unknown): event is CustomResourceEvent {
  return (
    isObject(event) &&
    typeof event.RequestType === 'string' &&
    typeof event.ResponseURL === 'string' &&
    typeof event.StackId === 'string' &&
    typeof event.RequestId === 'string' &&
    typeof event.LogicalResourceId === 'string'
  );
}

export interface CustomResourceDeps {
  /** PUTs the response to the pre-signed URL (lambda/aws/cloudformation-response.ts). */
  respond(responseUrl: string, response: CloudFormationResponse): Promise<void>;
  log: Logger;
}

/** What the function answered, returned by the handler (the pre-signed URL is not part of it). */
export type DeployAnswer = { cloudFormation: Pick<CloudFormationResponse, 'Status' | 'Reason' | 'PhysicalResourceId'> };

const clip = (text: string) => (text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS - 1)}…` : text);

/**
 * Answers one custom resource request. `firstRun` is called on Create only and resolves to the
 * reason shown in the stack's events; a throw answers FAILED with its message. A response that
 * cannot be delivered throws (the Errors alarm and the dead-letter queue), since CloudFormation
 * would otherwise wait for the resource's ServiceTimeout without a word.
 */
export async function answerCustomResource(
  event: CustomResourceEvent,
  firstRun: () => Promise<string>,
  deps: CustomResourceDeps,
): Promise<DeployAnswer> {
  const physicalId = event.PhysicalResourceId ?? FIRST_RUN_PHYSICAL_ID;
  let status: CloudFormationResponse['Status'] = 'SUCCESS';
  let reason: string;
  if (event.RequestType === 'Create') {
    try {
      reason = await firstRun();
    } catch (err) {
      status = 'FAILED';
      reason = `the first run on deploy failed: ${err instanceof Error ? err.message : String(err)}`;
      deps.log.error(reason);
    }
  } else if (event.RequestType === 'Update' || event.RequestType === 'Delete') {
    reason = `${event.RequestType}: nothing to do (the first run happens only when the resource is created)`;
  } else {
    status = 'FAILED';
    reason = `unknown RequestType ${JSON.stringify(String(event.RequestType)).slice(0, 40)}`;
  }
  const response: CloudFormationResponse = {
    Status: status,
    Reason: clip(reason),
    PhysicalResourceId: physicalId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  };
  deps.log.info('answering CloudFormation', { requestType: event.RequestType, status, reason: response.Reason, stackId: event.StackId });
  await deps.respond(event.ResponseURL, response);
  return { cloudFormation: { Status: status, Reason: response.Reason, PhysicalResourceId: physicalId } };
}

/**
 * Polls `visible` every `intervalMs` until it answers true or `untilMs` (epoch ms) has passed.
 * Returns whether it became true; an error from `visible` ends the wait with its message.
 */
export async function waitUntilVisible(
  visible: () => Promise<boolean>,
  untilMs: number,
  intervalMs: number,
  now: () => number = Date.now,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<{ visible: boolean; error?: string }> {
  for (;;) {
    try {
      if (await visible()) return { visible: true };
    } catch (err) {
      return { visible: false, error: err instanceof Error ? err.message : String(err) };
    }
    const left = untilMs - now();
    if (left <= 0) return { visible: false };
    await sleep(Math.min(intervalMs, left));
  }
}

/** Time the function has left (none known outside Lambda). */
export const remainingOf = (context: { getRemainingTimeInMillis?: () => number } | undefined): number =>
  typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : Infinity;

/** How long an answer waits for the run's datapoint at most: EMF metrics usually appear within a minute. */
export const DATAPOINT_WAIT_MS = 180_000;
const DATAPOINT_POLL_MS = 10_000;
/** Kept from the run for the wait and the answer (two PUT attempts and a margin). */
export const RESERVED_FOR_ANSWER_MS = DATAPOINT_WAIT_MS + 2 * RESPONSE_TIMEOUT_MS + 5_000;

export interface DatapointWait {
  /** A CloudWatch client in the function's own Region (where its metrics are). */
  cloudWatch: CloudWatchClient;
  log: Logger;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Waits, for a bounded time, until GetMetricData returns the run's datapoint of `metric` (written
 * as an EMF log line, which CloudWatch turns into a metric some seconds later), so that an alarm
 * created after the answer starts over data. Returns the words for the answer's reason; a datapoint
 * still not visible is said there and logged, never a failure (a deployment must not roll back over
 * metric latency).
 */
export async function awaitDatapoint(
  metric: OwnMetric & { alarm: string },
  since: Date,
  remainingMs: number,
  deps: DatapointWait,
): Promise<string> {
  const now = deps.now ?? Date.now;
  const until = now() + Math.max(0, Math.min(DATAPOINT_WAIT_MS, remainingMs - 2 * RESPONSE_TIMEOUT_MS - 5_000));
  const seen = await waitUntilVisible(
    async () => (await metricSumSince(deps.cloudWatch, metric, since, new Date(now()))) > 0,
    until,
    DATAPOINT_POLL_MS,
    now,
    deps.sleep,
  );
  if (seen.visible) return `${metric.metricName} datapoint visible`;
  const why = seen.error ? `could not be read (${seen.error})` : `was not visible after ${Math.round((now() - since.getTime()) / 1000)} s`;
  const consequence = `the ${metric.alarm} alarm may show ALARM until CloudWatch has it`;
  deps.log.warn(`the first run's ${metric.metricName} datapoint ${why}: ${consequence}`);
  return `${metric.metricName} datapoint ${why}, ${consequence}`;
}
