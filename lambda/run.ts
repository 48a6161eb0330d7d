import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { SNSClient } from '@aws-sdk/client-sns';
import { getBacktrackMetrics } from './aws/cloudwatch';
import { describeError } from './aws/errors';
import { describeCluster, listClusterPages } from './aws/rds';
import { updateWorkflow } from './aws/security-hub';
import { publishAlert } from './aws/sns';
import type { StateStore } from './aws/state';
import { FindingSink, IMPORTS_IN_FLIGHT, mapLimit, Semaphore, StateWriter } from './sinks';
import { beforeDeadline, DEADLINE_EXCEEDED, DeadlineExceededError, runClock, withAbortSignal, type RunClock } from './deadline';
import { acquireRunLease, releaseRunLease, type LeaseOutcome } from './lease';
import { buildAlert, buildReminder, type AlertMessage, type Degradation } from './core/alert';
import { evaluate } from './core/evaluate';
import { archivedFinding, findingId, productArn, toFinding } from './core/finding';
import { clusterKey, metaKey, policySignature, type ClusterState, type RunMeta } from './core/state-types';
import { forgetTagChanges } from './core/tag-audit';
import { goneClusters, rememberedFacts, stateChanged, stepCluster, type ClusterEvent, type WorkflowChange } from './core/transitions';
import type { AccountContext, ClusterFacts, ComplianceStatus, Evaluation, Policy } from './core/types';

/** What a run is asked to do. */
export type RunRequest = { mode: 'scan' } | { mode: 'reminder' } | { mode: 'recheck'; region: string; identifier: string; trigger: string };

export interface RunOptions {
  /**
   * Epoch ms (wall clock) the whole run must be over by. Region work stops earlier, leaving a fifth
   * of the time (2–60 s) to publish the alert, save the state and free the lease; a Region not
   * finished by then is reported as not scanned. Undefined: no deadline.
   */
  deadline?: number;
}

export { Semaphore } from './sinks';

export interface CheckConfig {
  /** `all` = the Regions enabled in the account. */
  regions: 'all' | string[];
  policy: Policy;
  /** Import findings into Security Hub (and set workflow for exemptions). */
  publishFindings: boolean;
  /** Publish the alert to this topic when something changed. */
  alertTopicArn?: string;
  /** Read CloudWatch Backtrack metrics for the actual window and the cost hint. */
  actualWindow: boolean;
  reminderAfterDays: number;
  /** DescribeDBClusters page size (20–100). */
  pageSize?: number;
  /** Keep every evaluation in the summary (the CLI prints them; the Lambda does not need them). */
  keepEvaluations?: boolean;
  /** Judge only clusters whose identifier this accepts (CLI `--cluster`; never with a state table). */
  clusterFilter?: (identifier: string) => boolean;
  /** Regions scanned at once. */
  regionConcurrency?: number;
}

export interface RegionClients {
  rds: RDSClient;
  securityHub: SecurityHubClient;
  cloudWatch: CloudWatchClient;
}

