import { afterRestoreCommands, migrateCommand, modifyCommand, NOT_CARRIED, restoreCommand } from './remediation';
import {
  AURORA_MYSQL_ENGINES,
  DEFAULT_SUGGESTED_WINDOW_SECONDS,
  MAX_WINDOW_SECONDS,
  REGION_SOURCES,
  REGIONS_WITH_BACKTRACK,
  REGIONS_WITHOUT_BACKTRACK,
  type RegionEntry,
  UNSUPPORTED_ENGINE_MODES,
  UNSUPPORTED_VERSIONS,
} from './rules';
import { exemptionFor, policyFor } from './tags';
import { formatDuration } from './text';

/** formatDuration lives in ./text; re-exported for the modules that read it from here. */
export { formatDuration } from './text';
import type { ActualWindow, BacktrackMetrics, ClusterFacts, Evaluation, Policy, PolicySource } from './types';

export const isAuroraMySql = (engine: string): boolean => AURORA_MYSQL_ENGINES.has(engine);

/** "title, url (also: title, url)": where a Region's entry is stated. */
function citation(entry: RegionEntry): string {
  const cite = (key: RegionEntry['source']) => `${REGION_SOURCES[key].title}, ${REGION_SOURCES[key].url}`;
  return entry.alsoIn ? `${cite(entry.source)} (also: ${cite(entry.alsoIn)})` : cite(entry.source);
}

/**
 * Why AWS offers no Backtrack in this Region, with the source of that statement, or undefined when
 * it does (or the Region is marked with backtrackRegions).
 */
export function regionWithoutBacktrack(
  region: string,
  backtrackRegions: readonly string[],
): { reason: string; source: string } | undefined {
  const entry = REGIONS_WITHOUT_BACKTRACK[region];
  if (!entry || backtrackRegions.includes(region)) return undefined;
  return {
    reason:
      `AWS does not offer Backtrack in ${region} (${entry.name}); source: ${citation(entry)}. ` +
      'If AWS now offers it there, list the Region in the setting backtrackRegions',
    source: REGION_SOURCES[entry.source].url,
  };
}

/**
 * A Region in neither of AWS's lists (newer than the Backtrack guide's table) and not marked with
 * backtrackRegions: whether Backtrack is offered there is not documented.
 */
export const regionUndocumented = (region: string, backtrackRegions: readonly string[]): boolean =>
  !(region in REGIONS_WITHOUT_BACKTRACK) && !(region in REGIONS_WITH_BACKTRACK) && !backtrackRegions.includes(region);

/** Why this Aurora MySQL cluster cannot use Backtrack, or undefined when it can. */
export function whyBacktrackUnsupported(c: ClusterFacts): string | undefined {
  // Stryker disable next-line StringLiteral: equivalent, any mode not listed in UNSUPPORTED_ENGINE_MODES ("" too) reads as provisioned
  const mode = c.engineMode ?? 'provisioned';
  const byMode = UNSUPPORTED_ENGINE_MODES[mode];
  if (byMode) return byMode;
  if (c.globalClusterIdentifier) {
    return `member of the Aurora global database "${c.globalClusterIdentifier}": global database members cannot use Backtrack`;
  }
  if (c.replicationSourceIdentifier) {
    return `binlog replica of ${c.replicationSourceIdentifier}: clusters using binlog replication cannot use Backtrack`;
  }
  if (c.readReplicaIdentifiers.length > 0) {
    return `source of binlog replication to ${c.readReplicaIdentifiers.join(', ')}: clusters using binlog replication cannot use Backtrack`;
  }
  for (const { pattern, reason } of UNSUPPORTED_VERSIONS) {
    if (pattern.test(c.engineVersion)) return `engine version ${c.engineVersion}: ${reason}`;
  }
  return undefined;
}

/** What setting a window to 0 costs, in the words of every message about it. */
export const IRREVERSIBLE =
  'a window set to 0 can never be raised again on this cluster, so its data must move to a new cluster to have Backtrack';

const windowText = (seconds: number) => `${seconds} s (${formatDuration(seconds)})`;

function requiredText(p: PolicySource): string {
  const from = p.source === 'tag' ? 'set by the cluster tag' : 'the account policy';
  return p.requiredSeconds === 0 ? `any enabled window (${from})` : `${windowText(p.requiredSeconds)}, ${from}`;
}

/** Window to suggest in a remediation: the required minimum, or 24 h where any window would do. */
export const suggestedWindow = (p: PolicySource) => (p.requiredSeconds > 0 ? p.requiredSeconds : DEFAULT_SUGGESTED_WINDOW_SECONDS);

