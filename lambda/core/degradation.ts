/**
 * Problems with the checker itself in a run (blind spots people must know about), each kind with
 * its key and its sentence in one place. The key is what the state table remembers between runs
 * (run-meta `degraded`), so that the same problem is alerted once and its end is noticed: keys are
 * `<kind>#<region>` for a problem in one Region and `<kind>` for one of the whole run.
 */

/** An AWS error as the adapters describe it. */
export interface ErrorCause {
  code: string;
  message: string;
}

export type Degradation =
  /** The Region's clusters were not listed (access denied, endpoint down, the run's deadline). */
  | { kind: 'region-not-scanned'; region: string; cause: ErrorCause }
  /** DescribeDBClusters returned descriptions the checker cannot judge. */
  | { kind: 'clusters-unreadable'; region: string; count: number; firstReason: string }
  /** GetMetricData failed: actual windows come from EarliestBacktrackTime only. */
  | { kind: 'metrics-unavailable'; region: string; cause: ErrorCause }
  | { kind: 'security-hub-not-enabled'; region: string; reason: string }
  /** Findings did not reach Security Hub: all of them (no `count`), or `count` after an import call failed. */
  | { kind: 'findings-not-published'; region: string; reason: string; count?: number }
  /** Security Hub took the import call but refused `count` findings, even after a retry. */
  | { kind: 'findings-rejected'; region: string; count: number }
  /** BatchUpdateFindings refused `rejected` workflow updates, or failed as a whole (no `rejected`). */
  | { kind: 'workflow-not-updated'; region: string; cause: ErrorCause; rejected?: number }
  /** GetFindings failed: a failing cluster's finding suppressed or resolved by someone else is not reopened this run. */
  | { kind: 'workflow-not-checked'; region: string; cause: ErrorCause }
  | { kind: 'recheck-failed'; region: string; identifier: string; cause: ErrorCause }
  /** The state table could not be read (`cause`), or did not answer before the deadline (none). */
  | { kind: 'state-unavailable'; cause?: ErrorCause }
  | { kind: 'state-not-saved'; cause: ErrorCause }
  | { kind: 'regions-not-listed'; cause: ErrorCause }
  /** The "Checker run completed" event did not reach the hub's event bus (member mode): the hub may count the account uncovered. */
  | { kind: 'hub-not-told'; cause: ErrorCause }
  /** The run found another holding the lease for its whole wait. */
  | { kind: 'run-skipped'; mode: string; reason: string };

export type DegradationKind = Degradation['kind'];

/** A degradation as the run summary shows it (the CLI's JSON `degraded[]`, the handler's log). */
export interface DegradationReport {
  /** Stable key, e.g. `region-not-scanned#eu-west-3`: the same problem next run is not re-alerted. */
  key: string;
  region?: string;
  message: string;
}

const cause = (c: ErrorCause) => `${c.code}: ${c.message}`;

export function degradationKey(d: Degradation): string {
  return 'region' in d ? `${d.kind}#${d.region}` : d.kind;
}