export interface Logger {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

/** Everything a run touches, injected so tests and shells can swap it. */
export interface Deps {
  now(): Date;
  account(): Promise<AccountContext>;
  enabledRegions(): Promise<string[]>;
  clients(region: string): RegionClients;
  sns?: SNSClient;
  state: StateStore;
  /** True when `state` persists between runs (a table); false for the in-memory store. */
  persistentState: boolean;
  log: Logger;
  /** Told as the scan goes on (the CLI shows it on a terminal): Regions done, clusters judged. */
  progress?: (p: ScanProgress) => void;
}

export interface ScanProgress {
  regionsDone: number;
  regionsTotal: number;
  clustersJudged: number;
}

export interface RegionReport {
  region: string;
  scanned: boolean;
  /** Why the Region was not scanned, or what went wrong in it. */
  error?: string;
  clusters: number;
  outOfScope: number;
  byStatus: Record<ComplianceStatus, number>;
  suppressed: number;
  /** FAILED clusters that are not exempt (what the CLI's exit status counts). */
  failedUnsuppressed: number;
  rejected: { identifier?: string; reason: string }[];
  findings: { imported: number; failed: number; notPublished?: string };
  archived: number;
}

export interface RunSummary {
  mode: RunRequest['mode'];
  accountId: string;
  partition: string;
  startedAt: string;
  finishedAt: string;
  regions: RegionReport[];
  totals: {
    clusters: number;
    inScope: number;
    outOfScope: number;
    failed: number;
    failedUnsuppressed: number;
    warning: number;
    passed: number;
    notAvailable: number;
    suppressed: number;
    notScannedRegions: number;
    rejectedClusters: number;
  };
  events: { kind: ClusterEvent['kind']; region: string; identifier: string }[];
  /** Every problem with the checker itself in this run (not only the new ones). */
  degraded: Degradation[];
  /** Tag problems found on clusters ("identifier (region): problem"). */
  tagProblems: string[];
  alert?: { subject: string; published: boolean; messageId?: string; error?: string; message?: AlertMessage };
  evaluations?: Evaluation[];
  /** The run did nothing (no alert, no state written), and why: another run held the lease, or a reminder was sent recently. */
  skipped?: { reason: string };
}

const emptyStatus = (): Record<ComplianceStatus, number> => ({ PASSED: 0, WARNING: 0, FAILED: 0, NOT_AVAILABLE: 0 });
/** GetMetricData takes 500 queries: 3 metrics × 2 dimension sets per cluster. */
const CLUSTERS_PER_METRICS_CALL = 83;
/** Regions scanned at once by default: every commercial Region fits. */
const MAX_REGION_CONCURRENCY = 40;

interface RunContext {
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
}

interface RegionOutcome {
  report: RegionReport;
  steps: { state: ClusterState; prev?: ClusterState; event?: ClusterEvent }[];
  gone: ClusterState[];
  goneEvents: ClusterEvent[];
  workflowFailed: Set<string>;
  /** State keys of gone clusters whose ARCHIVED finding Security Hub did not take. */
  archiveFailed: Set<string>;
  degraded: Degradation[];
  evaluations: Evaluation[];
  tagProblems: string[];
}

function newOutcome(region: string): RegionOutcome {
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
  };
}

/** Evaluates clusters of one Region as they arrive: metrics in batches, findings in batches. */
class RegionJudge {
  private pendingMetrics: ClusterFacts[] = [];
  private metricsChain: Promise<void> = Promise.resolve();
  private metricsQueued = 0;
  private readonly workflow: WorkflowChange[] = [];
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
    const c = rememberedFacts(facts, prev, this.ctx.now);
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
      let metrics = new Map<string, import('./core/types').BacktrackMetrics>();
      try {
        metrics = await getBacktrackMetrics(this.clients.cloudWatch, batch, this.ctx.now);
      } catch (err) {
        const { code, message } = describeError(err);
        const key = `metrics-unavailable#${this.out.report.region}`;
        if (!this.out.degraded.some((d) => d.key === key)) {
          this.out.degraded.push({
            key,
            region: this.out.report.region,
            message: `${this.out.report.region}: CloudWatch Backtrack metrics could not be read (${code}: ${message}); actual windows judged from EarliestBacktrackTime only`,
          });
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
    });
    this.seen.add(pk);
    if (step.workflow) this.workflow.push(step.workflow);
    // Unchanged clusters are not kept, and changed ones with nothing to alert or set are written at
    // once: at fleet scale, memory holds only what waits for the alert or for BatchUpdateFindings.
    const waits = step.event !== undefined || step.workflow !== undefined;
    if (waits) {
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

  /** Waits for metrics and imports, then applies workflow changes (the findings exist by then). */
  async done(): Promise<void> {
    this.flushMetrics();
    await this.metricsChain;
  }

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
      if (result.failed.length) {
        this.out.degraded.push({
          key: `workflow-not-updated#${this.out.report.region}`,
          region: this.out.report.region,
          message: `${this.out.report.region}: ${result.failed.length} finding workflow update(s) (exemptions) rejected by Security Hub: ${result.failed[0]?.code}: ${result.failed[0]?.message}`,
        });
      }
    } catch (err) {
      for (const w of updates) this.out.workflowFailed.add(w.pk);
      const { code, message } = describeError(err);
      this.out.degraded.push({
        key: `workflow-not-updated#${this.out.report.region}`,
        region: this.out.report.region,
        message: `${this.out.report.region}: exemption workflow could not be set in Security Hub (${code}: ${message})`,
      });
    }
  }
}

