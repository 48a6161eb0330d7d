/**
 * The Security Hub custom action "Raise Backtrack" (opt-in, `remediationAction`): what to do with
 * each finding a person chose. Pure: a finding as Security Hub sends it, and the cluster's verdict
 * as the scan judges it now, give a plan of one step (the ModifyDBCluster call and its parameters)
 * or a refusal with its reason; and the words the alert uses for each outcome. No SDK, no I/O.
 *
 * The finding only names the cluster: whether and how far to raise is decided from the cluster as
 * DescribeDBClusters reports it now and the same evaluation the scan uses (a per-cluster policy tag
 * included), never from the finding's own fields.
 */
import { findingId, GENERATOR_ID, productArn } from './finding';
import { DEFAULT_SUGGESTED_WINDOW_SECONDS } from './rules';
import { formatDuration, shellArg } from './text';
import type { AccountContext, ComplianceStatus, Condition, Evaluation, SeverityLabel } from './types';

/**
 * The custom action as the stack registers it (AWS::SecurityHub::ActionTarget). CreateActionTarget
 * takes a name of at most 20 characters ("Raise Backtrack window" has 22) and an id of at most 20
 * alphanumerics; the description says the rest.
 */
export const RAISE_ACTION = {
  id: 'RaiseBacktrack',
  name: 'Raise Backtrack',
  description:
    "Aurora Backtrack Checker: raise the Backtrack window of the chosen findings' clusters to the policy minimum, in place and at once; never lowers a window. Clusters without Backtrack get the migrate command in the alert.",
} as const;

/** The event Security Hub sends when a person chooses a custom action on findings. */
export const CUSTOM_ACTION_DETAIL_TYPE = 'Security Hub Findings - Custom Action';

/** What the checker reads of one chosen finding (ASFF as Security Hub sent it in the event). */
export interface ChosenFinding {
  id: string;
  productArn: string;
  generatorId: string;
  awsAccountId: string;
  /** `Resources[0]`: the cluster ARN on the checker's findings. */
  resourceType: string;
  resourceId: string;
  /** `Resources[0].Details.AwsRdsDbCluster.DbClusterResourceId`, when given: the cluster the finding is about. */
  clusterResourceId?: string;
  recordState?: string;
  /** For a refusal's words only: the product the finding says it comes from. */
  productName?: string;
}

/** A cluster as the action names it. */
export interface ClusterRef {
  region: string;
  identifier: string;
}

/** Why a finding's cluster is not raised. */
export type Refusal =
  /** Not a finding of this checker (another product, or another tool importing into this account). */
  | { kind: 'other-product'; productName?: string }
  /** A finding of another account (seen from a Security Hub administrator, say): no account acts for another. */
  | { kind: 'other-account'; accountId: string }
  /** The checker archived it: the cluster was deleted or is no longer checked. */
  | { kind: 'archived' }
  | { kind: 'region-not-watched' }
  | { kind: 'cluster-gone' }
  /** A cluster of that name exists, but it is not the one the finding is about (deleted and re-created). */
  | { kind: 'cluster-replaced' }
  /** Backtrack is off: it cannot be turned on in place; the data moves into a new cluster. */
  | { kind: 'backtrack-off'; migrateCommand: string }
  /** Backtrack does not apply to this cluster (engine, mode, Region, global database…). */
  | { kind: 'not-applicable'; reason: string }
  /** The target window already meets the minimum: the action never lowers a window. */
  | { kind: 'meets-policy'; windowSeconds: number; requiredSeconds: number; condition: Condition };

/** The one step of a raise: ModifyDBCluster with exactly these parameters, in the cluster's Region. */
export interface ModifyWindowCall {
  DBClusterIdentifier: string;
  BacktrackWindow: number;
  /** Without it the change may wait for the maintenance window (ApplyImmediately defaults to false). */
  ApplyImmediately: true;
}

export type RaisePlan =
  | { kind: 'modify'; cluster: ClusterRef; fromSeconds: number; call: ModifyWindowCall; policySource: 'account' | 'tag' }
  | { kind: 'refused'; cluster: ClusterRef; refusal: Refusal };

/** A chosen finding, read: the cluster it names, or why the action will not touch it. */
export type Claim =
  | { kind: 'cluster'; findingId: string; cluster: ClusterRef; clusterResourceId?: string }
  | { kind: 'refused'; findingId: string; cluster?: ClusterRef; refusal: Refusal };

/** A cluster ARN; the identifier as RDS allows it (a letter, then letters, digits and hyphens). */
const CLUSTER_ARN = /^arn:([^:]+):rds:([a-z0-9-]+):(\d{12}):cluster:([A-Za-z][A-Za-z0-9-]{0,62})$/;

