/** What a run is asked, what it is given, and what it reports. */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { StateStore } from './aws/state';
import type { AlertMessage } from './core/alert';
import type { RunCompletedDetail } from './core/coverage';
import type { DegradationReport } from './core/degradation';
import type { ClusterEvent } from './core/transitions';
import type { AccountContext, ApiCall, ComplianceStatus, Evaluation, Policy } from './core/types';

/** What a run is asked to do. */
export type RunRequest =
  /** `baseline`: the deploy-time first scan; its alert is a baseline when no earlier run is remembered. */
  | { mode: 'scan'; baseline?: boolean }
  | { mode: 'reminder' }
  /** `call`: the CloudTrail call that triggered it (absent for a re-check queued on the lease). */
  | { mode: 'recheck'; region: string; identifier: string; trigger: string; call?: ApiCall };

export interface RunOptions {
  /**
   * Epoch ms (wall clock) the whole run must be over by. Region work stops earlier, leaving a fifth
   * of the time (2–60 s) to publish the alert, save the state and free the lease; a Region not
   * finished by then is reported as not scanned. Undefined: no deadline.
   */
  deadline?: number;
}

export interface CheckConfig {
  /** `all` = the Regions enabled in the account. */
  regions: 'all' | string[];
  policy: Policy;
  /** Import findings into Security Hub (and, with persistent state only, set and re-assert their workflow). */
  publishFindings: boolean;
  /** Publish the alert to this topic when something changed. */
  alertTopicArn?: string;
  /** Member mode: tell this hub event bus after every scan that the account's checker ran. */
  hubEventBusArn?: string;
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
  /**
   * Member mode: sends the run's report to `hubEventBusArn` (EventBridge PutEvents), aborted by
   * `signal` (the run's finish budget); absent: no hub to tell.
   */
  tellHub?: (busArn: string, detail: RunCompletedDetail, signal?: AbortSignal) => Promise<void>;
  /**
   * Member mode: sends the alert to `hubEventBusArn` as a "Checker alert" event (the hub's relay
   * publishes it with the account EventBridge stamps), aborted by `signal` (the run's finish
   * budget); returns the EventId. Absent: no hub to tell.
   */
  alertHub?: (busArn: string, message: AlertMessage, signal?: AbortSignal) => Promise<string>;
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
  /** Failing clusters whose finding someone else had SUPPRESSED or RESOLVED, set back to the remembered workflow. */
  reasserted?: number;
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
  degraded: DegradationReport[];
  /** Tag problems found on clusters ("identifier (region): problem"). */
  tagProblems: string[];
  alert?: { subject: string; published: boolean; messageId?: string; error?: string; message?: AlertMessage };
  evaluations?: Evaluation[];
  /** The run did nothing (no alert, no state written), and why: another run held the lease, or a reminder was sent recently. */
  skipped?: { reason: string };
  /** Re-checks other runs queued on this run's lease, which it ran before releasing it (each with its own alert). */
  queuedRechecks?: Omit<RunSummary, 'evaluations'>[];
}
