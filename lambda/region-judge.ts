/**
 * Judging the clusters of one Region as they arrive (metrics in batches, findings streamed), and
 * the one way every run mode finishes a Region: findings imported and archived, what Security Hub
 * did not take noted, workflow set, degradations recorded.
 */
import { CLUSTERS_PER_METRICS_CALL, getBacktrackMetrics } from './aws/cloudwatch';
import { describeError } from './aws/errors';
import { hiddenFindings, updateWorkflow, type HiddenFinding, type WorkflowUpdate } from './aws/security-hub';
import type { Semaphore } from './concurrency';
import type { RunClock } from './deadline';
import { findingsDegradation, type Degradation } from './core/degradation';
import type { ReassertedWorkflow } from './core/reasserted';
import { evaluate } from './core/evaluate';
import { findingId, productArn, toFinding } from './core/finding';
import { clusterKey, type ClusterState } from './core/state-types';
import {
  rememberedFacts,
  stateChanged,
  stepCluster,
  waitsForRunEnd,
  type ClusterEvent,
  type PendingStep,
  type WorkflowChange,
} from './core/transitions';
import type { AccountContext, ApiCall, BacktrackMetrics, ClusterFacts, ComplianceStatus, Evaluation } from './core/types';
import type { CheckConfig, Deps, RegionClients, RegionReport } from './run-types';
import type { FindingSink, StateWriter } from './sinks';

/** What every Region of a run shares. */
export interface RunContext {
  config: CheckConfig;
  deps: Deps;
  account: AccountContext;
  now: Date;
  /** Remembered state; filled in once `ready` resolves (it loads while the first pages are fetched). */
  previous: Map<string, ClusterState>;
  ready: Promise<void>;
  /** Shared by every Region's findings: bounds the imports in flight. */
  imports: Semaphore;
  /** Set once `ready` resolves: whether the remembered state could be read (else nothing is written). */
  stateOk: boolean;
  writer: StateWriter;
  clock: RunClock;
  /** Clusters judged so far over every Region (for progress). */
  judged: { count: number };
  /** The CloudTrail call a re-check was triggered by (who set a window to 0). */
  call?: ApiCall;
}

/** What one Region's work came to; the run's ending settles it once the alert is sent. */
export interface RegionOutcome {
  report: RegionReport;
  /** Clusters whose state waits for the alert or for BatchUpdateFindings. */
  steps: PendingStep[];
  gone: ClusterState[];
  goneEvents: ClusterEvent[];
  workflowFailed: Set<string>;
  /** State keys of gone clusters whose ARCHIVED finding Security Hub did not take. */
  archiveFailed: Set<string>;
  degraded: Degradation[];
  evaluations: Evaluation[];
  tagProblems: string[];
  /** Failing clusters whose finding was hidden outside the checker and whose workflow Security Hub took back. */
  reasserted: ReassertedWorkflow[];
}

const emptyStatus = (): Record<ComplianceStatus, number> => ({ PASSED: 0, WARNING: 0, FAILED: 0, NOT_AVAILABLE: 0 });

export function newOutcome(region: string): RegionOutcome {
  return {
    report: {
      region,
      scanned: false,
      clusters: 0,
      outOfScope: 0,
      byStatus: emptyStatus(),
      suppressed: 0,
      failedUnsuppressed: 0,
      rejected: [],
      findings: { imported: 0, failed: 0 },
      archived: 0,
    },
    steps: [],
    gone: [],
    goneEvents: [],
    workflowFailed: new Set(),
    archiveFailed: new Set(),
    degraded: [],
    evaluations: [],
    tagProblems: [],
    reasserted: [],
  };
}

/** The events of a Region's outcome: verdict and tag changes, then deletions. */
export const outcomeEvents = (o: RegionOutcome): ClusterEvent[] => [...o.steps.flatMap((s) => (s.event ? [s.event] : [])), ...o.goneEvents];

/** Evaluates clusters of one Region as they arrive: metrics in batches, findings in batches. */
export class RegionJudge {
  private pendingMetrics: ClusterFacts[] = [];
  private metricsChain: Promise<void> = Promise.resolve();
  private metricsQueued = 0;
  private readonly workflow: WorkflowChange[] = [];
  /**
   * Failing clusters whose workflow this run leaves as remembered, by finding id: the workflow the
   * state says is set (kept only by a run with persistent state that publishes findings).
   */
  private readonly remembered = new Map<string, { status: WorkflowUpdate['status']; note?: string; identifier: string }>();
  readonly seen = new Set<string>();

  constructor(
    private readonly ctx: RunContext,
    private readonly out: RegionOutcome,
    private readonly clients: RegionClients,
    readonly sink: FindingSink,
    /** Aborted when the Region is abandoned at the deadline: nothing more is judged or stored. */
    private readonly signal?: AbortSignal,
  ) {}

