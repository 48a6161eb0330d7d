import { exemptionNote } from './finding';
import { forgetTagChanges, tagChanges, type TagChange } from './tag-audit';
import type { ClusterState } from './state-types';
import { clusterKey } from './state-types';
import type { Actor, ApiCall, ClusterFacts, Condition, Evaluation } from './types';
import { youngCluster, type YoungCluster } from './young-cluster';

/**
 * A cluster that had Backtrack and lost it: a window set to 0 can never be raised again on it. `by`
 * is who did it, when a CloudTrail call said so.
 */
export interface BacktrackLoss {
  at: string;
  by: Actor;
}

/**
 * Something people should be told about one cluster; `tagChanges` ride along with a verdict event,
 * `lost` with the event of a cluster whose window was set to 0, `young` with that of a cluster
 * created minutes ago without Backtrack (core/young-cluster.ts).
 */
export type ClusterEvent =
  | {
      kind: 'new-failure';
      evaluation: Evaluation;
      regression: boolean;
      tagChanges?: TagChange[];
      lost?: BacktrackLoss;
      young?: YoungCluster;
    }
  | { kind: 'changed'; evaluation: Evaluation; from: Condition; tagChanges?: TagChange[]; lost?: BacktrackLoss; young?: YoungCluster }
  | { kind: 'fixed'; evaluation: Evaluation; from: Condition; tagChanges?: TagChange[] }
  | { kind: 'exemption-expired'; evaluation: Evaluation; tagChanges?: TagChange[] }
  | { kind: 'tag-change'; evaluation: Evaluation; tagChanges: TagChange[] }
  | { kind: 'deleted'; state: ClusterState };

/** A Security Hub workflow change the checker must make with BatchUpdateFindings. */
export interface WorkflowChange {
  pk: string;
  region: string;
  resourceId: string;
  status: 'SUPPRESSED' | 'NEW';
  note: string;
}

/** The failing condition people must hear about, or 'none' (passing, not applicable, exempt). */
export function alertable(e: Evaluation): Condition | 'none' {
  if (e.exemption.active) return 'none';
  return e.status === 'FAILED' || e.status === 'WARNING' ? e.condition : 'none';
}

/**
 * When the cluster's target window was last raised, from what was remembered: a raise seen this run
 * is dated now; a lowered or unchanged window keeps the remembered date (a new cluster has none:
 * its creation time serves).
 */
export function windowRaisedAt(c: ClusterFacts, prev: ClusterState | undefined, now: Date): Date | undefined {
  const current = c.backtrackWindowSeconds ?? 0;
  if (prev?.windowSeconds !== undefined && current > prev.windowSeconds) return now;
  return prev?.windowSetAt ? new Date(prev.windowSetAt) : undefined;
}

/**
 * Whether this run sees a cluster lose Backtrack: its window is 0 and was > 0 when last judged, or
 * the CloudTrail call that triggered the re-check set it to 0 (ModifyDBCluster, backtrackWindow 0)
 * and the state did not already know it at 0.
 */
export function backtrackLostNow(c: ClusterFacts, prev: ClusterState | undefined, call?: ApiCall): boolean {
  if ((c.backtrackWindowSeconds ?? 0) > 0) return false;
  if ((prev?.windowSeconds ?? 0) > 0) return true;
  return call?.eventName === 'ModifyDBCluster' && call.backtrackWindow === 0 && prev?.windowSeconds === undefined;
}

/** Note of the workflow set on a cluster's finding the first time the checker remembers it, when not exempt. */
export const FIRST_SIGHT_NOTE = 'Not exempt: workflow set by aurora-backtrack-checker from the exemption tag (no active exemption).';

/**
 * The facts with what only memory knows: when the window was last raised and when the exemption
 * tag was first seen (the exemption cap counts from it).
 */
export function rememberedFacts(c: ClusterFacts, prev: ClusterState | undefined, now: Date, call?: ApiCall): ClusterFacts {
  const raisedAt = windowRaisedAt(c, prev, now);
  const lostAt = backtrackLostNow(c, prev, call)
    ? now
    : prev?.backtrackLostAt && (c.backtrackWindowSeconds ?? 0) === 0
      ? new Date(prev.backtrackLostAt)
      : undefined;
  return {
    ...c,
    ...(raisedAt && { windowSetAt: raisedAt }),
    ...(lostAt && { backtrackLostAt: lostAt }),
    ...(prev?.exemptSince && { exemptSince: new Date(prev.exemptSince) }),
  };
}

