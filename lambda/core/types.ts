/**
 * The facts the checker judges and the results it produces. Pure data: no SDK types leak past
 * the adapters in lambda/aws, so the rules in lambda/core can be tested without AWS.
 */

/** What DescribeDBClusters says about one cluster, reduced to what the rules use. */
export interface ClusterFacts {
  region: string;
  identifier: string;
  arn: string;
  /** DbClusterResourceId: immutable, survives renames; the key for state and finding ids. */
  resourceId: string;
  engine: string;
  engineVersion: string;
  /** `provisioned`, `serverless`, `multimaster`, `global`, `parallelquery`; absent means provisioned. */
  engineMode?: string;
  /** Target window in seconds; absent is treated as 0 (disabled). */
  backtrackWindowSeconds?: number;
  earliestBacktrackTime?: Date;
  createdAt?: Date;
  /**
   * When the target window last changed, as remembered between runs (not from AWS). A raised window
   * fills from that moment, like a new cluster's.
   */
  windowSetAt?: Date;
  globalClusterIdentifier?: string;
  replicationSourceIdentifier?: string;
  readReplicaIdentifiers: string[];
  serverlessV2: boolean;
  status?: string;
  writerInstanceId?: string;
  tags: Record<string, string>;
  /** What a restore into a new cluster must carry over (network, parameters, encryption). */
  restore?: RestoreSettings;
  /**
   * When the window was seen dropping from > 0 to 0, as remembered between runs (not from AWS): a
   * window set to 0 can never be raised again on this cluster.
   */
  backtrackLostAt?: Date;
  /**
   * When the exemption tag was first seen saying `true`, as remembered between runs (not from AWS):
   * the exemption is capped at that moment plus maxExemptionDays.
   */
  exemptSince?: Date;
}

/**
 * Who made an AWS API call, from CloudTrail's `userIdentity`. Its text comes from outside (a role
 * session name is chosen by the caller): messages show it only through plainText / slackText.
 */
export type Actor =
  | { kind: 'arn'; arn: string }
  | { kind: 'principal'; type: string; principalId: string }
  | { kind: 'service'; service: string }
  | { kind: 'unknown' };

/** The CloudTrail call that triggered a re-check: its name, who made it and the window it asked for. */
export interface ApiCall {
  eventName: string;
  actor: Actor;
  /** `requestParameters.backtrackWindow` of a ModifyDBCluster, seconds, when the call set one. */
  backtrackWindow?: number;
  /** CloudTrail's eventTime, when given. */
  eventTime?: string;
}

/** The source cluster's settings a pasted restore command must repeat (else AWS uses defaults). */
export interface RestoreSettings {
  dbSubnetGroup?: string;
  vpcSecurityGroupIds: string[];
  dbClusterParameterGroup?: string;
  /** KMS key of an encrypted cluster. */
  kmsKeyId?: string;
  port?: number;
  deletionProtection: boolean;
  iamDatabaseAuthentication: boolean;
  cloudwatchLogsExports: string[];
  /** `aurora` (Standard) or `aurora-iopt1` (I/O-Optimized); a restore without it comes back Standard. */
  storageType?: string;
  /** Serverless v2 capacity range (ACUs); a `db.serverless` instance cannot be added without it. */
  serverlessV2Scaling?: { minCapacity?: number; maxCapacity?: number; secondsUntilAutoPause?: number };
  copyTagsToSnapshot?: boolean;
  /** Set after the restore with modify-db-cluster (with the windows below). */
  backupRetentionPeriod?: number;
  preferredBackupWindow?: string;
  /** Not a restore parameter: set after the restore with modify-db-cluster. */
  preferredMaintenanceWindow?: string;
  /** IAM roles associated with the cluster (add-role-to-db-cluster after the restore). */
  associatedRoles?: Array<{ roleArn: string; featureName?: string }>;
  /** The engine version: a point-in-time restore keeps the source's, so it is stated, not passed. */
  engineVersion?: string;
}

/** CloudWatch figures for one cluster over the look-back period (issue: actual window). */
export interface BacktrackMetrics {
  /** Raw `BacktrackWindowActual` (minutes), latest datapoint; its meaning is disputed, so it is only reported. */
  windowActualMinutes?: number;
  /** Sum of `BacktrackWindowAlert` over the period: times AWS saw the actual window below the target. */
  windowAlertCount?: number;
  /** Average of `BacktrackChangeRecordsCreationRate` (records per 5 minutes). */
  changeRecordsPer5Min?: number;
  /** Which dimension set the data came from. */
  source?: 'cluster' | 'writer-instance';
}

