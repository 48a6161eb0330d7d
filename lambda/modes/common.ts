/** What the run modes share: loading and saving state, sending the alert, and the summary. */
import { describeError } from '../aws/errors';
import { publishAlert } from '../aws/sns';
import { Semaphore } from '../concurrency';
import type { AlertMessage } from '../core/alert';
import { degradationReport, type Degradation } from '../core/degradation';
import type { ClusterState, RunMeta } from '../core/state-types';
import { goneSettled, settle, stateChanged, type ClusterEvent } from '../core/transitions';
import type { AccountContext } from '../core/types';
import { abortedByDeadline, beforeDeadline, cutOffAt, finishBudget, withAbortSignal, type RunClock } from '../deadline';
import type { RegionOutcome, RunContext } from '../region-judge';
import type { CheckConfig, Deps, RegionReport, RunRequest, RunSummary } from '../run-types';
import { IMPORTS_IN_FLIGHT, StateWriter } from '../sinks';

export function newContext(
  config: CheckConfig,
  deps: Deps,
  account: AccountContext,
  now: Date,
  previous: Map<string, ClusterState>,
  clock: RunClock,
): RunContext {
  return {
    clock,
    config,
    deps,
    account,
    now,
    previous,
    ready: Promise.resolve(),
    judged: { count: 0 },
    imports: new Semaphore(IMPORTS_IN_FLIGHT),
    stateOk: true,
    // Items written while the Regions go on are cut off at the run's hard end too.
    writer: new StateWriter(deps.state, finishBudget(clock).save),
  };
}

async function loadPrevious(deps: Deps, accountId: string, degraded: Degradation[]) {
  try {
    const { clusters: previous, meta } = await deps.state.load(accountId);
    return { previous, meta, ok: true };
  } catch (err) {
    degraded.push({ kind: 'state-unavailable', cause: describeError(err) });
    return { previous: new Map<string, ClusterState>(), meta: undefined, ok: false };
  }
}

/** The remembered state, or none (a degradation) when the table does not answer before the deadline. */
export async function loadBeforeDeadline(deps: Deps, accountId: string, degraded: Degradation[], deadline: number | undefined) {
  // What the load reports counts only if it ends in time (a late failure must not add to the summary).
  const own: Degradation[] = [];
  const { value, late } = await beforeDeadline(
    deadline,
    () => loadPrevious(deps, accountId, own),
    () => {
      degraded.push({ kind: 'state-unavailable' });
      return { previous: new Map<string, ClusterState>(), meta: undefined, ok: false };
    },
  );
  if (!late) degraded.push(...own);
  return value;
}

/** Waits for the state written during the run; a failure is a degradation (the next run may repeat an alert). */
export async function finishStreamedState(ctx: RunContext, degraded: Degradation[]): Promise<void> {
  await ctx.writer.done();
  const [first] = ctx.writer.errors;
  if (first) degraded.push({ kind: 'state-not-saved', cause: first });
}

/**
 * Sends the alert. `signal` is its budget (lambda/deadline.ts finishBudget): an alert cut off by
 * it is reported as not published, with the deadline as the cause, and the caller saves the state
 * as not alerted so the next run repeats it.
 */
export async function deliver(
  deps: Deps,
  config: CheckConfig,
  message: AlertMessage | undefined,
  signal?: AbortSignal,
): Promise<RunSummary['alert'] | undefined> {
  if (!message) return undefined;
  const base = { subject: message.subject, message };
  // Member mode: the alert goes to the hub's bus, where EventBridge stamps this account on it.
  const hubBus = config.hubEventBusArn;
  if (hubBus !== undefined) {
    if (!deps.alertHub) return { ...base, published: false, error: `NoHubSender: no EventBridge client to send the alert to ${hubBus}` };
    try {
      const messageId = await cutOffAt(signal, 'EventBridge PutEvents', deps.alertHub(hubBus, message, signal));
      return { ...base, published: true, messageId };
    } catch (err) {
      const { code, message: text } = abortedByDeadline(signal, 'EventBridge PutEvents') ?? describeError(err);
      deps.log.error('alert not sent to the hub', { code, message: text });
      return { ...base, published: false, error: `${code}: ${text}` };
    }
  }
  if (!config.alertTopicArn) return { ...base, published: false };
  // A topic without a client to publish with is a wiring mistake: loud, never a quiet "not published".
  if (!deps.sns) return { ...base, published: false, error: `NoSnsClient: no SNS client to publish to ${config.alertTopicArn}` };
  try {
    const sns = signal ? withAbortSignal(deps.sns, signal) : deps.sns;
    const messageId = await cutOffAt(signal, 'SNS Publish', publishAlert(sns, config.alertTopicArn, message));
    return { ...base, published: true, messageId };
  } catch (err) {
    const { code, message: text } = abortedByDeadline(signal, 'SNS Publish') ?? describeError(err);
    deps.log.error('alert not published', { code, message: text });
    return { ...base, published: false, error: `${code}: ${text}` };
  }
}