/** A gone cluster keeps its state until its finding is archived (or findings are not published at all). */
function noteArchiveFailures(out: RegionOutcome, sink: FindingSink, account: AccountContext): void {
  for (const g of out.gone) {
    if (sink.failedIds.has(findingId(account.accountId, g.region, g.resourceId))) out.archiveFailed.add(g.pk);
  }
}

/** Records a Region as not scanned: its clusters were not judged, and none is declared deleted. */
function notScanned(out: RegionOutcome, code: string, message: string): void {
  const region = out.report.region;
  out.report.error = `${code}: ${message}`;
  out.degraded.push({
    key: `region-not-scanned#${region}`,
    region,
    message: `${region}: Region not scanned (${code}: ${message}); its clusters were not judged this run`,
  });
}

/** The outcome of a Region abandoned at the deadline (what its work still does is discarded). */
function abandonedRegion(ctx: RunContext, region: string): RegionOutcome {
  const out = newOutcome(region);
  const budget = (ctx.clock.regionsBy ?? ctx.clock.startedMs) - ctx.clock.startedMs;
  notScanned(out, DEADLINE_EXCEEDED, new DeadlineExceededError('the Region', budget).message);
  ctx.deps.log.error('Region abandoned at the run deadline', { region, budgetMs: budget });
  return out;
}

/** Every SDK call of these clients carries `signal`. */
const abortable = (c: RegionClients, signal: AbortSignal): RegionClients => ({
  rds: withAbortSignal(c.rds, signal),
  securityHub: withAbortSignal(c.securityHub, signal),
  cloudWatch: withAbortSignal(c.cloudWatch, signal),
});

async function scanRegion(ctx: RunContext, region: string, signal: AbortSignal): Promise<RegionOutcome> {
  const out = newOutcome(region);
  const clients = abortable(ctx.deps.clients(region), signal);
  const sink = new FindingSink(ctx.config.publishFindings ? clients.securityHub : undefined, region, ctx.deps.log, ctx.imports);
  const judge = new RegionJudge(ctx, out, clients, sink, signal);
  const keep = new Set<string>();
  let complete = true;
  try {
    const pages = listClusterPages(clients.rds, region, { pageSize: ctx.config.pageSize ?? 100 });
    // The first page is fetched while the state loads; each next page while this one is judged.
    let next = pages.next();
    next.catch(() => undefined);
    await ctx.ready;
    for (let r = await next; !r.done; r = await next) {
      next = pages.next();
      next.catch(() => undefined);
      const page = r.value;
      for (const c of page.clusters) judge.add(c);
      for (const r of page.rejected) {
        out.report.rejected.push(r);
        // A cluster we could not read must not be mistaken for a deleted one.
        const match = [...ctx.previous.values()].filter((s) => s.region === region && s.identifier === r.identifier);
        if (match.length === 0) complete = false;
        for (const s of match) keep.add(s.pk);
      }
      await judge.ready();
    }
    out.report.scanned = true;
  } catch (err) {
    const { code, message } = describeError(err);
    notScanned(out, code, message);
  }
  await judge.done();
  // A Region abandoned at the deadline was not read in full: none of its clusters is gone.
  if (out.report.scanned && complete && !signal.aborted) {
    const { gone, events } = goneClusters(ctx.previous.values(), region, judge.seen, ctx.account.accountId, keep);
    out.gone = gone;
    out.goneEvents = events;
    for (const s of gone) sink.add(archivedFinding(s, ctx.account, ctx.now));
    out.report.archived = gone.length;
  }
  if (out.report.rejected.length) {
    out.degraded.push({
      key: `clusters-unreadable#${region}`,
      region,
      message: `${region}: ${out.report.rejected.length} cluster(s) not judged because DescribeDBClusters returned an unusable description (${out.report.rejected[0]?.reason})`,
    });
  }
  await sink.done();
  noteArchiveFailures(out, sink, ctx.account);
  out.report.findings = { imported: sink.imported, failed: sink.failed, ...(sink.notPublished ? { notPublished: sink.notPublished } : {}) };
  if (sink.notPublished) {
    const notEnabled = sink.notPublished.startsWith('Security Hub is not enabled');
    out.degraded.push({
      key: `${notEnabled ? 'security-hub-not-enabled' : 'findings-not-published'}#${region}`,
      region,
      message: `${region}: findings not published — ${sink.notPublished}`,
    });
  } else if (sink.callError) {
    out.degraded.push({
      key: `findings-not-published#${region}`,
      region,
      message: `${region}: ${sink.failed} finding(s) not published — Security Hub import failed in ${region}: ${sink.callError.code}: ${sink.callError.message}`,
    });
  } else if (sink.failed > 0) {
    out.degraded.push({
      key: `findings-rejected#${region}`,
      region,
      message: `${region}: ${sink.failed} finding(s) rejected by Security Hub after a retry`,
    });
  }
  await judge.applyWorkflow();
  return out;
}

