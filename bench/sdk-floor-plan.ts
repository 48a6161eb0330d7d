/**
 * What the SDK floor sends, built once before it is timed: for each Region the role of every
 * cluster DescribeDBClusters will list (its finding, its state item, whether its verdict reads
 * CloudWatch), the findings and state items themselves, and the alert. Findings, state items and
 * alert come from the checker's own pure code (lambda/core: evaluate, toFinding, stepCluster,
 * buildAlert) over the same facts and metrics the fake serves, so the SDK floor sends the same
 * bytes the checker does.
 */
import { CLUSTERS_PER_METRICS_CALL, LOOK_BACK_MS } from '../lambda/aws/cloudwatch';
import { MAX_PAGE_SIZE } from '../lambda/aws/rds';
import { FINDINGS_PER_CALL, NOTE_UPDATED_BY, UPDATE_LANES, workflowCalls } from '../lambda/aws/security-hub';
import { BATCH_WRITE_LIMIT } from '../lambda/aws/state';
import { IMPORT_LANES, STATE_WRITES_IN_FLIGHT } from '../lambda/sinks';
import type { AlertMessage } from '../lambda/core/alert';
import { buildAlert } from '../lambda/core/alert';
import { evaluate } from '../lambda/core/evaluate';
import { type Finding, findingId, productArn, toFinding } from '../lambda/core/finding';
import { type ClusterState, clusterKey, metaKey, policySignature, type RunMeta } from '../lambda/core/state-types';
import {
  type ClusterEvent,
  rememberedFacts,
  stateChanged,
  stepCluster,
  waitsForRunEnd,
  type WorkflowChange,
} from '../lambda/core/transitions';
import type { AccountContext, BacktrackMetrics, ClusterFacts, Policy } from '../lambda/core/types';
import type { Fleet, SyntheticCluster } from './fleet';
import type { RunKind } from './minimum-calls';
import type { RateLimit } from '../emulator/aws-limits';
import { DEFAULT_TAG_PREFIX } from '../lambda/config';
import { DEFAULT_MAX_EXEMPTION_DAYS } from '../lambda/core/rules';
import { BENCH_MIN_WINDOW_HOURS } from './fleet';

/** The policy every bench run judges by: the defaults, with the fleet's minimum window. */
export const BENCH_POLICY: Policy = {
  minWindowHours: BENCH_MIN_WINDOW_HOURS,
  tagPrefix: DEFAULT_TAG_PREFIX,
  exemptTagKey: `${DEFAULT_TAG_PREFIX}exempt`,
  maxExemptionDays: DEFAULT_MAX_EXEMPTION_DAYS,
  backtrackRegions: [],
};

/** The checker's schedule, which the SDK floor keeps: the batch sizes of its adapters (lambda/aws/*). */
export const SCHEDULE = {
  /** DescribeDBClusters MaxRecords. */
  pageSize: MAX_PAGE_SIZE,
  /** Clusters per GetMetricData call: 6 queries each, at most 500 queries. */
  clustersPerMetricsCall: CLUSTERS_PER_METRICS_CALL,
  findingsPerImport: FINDINGS_PER_CALL,
  /** BatchImportFindings calls in flight per Region. */
  importsInFlight: IMPORT_LANES,
  /** BatchUpdateFindings calls in flight per Region. */
  updatesInFlight: UPDATE_LANES,
  /** BatchWriteItem: items per call and calls in flight. */
  itemsPerWrite: BATCH_WRITE_LIMIT,
  writesInFlight: STATE_WRITES_IN_FLIGHT,
  /** Metrics look back one day. */
  lookBackMs: LOOK_BACK_MS,
} as const;

/**
 * The role of one listed cluster: index of its finding (absent: out of scope), of its state item
 * written as soon as it is judged (absent: unchanged, or the item waits for the alert), and its
 * metrics.
 */
export interface ClusterRole {
  finding?: number;
  state?: number;
  /** Its verdict reads CloudWatch; `writer` is its writer instance, if any. */
  metrics?: { writer?: string };
}