/** The sentence people read in the alert and the summary. */
export function degradationSentence(d: Degradation): string {
  switch (d.kind) {
    case 'region-not-scanned':
      return `${d.region}: Region not scanned (${cause(d.cause)}); its clusters were not judged this run`;
    case 'clusters-unreadable':
      return `${d.region}: ${d.count} cluster(s) not judged because DescribeDBClusters returned an unusable description (${d.firstReason})`;
    case 'metrics-unavailable':
      return `${d.region}: CloudWatch Backtrack metrics could not be read (${cause(d.cause)}); actual windows judged from EarliestBacktrackTime only`;
    case 'security-hub-not-enabled':
      return `${d.region}: findings not published — ${d.reason}`;
    case 'findings-not-published':
      return d.count === undefined
        ? `${d.region}: findings not published — ${d.reason}`
        : `${d.region}: ${d.count} finding(s) not published — ${d.reason}`;
    case 'findings-rejected':
      return `${d.region}: ${d.count} finding(s) rejected by Security Hub after a retry`;
    case 'workflow-not-updated':
      return d.rejected === undefined
        ? `${d.region}: exemption workflow could not be set in Security Hub (${cause(d.cause)})`
        : `${d.region}: ${d.rejected} finding workflow update(s) (exemptions) rejected by Security Hub: ${cause(d.cause)}`;
    case 'workflow-not-checked':
      return `${d.region}: findings' workflow could not be checked (${cause(d.cause)}); a failing cluster's finding suppressed or resolved outside the checker is not reopened this run`;
    case 'recheck-failed':
      return `${d.region}: cluster ${d.identifier} could not be re-checked (${cause(d.cause)})`;
    case 'state-unavailable':
      return d.cause
        ? `state table could not be read (${cause(d.cause)}); alerts for cluster changes are held back this run`
        : `state table did not answer before the run's deadline; alerts for cluster changes are held back this run`;
    case 'state-not-saved':
      return `state table could not be written (${cause(d.cause)}); the next run may repeat this run's alert`;
    case 'regions-not-listed':
      return `the account's enabled Regions could not be listed (${cause(d.cause)}); nothing was scanned`;
    case 'hub-not-told':
      return `the hub's event bus was not told of this run (${cause(d.cause)}); the hub's coverage check may report this account as uncovered`;
    case 'run-skipped':
      return `${d.mode} skipped: ${d.reason}; nothing was judged, alerted or saved by this run`;
  }
}

export function degradationReport(d: Degradation): DegradationReport {
  return { key: degradationKey(d), ...('region' in d ? { region: d.region } : {}), message: degradationSentence(d) };
}

/**
 * The line that says a problem alerted before is over. It is read from the remembered key alone
 * (the details are gone by then), so a key an older version wrote reads the same way.
 */
export function recoveredSentence(key: string): string {
  const [kind = key, region] = key.split('#');
  const what = kind.replace(/-/g, ' ');
  return region ? `${region}: ${what} — no longer` : `${what} — no longer`;
}

/**
 * What to alert about the checker: the problems not alerted before (by key) and the keys of those
 * alerted before that are gone now. The same problem in a later run is not alerted again.
 */
export function degradationChange(
  rememberedKeys: readonly string[],
  now: readonly Degradation[],
): { fresh: Degradation[]; recovered: string[] } {
  const before = new Set(rememberedKeys);
  const nowKeys = new Set(now.map(degradationKey));
  return {
    fresh: now.filter((d) => !before.has(degradationKey(d))),
    recovered: [...before].filter((k) => !nowKeys.has(k)),
  };
}

/**
 * The keys to remember after a scan: this run's, or, when its alert (with the fresh problems and
 * the recoveries) did not reach people, the ones remembered before, so the next run tells them.
 */
export function degradationKeysToRemember(rememberedKeys: readonly string[], now: readonly Degradation[], alertLost: boolean): string[] {
  return (alertLost ? [...new Set(rememberedKeys)] : [...new Set(now.map(degradationKey))]).sort();
}

/** What a Region's finding imports came to, as the finding stream records it. */
export interface FindingsOutcome {
  /** Why no finding of the Region was published (Security Hub off, or the import refused as a whole). */
  notPublished?: string;
  /** Security Hub is not enabled in the Region (`notPublished` says so). */
  notEnabled?: boolean;
  /** The first import call that failed as a whole after the SDK's retries. */
  callError?: ErrorCause;
  /** Findings that did not reach Security Hub. */
  failed: number;
}

/** The degradation a Region's finding imports make, if any: every finding that did not reach Security Hub is one. */
export function findingsDegradation(region: string, o: FindingsOutcome): Degradation | undefined {
  if (o.notPublished) {
    return o.notEnabled
      ? { kind: 'security-hub-not-enabled', region, reason: o.notPublished }
      : { kind: 'findings-not-published', region, reason: o.notPublished };
  }
  if (o.callError) {
    return {
      kind: 'findings-not-published',
      region,
      count: o.failed,
      reason: `Security Hub import failed in ${region}: ${cause(o.callError)}`,
    };
  }
  if (o.failed > 0) return { kind: 'findings-rejected', region, count: o.failed };
  return undefined;
}
