/**
 * The creation guard: the answer to a CloudFormation Lambda hook request (`AWS::CloudFormation::LambdaHook`,
 * lib/creation-guard.ts) for one `AWS::RDS::DBCluster` about to be created or updated. The request
 * carries the resource's resolved properties, so the cluster is judged here, with no AWS call, by
 * the same rules as the scan (lambda/iac/cloudformation-cluster.ts → lambda/core/declared.ts).
 *
 * Request and response follow the CloudFormation Hooks user guide, "Create Lambda functions to
 * evaluate resources for Lambda Hooks"
 * (https://docs.aws.amazon.com/cloudformation-cli/latest/hooks-userguide/lambda-hooks-create-lambda-function.html).
 *
 * What the answer means:
 * - a cluster that fails the policy (and is not exempt) → FAILED `NonCompliant`, with the reason and
 *   the fix. The hook's FailureMode (`creationGuard=fail|warn`) then decides: FAIL stops the
 *   operation, WARN lets it continue and shows the message as a warning in the stack's events;
 * - passing, exempt, not applicable, not Aurora MySQL, or another target → SUCCESS with why;
 * - a verdict that depends on a value the request does not hold (a clone's source window, a missing
 *   Engine) → SUCCESS with what could not be verified: it is not a pass, and the cluster is judged
 *   by the checker once it exists. Blocking it would block compliant clones, which have no property
 *   that could prove their source's window;
 * - a request that is not a hook request as documented → FAILED `InternalFailure` naming what is
 *   wrong, never a throw.
 */
import { judgeDeclared } from './core/declared';
import { formatDuration } from './core/text';
import type { Evaluation, Policy } from './core/types';
import { clusterFromCloudFormation, Unknown } from './iac/cloudformation-cluster';

/** The resource type the guard judges (the hook's TargetNames). */
export const GUARDED_TYPE = 'AWS::RDS::DBCluster';

/**
 * CloudFormation truncates a hook's message at 4,096 characters, Cloud Control at 1,024, and the
 * stack event's HookStatusReason holds at most 1,024: the message is clipped to that.
 */
export const MAX_HOOK_MESSAGE = 1_024;

export const INVOCATION_POINTS = ['CREATE_PRE_PROVISION', 'UPDATE_PRE_PROVISION', 'DELETE_PRE_PROVISION'] as const;
export type InvocationPoint = (typeof INVOCATION_POINTS)[number];

/** A resource operation's hook request, as documented (fields the guard does not read are left out). */
export interface HookRequest {
  clientRequestToken?: string;
  awsAccountId?: string;
  stackId?: string;
  actionInvocationPoint: InvocationPoint;
  requestData: {
    targetName: string;
    targetType?: string;
    targetLogicalId: string;
    targetModel?: { resourceProperties?: unknown; previousResourceProperties?: unknown };
  };
}

export interface HookResponse {
  hookStatus: 'SUCCESS' | 'FAILED';
  errorCode?: 'NonCompliant' | 'InternalFailure';
  message: string;
  clientRequestToken?: string;
}

