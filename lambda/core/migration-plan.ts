/**
 * `migrate` as a plan: the steps that give a cluster a Backtrack window that passes, each with its
 * RDS call and exact parameters, built from what exists (the source, a target already made, a
 * snapshot). Pure: the dry run, a re-run that continues and the JSON output all read this plan.
 *
 * The source is only ever read, except on the short-window path, where the one call is
 * ModifyDBCluster BacktrackWindow with ApplyImmediately (AWS's only way to change a window in place).
 * Eligibility comes from the scan's own evaluation (evaluate.ts): no second rule set.
 */
import { evaluate } from './evaluate';
import { RESTORED_FROM_TAG, restoredTags } from './remediation';
import type { InstanceFacts, MigrationCluster, MigrationPlan, MigrationWorld, PlanOutcome, PlanStep, Refusal } from './migration-types';
import { DEFAULT_SUGGESTED_WINDOW_SECONDS, MAX_WINDOW_SECONDS } from './rules';
import { formatDuration } from './text';
import type { Policy } from './types';

/** The suffix of the new cluster when no `--target` is given. */
export const TARGET_SUFFIX = '-bt';

/** The tag (after the tag prefix) that names the source on the new cluster; a re-run trusts only a target carrying it. */
export { RESTORED_FROM_TAG } from './remediation';

/** RDS identifiers: 1–63 letters, digits and hyphens, starting with a letter, no double or trailing hyphen. */
export const RDS_IDENTIFIER = /^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,62}(?<!-)$/;

export interface PlanOptions {
  policy: Policy;
  now: Date;
  /** Identifier of the new cluster; default `<source>-bt`. */
  target?: string;
  /** Restore from a fresh manual snapshot instead of the latest restorable time. */
  snapshot: boolean;
}

export const defaultTarget = (source: string) => `${source}${TARGET_SUFFIX}`;

/** The manual snapshot the `--snapshot` path takes (named after the target, so a re-run finds it). */
export const snapshotName = (target: string) => `${target}-source`;

/** The one sentence a refusal prints (exit status 2). */
export function refusalText(r: Refusal): string {
  switch (r.kind) {
    case 'source-not-found':
      return `cluster "${r.identifier}" does not exist in ${r.region}`;
    case 'not-aurora-mysql':
    case 'backtrack-unsupported':
      return `nothing to migrate: ${r.reason}`;
    case 'already-passes':
      return `nothing to migrate, the cluster already passes: ${r.reason}`;
    case 'window-not-raised':
      return `the target window is already ${formatDuration(r.currentSeconds)} and the plan's would be ${formatDuration(r.windowSeconds)}: it would not raise it (AWS allows at most 72 h)`;
    case 'target-is-source':
      return `--target "${r.identifier}" is the source cluster itself; migrate never modifies the source beyond its window`;
    case 'target-taken':
      return r.restoredFrom
        ? `target "${r.target}" exists and was restored from ${r.restoredFrom}, not from this cluster; choose another --target`
        : `target "${r.target}" exists and was not made by migrate from this cluster; choose another --target`;
    case 'snapshot-taken':
      return `snapshot "${r.snapshot}" exists and is of ${r.of ?? 'another cluster'}, not of this one; choose another --target`;
    case 'source-not-available':
      return `the cluster is "${r.status}", not available; run migrate again once it is available`;
  }
}

/** The window the plan gives: the cluster's required minimum (policy or tag), or 24 h where any window would do. */
const windowFor = (required: number) => (required > 0 ? required : DEFAULT_SUGGESTED_WINDOW_SECONDS);

/**
 * The parameters of the restore, shared by both restore calls: every setting of the source that
 * a restore accepts and does not copy by itself. Pure, so a pasted command can be rendered from it.
 */
