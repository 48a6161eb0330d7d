import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { AwsSecurityFinding, SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { SNSClient } from '@aws-sdk/client-sns';
import { getBacktrackMetrics } from './aws/cloudwatch';
import { describeError, SecurityHubNotEnabledError } from './aws/errors';
import { describeCluster, listClusterPages } from './aws/rds';
import { importFindings, updateWorkflow } from './aws/security-hub';
import { publishAlert } from './aws/sns';
import type { StateStore } from './aws/state';
import { buildAlert, buildReminder, type AlertMessage, type Degradation } from './core/alert';
import { evaluate } from './core/evaluate';
import { archivedFinding, findingId, productArn, toFinding, type Finding } from './core/finding';
import { clusterKey, metaKey, type ClusterState, type RunMeta } from './core/state-types';
import { forgetTagChanges } from './core/tag-audit';
import { goneClusters, rememberedFacts, stateChanged, stepCluster, type ClusterEvent, type WorkflowChange } from './core/transitions';
import type { AccountContext, ClusterFacts, ComplianceStatus, Evaluation, Policy } from './core/types';

/** What a run is asked to do. */
export type RunRequest = { mode: 'scan' } | { mode: 'reminder' } | { mode: 'recheck'; region: string; identifier: string; trigger: string };

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
}

/** The run ended with the checker degraded (a Region not scanned, findings or alert not delivered). */
export class CheckDegradedError extends Error {
  constructor(readonly summary: RunSummary) {
    super(
      `Aurora Backtrack check degraded: ${summary.degraded.map((d) => d.message).join('; ')}` +
        (summary.alert?.error ? `; alert not published: ${summary.alert.error}` : ''),
    );
    this.name = 'CheckDegradedError';
  }
}

const emptyStatus = (): Record<ComplianceStatus, number> => ({ PASSED: 0, WARNING: 0, FAILED: 0, NOT_AVAILABLE: 0 });
/** GetMetricData takes 500 queries: 3 metrics × 2 dimension sets per cluster. */
const CLUSTERS_PER_METRICS_CALL = 83;
const FINDINGS_PER_IMPORT = 100;
/** Regions scanned at once by default: every commercial Region fits. */
const MAX_REGION_CONCURRENCY = 40;

/** Runs promises with at most `limit` at once, keeping order of results. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Import calls in flight at once per Region: within Security Hub's burst of 30, far from its 10 TPS. */
const IMPORT_LANES = 3;
/** Import calls in flight at once over all Regions: each holds 100 findings and their JSON in memory. */
const IMPORTS_IN_FLIGHT = 8;

/** A counting semaphore: at most `limit` holders at once, the rest wait in order. */
export class Semaphore {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(limit: number) {
    this.free = limit;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free -= 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free += 1;
    }
  }
}

/** Sends findings of one Region in batches of 100, a few calls at a time, while the scan goes on. */
class FindingSink {
  imported = 0;
  failed = 0;
  /** Ids of findings Security Hub did not take (after the retry). */
  readonly failedIds = new Set<string>();
  notPublished?: string;
  /** The first import call that failed as a whole (throttled, 5xx, connection lost) after the SDK's retries. */
  callError?: { code: string; message: string };
  private buffer: Finding[] = [];
  private readonly lanes: Promise<void>[] = Array.from({ length: IMPORT_LANES }, () => Promise.resolve());
  private batches = 0;
  /** Batches queued or in flight, and who waits for that number to drop. */
  private pending = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(
    private readonly client: SecurityHubClient | undefined,
    private readonly region: string,
    private readonly log: Logger,
    private readonly gate: Semaphore = new Semaphore(IMPORTS_IN_FLIGHT),
  ) {}

  add(f: Finding): void {
    if (!this.client) return;
    this.buffer.push(f);
    if (this.buffer.length >= FINDINGS_PER_IMPORT) this.flush();
  }

  private flush(): void {
    const batch = this.buffer.splice(0);
    if (batch.length === 0) return;
    const lane = this.batches++ % IMPORT_LANES;
    this.pending += 1;
    this.lanes[lane] = (this.lanes[lane] as Promise<void>)
      .then(() => this.gate.run(() => this.send(batch)))
      .finally(() => {
        this.pending -= 1;
        this.waiters.splice(0).forEach((wake) => wake());
      });
  }