/** State to store for a cluster, undoing what did not reach people or Security Hub. */
function settle(
  step: { state: ClusterState; prev?: ClusterState; event?: ClusterEvent },
  delivered: boolean,
  workflowOk: boolean,
): ClusterState {
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

async function deliver(deps: Deps, config: CheckConfig, message: AlertMessage | undefined): Promise<RunSummary['alert'] | undefined> {
  if (!message) return undefined;
  const base = { subject: message.subject, message };
  if (!config.alertTopicArn || !deps.sns) return { ...base, published: false };
  try {
    const messageId = await publishAlert(deps.sns, config.alertTopicArn, message);
    return { ...base, published: true, messageId };
  } catch (err) {
    const { code, message: text } = describeError(err);
    deps.log.error('alert not published', { code, message: text });
    return { ...base, published: false, error: `${code}: ${text}` };
  }
}

function summarize(
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
    degraded,
    tagProblems: outcomes.flatMap((o) => o.tagProblems),
  };
  if (alert) summary.alert = alert;
  if (keepEvaluations) summary.evaluations = outcomes.flatMap((o) => o.evaluations);
  return summary;
}

async function resolveRegions(config: CheckConfig, deps: Deps): Promise<string[]> {
  return config.regions === 'all' ? deps.enabledRegions() : config.regions;
}

async function loadPrevious(deps: Deps, accountId: string, degraded: Degradation[]) {
  try {
    const { clusters: previous, meta } = await deps.state.load(accountId);
    return { previous, meta, ok: true };
  } catch (err) {
    const { code, message } = describeError(err);
    degraded.push({
      key: 'state-unavailable',
      message: `state table could not be read (${code}: ${message}); alerts for cluster changes are held back this run`,
    });
    return { previous: new Map<string, ClusterState>(), meta: undefined, ok: false };
  }
}

async function saveState(
  deps: Deps,
  puts: ClusterState[],
  removes: string[],
  meta: RunMeta | undefined,
  degraded: Degradation[],
): Promise<void> {
  try {
    if (puts.length || removes.length) await deps.state.write(puts, removes);
    if (meta) await deps.state.saveMeta(meta);
  } catch (err) {
    const { code, message } = describeError(err);
    // Items written during the run may have failed already: one problem, reported once.
    if (degraded.some((d) => d.key === 'state-not-saved')) return;
    degraded.push({
      key: 'state-not-saved',
      message: `state table could not be written (${code}: ${message}); the next run may repeat this run's alert`,
    });
  }
}

function newContext(
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
    writer: new StateWriter(deps.state),
  };
}

/** Waits for the state written during the run; a failure is a degradation (the next run may repeat an alert). */
async function finishStreamedState(ctx: RunContext, degraded: Degradation[]): Promise<void> {
  await ctx.writer.done();
  if (ctx.writer.errors.length) {
    degraded.push({
      key: 'state-not-saved',
      message: `state table could not be written (${ctx.writer.errors[0]}); the next run may repeat this run's alert`,
    });
  }
}

/** The remembered state, or none (a degradation) when the table does not answer before the deadline. */
async function loadBeforeDeadline(deps: Deps, accountId: string, degraded: Degradation[], deadline: number | undefined) {
  // What the load reports counts only if it ends in time (a late failure must not add to the summary).
  const own: Degradation[] = [];
  const { value, late } = await beforeDeadline(
    deadline,
    () => loadPrevious(deps, accountId, own),
    () => {
      degraded.push({
        key: 'state-unavailable',
        message: `state table did not answer before the run's deadline; alerts for cluster changes are held back this run`,
      });
      return { previous: new Map<string, ClusterState>(), meta: undefined, ok: false };
    },
  );
  if (!late) degraded.push(...own);
  return value;
}