/**
 * Reads a chosen finding. Only the checker's own findings of this account are claimed: the
 * account's product ARN in the cluster's Region, the checker's generator id, a finding id the
 * checker makes, and an RDS cluster of this account as its resource.
 */
export function claimFinding(f: ChosenFinding, account: AccountContext, watched: 'all' | readonly string[]): Claim {
  const arn = CLUSTER_ARN.exec(f.resourceType === 'AwsRdsDbCluster' ? f.resourceId : '');
  const cluster = arn ? { region: arn[2] as string, identifier: arn[4] as string } : undefined;
  const refuse = (refusal: Refusal): Claim => ({ kind: 'refused', findingId: f.id, ...(cluster ? { cluster } : {}), refusal });
  if (f.awsAccountId !== account.accountId) return refuse({ kind: 'other-account', accountId: f.awsAccountId });
  if (arn && arn[3] !== account.accountId) return refuse({ kind: 'other-account', accountId: arn[3] as string });
  const ours =
    cluster !== undefined &&
    arn?.[1] === account.partition &&
    f.generatorId === GENERATOR_ID &&
    f.productArn === productArn(account.partition, cluster.region, account.accountId) &&
    f.id.startsWith(findingId(account.accountId, cluster.region, ''));
  if (!ours || !cluster) return refuse({ kind: 'other-product', ...(f.productName ? { productName: f.productName } : {}) });
  if (f.recordState === 'ARCHIVED') return refuse({ kind: 'archived' });
  if (watched !== 'all' && !watched.includes(cluster.region)) return refuse({ kind: 'region-not-watched' });
  return { kind: 'cluster', findingId: f.id, cluster, ...(f.clusterResourceId ? { clusterResourceId: f.clusterResourceId } : {}) };
}

/** Hours as the migrate command takes them: up to two decimals, no trailing zeros. */
const hours = (seconds: number) => String(Number((seconds / 3600).toFixed(2)));

/** The `migrate` command that moves a cluster without Backtrack into a new one with the window. */
export function migrateCommand(cluster: ClusterRef, windowSeconds: number): string {
  return `aurora-backtrack-check migrate --cluster ${shellArg(cluster.identifier)} --region ${cluster.region} --window-hours ${hours(windowSeconds)}`;
}

/**
 * The plan for one claimed cluster from its current verdict (`undefined`: DescribeDBClusters
 * found no cluster of that name). Raises only a cluster that has Backtrack and a target below the
 * required minimum, to exactly that minimum, applied immediately.
 */
export function planRaise(claim: Extract<Claim, { kind: 'cluster' }>, e: Evaluation | undefined): RaisePlan {
  // Named as AWS names it (the finding's ARN may differ in case).
  const cluster = e ? { region: claim.cluster.region, identifier: e.cluster.identifier } : claim.cluster;
  const refuse = (refusal: Refusal): RaisePlan => ({ kind: 'refused', cluster, refusal });
  if (!e) return refuse({ kind: 'cluster-gone' });
  if (claim.clusterResourceId !== undefined && claim.clusterResourceId !== e.cluster.resourceId)
    return refuse({ kind: 'cluster-replaced' });
  if (e.scope === 'out-of-scope' || e.condition === 'unsupported') return refuse({ kind: 'not-applicable', reason: e.reason });
  const required = e.policy.requiredSeconds;
  if (e.condition === 'disabled') {
    return refuse({
      kind: 'backtrack-off',
      migrateCommand: migrateCommand(cluster, required > 0 ? required : DEFAULT_SUGGESTED_WINDOW_SECONDS),
    });
  }
  const window = e.cluster.backtrackWindowSeconds ?? 0;
  if (window >= required) return refuse({ kind: 'meets-policy', windowSeconds: window, requiredSeconds: required, condition: e.condition });
  return {
    kind: 'modify',
    cluster,
    fromSeconds: window,
    call: { DBClusterIdentifier: e.cluster.identifier, BacktrackWindow: required, ApplyImmediately: true },
    policySource: e.policy.source,
  };
}

/** The re-check after a raise, as the action saw it. */
export type RecheckResult =
  | { kind: 'judged'; status: ComplianceStatus }
  /** Another run held the lease: it re-checks the cluster before it releases. */
  | { kind: 'queued' }
  | { kind: 'failed'; message: string };