  add(facts: ClusterFacts): void {
    if (this.ctx.config.clusterFilter && !this.ctx.config.clusterFilter(facts.identifier)) return;
    const prev = this.ctx.previous.get(clusterKey(this.ctx.account.accountId, facts.region, facts.resourceId));
    const c = rememberedFacts(facts, prev, this.ctx.now, this.ctx.call);
    const e = evaluate(c, this.ctx.config.policy, this.ctx.now);
    const wantsMetrics = this.ctx.config.actualWindow && e.scope === 'in-scope' && (e.condition === 'ok' || e.condition === 'actual-short');
    if (!wantsMetrics) return this.finish(e);
    this.pendingMetrics.push(c);
    if (this.pendingMetrics.length >= CLUSTERS_PER_METRICS_CALL) this.flushMetrics();
  }

  private flushMetrics(): void {
    const batch = this.pendingMetrics.splice(0);
    if (batch.length === 0) return;
    this.metricsQueued += 1;
    this.metricsChain = this.metricsChain.then(async () => {
      this.metricsQueued -= 1;
      let metrics = new Map<string, BacktrackMetrics>();
      try {
        metrics = await getBacktrackMetrics(this.clients.cloudWatch, batch, this.ctx.now);
      } catch (err) {
        if (!this.out.degraded.some((d) => d.kind === 'metrics-unavailable')) {
          this.out.degraded.push({ kind: 'metrics-unavailable', region: this.out.report.region, cause: describeError(err) });
        }
      }
      for (const c of batch) this.finish(evaluate(c, this.ctx.config.policy, this.ctx.now, metrics.get(c.arn)));
    });
  }

  private finish(e: Evaluation): void {
    if (this.signal?.aborted) return;
    const r = this.out.report;
    r.clusters += 1;
    this.ctx.judged.count += 1;
    if (this.ctx.config.keepEvaluations) this.out.evaluations.push(e);
    if (e.scope === 'out-of-scope') {
      r.outOfScope += 1;
      return;
    }
    r.byStatus[e.status] += 1;
    if (e.exemption.active) r.suppressed += 1;
    else if (e.status === 'FAILED') r.failedUnsuppressed += 1;
    for (const p of e.tagProblems) this.out.tagProblems.push(`${e.cluster.identifier} (${e.cluster.region}): ${p}`);
    const { accountId } = this.ctx.account;
    const pk = clusterKey(accountId, e.cluster.region, e.cluster.resourceId);
    const prev = this.ctx.previous.get(pk);
    const step = stepCluster(e, prev, accountId, this.ctx.now, {
      firstSight: this.ctx.deps.persistentState,
      firstSighting: this.ctx.previous.size > 0,
      ...(this.ctx.call && { call: this.ctx.call }),
    });
    // A run without persistent state never changes a finding's workflow: it cannot know how long an
    // exemption has lasted (its cap counts from the first sighting), nor what the deployed checker
    // set, and the deployed checker changes a workflow only when its own state changes.
    if (!this.ctx.deps.persistentState) delete step.workflow;
    this.seen.add(pk);
    if (step.workflow) this.workflow.push(step.workflow);
    else if (this.ctx.deps.persistentState && this.ctx.config.publishFindings && (e.status === 'FAILED' || e.status === 'WARNING')) {
      const note = step.state.workflowNote;
      this.remembered.set(findingId(accountId, e.cluster.region, e.cluster.resourceId), {
        status: step.state.workflow === 'SUPPRESSED' ? 'SUPPRESSED' : 'NEW',
        ...(note !== undefined && { note }),
        identifier: e.cluster.identifier,
      });
    }
    // Unchanged clusters are not kept, and changed ones with nothing to alert or set are written at
    // once: at fleet scale, memory holds only what waits for the alert or for BatchUpdateFindings.
    if (waitsForRunEnd(step)) {
      this.out.steps.push({ state: step.state, ...(prev ? { prev } : {}), ...(step.event ? { event: step.event } : {}) });
    } else if (this.ctx.stateOk && stateChanged(prev, step.state)) {
      this.ctx.writer.put(step.state);
    }
    this.sink.add(toFinding(e, this.ctx.account, this.ctx.now, prev?.since));
  }

  /** Back-pressure: resolves once at most one metrics batch waits behind the one in flight. */
  async ready(): Promise<void> {
    while (this.metricsQueued > 1) await this.metricsChain;
    await this.sink.ready();
  }

  /** Waits for the metrics batches and the verdicts that wait on them. */
  async done(): Promise<void> {
    this.flushMetrics();
    await this.metricsChain;
  }