/** Run-wide policy (from flags, context or environment). */
export interface Policy {
  /** Account-wide required minimum window, hours (0–72; 0 = any enabled window). */
  minWindowHours: number;
  /** Prefix of every tag the checker reads, default `backtrack-check:`. */
  tagPrefix: string;
  /** Full key of the exemption tag; default `${tagPrefix}exempt`. */
  exemptTagKey: string;
  /** An exemption ends at most this many days after it was first seen (1–3650, default 90). */
  maxExemptionDays: number;
  /** Regions marked as offering Backtrack although the built-in list says AWS does not offer it there. */
  backtrackRegions: string[];
}

export type ComplianceStatus = 'PASSED' | 'WARNING' | 'FAILED' | 'NOT_AVAILABLE';
export type SeverityLabel = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

/**
 * The condition of a cluster, finer than the compliance status: each has its own remediation.
 * - `disabled`: never had Backtrack or it was switched off (restore into a new cluster).
 * - `below-policy`: target window shorter than required (modify in place).
 * - `actual-short`: target fine, but the real window measured shorter than required (write load).
 * - `ok`: compliant.
 * - `unsupported`: this cluster cannot use Backtrack.
 * - `unknown`: infrastructure code leaves open a fact the verdict depends on (lambda/core/declared.ts).
 * - `region-undocumented`: Backtrack is off in a Region AWS's material says nothing about (newer
 *   than the Backtrack guide's Region table): neither fixable nor "not available" can be claimed.
 */
export type Condition = 'disabled' | 'below-policy' | 'actual-short' | 'ok' | 'unsupported' | 'unknown' | 'region-undocumented';

export interface Exemption {
  /** The exemption tag is present with value `true` (case-insensitive) and not expired. */
  active: boolean;
  /** The exemption tag says `true` but its expiry (or the cap) has passed. */
  expired: boolean;
  /** The exemption tag says `true`, whatever its expiry. */
  claimed: boolean;
  reason?: string;
  /** Expiry as given (ISO date or date-time), when valid. */
  until?: string;
  /**
   * The end set by maxExemptionDays (ISO date-time) when it comes before the tag's expiry or stands
   * in for a missing one; the exemption ends then.
   */
  cappedAt?: string;
  /** First seen exempt (ISO date-time); the cap counts from it. */
  since?: string;
  /** Problems with the exemption tags (bad date, value other than true/false). */
  problems: string[];
}

export interface PolicySource {
  /** Required minimum window for this cluster, seconds. */
  requiredSeconds: number;
  requiredHours: number;
  /** `account` or `tag` (from `${prefix}min-window-hours`). */
  source: 'account' | 'tag';
  /** Set when the tag was present but invalid (the account minimum then applies). */
  problem?: string;
  /** Set when the tag asks for less than the account minimum: that minimum, hours (the tag audit names it). */
  accountHours?: number;
}

/** The actual window as measured, with how it was obtained. */
export interface ActualWindow {
  /** now − EarliestBacktrackTime, seconds; absent when AWS did not report it. */
  seconds?: number;
  /** The cluster is younger than the required window: the window cannot be full yet. */
  filling: boolean;
  metrics?: BacktrackMetrics;
  /** Human sentence on what was measured (or that nothing was). */
  summary: string;
}

export interface Evaluation {
  cluster: ClusterFacts;
  /** `out-of-scope` clusters get no finding; they are only counted. */
  scope: 'in-scope' | 'out-of-scope';
  status: ComplianceStatus;
  condition: Condition;
  severity: SeverityLabel;
  /** One line: why this verdict. */
  reason: string;
  /** What to do about it (empty for compliant clusters). */
  remediation: string;
  policy: PolicySource;
  /** The tag prefix and exemption tag key the cluster's tags were read with (the finding keeps those tags first). */
  tagPolicy: Pick<Policy, 'tagPrefix' | 'exemptTagKey'>;
  exemption: Exemption;
  actual?: ActualWindow;
  /** Change records per hour, from BacktrackChangeRecordsCreationRate, when known. */
  changeRecordsPerHour?: number;
  /** Problems in the cluster's own tags, stated in the finding and the run summary. */
  tagProblems: string[];
  /** The command alone (restore or modify), for places that state the procedure once. */
  fixCommand?: string;
  /** Commands to run on the new cluster once a restore made it available (settings a restore does not set). */
  followUpCommands?: string[];
  /** The same fix as the checker's own `migrate` command (plans it; performs it with --apply). */
  migrateCommand?: string;
  /** Where the reason is documented (a NOT_AVAILABLE verdict that rests on an AWS page). */
  reasonSource?: string;
}

/** The AWS account and partition the run works in. */
export interface AccountContext {
  accountId: string;
  partition: string;
}