/** Next state of one evaluated cluster, assuming the alert about it is delivered. */
function nextState(
  e: Evaluation,
  prev: ClusterState | undefined,
  accountId: string,
  now: Date,
  firstSight: boolean,
  call: ApiCall | undefined,
): ClusterState {
  const c = e.cluster;
  const note = exemptionNote(e);
  const wantSuppressed = e.exemption.active;
  const reopen = prev?.workflow === 'SUPPRESSED' || (!prev && firstSight);
  const workflow = wantSuppressed ? 'SUPPRESSED' : reopen ? 'NEW' : prev?.workflow;
  const state: ClusterState = {
    pk: clusterKey(accountId, c.region, c.resourceId),
    accountId,
    region: c.region,
    resourceId: c.resourceId,
    identifier: c.identifier,
    arn: c.arn,
    status: e.status,
    condition: e.condition,
    since: prev && prev.condition === e.condition ? prev.since : now.toISOString(),
    suppressed: e.exemption.active,
    alerted: alertable(e),
    windowSeconds: c.backtrackWindowSeconds ?? 0,
  };
  const raisedAt = windowRaisedAt(c, prev, now);
  if (raisedAt) state.windowSetAt = raisedAt.toISOString();
  if (c.backtrackLostAt) {
    state.backtrackLostAt = c.backtrackLostAt.toISOString();
    const by = backtrackLostNow(c, prev, call) ? (call?.actor ?? { kind: 'unknown' }) : prev?.backtrackLostBy;
    if (by) state.backtrackLostBy = by;
  }
  if (e.exemption.reason && e.exemption.active) state.exemptReason = e.exemption.reason;
  if (e.exemption.until && (e.exemption.active || e.exemption.expired)) state.exemptUntil = e.exemption.until;
  if (e.exemption.cappedAt && (e.exemption.active || e.exemption.expired)) state.exemptCappedAt = e.exemption.cappedAt;
  if (e.exemption.claimed && e.exemption.since) state.exemptSince = e.exemption.since;
  if (e.policy.source === 'tag') state.policyHours = e.policy.requiredHours;
  if (e.exemption.expired) state.expiryAlerted = true;
  if (workflow) state.workflow = workflow;
  const workflowNote = wantSuppressed ? note : reopen ? undefined : prev?.workflowNote;
  if (workflowNote) state.workflowNote = workflowNote;
  return state;
}

function eventFor(e: Evaluation, prev: ClusterState | undefined, next: ClusterState, at: Date, call?: ApiCall): ClusterEvent | undefined {
  const now = alertable(e);
  const before = prev?.alerted ?? 'none';
  if (e.exemption.expired && !prev?.expiryAlerted) return { kind: 'exemption-expired', evaluation: e };
  if (now === before) return undefined;
  const lost: BacktrackLoss | undefined =
    now === 'disabled' && next.backtrackLostAt ? { at: next.backtrackLostAt, by: next.backtrackLostBy ?? { kind: 'unknown' } } : undefined;
  const young = youngCluster(e, at, call);
  if (now !== 'none' && before === 'none') {
    const regression = prev !== undefined && prev.status === 'PASSED';
    return { kind: 'new-failure', evaluation: e, regression, ...(lost && { lost }), ...(young && { young }) };
  }
  if (now !== 'none') return { kind: 'changed', evaluation: e, from: before as Condition, ...(lost && { lost }), ...(young && { young }) };
  // Failing before, not alertable now: an exemption added is silent by design; anything else is a fix.
  if (e.exemption.active) return undefined;
  return { kind: 'fixed', evaluation: e, from: before as Condition };
}

function workflowChange(
  e: Evaluation,
  prev: ClusterState | undefined,
  next: ClusterState,
  firstSight: boolean,
): WorkflowChange | undefined {
  const base = { pk: next.pk, region: next.region, resourceId: next.resourceId };
  if (!prev && firstSight && !e.exemption.active) return { ...base, status: 'NEW', note: FIRST_SIGHT_NOTE };
  if (e.exemption.active) {
    const note = next.workflowNote ?? '';
    if (prev?.workflow === 'SUPPRESSED' && prev.workflowNote === note) return undefined;
    return { ...base, status: 'SUPPRESSED', note };
  }
  if (prev?.workflow === 'SUPPRESSED') {
    const note = e.exemption.expired
      ? `Exemption expired (${e.exemption.until ?? 'no date'}): the cluster is judged again.`
      : 'Exemption removed: the cluster is judged again.';
    return { ...base, status: 'NEW', note };
  }
  return undefined;
}

/** The outcome of one evaluated cluster against what was remembered about it. */
export interface ClusterStep {
  state: ClusterState;
  event?: ClusterEvent;
  workflow?: WorkflowChange;
}