export function restoreParameters(
  source: MigrationCluster,
  target: string,
  windowSeconds: number,
  policy: Policy,
): Record<string, unknown> {
  const s = source.settings;
  const scaling = s.serverlessV2Scaling;
  return {
    DBClusterIdentifier: target,
    BacktrackWindow: windowSeconds,
    ...(s.dbSubnetGroup !== undefined && { DBSubnetGroupName: s.dbSubnetGroup }),
    ...(s.vpcSecurityGroupIds.length > 0 && { VpcSecurityGroupIds: [...s.vpcSecurityGroupIds] }),
    ...(s.dbClusterParameterGroup !== undefined && { DBClusterParameterGroupName: s.dbClusterParameterGroup }),
    ...(s.kmsKeyId !== undefined && { KmsKeyId: s.kmsKeyId }),
    ...(s.port !== undefined && { Port: s.port }),
    ...(s.storageType !== undefined && { StorageType: s.storageType }),
    ...(scaling && {
      ServerlessV2ScalingConfiguration: {
        ...(scaling.minCapacity !== undefined && { MinCapacity: scaling.minCapacity }),
        ...(scaling.maxCapacity !== undefined && { MaxCapacity: scaling.maxCapacity }),
        ...(scaling.secondsUntilAutoPause !== undefined && { SecondsUntilAutoPause: scaling.secondsUntilAutoPause }),
      },
    }),
    CopyTagsToSnapshot: s.copyTagsToSnapshot,
    DeletionProtection: s.deletionProtection,
    EnableIAMDatabaseAuthentication: s.iamDatabaseAuthentication,
    ...(s.cloudwatchLogsExports.length > 0 && { EnableCloudwatchLogsExports: [...s.cloudwatchLogsExports] }),
    Tags: restoredTags(source.facts.tags, source.facts.arn, policy),
  };
}

/** The new instance's name: the source instance's, with the source's name replaced by the target's where it starts with it. */
export function instanceName(sourceCluster: string, target: string, instance: string, index: number): string {
  const name = instance.startsWith(sourceCluster) ? `${target}${instance.slice(sourceCluster.length)}` : `${target}-${instance}`;
  return RDS_IDENTIFIER.test(name) ? name : `${target}-${index + 1}`;
}

/** CreateDBInstance parameters for the copy of one source instance. */
export function instanceParameters(source: MigrationCluster, target: string, i: InstanceFacts, name: string): Record<string, unknown> {
  const pi = i.performanceInsights;
  const m = i.monitoring;
  return {
    DBInstanceIdentifier: name,
    DBClusterIdentifier: target,
    Engine: source.facts.engine,
    DBInstanceClass: i.instanceClass,
    ...(i.dbParameterGroup !== undefined && { DBParameterGroupName: i.dbParameterGroup }),
    ...(i.promotionTier !== undefined && { PromotionTier: i.promotionTier }),
    ...(i.publiclyAccessible !== undefined && { PubliclyAccessible: i.publiclyAccessible }),
    EnablePerformanceInsights: pi.enabled,
    ...(pi.enabled && pi.kmsKeyId !== undefined && { PerformanceInsightsKMSKeyId: pi.kmsKeyId }),
    ...(pi.enabled && pi.retentionDays !== undefined && { PerformanceInsightsRetentionPeriod: pi.retentionDays }),
    MonitoringInterval: m.intervalSeconds,
    ...(m.intervalSeconds > 0 && m.roleArn !== undefined && { MonitoringRoleArn: m.roleArn }),
  };
}

/** The source's instances, writer first, then by promotion tier and name (the order they are created in). */
export function writerFirst(instances: readonly InstanceFacts[]): InstanceFacts[] {
  return [...instances].sort(
    (a, b) =>
      Number(b.isWriter) - Number(a.isWriter) ||
      (a.promotionTier ?? 1) - (b.promotionTier ?? 1) ||
      a.identifier.localeCompare(b.identifier),
  );
}