export interface RegionPlan {
  region: string;
  /** DBClusterIdentifier → role. */
  clusters: Record<string, ClusterRole>;
  findings: Finding[];
  /**
   * The Region's BatchUpdateFindings calls, sent once its imports are in (the findings exist by
   * then): on a first run every cluster's workflow is set (the table remembers none of them).
   */
  updates: WorkflowCall[];
  /**
   * The Region has failing clusters whose workflow the run leaves as remembered: after its updates,
   * it asks GetFindings (paged) for those a hand edit or another tool suppressed or resolved.
   */
  checkHidden: boolean;
  /** State items that depend on nothing but the cluster's verdict. */
  stateItems: ClusterState[];
}

/** One BatchUpdateFindings call: one (status, note) pair, at most 100 findings. */
export interface WorkflowCall {
  status: 'NEW' | 'SUPPRESSED';
  note?: { Text: string; UpdatedBy: string };
  ids: { Id: string; ProductArn: string }[];
}

/** The checker's BatchUpdateFindings calls for these changes (lambda/aws/security-hub.ts workflowCalls). */
function workflowCallsOf(changes: WorkflowChange[], account: AccountContext): WorkflowCall[] {
  const updates = changes.map((w) => ({
    id: findingId(account.accountId, w.region, w.resourceId),
    productArn: productArn(account.partition, w.region, account.accountId),
    status: w.status,
    note: w.note,
  }));
  return workflowCalls(updates).map(({ input, batch }) => ({
    status: batch[0]?.status ?? 'NEW',
    ...(input.Note?.Text !== undefined && { note: { Text: input.Note.Text, UpdatedBy: NOTE_UPDATED_BY } }),
    ids: batch.map((u) => ({ Id: u.id, ProductArn: u.productArn })),
  }));
}

export interface SdkFloorPlan {
  run: RunKind;
  homeRegion: string;
  tableName: string;
  topicArn: string;
  accountId: string;
  /** The checker's SDK client settings (lambda/default-deps.ts CLIENT_SETTINGS). */
  clientSettings: { maxAttempts: number; retryMode: string };
  /** Security Hub's BatchImportFindings limit per Region, paced on the client side. */
  importLimit: RateLimit;
  schedule: typeof SCHEDULE;
  /** Run time of the checker the findings were built for (metrics look back from here). */
  now: string;
  regions: RegionPlan[];
  /**
   * State items that can only be written once the alert is out (their cluster has something to
   * tell people). With the Regions' stateItems: every in-scope cluster on a first run, none on a
   * steady one.
   */
  afterAlert: ClusterState[];
  /** The run-meta item, written with them when it changed (a first run writes it). */
  meta?: RunMeta;
  /** The alert the run publishes, if any. */
  alert?: AlertMessage;
}

/** ClusterFacts as lambda/aws/rds.ts toClusterFacts reads them from the fake's DescribeDBClusters. */
export function clusterFactsOf(c: SyntheticCluster): ClusterFacts {
  return {
    region: c.region,
    identifier: c.identifier,
    arn: c.arn,
    resourceId: c.resourceId,
    engine: c.engine,
    engineVersion: c.engineVersion,
    engineMode: c.engineMode,
    ...(c.backtrackWindow !== undefined && { backtrackWindowSeconds: c.backtrackWindow }),
    ...(c.earliestBacktrackTime && { earliestBacktrackTime: c.earliestBacktrackTime }),
    createdAt: c.createdAt,
    ...(c.globalClusterIdentifier && { globalClusterIdentifier: c.globalClusterIdentifier }),
    readReplicaIdentifiers: [],
    serverlessV2: c.serverlessV2,
    status: 'available',
    ...(c.instanceIds[0] && { writerInstanceId: c.instanceIds[0] }),
    tags: Object.fromEntries(c.tags.map((t) => [t.Key, t.Value])),
    // What bench/fake-aws/rds.ts describes for every cluster: default network, encrypted, protected.
    restore: {
      dbSubnetGroup: 'default-vpc',
      vpcSecurityGroupIds: [`sg-0${c.resourceId.slice(8, 20).toLowerCase().slice(0, 16)}`],
      dbClusterParameterGroup: `default.${c.engine === 'aurora' ? 'aurora5.6' : c.engine === 'aurora-mysql' ? `aurora-mysql${c.engineVersion.slice(0, 3)}` : c.engine}`,
      kmsKeyId: `arn:aws:kms:${c.region}:${c.arn.split(':')[4] ?? ''}:key/0b5c7d1e-5f2a-4c1b-9e2d-${c.resourceId.slice(8, 20).toLowerCase()}`,
      port: c.port,
      deletionProtection: true,
      iamDatabaseAuthentication: false,
      cloudwatchLogsExports: [],
      storageType: 'aurora',
      ...(c.serverlessV2 && { serverlessV2Scaling: { minCapacity: 0.5, maxCapacity: 16 } }),
      copyTagsToSnapshot: true,
      backupRetentionPeriod: 7,
      preferredBackupWindow: '03:00-03:30',
      preferredMaintenanceWindow: 'sun:05:00-sun:05:30',
      associatedRoles: [],
      engineVersion: c.engineVersion,
    },
  };
}