function measureActual(c: ClusterFacts, target: number, p: PolicySource, now: Date, metrics: BacktrackMetrics | undefined): ActualWindow {
  // The window can only be full once it has existed for its whole length: since creation, or since
  // the target was last raised.
  const fillingFrom = [c.createdAt, c.windowSetAt].filter((d): d is Date => d !== undefined);
  const start = fillingFrom.length ? new Date(Math.max(...fillingFrom.map((d) => d.getTime()))) : undefined;
  const ageSeconds = start ? Math.floor((now.getTime() - start.getTime()) / 1000) : undefined;
  const raised = c.windowSetAt !== undefined && (!c.createdAt || c.windowSetAt.getTime() > c.createdAt.getTime());
  const fullAfter = Math.min(target, Math.max(p.requiredSeconds, 1));
  const filling = ageSeconds !== undefined && ageSeconds < fullAfter;
  const parts: string[] = [];
  let seconds: number | undefined;
  if (c.earliestBacktrackTime) {
    seconds = Math.max(0, Math.floor((now.getTime() - c.earliestBacktrackTime.getTime()) / 1000));
    parts.push(`actual window ${windowText(seconds)} (now − EarliestBacktrackTime ${c.earliestBacktrackTime.toISOString()})`);
  } else {
    parts.push('AWS reported no EarliestBacktrackTime, so the actual window is not known from it');
  }
  if (filling && ageSeconds !== undefined) {
    parts.push(
      raised
        ? `target window set ${formatDuration(ageSeconds)} ago, less than the window: still filling`
        : `cluster is ${formatDuration(ageSeconds)} old, younger than the window: still filling`,
    );
  }
  if (metrics?.windowAlertCount !== undefined) {
    parts.push(`BacktrackWindowAlert ${metrics.windowAlertCount} in the last 24 h`);
  }
  if (metrics?.windowActualMinutes !== undefined) {
    parts.push(`BacktrackWindowActual ${metrics.windowActualMinutes} min (raw value)`);
  }
  if (!metrics || (metrics.windowAlertCount === undefined && metrics.windowActualMinutes === undefined)) {
    parts.push('no Backtrack metrics in CloudWatch for the last 24 h');
  }
  return { seconds, filling, metrics, summary: parts.join('; ') };
}

/**
 * The verdict for one cluster. Pure: the same facts, policy, metrics and time always give the
 * same evaluation.
 */