/** What the action did with one chosen finding. */
export type RaiseOutcome =
  | { kind: 'raised'; cluster: ClusterRef; fromSeconds: number; toSeconds: number; policySource: 'account' | 'tag'; recheck: RecheckResult }
  | { kind: 'refused'; findingId: string; cluster?: ClusterRef; refusal: Refusal }
  /**
   * The cluster could not be judged (DescribeDBClusters failed; no `toSeconds`), or the
   * ModifyDBCluster call failed (AWS refused it, or did not answer: then AWS may still apply it).
   */
  | { kind: 'failed'; cluster: ClusterRef; toSeconds?: number; cause: { code: string; message: string } };

const windowText = (seconds: number) => formatDuration(seconds);

function refusalText(r: Refusal): string {
  switch (r.kind) {
    case 'other-product':
      return `not a finding of the Aurora Backtrack Checker${r.productName ? ` (product "${r.productName}")` : ''}: the action touches only the checker's own findings`;
    case 'other-account':
      return `the finding belongs to account ${r.accountId}: the checker acts only on its own account's clusters (use the action of the checker deployed there)`;
    case 'archived':
      return 'the finding is archived: the cluster was deleted or is no longer checked';
    case 'region-not-watched':
      return 'the checker does not watch this Region';
    case 'cluster-gone':
      return 'the cluster no longer exists';
    case 'cluster-replaced':
      return 'the cluster of this name is not the one the finding is about (it was re-created); the next scan judges it';
    case 'backtrack-off':
      return (
        'Backtrack is off, and it cannot be turned on for an existing cluster (a window once set to 0 can never be raised again). ' +
        `Move the data into a new cluster with a window: ${r.migrateCommand}`
      );
    case 'not-applicable':
      return r.reason;
    case 'meets-policy':
      return r.requiredSeconds === 0
        ? `its window of ${windowText(r.windowSeconds)} already meets the policy (any enabled window); the action never lowers a window`
        : `its window of ${windowText(r.windowSeconds)} already meets the required ${windowText(r.requiredSeconds)}; the action never lowers a window` +
            (r.condition === 'actual-short' ? ' (write load keeps the actual window shorter: see the finding)' : '');
  }
}

function recheckText(r: RecheckResult): string {
  switch (r.kind) {
    case 'judged':
      return `re-checked: ${r.status}`;
    case 'queued':
      return 'the re-check runs after the checker run in progress';
    case 'failed':
      return `the re-check failed (${r.message}); the next scan judges the cluster`;
  }
}

/** One outcome in the alert: its line (a finding id is text from outside: the caller escapes it), its section, the fix to paste. */
export interface RaiseEntry {
  raised: boolean;
  /** The cluster of this account it is about; absent for another account's or product's finding. */
  cluster?: ClusterRef;
  /** Who, when no cluster of this account is named: "finding <id>". */
  who: string;
  text: string;
  /** The command a person runs next (the migrate command of a cluster without Backtrack). */
  fix?: string;
  severity: SeverityLabel;
}

export function raiseEntry(o: RaiseOutcome): RaiseEntry {
  const where = (c: ClusterRef) => `${c.identifier} (${c.region})`;
  switch (o.kind) {
    case 'raised':
      return {
        raised: true,
        cluster: o.cluster,
        who: where(o.cluster),
        text:
          `window raised from ${windowText(o.fromSeconds)} to ${windowText(o.toSeconds)} (${o.policySource === 'tag' ? 'the minimum set by the cluster tag' : 'the account policy'}), ` +
          `applied immediately; ${recheckText(o.recheck)}`,
        severity: 'INFORMATIONAL',
      };
    case 'failed':
      return {
        raised: false,
        cluster: o.cluster,
        who: where(o.cluster),
        text:
          o.toSeconds === undefined
            ? `not raised: the cluster could not be judged: ${o.cause.code}: ${o.cause.message}`
            : `raising the window to ${windowText(o.toSeconds)} failed: ${o.cause.code}: ${o.cause.message}; the next scan reports the window AWS has`,
        severity: 'MEDIUM',
      };
    case 'refused': {
      // Another account's or product's finding names no cluster of this account: it is named by its id.
      const own = o.refusal.kind !== 'other-account' && o.refusal.kind !== 'other-product' ? o.cluster : undefined;
      return {
        raised: false,
        ...(own ? { cluster: own } : {}),
        who: own ? where(own) : `finding ${o.findingId}`,
        text: `not raised: ${refusalText(o.refusal)}`,
        ...(o.refusal.kind === 'backtrack-off' && own ? { fix: `${where(own)}: ${o.refusal.migrateCommand}` } : {}),
        severity: 'LOW',
      };
    }
  }
}