export interface GuardSettings {
  policy: Policy;
  /** The function's own Region: the stack's, when the stack ARN does not name it. */
  homeRegion?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const clip = (text: string): string => (text.length > MAX_HOOK_MESSAGE ? `${text.slice(0, MAX_HOOK_MESSAGE - 1)}…` : text);

/** What is wrong with a request, or the request. */
export function readHookRequest(event: unknown): { ok: HookRequest } | { problem: string } {
  if (!isObject(event)) return { problem: 'the request is not a JSON object' };
  const point = event.actionInvocationPoint;
  if (typeof point !== 'string' || !(INVOCATION_POINTS as readonly string[]).includes(point)) {
    return { problem: `actionInvocationPoint is ${JSON.stringify(point) ?? 'missing'}, not one of ${INVOCATION_POINTS.join(', ')}` };
  }
  const data = event.requestData;
  if (!isObject(data)) return { problem: 'requestData is missing or not an object' };
  if (typeof data.targetName !== 'string' || data.targetName === '') return { problem: 'requestData.targetName is missing' };
  if (typeof data.targetLogicalId !== 'string') return { problem: 'requestData.targetLogicalId is missing' };
  if (data.targetModel !== undefined && data.targetModel !== null && !isObject(data.targetModel)) {
    return { problem: 'requestData.targetModel is not an object' };
  }
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const token = text(event.clientRequestToken);
  const accountId = text(event.awsAccountId);
  const stackId = text(event.stackId);
  const targetType = text(data.targetType);
  const model = isObject(data.targetModel) ? data.targetModel : undefined;
  return {
    ok: {
      ...(token !== undefined && { clientRequestToken: token }),
      ...(accountId !== undefined && { awsAccountId: accountId }),
      ...(stackId !== undefined && { stackId }),
      actionInvocationPoint: point as InvocationPoint,
      requestData: {
        targetName: data.targetName,
        ...(targetType !== undefined && { targetType }),
        targetLogicalId: data.targetLogicalId,
        ...(model && { targetModel: model }),
      },
    },
  };
}

/** The stack's Region from its ARN (`arn:aws:cloudformation:<region>:...`), or the function's own. */
function regionOf(stackId: string | undefined, homeRegion: string | undefined): string | Unknown {
  const fromStack = /^arn:[^:]+:cloudformation:([a-z0-9-]+):/.exec(stackId ?? '')?.[1];
  return fromStack ?? homeRegion ?? new Unknown('neither the stack ARN nor the function names the Region');
}

/** The fix in a template's words. */
const windowFix = (logicalId: string) => (seconds: number) =>
  `set BacktrackWindow: ${seconds} (${formatDuration(seconds)}) on ${logicalId}`;

/**
 * Properties whose change makes CloudFormation replace the cluster (AWS::RDS::DBCluster, "Update
 * requires: Replacement"): such an update creates a new cluster, which may get a window.
 */
const REPLACING_PROPERTIES = [
  'AvailabilityZones',
  'DatabaseName',
  'DBClusterIdentifier',
  'Engine',
  'EngineMode',
  'KmsKeyId',
  'MasterUsername',
  'RestoreToTime',
  'RestoreType',
  'SnapshotIdentifier',
  'SourceDBClusterIdentifier',
  'SourceRegion',
  'StorageEncrypted',
  'UseLatestRestorableTime',
] as const;

const windowOf = (p: Record<string, unknown>): number | undefined => {
  const v = p.BacktrackWindow;
  const n =
    typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v === undefined || v === null ? 0 : NaN;
  return Number.isFinite(n) ? n : undefined;
};

/**
 * An update of a cluster that exists without Backtrack (its previous window 0 or absent) and is not
 * replaced: Backtrack cannot be turned on there. A window in the update would be refused by RDS
 * (the stack would fail and roll back), so it is stopped here with the way that works; an update
 * that leaves the window at 0 is let through, since blocking it makes nothing compliant (the scan
 * reports the cluster). Undefined for any other update.
 */
function existingWithoutBacktrack(
  previous: unknown,
  proposed: Record<string, unknown>,
  e: Evaluation,
  subject: string,
): Pick<HookResponse, 'hookStatus' | 'errorCode' | 'message'> | undefined {
  if (!isObject(previous) || e.scope === 'out-of-scope' || e.status === 'NOT_AVAILABLE') return undefined;
  if (REPLACING_PROPERTIES.some((k) => JSON.stringify(previous[k]) !== JSON.stringify(proposed[k]))) return undefined;
  if (windowOf(previous) !== 0) return undefined;
  const migrate = `aurora-backtrack-check migrate --cluster ${e.cluster.identifier} --region ${e.cluster.region}`;
  const way =
    `Backtrack can only be turned on when a cluster is created or restored: restore it into a new cluster with a window ` +
    `(${migrate} plans it), or give the resource a new DBClusterIdentifier so that CloudFormation creates a new cluster.`;
  const proposedWindow = windowOf(proposed);
  if (proposedWindow !== undefined && proposedWindow > 0) {
    return {
      hookStatus: 'FAILED',
      errorCode: 'NonCompliant',
      message: `${subject}: FAILED, the cluster exists without Backtrack and RDS refuses to turn it on in place (this update would fail). ${way}`,
    };
  }
  return {
    hookStatus: 'SUCCESS',
    message: `${subject}: ${e.status}, ${e.reason}; the cluster exists without Backtrack, so this update is not blocked. ${way}`,
  };
}

const subjectOf = (e: Evaluation, logicalId: string, action: 'create' | 'update') => {
  const name = e.cluster.identifier === logicalId ? logicalId : `${logicalId} (${e.cluster.identifier})`;
  return `Aurora Backtrack policy, ${action} of ${GUARDED_TYPE} ${name}`;
};

/** The hook's answer for one verdict. */
function answerFor(
  e: Evaluation,
  logicalId: string,
  action: 'create' | 'update',
): Pick<HookResponse, 'hookStatus' | 'errorCode' | 'message'> {
  const subject = subjectOf(e, logicalId, action);
  const tagNotes = e.tagProblems.length ? ` Tag problems: ${e.tagProblems.join('; ')}.` : '';
  if (e.scope === 'out-of-scope') return { hookStatus: 'SUCCESS', message: `${subject}: not judged, ${e.reason}.` };
  if (e.status === 'NOT_AVAILABLE') return { hookStatus: 'SUCCESS', message: `${subject}: NOT_AVAILABLE, ${e.reason}.` };
  if (e.status === 'PASSED') return { hookStatus: 'SUCCESS', message: `${subject}: PASSED, ${e.reason}.${tagNotes}` };
  if (e.exemption.active) {
    const until = e.exemption.cappedAt ?? e.exemption.until;
    const why = e.exemption.reason ? `, reason: ${e.exemption.reason}` : '';
    return {
      hookStatus: 'SUCCESS',
      message: `${subject}: exempt by tag${until ? ` until ${until}` : ''}${why}; without the exemption it is ${e.status}: ${e.reason}.${tagNotes}`,
    };
  }
  if (e.condition === 'unknown') {
    return {
      hookStatus: 'SUCCESS',
      message:
        `${subject}: NOT VERIFIED (${e.status}), ${e.reason}. It is let through unverified: the checker judges the cluster ` +
        `once it exists and alerts if it fails. ${e.remediation}${tagNotes}`,
    };
  }
  if (e.status === 'WARNING') return { hookStatus: 'SUCCESS', message: `${subject}: WARNING, ${e.reason}. ${e.remediation}${tagNotes}` };
  return {
    hookStatus: 'FAILED',
    errorCode: 'NonCompliant',
    message: `${subject}: FAILED, ${e.reason}. Fix: ${e.remediation}${tagNotes}`,
  };
}

/**
 * The hook's answer to one request. Never throws: a request it cannot read, or settings it cannot
 * load, is answered FAILED `InternalFailure` with what went wrong.
 */
export function answerHook(event: unknown, settings: () => GuardSettings, now: Date): HookResponse {
  const token = isObject(event) && typeof event.clientRequestToken === 'string' ? { clientRequestToken: event.clientRequestToken } : {};
  const internal = (problem: string): HookResponse => ({
    hookStatus: 'FAILED',
    errorCode: 'InternalFailure',
    message: clip(`Aurora Backtrack creation guard could not evaluate the request: ${problem}`),
    ...token,
  });
  const read = readHookRequest(event);
  if ('problem' in read) return internal(read.problem);
  const { requestData: data, actionInvocationPoint: point } = read.ok;
  const done = (message: string): HookResponse => ({ hookStatus: 'SUCCESS', message: clip(message), ...token });
  if (data.targetName !== GUARDED_TYPE) {
    return done(`Aurora Backtrack creation guard: ${data.targetName} ${data.targetLogicalId} is not an ${GUARDED_TYPE}: nothing to judge.`);
  }
  if (point === 'DELETE_PRE_PROVISION') return done(`Aurora Backtrack creation guard: deleting ${data.targetLogicalId} is not judged.`);
  const properties = data.targetModel?.resourceProperties;
  if (!isObject(properties)) return internal(`requestData.targetModel.resourceProperties of ${data.targetLogicalId} is not an object`);

  let guard: GuardSettings;
  try {
    guard = settings();
  } catch (err) {
    return internal(`the function's settings are invalid: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    const declared = clusterFromCloudFormation({
      logicalId: data.targetLogicalId,
      region: regionOf(read.ok.stackId, guard.homeRegion),
      properties,
    });
    const verdict = judgeDeclared(declared, guard.policy, now, windowFix(data.targetLogicalId));
    const action = point === 'CREATE_PRE_PROVISION' ? 'create' : 'update';
    const existing =
      action === 'update' && !verdict.exemption.active
        ? existingWithoutBacktrack(
            data.targetModel?.previousResourceProperties,
            properties,
            verdict,
            subjectOf(verdict, data.targetLogicalId, action),
          )
        : undefined;
    const answer = existing ?? answerFor(verdict, data.targetLogicalId, action);
    return { ...answer, message: clip(answer.message), ...token };
  } catch (err) {
    return internal(`evaluating ${data.targetLogicalId} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
