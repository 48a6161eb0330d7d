/**
 * A cluster as infrastructure code declares it, before it exists: the same facts the scan reads
 * from DescribeDBClusters, except that some may not be known until deployment (a parameter without
 * a value, a condition, a Terraform value known only after apply). The verdict comes from the same
 * `evaluate`: an unknown fact is tried with values that lead to different verdicts, and when they
 * disagree the verdict is "unknown" (WARNING), never a pass. Pure: no I/O.
 */
import { evaluate } from './evaluate';
import { DEFAULT_SUGGESTED_WINDOW_SECONDS, MAX_WINDOW_SECONDS, REGIONS_WITHOUT_BACKTRACK } from './rules';
import { isCheckerTag, tagKeys } from './tags';
import type { ClusterFacts, Evaluation, Policy } from './types';

/** A value that cannot be known before deployment, with why (shown to the user). */
export class Unknown {
  readonly unknown = true;
  /**
   * @param why what the value is and why it is not known, e.g. `Ref to parameter DbVersion, which has no value`
   * @param resource the logical id of the resource it refers to, when it is a reference to one: such
   *   a value is unknown but never empty
   */
  constructor(
    readonly why: string,
    readonly resource?: string,
  ) {}
}

export const isUnknown = (v: unknown): v is Unknown => v instanceof Unknown;

/** The facts a declared cluster may leave unknown. */
export type DeclaredFact =
  'engine' | 'engineMode' | 'engineVersion' | 'backtrackWindow' | 'region' | 'globalCluster' | 'replicationSource' | 'tags' | 'cloneSource';

export interface UnknownFact {
  fact: DeclaredFact;
  why: string;
  /** For `tags`: the key whose value is unknown; absent when the keys themselves are unknown. */
  tagKey?: string;
}

/** A copy-on-write clone: it can have Backtrack only if its source was created with it. */
export interface CloneOf {
  /** The source as the code names it (identifier or logical id). */
  source: string;
  /** The source's window in seconds (0: none), or undefined when it is not known (see `unknowns`). */
  sourceWindowSeconds?: number;
}

export interface DeclaredCluster {
  /** Known facts; an unknown fact holds a placeholder here and is listed in `unknowns`. */
  facts: ClusterFacts;
  unknowns: UnknownFact[];
  clone?: CloneOf;
}

/** How one door (template, plan, CDK) says "set the window to N seconds" in its own words. */
export type WindowFix = (seconds: number) => string;

const FACT_WORDS: Record<DeclaredFact, string> = {
  engine: 'engine',
  engineMode: 'engine mode',
  engineVersion: 'engine version',
  backtrackWindow: 'Backtrack window',
  region: 'Region',
  globalCluster: 'global database membership',
  replicationSource: 'binlog replication source',
  tags: 'tags',
  cloneSource: "clone source's Backtrack window",
};

/** More combinations than this are not tried: the verdict is unknown. */
const MAX_COMBINATIONS = 512;

type Variant = (c: ClusterFacts, clone: CloneOf | undefined) => { c: ClusterFacts; clone: CloneOf | undefined };

/** Values of one unknown fact that lead to different verdicts, as changes to the facts. */
function variantsOf(u: UnknownFact, policy: Policy): Variant[] {
  const set =
    (patch: Partial<ClusterFacts>): Variant =>
    (c, clone) => ({ c: { ...c, ...patch }, clone });
  const withTags =
    (tags: Record<string, string>): Variant =>
    (c, clone) => ({ c: { ...c, tags: { ...c.tags, ...tags } }, clone });
  switch (u.fact) {
    case 'engine':
      return [set({ engine: 'aurora-mysql' }), set({ engine: 'aurora-postgresql' })];
    case 'engineMode':
      return [set({ engineMode: 'provisioned' }), set({ engineMode: 'serverless' })];
    case 'engineVersion':
      return [set({ engineVersion: '8.0.mysql_aurora.3.05.2' }), set({ engineVersion: '8.0.mysql_aurora.3.01.0' })];
    case 'backtrackWindow':
      return [set({ backtrackWindowSeconds: MAX_WINDOW_SECONDS }), set({ backtrackWindowSeconds: 0 })];
    case 'region': {
      const without = Object.keys(REGIONS_WITHOUT_BACKTRACK).find((r) => !policy.backtrackRegions.includes(r));
      return [set({ region: 'us-east-1' }), ...(without ? [set({ region: without })] : [])];
    }
    case 'globalCluster':
      return [set({ globalClusterIdentifier: undefined }), set({ globalClusterIdentifier: 'unknown' })];
    case 'replicationSource':
      return [set({ replicationSourceIdentifier: undefined }), set({ replicationSourceIdentifier: 'unknown' })];
    case 'cloneSource':
      return [0, MAX_WINDOW_SECONDS].map((w) => (c, clone) => ({ c, clone: clone && { ...clone, sourceWindowSeconds: w } }));
    case 'tags': {
      const keys = tagKeys(policy);
      if (u.tagKey !== undefined && !isCheckerTag(u.tagKey, policy)) return [];
      const exempt = { [keys.exempt]: 'true', [keys.exemptReason]: 'unknown' };
      const some: Record<string, string>[] =
        u.tagKey === undefined
          ? [{}, exempt, { [keys.minWindowHours]: '0' }, { [keys.minWindowHours]: String(MAX_WINDOW_SECONDS / 3600) }]
          : ['true', 'false', '0', String(MAX_WINDOW_SECONDS / 3600), '2000-01-01', '2999-12-31'].map((v) => ({ [u.tagKey as string]: v }));
      return some.map(withTags);
    }
  }
}