/** The scheduled scan: every cluster of every watched Region. */
async function scan(config: CheckConfig, deps: Deps, account: AccountContext, startedAt: Date, clock: RunClock): Promise<RunSummary> {
  const degraded: Degradation[] = [];
  const request: RunRequest = { mode: 'scan' };
  const ctx = newContext(config, deps, account, startedAt, new Map(), clock);
  const stateLoad = loadBeforeDeadline(deps, account.accountId, degraded, clock.regionsBy).then((loaded) => {
    ctx.previous = loaded.previous;
    ctx.stateOk = loaded.ok;
    return loaded;
  });
  ctx.ready = stateLoad.then(() => undefined);
  let regions: string[];
  try {
    const listed = await beforeDeadline(
      clock.regionsBy,
      () => resolveRegions(config, deps),
      () => undefined,
    );
    if (!listed.value) throw new DeadlineExceededError('listing the enabled Regions', (clock.regionsBy ?? 0) - clock.startedMs);
    regions = listed.value;
  } catch (err) {
    const { code, message } = describeError(err);
    degraded.push({
      key: 'regions-not-listed',
      message: `the account's enabled Regions could not be listed (${code}: ${message}); nothing was scanned`,
    });
    regions = [];
  }
  let regionsDone = 0;
  const tell = () => deps.progress?.({ regionsDone, regionsTotal: regions.length, clustersJudged: ctx.judged.count });
  const ticker = deps.progress ? setInterval(tell, 250) : undefined;
  const outcomes = await mapLimit(regions, config.regionConcurrency ?? MAX_REGION_CONCURRENCY, async (r) => {
    const { value } = await beforeDeadline(
      clock.regionsBy,
      (signal) => scanRegion(ctx, r, signal),
      () => abandonedRegion(ctx, r),
    );
    regionsDone += 1;
    tell();
    return value;
  }).finally(() => clearInterval(ticker));
  const { meta, ok: stateOk } = await stateLoad;
  const policy = policySignature(config.policy);
  if (meta?.policy && meta.policy !== policy) {
    // A second checker (say, the CLI with --state-table) judging by another policy would alert
    // changes that are only the difference between the two policies.
    deps.log.warn(
      `the state table was last written by a scan with another policy (${meta.policy}); this run uses ${policy}: its alert reflects this run's policy`,
    );
  }
  await finishStreamedState(ctx, degraded);
  for (const o of outcomes) degraded.push(...o.degraded);

  const clusterEvents: ClusterEvent[] = stateOk
    ? outcomes.flatMap((o) => [...o.steps.flatMap((s) => (s.event ? [s.event] : [])), ...o.goneEvents])
    : [];
  const before = new Set(meta?.degraded ?? []);
  const nowKeys = new Set(degraded.map((d) => d.key));
  const newDegraded = degraded.filter((d) => !before.has(d.key));
  const recovered = [...before].filter((k) => !nowKeys.has(k));
  const message = buildAlert({ account, now: startedAt, events: clusterEvents, degraded: newDegraded, recovered });
  const alert = await deliver(deps, config, message);
  const delivered = alert?.published ?? false;

  if (stateOk) {
    const puts: ClusterState[] = [];
    const removes: string[] = [];
    for (const o of outcomes) {
      for (const step of o.steps) {
        const s = settle(step, delivered, !o.workflowFailed.has(step.state.pk));
        if (stateChanged(step.prev, s)) puts.push(s);
      }
      for (const g of o.gone) {
        const told = g.alerted === 'none' || delivered;
        if (told && !o.archiveFailed.has(g.pk)) removes.push(g.pk);
      }
    }
    const degradedKeys = message && !delivered ? [...before] : [...nowKeys];
    const nextMeta: RunMeta = { pk: metaKey(account.accountId), accountId: account.accountId, degraded: degradedKeys.sort(), policy };
    if (meta?.lastReminderAt) nextMeta.lastReminderAt = meta.lastReminderAt;
    const metaChanged =
      meta?.policy !== policy ||
      !meta ||
      [...(meta.degraded ?? [])].sort().join('\n') !== nextMeta.degraded.join('\n') ||
      meta.lastReminderAt !== nextMeta.lastReminderAt;
    await saveState(deps, puts, removes, metaChanged ? nextMeta : undefined, degraded);
  }
  return summarize(request, account, startedAt, deps, outcomes, degraded, clusterEvents, alert, config.keepEvaluations ?? false);
}