/**
 * The metrics lambda/aws/cloudwatch.ts getBacktrackMetrics derives from the fake's CloudWatch
 * (bench/fake-aws/cloudwatch.ts): data under one dimension set, constant over the day.
 */
export function metricsOf(c: SyntheticCluster): BacktrackMetrics | undefined {
  if (!c.backtrackWindow) return undefined;
  if (c.metricsSource === 'writer-instance' && !c.instanceIds[0]) return undefined;
  return {
    windowActualMinutes: c.backtrackWindow / 60,
    windowAlertCount: 0,
    changeRecordsPer5Min: c.changeRecordsPer5Min,
    source: c.metricsSource,
  };
}

export interface PlanOptions {
  policy: Policy;
  /** Checker run time of the first run; the steady run is a minute later. */
  now: Date;
  homeRegion: string;
  tableName: string;
  topicArn: string;
  clientSettings: { maxAttempts: number; retryMode: string };
  importLimit: RateLimit;
}

/**
 * One run of the checker over the fleet, judged the way lambda/region-judge.ts RegionJudge judges it, with
 * `previous` the state the run starts from. Returns the plan and the state a next run would find.
 * `state` false: an audit from one seat (`scan --accounts`), which keeps no state table, sends no
 * alert and sets no workflow.
 */
function planRun(fleet: Fleet, run: RunKind, now: Date, previous: Map<string, ClusterState>, o: PlanOptions, state = true) {
  const account: AccountContext = { accountId: fleet.accountId, partition: 'aws' };
  const afterAlert: ClusterState[] = [];
  const events: ClusterEvent[] = [];
  const next = new Map(previous);
  const regions = fleet.regions.map((region): RegionPlan => {
    const plan: RegionPlan = { region, clusters: {}, findings: [], updates: [], checkHidden: false, stateItems: [] };
    const workflow: WorkflowChange[] = [];
    for (const sc of fleet.byRegion.get(region) ?? []) {
      const facts = clusterFactsOf(sc);
      const prev = previous.get(clusterKey(account.accountId, region, facts.resourceId));
      const c = rememberedFacts(facts, prev, now);
      const first = evaluate(c, o.policy, now);
      const wantsMetrics = first.scope === 'in-scope' && (first.condition === 'ok' || first.condition === 'actual-short');
      const e = wantsMetrics ? evaluate(c, o.policy, now, metricsOf(sc)) : first;
      const role: ClusterRole = wantsMetrics ? { metrics: c.writerInstanceId ? { writer: c.writerInstanceId } : {} } : {};
      if (e.scope === 'in-scope') {
        // With a state table, as the checker keeps one: a cluster the table does not remember gets
        // its workflow set (BatchUpdateFindings), and its item waits for that and for the alert.
        const step = stepCluster(e, prev, account.accountId, now, { firstSight: state, firstSighting: previous.size > 0 });
        if (step.event) events.push(step.event);
        // Without a state table no workflow is set; with one, a failing cluster whose workflow this
        // run leaves alone is checked against what Security Hub shows.
        if (state && step.workflow) workflow.push(step.workflow);
        else if (state && (e.status === 'FAILED' || e.status === 'WARNING')) plan.checkHidden = true;
        // Without a state table nothing is written and nothing waits for an alert.
        if (state && waitsForRunEnd(step)) afterAlert.push(step.state);
        else if (state && stateChanged(prev, step.state)) {
          role.state = plan.stateItems.length;
          plan.stateItems.push(step.state);
        }
        next.set(step.state.pk, step.state);
        role.finding = plan.findings.length;
        plan.findings.push(toFinding(e, account, now, prev?.since));
      }
      plan.clusters[facts.identifier] = role;
    }
    plan.updates = workflowCallsOf(workflow, account);
    return plan;
  });
  const alert = state ? buildAlert({ account, now, events, degraded: [], recovered: [] }) : undefined;
  const plan: SdkFloorPlan = {
    run,
    homeRegion: o.homeRegion,
    tableName: o.tableName,
    topicArn: o.topicArn,
    accountId: account.accountId,
    clientSettings: o.clientSettings,
    importLimit: o.importLimit,
    schedule: SCHEDULE,
    now: now.toISOString(),
    regions,
    afterAlert,
    // A first run finds no meta item; a steady run finds it unchanged (same policy, no degradation).
    ...(state &&
      previous.size === 0 && {
        meta: { pk: metaKey(account.accountId), accountId: account.accountId, degraded: [], policy: policySignature(o.policy) },
      }),
    ...(alert && { alert }),
  };
  return { plan, next };
}