/**
 * Compares one in-scope evaluation with its remembered state.
 * - `firstSight`: the state persists and a cluster without any was never seen by it (a new cluster,
 *   or a new or emptied table), so its finding may exist with any workflow: the workflow is set
 *   explicitly, SUPPRESSED when exempt and NEW when not (the exemption tag is the only way to
 *   suppress the checker's findings).
 * - `firstSighting`: name the tags of a cluster without remembered state (see tagChanges).
 * - `call`: the CloudTrail call that triggered a re-check (who set a window to 0, when a cluster was created).
 */
export function stepCluster(
  e: Evaluation,
  prev: ClusterState | undefined,
  accountId: string,
  now: Date,
  sight: { firstSight?: boolean; firstSighting?: boolean; call?: ApiCall } = {},
): ClusterStep {
  const firstSighting = sight.firstSighting ?? false;
  const state = nextState(e, prev, accountId, now, sight.firstSight ?? false, sight.call);
  const step: ClusterStep = { state };
  const changes = tagChanges(e, prev, firstSighting);
  const verdict = eventFor(e, prev, state, now, sight.call);
  const event: ClusterEvent | undefined = verdict
    ? { ...verdict, ...(changes.length && { tagChanges: changes }) }
    : changes.length
      ? { kind: 'tag-change', evaluation: e, tagChanges: changes }
      : undefined;
  if (event) step.event = event;
  const change = workflowChange(e, prev, state, sight.firstSight ?? false);
  if (change) step.workflow = change;
  return step;
}

/**
 * Whether a cluster's next state waits for the end of the run: an event whose alert may not go out,
 * or a workflow Security Hub may not take. Any other changed state is written at once.
 */
export const waitsForRunEnd = (step: ClusterStep): boolean => step.event !== undefined || step.workflow !== undefined;

/**
 * Remembered clusters of `region` that this run did not see. Call only for a Region whose cluster
 * list was read in full; `keep` names state keys that must not be declared gone (clusters whose
 * description was unusable this run).
 */
export function goneClusters(
  previous: Iterable<ClusterState>,
  region: string,
  seen: ReadonlySet<string>,
  accountId: string,
  keep: ReadonlySet<string> = new Set(),
): { gone: ClusterState[]; events: ClusterEvent[] } {
  const gone: ClusterState[] = [];
  const events: ClusterEvent[] = [];
  for (const s of previous) {
    if (s.region !== region || s.accountId !== accountId || seen.has(s.pk) || keep.has(s.pk)) continue;
    gone.push(s);
    if (s.alerted !== 'none') events.push({ kind: 'deleted', state: s });
  }
  return { gone, events };
}

/** True when two states differ in anything stored (so unchanged items are not rewritten). */
export function stateChanged(a: ClusterState | undefined, b: ClusterState): boolean {
  if (!a) return true;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof ClusterState>;
  for (const k of keys) if (a[k] !== b[k]) return true;
  return false;
}

/** One cluster's step as the run keeps it until the alert is sent (unchanged clusters are not kept). */
export interface PendingStep {
  state: ClusterState;
  prev?: ClusterState;
  event?: ClusterEvent;
}

/**
 * The state to store for a cluster once the run knows what reached people and Security Hub: an
 * event whose alert was not delivered is not remembered as told (the next run tells it again), and
 * a workflow Security Hub did not take is not remembered as set (the next run sets it again).
 */
export function settle(step: PendingStep, delivered: boolean, workflowOk: boolean): ClusterState {
  const s: ClusterState = { ...step.state };
  const prev = step.prev;
  if (step.event && !delivered) {
    s.alerted = prev?.alerted ?? 'none';
    // A regression nobody was told about keeps the verdict it regressed from, so the alert sent
    // again by the next run still says "was passing".
    if (step.event.kind === 'new-failure' && step.event.regression && prev) s.status = prev.status;
    if (prev?.expiryAlerted) s.expiryAlerted = true;
    else delete s.expiryAlerted;
    if (step.event.kind !== 'deleted' && step.event.tagChanges?.length) forgetTagChanges(s, prev);
  }
  if (!workflowOk) {
    if (prev?.workflow) s.workflow = prev.workflow;
    else delete s.workflow;
    if (prev?.workflowNote) s.workflowNote = prev.workflowNote;
    else delete s.workflowNote;
  }
  return s;
}

/**
 * Whether a gone cluster's state item may be removed: its deletion was told (or there was nothing
 * to tell) and its finding was archived (else the next run archives it again).
 */
export const goneSettled = (gone: ClusterState, delivered: boolean, archived: boolean): boolean =>
  (gone.alerted === 'none' || delivered) && archived;