/** Re-checks one cluster after an RDS API call (CloudTrail via EventBridge). */
async function recheck(
  config: CheckConfig,
  deps: Deps,
  account: AccountContext,
  startedAt: Date,
  request: Extract<RunRequest, { mode: 'recheck' }>,
  clock: RunClock,
): Promise<RunSummary> {
  const degraded: Degradation[] = [];
  const { region, identifier } = request;
  const out = newOutcome(region);
  const watched = config.regions === 'all' || config.regions.includes(region);
  if (!watched) {
    deps.log.info('re-check skipped: Region not watched', { region, identifier });
    return summarize(request, account, startedAt, deps, [], degraded, [], undefined, false);
  }
  const { previous, ok: stateOk } = await loadBeforeDeadline(deps, account.accountId, degraded, clock.regionsBy);
  // At the deadline the Region's calls are aborted: the re-check fails (reported) and the run finishes.
  const signal =
    clock.regionsBy === undefined ? new AbortController().signal : AbortSignal.timeout(Math.max(0, clock.regionsBy - Date.now()));
  const clients = abortable(deps.clients(region), signal);
  const sink = new FindingSink(config.publishFindings ? clients.securityHub : undefined, region, deps.log);
  const ctx = newContext(config, deps, account, startedAt, previous, clock);
  ctx.stateOk = stateOk;
  const judge = new RegionJudge(ctx, out, clients, sink);
  try {
    const facts = await describeCluster(clients.rds, region, identifier);
    out.report.scanned = true;
    if (facts) judge.add(facts);
    else {
      // Gone: only the remembered cluster of that name in that Region is archived.
      const gone = [...previous.values()].filter((s) => s.region === region && s.identifier === identifier);
      out.gone = gone;
      out.goneEvents = gone.filter((s) => s.alerted !== 'none').map((state) => ({ kind: 'deleted' as const, state }));
      for (const s of gone) sink.add(archivedFinding(s, account, startedAt));
      out.report.archived = gone.length;
    }
  } catch (err) {
    const { code, message } = signal.aborted
      ? { code: DEADLINE_EXCEEDED, message: new DeadlineExceededError('the re-check', (clock.regionsBy ?? 0) - clock.startedMs).message }
      : describeError(err);
    out.report.error = `${code}: ${message}`;
    degraded.push({
      key: `recheck-failed#${region}`,
      region,
      message: `${region}: cluster ${identifier} could not be re-checked (${code}: ${message})`,
    });
  }
  await judge.done();
  await sink.done();
  noteArchiveFailures(out, sink, account);
  out.report.findings = { imported: sink.imported, failed: sink.failed, ...(sink.notPublished ? { notPublished: sink.notPublished } : {}) };
  if (sink.notPublished)
    degraded.push({ key: `findings-not-published#${region}`, region, message: `${region}: findings not published — ${sink.notPublished}` });
  await judge.applyWorkflow();
  await finishStreamedState(ctx, degraded);
  degraded.push(...out.degraded);
  const events = stateOk ? [...out.steps.flatMap((s) => (s.event ? [s.event] : [])), ...out.goneEvents] : [];
  const message = buildAlert({ account, now: startedAt, events, degraded: [], recovered: [] });
  const alert = await deliver(deps, config, message);
  const delivered = alert?.published ?? false;
  if (stateOk) {
    const puts = out.steps
      .map((step) => ({ step, s: settle(step, delivered, !out.workflowFailed.has(step.state.pk)) }))
      .filter(({ step, s }) => stateChanged(step.prev, s))
      .map(({ s }) => s);
    const removes = out.gone.filter((g) => (g.alerted === 'none' || delivered) && !out.archiveFailed.has(g.pk)).map((g) => g.pk);
    await saveState(deps, puts, removes, undefined, degraded);
  }
  return summarize(request, account, startedAt, deps, [out], degraded, events, alert, config.keepEvaluations ?? false);
}

/**
 * A reminder is not sent twice within this time. The Lambda does not know the reminder schedule;
 * 12 h lets a daily schedule through (even when its runs drift by minutes) and stops the repeats
 * an overlapping run, a retried invocation or a manual run would send.
 */
export const REMINDER_MIN_GAP_MS = 12 * 3_600_000;