/** The plans of a first run (empty state) and of a steady run (the same fleet a minute later). */
export function buildSdkFloorPlans(fleet: Fleet, o: PlanOptions): Record<RunKind, SdkFloorPlan> {
  const first = planRun(fleet, 'first', o.now, new Map(), o);
  const steady = planRun(fleet, 'steady', new Date(o.now.getTime() + 60_000), first.next, o);
  return { first: first.plan, steady: steady.plan };
}

/**
 * The plan of one account's part of an audit from one seat (`scan --accounts … --publish-findings`):
 * a first run with no state table and no alert, in the fleet's own account.
 */
export function buildAuditPlan(fleet: Fleet, o: PlanOptions): SdkFloorPlan {
  return planRun(fleet, 'first', o.now, new Map(), o, false).plan;
}

/** wall / max(floor, SDK floor): how far a run is from the larger of the two floors. */
export function ratioToFloors(wallMs: number, floorMs: number, sdkFloorMs: number | undefined): number {
  const floor = Math.max(floorMs, sdkFloorMs ?? 0);
  return floor > 0 ? wallMs / floor : NaN;
}

/** The SDK floor of an audit of an organization from one seat (bench/sdk-floor-org-child.ts). */
export interface OrgSdkFloorPlan {
  homeRegion: string;
  /** The audit role assumed in every account. */
  roleName: string;
  /** Accounts in flight at once (`--account-concurrency`). */
  concurrency: number;
  clientSettings: { maxAttempts: number; retryMode: string };
  /** Organizations ListAccounts: its rate (paced on the client side) and its largest page. */
  listLimit: RateLimit;
  accountsPerPage: number;
  /** Each account's part (buildAuditPlan), by account id. */
  accounts: SdkFloorPlan[];
}

export interface OrgPlanOptions extends PlanOptions {
  roleName: string;
  concurrency: number;
  listLimit: RateLimit;
  accountsPerPage: number;
}

/** The organization's plan: every account's audit plan, built from its own fleet. */
export function buildOrgSdkFloorPlan(fleets: readonly Fleet[], o: OrgPlanOptions): OrgSdkFloorPlan {
  return {
    homeRegion: o.homeRegion,
    roleName: o.roleName,
    concurrency: o.concurrency,
    clientSettings: o.clientSettings,
    listLimit: o.listLimit,
    accountsPerPage: o.accountsPerPage,
    accounts: fleets.map((f) => buildAuditPlan(f, o)),
  };
}