function restoreSteps(world: MigrationWorld, o: PlanOptions, target: string, windowSeconds: number): PlanStep[] | Refusal {
  const { source, snapshot } = world;
  const existing = world.target;
  const fromKey = `${o.policy.tagPrefix}${RESTORED_FROM_TAG}`;
  if (existing && existing.facts.tags[fromKey] !== source.facts.arn) {
    return {
      kind: 'target-taken',
      target,
      ...(existing.facts.tags[fromKey] !== undefined && { restoredFrom: existing.facts.tags[fromKey] }),
    };
  }
  const steps: PlanStep[] = [];
  const restoreParams = restoreParameters(source, target, windowSeconds, o.policy);
  const restored = existing !== undefined;
  if (o.snapshot) {
    const name = snapshotName(target);
    if (snapshot && snapshot.sourceClusterIdentifier !== undefined && snapshot.sourceClusterIdentifier !== source.facts.identifier) {
      return { kind: 'snapshot-taken', snapshot: name, of: snapshot.sourceClusterIdentifier };
    }
    steps.push({
      call: 'CreateDBClusterSnapshot',
      params: { DBClusterIdentifier: source.facts.identifier, DBClusterSnapshotIdentifier: name },
      why: 'a manual snapshot of the source to restore from (the path AWS names); the source keeps running',
      wait: { kind: 'snapshot', identifier: name },
      state: snapshot || restored ? 'done' : 'todo',
    });
    steps.push({
      call: 'RestoreDBClusterFromSnapshot',
      params: {
        SnapshotIdentifier: name,
        Engine: source.facts.engine,
        ...(source.facts.engineVersion !== '' && { EngineVersion: source.facts.engineVersion }),
        ...restoreParams,
      },
      why: `a new cluster with a ${formatDuration(windowSeconds)} Backtrack window and the source's settings`,
      wait: { kind: 'cluster', identifier: target },
      state: restored ? 'done' : 'todo',
    });
  } else {
    steps.push({
      call: 'RestoreDBClusterToPointInTime',
      params: {
        SourceDBClusterIdentifier: source.facts.identifier,
        RestoreType: 'full-copy',
        UseLatestRestorableTime: true,
        ...restoreParams,
      },
      why: `a full copy at the latest restorable time, with a ${formatDuration(windowSeconds)} Backtrack window and the source's settings`,
      wait: { kind: 'cluster', identifier: target },
      state: restored ? 'done' : 'todo',
    });
  }
  const s = source.settings;
  const t = existing?.settings;
  const modify = {
    ...(s.backupRetentionPeriod !== undefined && { BackupRetentionPeriod: s.backupRetentionPeriod }),
    ...(s.preferredBackupWindow !== undefined && { PreferredBackupWindow: s.preferredBackupWindow }),
    ...(s.preferredMaintenanceWindow !== undefined && { PreferredMaintenanceWindow: s.preferredMaintenanceWindow }),
  };
  if (Object.keys(modify).length > 0) {
    const same =
      t !== undefined &&
      t.backupRetentionPeriod === s.backupRetentionPeriod &&
      t.preferredBackupWindow === s.preferredBackupWindow &&
      t.preferredMaintenanceWindow === s.preferredMaintenanceWindow;
    steps.push({
      call: 'ModifyDBCluster',
      params: { DBClusterIdentifier: target, ...modify, ApplyImmediately: true },
      why: "the source's backup retention and windows, which a restore does not take (the new cluster only)",
      wait: { kind: 'cluster', identifier: target },
      state: same ? 'done' : 'todo',
    });
  }
  for (const role of s.associatedRoles) {
    const has = t?.associatedRoles.some((r) => r.roleArn === role.roleArn) ?? false;
    steps.push({
      call: 'AddRoleToDBCluster',
      params: {
        DBClusterIdentifier: target,
        RoleArn: role.roleArn,
        ...(role.featureName !== undefined && { FeatureName: role.featureName }),
      },
      why: `the source's IAM role${role.featureName ? ` for ${role.featureName}` : ''} (a restore associates none)`,
      wait: { kind: 'cluster', identifier: target },
      state: has ? 'done' : 'todo',
    });
  }
  writerFirst(source.instances).forEach((instance, index) => {
    const name = instanceName(source.facts.identifier, target, instance.identifier, index);
    const has = existing?.instances.some((x) => x.identifier === name) ?? false;
    steps.push({
      call: 'CreateDBInstance',
      params: instanceParameters(source, target, instance, name),
      why: `like ${instance.identifier} (${instance.isWriter ? 'the writer' : 'a reader'}, ${instance.instanceClass}): a restore creates no instances`,
      wait: { kind: 'instance', identifier: name },
      state: has ? 'done' : 'todo',
    });
  });
  return steps;
}