/** The periodic digest from the state table. */
async function remind(config: CheckConfig, deps: Deps, account: AccountContext, startedAt: Date, clock: RunClock): Promise<RunSummary> {
  const degraded: Degradation[] = [];
  const { previous, meta, ok } = await loadBeforeDeadline(deps, account.accountId, degraded, clock.regionsBy);
  let alert: RunSummary['alert'];
  const last = meta?.lastReminderAt ? Date.parse(meta.lastReminderAt) : NaN;
  if (ok && startedAt.getTime() - last < REMINDER_MIN_GAP_MS) {
    const reason = `a reminder was already sent at ${meta?.lastReminderAt}, less than ${REMINDER_MIN_GAP_MS / 3_600_000} h ago`;
    deps.log.info('reminder skipped', { reason });
    return { ...summarize({ mode: 'reminder' }, account, startedAt, deps, [], degraded, [], undefined, false), skipped: { reason } };
  }
  if (ok) {
    const cutoff = startedAt.getTime() - config.reminderAfterDays * 86_400_000;
    const states = [...previous.values()];
    const stale = states
      .filter((s) => (s.status === 'FAILED' || s.status === 'WARNING') && !s.suppressed && Date.parse(s.since) <= cutoff)
      .map((state) => ({ state, days: Math.floor((startedAt.getTime() - Date.parse(state.since)) / 86_400_000) }));
    const exemptions = states.filter((s) => s.suppressed);
    alert = await deliver(deps, config, buildReminder(account, startedAt, stale, exemptions, config.reminderAfterDays));
    if (alert?.published) {
      const nextMeta: RunMeta = {
        pk: metaKey(account.accountId),
        accountId: account.accountId,
        degraded: meta?.degraded ?? [],
        lastReminderAt: startedAt.toISOString(),
        ...(meta?.policy && { policy: meta.policy }),
      };
      await saveState(deps, [], [], nextMeta, degraded);
    }
  }
  return summarize({ mode: 'reminder' }, account, startedAt, deps, [], degraded, [], alert, false);
}

/**
 * The whole job: regions → clusters → verdicts → findings, state and alerts. Every cluster of every
 * watched Region ends up judged or reported as not judged, with the reason.
 */
export async function runCheck(
  config: CheckConfig,
  deps: Deps,
  request: RunRequest = { mode: 'scan' },
  options: RunOptions = {},
): Promise<RunSummary> {
  const clock = runClock(options.deadline);
  // Who the account is (STS in the CLI) is bounded by the run's deadline too: an endpoint that never
  // answers must not hold the run past it.
  const { value: account, late } = await beforeDeadline(
    clock.regionsBy,
    () => deps.account(),
    () => undefined,
  );
  if (late || !account)
    throw new DeadlineExceededError('finding out the account (STS GetCallerIdentity)', (clock.regionsBy ?? 0) - clock.startedMs);
  // One run at a time per state table: a run that overlaps another waits for it, so it reads the
  // state the other saved and does not alert the same change again.
  const taken: LeaseOutcome = deps.persistentState
    ? await acquireRunLease(deps.state, account.accountId, request.mode, clock, deps.log)
    : { held: true, waitedMs: 0 };
  const startedAt = deps.now();
  if (!taken.held) return skippedRun(request, account, startedAt, deps, taken.reason);
  try {
    switch (request.mode) {
      case 'scan':
        return await scan(config, deps, account, startedAt, clock);
      case 'recheck':
        return await recheck(config, deps, account, startedAt, request, clock);
      case 'reminder':
        return await remind(config, deps, account, startedAt, clock);
    }
  } finally {
    await releaseRunLease(deps.state, taken.lease, deps.log);
  }
}

/**
 * A run that found the lease held for its whole wait does nothing. A skipped re-check is not a
 * problem (the run that held the lease judges the account); a skipped scan or reminder is: people
 * would otherwise not learn that the scheduled work did not happen.
 */
function skippedRun(request: RunRequest, account: AccountContext, startedAt: Date, deps: Deps, reason: string): RunSummary {
  const degraded: Degradation[] =
    request.mode === 'recheck'
      ? []
      : [{ key: 'run-skipped', message: `${request.mode} skipped: ${reason}; nothing was judged, alerted or saved by this run` }];
  if (request.mode === 'recheck') deps.log.warn(`re-check skipped: ${reason}`);
  else deps.log.error(`${request.mode} skipped: ${reason}`);
  return { ...summarize(request, account, startedAt, deps, [], degraded, [], undefined, false), skipped: { reason } };
}

export { isDegraded } from './degraded';