  private async send(batch: Finding[]): Promise<void> {
    if (!this.client) return;
    if (this.notPublished) {
      this.failed += batch.length;
      for (const f of batch) this.failedIds.add(f.Id);
      return;
    }
    try {
      const result = await importFindings(this.client, batch as AwsSecurityFinding[]);
      this.imported += result.imported;
      this.failed += result.failed.length;
      this.callError ??= result.callError;
      for (const f of result.failed) this.failedIds.add(f.id);
      for (const f of result.failed.slice(0, 5)) {
        this.log.warn('finding rejected by Security Hub', { region: this.region, id: f.id, code: f.code, message: f.message });
      }
    } catch (err) {
      this.failed += batch.length;
      for (const f of batch) this.failedIds.add(f.Id);
      const { code, message } = describeError(err);
      this.notPublished =
        err instanceof SecurityHubNotEnabledError
          ? `Security Hub is not enabled in ${this.region}: ${message}`
          : `Security Hub import failed in ${this.region}: ${code}: ${message}`;
    }
  }

  /**
   * Back-pressure: resolves once no more than one batch per lane waits, so a Region that lists
   * faster than Security Hub takes findings does not pile them up in memory.
   */
  async ready(): Promise<void> {
    while (this.pending > IMPORT_LANES) await new Promise<void>((wake) => this.waiters.push(wake));
  }

  async done(): Promise<void> {
    this.flush();
    await Promise.all(this.lanes);
  }
}

/** State items at once in one BatchWriteItem, and such calls in flight over the whole run. */
const STATE_ITEMS_PER_WRITE = 25;
const STATE_WRITES_IN_FLIGHT = 8;

/**
 * Writes state items while the scan goes on: an item whose cluster has nothing to tell people and
 * no workflow to set does not depend on the alert, so it need not wait for it (nor stay in memory).
 */
class StateWriter {
  private buffer: ClusterState[] = [];
  private readonly writes: Promise<void>[] = [];
  readonly errors: string[] = [];
  private readonly gate = new Semaphore(STATE_WRITES_IN_FLIGHT);

  constructor(private readonly store: StateStore) {}

  put(state: ClusterState): void {
    this.buffer.push(state);
    if (this.buffer.length >= STATE_ITEMS_PER_WRITE) this.flush();
  }

  private flush(): void {
    const batch = this.buffer.splice(0);
    if (batch.length === 0) return;
    this.writes.push(
      this.gate
        .run(() => this.store.write(batch, []))
        .catch((err: unknown) => {
          const { code, message } = describeError(err);
          this.errors.push(`${code}: ${message}`);
        }),
    );
  }