  /**
   * Re-asserts the workflow the state remembers on failing clusters whose finding was set to
   * SUPPRESSED or RESOLVED outside the checker (a hand edit, another tool), so that nobody but the
   * exemption tag hides a failing cluster for good. One paged GetFindings per Region with failing
   * clusters, filtered to the findings that hide one; call after applyWorkflow.
   */
  async reassertWorkflow(): Promise<void> {
    const { account } = this.ctx;
    const region = this.out.report.region;
    if (this.remembered.size === 0 || this.sink.notPublished || !this.ctx.stateOk || this.signal?.aborted) return;
    let hidden: HiddenFinding[];
    try {
      hidden = await hiddenFindings(this.clients.securityHub, productArn(account.partition, region, account.accountId));
    } catch (err) {
      this.out.degraded.push({ kind: 'workflow-not-checked', region, cause: describeError(err) });
      return;
    }
    const setBack = new Map<string, ReassertedWorkflow>();
    const updates: WorkflowUpdate[] = hidden.flatMap((h) => {
      const want = this.remembered.get(h.id);
      if (!want || want.status === h.status || this.sink.failedIds.has(h.id)) return [];
      setBack.set(h.id, { region, identifier: want.identifier, found: h.status, setTo: want.status });
      return [
        {
          id: h.id,
          productArn: productArn(account.partition, region, account.accountId),
          status: want.status,
          note: reassertedNote(h.status, want),
        },
      ];
    });
    if (updates.length === 0) return;
    try {
      const result = await updateWorkflow(this.clients.securityHub, updates);
      const reasserted = updates.length - result.failed.length;
      if (reasserted > 0) this.out.report.reasserted = reasserted;
      // Only what Security Hub took is alerted; what it refused is a degradation below.
      const refused = new Set(result.failed.map((f) => f.id));
      for (const [id, r] of setBack) if (!refused.has(id)) this.out.reasserted.push(r);
      this.ctx.deps.log.warn('finding workflow set outside the checker re-asserted', {
        region,
        reasserted,
        findings: updates.slice(0, 5).map((u) => u.id),
      });
      const first = result.failed[0];
      if (first) {
        const cause = { code: first.code, message: first.message };
        this.out.degraded.push({ kind: 'workflow-not-updated', region, rejected: result.failed.length, cause });
      }
    } catch (err) {
      this.out.degraded.push({ kind: 'workflow-not-updated', region, cause: describeError(err) });
    }
  }

  /** Applies workflow changes (call once the findings are imported: they exist by then). */
  async applyWorkflow(): Promise<void> {
    const { account } = this.ctx;
    if (this.workflow.length === 0) return;
    if (!this.ctx.config.publishFindings || this.sink.notPublished) {
      for (const w of this.workflow) this.out.workflowFailed.add(w.pk);
      return;
    }
    // A finding Security Hub did not take cannot have its workflow set (it may not exist): it is
    // already reported as not published, and its workflow is set again by the next run.
    const unimported = (w: WorkflowChange) => this.sink.failedIds.has(findingId(account.accountId, w.region, w.resourceId));
    for (const w of this.workflow.filter(unimported)) this.out.workflowFailed.add(w.pk);
    const updates = this.workflow.filter((w) => !unimported(w));
    if (updates.length === 0) return;
    const region = this.out.report.region;
    try {
      const result = await updateWorkflow(
        this.clients.securityHub,
        updates.map((w) => ({
          id: findingId(account.accountId, w.region, w.resourceId),
          productArn: productArn(account.partition, w.region, account.accountId),
          status: w.status,
          note: w.note,
        })),
      );
      const failedIds = new Set(result.failed.map((f) => f.id));
      for (const w of updates) {
        if (failedIds.has(findingId(account.accountId, w.region, w.resourceId))) this.out.workflowFailed.add(w.pk);
      }
      const first = result.failed[0];
      if (first) {
        const cause = { code: first.code, message: first.message };
        this.out.degraded.push({ kind: 'workflow-not-updated', region, rejected: result.failed.length, cause });
      }
    } catch (err) {
      for (const w of updates) this.out.workflowFailed.add(w.pk);
      this.out.degraded.push({ kind: 'workflow-not-updated', region, cause: describeError(err) });
    }
  }
}

/** The note of a workflow re-asserted over someone else's SUPPRESSED or RESOLVED. */
export function reassertedNote(found: HiddenFinding['status'], remembered: { status: WorkflowUpdate['status']; note?: string }): string {
  const why =
    remembered.status === 'NEW'
      ? 'the cluster still fails the Backtrack check and has no active exemption (only the exemption tag suppresses this finding)'
      : (remembered.note ?? 'the cluster is exempt');
  return `Workflow ${found} set outside aurora-backtrack-checker; re-asserted as ${remembered.status}: ${why}.`;
}

/**
 * Finishes a Region in every run mode: waits for its imports (the findings, and the ARCHIVED ones
 * of gone clusters), keeps the state of a gone cluster whose archive Security Hub did not take,
 * records every finding that did not reach Security Hub as a degradation, then sets the workflow.
 */
export async function finishRegion(judge: RegionJudge, out: RegionOutcome, account: AccountContext): Promise<void> {
  const { sink } = judge;
  await sink.done();
  for (const g of out.gone) {
    if (sink.failedIds.has(findingId(account.accountId, g.region, g.resourceId))) out.archiveFailed.add(g.pk);
  }
  out.report.findings = { imported: sink.imported, failed: sink.failed, ...(sink.notPublished ? { notPublished: sink.notPublished } : {}) };
  const problem = findingsDegradation(out.report.region, sink.outcome());
  if (problem) out.degraded.push(problem);
  await judge.applyWorkflow();
  await judge.reassertWorkflow();
}
