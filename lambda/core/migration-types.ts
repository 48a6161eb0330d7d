/**
 * The facts `migrate` plans from and the plan it makes. Pure data: the adapter in
 * lambda/aws/migration.ts reads them from RDS, the CLI prints and executes the plan.
 */
import type { ClusterFacts, Evaluation } from './types';

/** Everything of the source cluster a restore must repeat, read from its DescribeDBClusters entry. */
export interface SourceSettings {
  dbSubnetGroup?: string;
  vpcSecurityGroupIds: string[];
  dbClusterParameterGroup?: string;
  /** Set only when the source is encrypted: a restore of it must be encrypted with the same key. */
  kmsKeyId?: string;
  port?: number;
  /** `aurora` (Standard) or `aurora-iopt1` (I/O-Optimized); a restore without it comes back Standard. */
  storageType?: string;
  serverlessV2Scaling?: { minCapacity?: number; maxCapacity?: number; secondsUntilAutoPause?: number };
  backupRetentionPeriod?: number;
  preferredBackupWindow?: string;
  preferredMaintenanceWindow?: string;
  copyTagsToSnapshot: boolean;
  deletionProtection: boolean;
  iamDatabaseAuthentication: boolean;
  cloudwatchLogsExports: string[];
  /** IAM roles associated with the cluster (AddRoleToDBCluster after the restore). */
  associatedRoles: { roleArn: string; featureName?: string }[];
  /** Writer endpoint, reader endpoint (from DescribeDBClusters). */
  endpoint?: string;
  readerEndpoint?: string;
}

/** One DB instance of a cluster, as DescribeDBInstances states it. */
export interface InstanceFacts {
  identifier: string;
  instanceClass: string;
  isWriter: boolean;
  status?: string;
  dbParameterGroup?: string;
  promotionTier?: number;
  publiclyAccessible?: boolean;
  performanceInsights: { enabled: boolean; kmsKeyId?: string; retentionDays?: number };
  monitoring: { intervalSeconds: number; roleArn?: string };
}

/** A cluster as `migrate` reads it: the facts the scan judges, plus what a restore must carry. */
export interface MigrationCluster {
  facts: ClusterFacts;
  settings: SourceSettings;
  instances: InstanceFacts[];
}

/** What exists already when the plan is made (a re-run continues from it). */
export interface MigrationWorld {
  source: MigrationCluster;
  /** The target cluster, when one of that name exists. */
  target?: MigrationCluster;
  /** The manual snapshot of the `--snapshot` path, when one of that name exists. */
  snapshot?: { identifier: string; status?: string; sourceClusterIdentifier?: string };
}

/** The RDS calls a plan makes (every one of them a write). */
export type StepCall =
  | 'ModifyDBCluster'
  | 'CreateDBClusterSnapshot'
  | 'RestoreDBClusterToPointInTime'
  | 'RestoreDBClusterFromSnapshot'
  | 'AddRoleToDBCluster'
  | 'CreateDBInstance';

/** What a step waits for once its call is made: the resource reaching `available`. */
export interface StepWait {
  kind: 'cluster' | 'instance' | 'snapshot';
  identifier: string;
}

export interface PlanStep {
  call: StepCall;
  /** The call's parameters, exactly as sent (SDK / API names). */
  params: Record<string, unknown>;
  /** Why the step is there, in one line. */
  why: string;
  wait?: StepWait;
  /** `done`: what the step makes exists already (a re-run skips it). */
  state: 'todo' | 'done';
}

export interface MigrationPlan {
  /** `modify-window`: raise the window in place; `restore`: a new cluster with a window. */
  kind: 'modify-window' | 'restore';
  region: string;
  source: { identifier: string; arn: string; resourceId: string };
  /** The cluster that must pass at the end: the new one, or the source itself for `modify-window`. */
  target: string;
  windowSeconds: number;
  /** `point-in-time` (latest restorable time) or `snapshot` (a fresh manual snapshot). */
  via?: 'point-in-time' | 'snapshot';
  steps: PlanStep[];
  /** The scan's verdict on the source, which the plan answers. */
  sourceVerdict: Pick<Evaluation, 'status' | 'condition' | 'reason'>;
}

/** Why `migrate` will not plan for a cluster (exit status 2), each with its wording in migration-plan.ts. */
export type Refusal =
  | { kind: 'source-not-found'; identifier: string; region: string }
  | { kind: 'not-aurora-mysql'; reason: string }
  | { kind: 'backtrack-unsupported'; reason: string }
  | { kind: 'already-passes'; reason: string }
  | { kind: 'window-not-raised'; currentSeconds: number; windowSeconds: number }
  | { kind: 'target-is-source'; identifier: string }
  | { kind: 'target-taken'; target: string; restoredFrom?: string }
  | { kind: 'snapshot-taken'; snapshot: string; of?: string }
  | { kind: 'source-not-available'; status: string };

export type PlanOutcome = { plan: MigrationPlan } | { refusal: Refusal };