  async done(): Promise<void> {
    this.flush();
    await Promise.all(this.writes);
  }
}

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
  ) {}

  add(facts: ClusterFacts): void {
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
    const r = this.out.report;
    r.clusters += 1;
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
    const step = stepCluster(e, prev, accountId, this.ctx.now, this.ctx.previous.size > 0);
    this.seen.add(pk);
    // With remembered state, a cluster never seen before has no finding yet: the import creates it
    // with its workflow (Security Hub honours Workflow on creation), so no BatchUpdateFindings.
    const createdSuppressed = !prev && this.ctx.deps.persistentState && step.workflow?.status === 'SUPPRESSED';
    if (step.workflow && !createdSuppressed) this.workflow.push(step.workflow);
    // Unchanged clusters are not kept, and changed ones with nothing to alert or set are written at
    // once: at fleet scale, memory holds only what waits for the alert or for BatchUpdateFindings.
    const waits = step.event !== undefined || (step.workflow !== undefined && !createdSuppressed);
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
    try {
      const result = await updateWorkflow(
        this.clients.securityHub,
        this.workflow.map((w) => ({
          id: findingId(account.accountId, w.region, w.resourceId),
          productArn: productArn(account.partition, w.region, account.accountId),
          status: w.status,
          note: w.note,
        })),
      );
      const failedIds = new Set(result.failed.map((f) => f.id));
      for (const w of this.workflow) {
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
      for (const w of this.workflow) this.out.workflowFailed.add(w.pk);
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

async function scanRegion(ctx: RunContext, region: string): Promise<RegionOutcome> {
  const out = newOutcome(region);
  const clients = ctx.deps.clients(region);
  const sink = new FindingSink(ctx.config.publishFindings ? clients.securityHub : undefined, region, ctx.deps.log, ctx.imports);
  const judge = new RegionJudge(ctx, out, clients, sink);
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
    out.report.error = `${code}: ${message}`;
    out.degraded.push({
      key: `region-not-scanned#${region}`,
      region,
      message: `${region}: Region not scanned (${code}: ${message}); its clusters were not judged this run`,
    });
  }
  await judge.done();
  if (out.report.scanned && complete) {
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

function newContext(config: CheckConfig, deps: Deps, account: AccountContext, now: Date, previous: Map<string, ClusterState>): RunContext {
  return {
    config,
    deps,
    account,
    now,
    previous,
    ready: Promise.resolve(),
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

/** The scheduled scan: every cluster of every watched Region. */
async function scan(config: CheckConfig, deps: Deps, account: AccountContext, startedAt: Date): Promise<RunSummary> {
  const degraded: Degradation[] = [];
  const request: RunRequest = { mode: 'scan' };
  const ctx = newContext(config, deps, account, startedAt, new Map());
  const stateLoad = loadPrevious(deps, account.accountId, degraded).then((loaded) => {
    ctx.previous = loaded.previous;
    ctx.stateOk = loaded.ok;
    return loaded;
  });
  ctx.ready = stateLoad.then(() => undefined);
  let regions: string[];
  try {
    regions = await resolveRegions(config, deps);
  } catch (err) {
    const { code, message } = describeError(err);
    degraded.push({
      key: 'regions-not-listed',
      message: `the account's enabled Regions could not be listed (${code}: ${message}); nothing was scanned`,
    });
    regions = [];
  }
  const outcomes = await mapLimit(regions, config.regionConcurrency ?? MAX_REGION_CONCURRENCY, (r) => scanRegion(ctx, r));
  const { meta, ok: stateOk } = await stateLoad;
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
    const nextMeta: RunMeta = { pk: metaKey(account.accountId), accountId: account.accountId, degraded: degradedKeys.sort() };
    if (meta?.lastReminderAt) nextMeta.lastReminderAt = meta.lastReminderAt;
    const metaChanged =
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
): Promise<RunSummary> {
  const degraded: Degradation[] = [];
  const { region, identifier } = request;
  const out = newOutcome(region);
  const watched = config.regions === 'all' || config.regions.includes(region);
  if (!watched) {
    deps.log.info('re-check skipped: Region not watched', { region, identifier });
    return summarize(request, account, startedAt, deps, [], degraded, [], undefined, false);
  }
  const { previous, ok: stateOk } = await loadPrevious(deps, account.accountId, degraded);
  const clients = deps.clients(region);
  const sink = new FindingSink(config.publishFindings ? clients.securityHub : undefined, region, deps.log);
  const ctx = newContext(config, deps, account, startedAt, previous);
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
    const { code, message } = describeError(err);
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

/** The periodic digest from the state table. */
async function remind(config: CheckConfig, deps: Deps, account: AccountContext, startedAt: Date): Promise<RunSummary> {
  const degraded: Degradation[] = [];
  const { previous, meta, ok } = await loadPrevious(deps, account.accountId, degraded);
  let alert: RunSummary['alert'];
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
export async function runCheck(config: CheckConfig, deps: Deps, request: RunRequest = { mode: 'scan' }): Promise<RunSummary> {
  const startedAt = deps.now();
  const account = await deps.account();
  switch (request.mode) {
    case 'scan':
      return scan(config, deps, account, startedAt);
    case 'recheck':
      return recheck(config, deps, account, startedAt, request);
    case 'reminder':
      return remind(config, deps, account, startedAt);
  }
}

/** True when the run left something undone that people must know about. */
export const isDegraded = (s: RunSummary): boolean => s.degraded.length > 0 || (s.alert !== undefined && s.alert.error !== undefined);