/** The verdict of the facts as given, with the clone rule on top of `evaluate`. */
function judgeKnown(c: ClusterFacts, clone: CloneOf | undefined, policy: Policy, now: Date, fix: WindowFix): Evaluation {
  const e = evaluate(c, policy, now);
  if (e.scope === 'out-of-scope' || e.status === 'NOT_AVAILABLE') return e;
  if (clone && clone.sourceWindowSeconds === 0) {
    const command = fix(e.policy.requiredSeconds > 0 ? e.policy.requiredSeconds : DEFAULT_SUGGESTED_WINDOW_SECONDS);
    return {
      ...e,
      status: 'FAILED',
      condition: 'disabled',
      severity: 'MEDIUM',
      reason:
        `copy-on-write clone of ${clone.source}, which has no Backtrack window: ` +
        'a clone can have Backtrack only if its source was created with it',
      remediation: `Restore a snapshot or a point in time instead (a full copy, not copy-on-write) and ${command}, or clone a source that has Backtrack.`,
      fixCommand: command,
      actual: undefined,
    };
  }
  if (e.condition === 'disabled' || e.condition === 'below-policy') {
    const command = fix(
      e.condition === 'disabled' && e.policy.requiredSeconds === 0 ? DEFAULT_SUGGESTED_WINDOW_SECONDS : e.policy.requiredSeconds,
    );
    const when =
      e.condition === 'disabled'
        ? 'Backtrack can only be turned on when a cluster is created or restored: '
        : 'Raise the window before deploying: ';
    return { ...e, remediation: `${when}${command}.`, fixCommand: command };
  }
  // Nothing is measured before a cluster exists.
  return { ...e, actual: undefined, reason: e.reason.replace(' (window still filling)', '') };
}

/** Every combination of the unknown facts' variants (an empty list when there are too many). */
function combinations(groups: Variant[][]): Variant[][] {
  const count = groups.reduce((n, g) => n * g.length, 1);
  if (count > MAX_COMBINATIONS) return [];
  return groups.reduce<Variant[][]>((acc, g) => acc.flatMap((a) => g.map((v) => [...a, v])), [[]]);
}

/** What a variant may not change: the verdict, and whether an exemption waives a failure. */
const verdictKey = (e: Evaluation) =>
  `${e.scope}/${e.status}/${e.condition}/${(e.status === 'FAILED' || e.status === 'WARNING') && e.exemption.active}`;

/**
 * The verdict for a cluster declared in infrastructure code. `fix` words the window to set in the
 * door's own terms (a template property, a Terraform argument, a CDK prop).
 */
export function judgeDeclared(d: DeclaredCluster, policy: Policy, now: Date, fix: WindowFix): Evaluation {
  const groups = d.unknowns.map((u) => variantsOf(u, policy)).filter((g) => g.length > 0);
  const tried = combinations(groups).map((vs) => {
    const { c, clone } = vs.reduce((acc, v) => v(acc.c, acc.clone), { c: d.facts, clone: d.clone });
    return judgeKnown(c, clone, policy, now, fix);
  });
  const [first] = tried;
  if (first && tried.every((e) => verdictKey(e) === verdictKey(first))) {
    // The unknown facts do not change the verdict: it stands, said of the cluster as declared.
    return groups.length === 0 ? first : { ...first, cluster: d.facts };
  }
  const relevant = d.unknowns.filter((u) => variantsOf(u, policy).length > 0);
  const what = relevant.map((u) => `${FACT_WORDS[u.fact]}${u.tagKey ? ` ${u.tagKey}` : ''} (${u.why})`).join('; ');
  const e = evaluate(d.facts, policy, now);
  return {
    ...e,
    cluster: d.facts,
    scope: 'in-scope',
    status: 'WARNING',
    condition: 'unknown',
    severity: 'LOW',
    reason: `not known before deployment, and the verdict depends on it: ${what}`,
    remediation:
      'Give the value (a parameter value or default, the Region) so that the cluster can be judged before it exists; ' +
      `a cluster without Backtrack can only get it by being created again. Where the value stays open, ${fix(
        e.policy.requiredSeconds > 0 ? e.policy.requiredSeconds : DEFAULT_SUGGESTED_WINDOW_SECONDS,
      )}.`,
    actual: undefined,
  };
}