/**
 * The plan for one cluster, or why there is none. The verdict is the scan's (evaluate); a cluster
 * that already passes, or cannot have Backtrack, is refused with the scan's reason.
 */
export function buildPlan(world: MigrationWorld, o: PlanOptions): PlanOutcome {
  const c = world.source.facts;
  const verdict = evaluate(c, o.policy, o.now);
  const sourceVerdict = { status: verdict.status, condition: verdict.condition, reason: verdict.reason };
  if (verdict.scope === 'out-of-scope') return { refusal: { kind: 'not-aurora-mysql', reason: verdict.reason } };
  if (verdict.condition === 'unsupported') return { refusal: { kind: 'backtrack-unsupported', reason: verdict.reason } };
  if (verdict.condition === 'ok') return { refusal: { kind: 'already-passes', reason: verdict.reason } };
  const current = c.backtrackWindowSeconds ?? 0;
  // A target that meets the policy while the real window falls short (write load) is doubled, as
  // the scan's remediation says; up to AWS's 72 h.
  const windowSeconds =
    verdict.condition === 'actual-short'
      ? Math.min(MAX_WINDOW_SECONDS, Math.max(current * 2, verdict.policy.requiredSeconds))
      : windowFor(verdict.policy.requiredSeconds);
  const base = {
    region: c.region,
    source: { identifier: c.identifier, arn: c.arn, resourceId: c.resourceId },
    windowSeconds,
    sourceVerdict,
  };
  if (verdict.condition !== 'disabled') {
    if (windowSeconds <= current) return { refusal: { kind: 'window-not-raised', currentSeconds: current, windowSeconds } };
    const step: PlanStep = {
      call: 'ModifyDBCluster',
      params: { DBClusterIdentifier: c.identifier, BacktrackWindow: windowSeconds, ApplyImmediately: true },
      why: `raise the window in place from ${formatDuration(current)} to ${formatDuration(windowSeconds)}, now rather than in the maintenance window`,
      wait: { kind: 'cluster', identifier: c.identifier },
      state: 'todo',
    };
    const plan: MigrationPlan = { kind: 'modify-window', ...base, target: c.identifier, steps: [step] };
    return { plan };
  }
  const target = (o.target ?? defaultTarget(c.identifier)).toLowerCase();
  if (target === c.identifier.toLowerCase()) return { refusal: { kind: 'target-is-source', identifier: target } };
  if (c.status !== undefined && c.status !== 'available' && world.target === undefined) {
    return { refusal: { kind: 'source-not-available', status: c.status } };
  }
  const steps = restoreSteps(world, o, target, windowSeconds);
  if (!Array.isArray(steps)) return { refusal: steps };
  return { plan: { kind: 'restore', ...base, target, via: o.snapshot ? 'snapshot' : 'point-in-time', steps } };
}

/** What the person does after a restore, step by step: migrate never touches the source. */
export function cutOverSteps(plan: MigrationPlan, endpoints: { writer?: string; reader?: string; port?: number }): string[] {
  if (plan.kind === 'modify-window') return [];
  const s = plan.source.identifier;
  return [
    `Stop writes to ${s}; the new cluster holds the data up to its restore time, so writes since then must be replayed or the restore repeated once writes have stopped.`,
    `Move clients to the new endpoints: writer ${endpoints.writer ?? '(see describe-db-clusters)'}, reader ${endpoints.reader ?? '(see describe-db-clusters)'}${endpoints.port !== undefined ? `, port ${endpoints.port}` : ''}.`,
    `Retire ${s} with a final snapshot: aws rds delete-db-cluster --db-cluster-identifier ${s} --final-db-snapshot-identifier ${s}-final --region ${plan.region} (delete its instances first; turn off its deletion protection if set).`,
  ];
}