/**
 * The state items the Regions leave once the alert went out or not: each waiting cluster settled
 * (what did not reach people or Security Hub is not remembered as done), unchanged ones left out,
 * and gone clusters removed once told and archived.
 */
export function settledWrites(outcomes: RegionOutcome[], delivered: boolean): { puts: ClusterState[]; removes: string[] } {
  const puts: ClusterState[] = [];
  const removes: string[] = [];
  for (const o of outcomes) {
    for (const step of o.steps) {
      const s = settle(step, delivered, !o.workflowFailed.has(step.state.pk));
      if (stateChanged(step.prev, s)) puts.push(s);
    }
    for (const g of o.gone) if (goneSettled(g, delivered, !o.archiveFailed.has(g.pk))) removes.push(g.pk);
  }
  return { puts, removes };
}

export async function saveState(
  deps: Deps,
  puts: ClusterState[],
  removes: string[],
  meta: RunMeta | undefined,
  degraded: Degradation[],
  /** Its budget: cut off at the run's hard end (lambda/deadline.ts finishBudget). */
  signal?: AbortSignal,
): Promise<void> {
  try {
    if (puts.length || removes.length || meta) await cutOffAt(signal, 'the state save', deps.state.write(puts, removes, meta, signal));
  } catch (err) {
    // Items written during the run may have failed already: one problem, reported once.
    if (degraded.some((d) => d.kind === 'state-not-saved')) return;
    degraded.push({ kind: 'state-not-saved', cause: abortedByDeadline(signal, 'the state save (BatchWriteItem)') ?? describeError(err) });
  }
}

export function summarize(
  request: RunRequest,
  account: AccountContext,
  startedAt: Date,
  deps: Deps,
  outcomes: RegionOutcome[],
  degraded: Degradation[],
  events: ClusterEvent[],
  alert: RunSummary['alert'] | undefined,
  keepEvaluations: boolean,
): RunSummary {
  const regions = outcomes.map((o) => o.report);
  const sum = (f: (r: RegionReport) => number) => regions.reduce((a, r) => a + f(r), 0);
  const summary: RunSummary = {
    mode: request.mode,
    accountId: account.accountId,
    partition: account.partition,
    startedAt: startedAt.toISOString(),
    finishedAt: deps.now().toISOString(),
    regions,
    totals: {
      clusters: sum((r) => r.clusters),
      inScope: sum((r) => r.clusters - r.outOfScope),
      outOfScope: sum((r) => r.outOfScope),
      failed: sum((r) => r.byStatus.FAILED),
      failedUnsuppressed: sum((r) => r.failedUnsuppressed),
      warning: sum((r) => r.byStatus.WARNING),
      passed: sum((r) => r.byStatus.PASSED),
      notAvailable: sum((r) => r.byStatus.NOT_AVAILABLE),
      suppressed: sum((r) => r.suppressed),
      notScannedRegions: regions.filter((r) => !r.scanned).length,
      rejectedClusters: sum((r) => r.rejected.length),
    },
    events: events.map((e) =>
      e.kind === 'deleted'
        ? { kind: e.kind, region: e.state.region, identifier: e.state.identifier }
        : { kind: e.kind, region: e.evaluation.cluster.region, identifier: e.evaluation.cluster.identifier },
    ),
    degraded: degraded.map(degradationReport),
    tagProblems: outcomes.flatMap((o) => o.tagProblems),
  };
  if (alert) summary.alert = alert;
  if (keepEvaluations) summary.evaluations = outcomes.flatMap((o) => o.evaluations);
  return summary;
}