export function evaluate(c: ClusterFacts, policy: Policy, now: Date, metrics?: BacktrackMetrics): Evaluation {
  const p = policyFor(c.tags, policy);
  const exemption = exemptionFor(c.tags, policy, now, c.exemptSince);
  const tagProblems = [...(p.problem ? [p.problem] : []), ...exemption.problems];
  const tagPolicy = { tagPrefix: policy.tagPrefix, exemptTagKey: policy.exemptTagKey };
  const base = { cluster: c, policy: p, tagPolicy, exemption, tagProblems, remediation: '' };

  if (!isAuroraMySql(c.engine)) {
    return {
      ...base,
      scope: 'out-of-scope',
      status: 'NOT_AVAILABLE',
      condition: 'unsupported',
      severity: 'INFORMATIONAL',
      reason: `engine ${c.engine} is not Aurora MySQL: Backtrack does not exist for it`,
    };
  }
  const noRegion = regionWithoutBacktrack(c.region, policy.backtrackRegions);
  if (noRegion) {
    return {
      ...base,
      scope: 'in-scope',
      status: 'NOT_AVAILABLE',
      condition: 'unsupported',
      severity: 'INFORMATIONAL',
      reason: `Backtrack cannot be used here: ${noRegion.reason}`,
      reasonSource: noRegion.source,
    };
  }
  const unsupported = whyBacktrackUnsupported(c);
  if (unsupported) {
    return {
      ...base,
      scope: 'in-scope',
      status: 'NOT_AVAILABLE',
      condition: 'unsupported',
      severity: 'INFORMATIONAL',
      reason: `Backtrack cannot be used here: ${unsupported}`,
    };
  }

  const target = c.backtrackWindowSeconds ?? 0;
  const id = c.identifier;
  // A window > 0 proves AWS offers Backtrack there; a window of 0 in an undocumented Region proves
  // nothing either way, so it is neither "fixable" nor "not available".
  if (target <= 0 && regionUndocumented(c.region, policy.backtrackRegions)) {
    return {
      ...base,
      scope: 'in-scope',
      status: 'WARNING',
      condition: 'region-undocumented',
      severity: 'LOW',
      reason:
        `Backtrack is disabled (window ${c.backtrackWindowSeconds === undefined ? 'not set' : '0'}), and AWS does not document whether ` +
        `Backtrack is offered in ${c.region} (the Backtrack guide's Region table does not list it); if it is, mark the Region ` +
        'with backtrackRegions and this becomes FAILED',
      remediation:
        `AWS does not document whether Backtrack is offered in ${c.region}. If it is, list ${c.region} in the setting backtrackRegions: ` +
        `${c.identifier} is then judged FAILED with its fix (Backtrack cannot be turned on in place: restore into a new cluster with a window).`,
      reasonSource: REGION_SOURCES['backtrack-guide'].url,
    };
  }
  if (target <= 0) {
    const command = restoreCommand(c, suggestedWindow(p), tagPolicy);
    const after = afterRestoreCommands(c);
    const migrate = migrateCommand(c, suggestedWindow(p));
    return {
      ...base,
      scope: 'in-scope',
      status: 'FAILED',
      condition: 'disabled',
      // A window set to 0 on a cluster that had one can never be raised again there: HIGH.
      severity: c.backtrackLostAt ? 'HIGH' : 'MEDIUM',
      reason: c.backtrackLostAt
        ? `Backtrack was turned off (window set to 0, seen ${c.backtrackLostAt.toISOString()}): ${IRREVERSIBLE}; required: ${requiredText(p)}`
        : `Backtrack is disabled (window ${c.backtrackWindowSeconds === undefined ? 'not set' : '0'}); required: ${requiredText(p)}`,
      remediation:
        `Backtrack cannot be turned on for an existing cluster. Restore into a new cluster with a window: ${command}; ` +
        (after.length ? `then, once it is available: ${after.join('; ')}; ` : '') +
        `add a writer (aws rds create-db-instance) and readers like the source's, move clients to the new endpoints, then retire ${id}. ` +
        `${NOT_CARRIED}. Or plan it with: ${migrate}`,
      fixCommand: command,
      ...(after.length && { followUpCommands: after }),
      migrateCommand: migrate,
    };
  }
  if (target < p.requiredSeconds) {
    return {
      ...base,
      scope: 'in-scope',
      status: 'FAILED',
      condition: 'below-policy',
      severity: 'LOW',
      reason: `Backtrack window ${windowText(target)} is below the required ${requiredText(p)}`,
      remediation: `Raise the window in place: ${modifyCommand(c, p.requiredSeconds)} (or: ${migrateCommand(c, p.requiredSeconds)})`,
      fixCommand: modifyCommand(c, p.requiredSeconds),
      migrateCommand: migrateCommand(c, p.requiredSeconds),
    };
  }

  const actual = measureActual(c, target, p, now, metrics);
  const changeRecordsPerHour = metrics?.changeRecordsPer5Min !== undefined ? Math.round(metrics.changeRecordsPer5Min * 12) : undefined;
  const passedWithActual = { ...base, actual, changeRecordsPerHour, scope: 'in-scope' as const };
  const shortByTime = actual.seconds !== undefined && actual.seconds < p.requiredSeconds;
  // Without EarliestBacktrackTime, AWS's own alert still proves actual < target; when the target is
  // exactly the required minimum, that is actual < required.
  const shortByAlert = actual.seconds === undefined && (metrics?.windowAlertCount ?? 0) > 0 && target <= p.requiredSeconds;
  if (!actual.filling && (shortByTime || shortByAlert)) {
    const raisedTo = Math.min(MAX_WINDOW_SECONDS, Math.max(target * 2, p.requiredSeconds));
    const raise = modifyCommand(c, raisedTo);
    const measured = shortByTime
      ? `the actual window is ${windowText(actual.seconds ?? 0)}`
      : `AWS reported the actual window below the target ${metrics?.windowAlertCount} time(s) in the last 24 h`;
    return {
      ...passedWithActual,
      status: 'WARNING',
      condition: 'actual-short',
      severity: 'LOW',
      reason: `Target window ${windowText(target)} meets policy, but ${measured}; required: ${requiredText(p)}`,
      remediation:
        `Write load makes Aurora keep fewer change records than the target needs. Reduce or spread heavy writes, ` +
        `or raise the target: ${raise} (or: ${migrateCommand(c, raisedTo)}); watch BacktrackWindowAlert.`,
      fixCommand: raise,
      migrateCommand: migrateCommand(c, raisedTo),
    };
  }
  return {
    ...passedWithActual,
    status: 'PASSED',
    condition: 'ok',
    severity: 'INFORMATIONAL',
    reason: `Backtrack window ${windowText(target)} meets the required ${requiredText(p)}${actual.filling ? ' (window still filling)' : ''}`,
  };
}
