/**
 * Regions that left the watch list (`regions` narrowed, or a Region the account opted out of with
 * `regions=all`): which remembered clusters are retired, what the alert says about it, and which
 * remembered clusters a reminder may name.
 */
import type { ClusterState } from './state-types';

/** The remembered clusters of one Region the scan no longer watches. */
export interface UnwatchedRegion {
  region: string;
  clusters: ClusterState[];
}

/**
 * The remembered clusters of Regions outside `watched`, by Region (sorted by Region, then by state
 * key). `watched` undefined means the Region list is not known for sure (listing the enabled Regions
 * failed or timed out): then nothing is retired, since every Region would look unwatched.
 */
export function unwatchedRegions(
  previous: Iterable<ClusterState>,
  watched: readonly string[] | undefined,
  accountId: string,
): UnwatchedRegion[] {
  if (watched === undefined) return [];
  const keep = new Set(watched);
  const byRegion = new Map<string, ClusterState[]>();
  for (const s of previous) {
    if (s.accountId !== accountId || keep.has(s.region)) continue;
    const list = byRegion.get(s.region) ?? [];
    list.push(s);
    byRegion.set(s.region, list);
  }
  return [...byRegion.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([region, clusters]) => ({ region, clusters: clusters.sort((a, b) => a.pk.localeCompare(b.pk)) }));
}

/**
 * The remembered clusters a reminder may name: those of watched Regions. `watched` undefined (the
 * enabled Regions could not be listed): all of them, since a reminder too many beats a failure
 * left unsaid.
 */
export function inWatchedRegions(states: Iterable<ClusterState>, watched: readonly string[] | undefined): ClusterState[] {
  const all = [...states];
  if (watched === undefined) return all;
  const keep = new Set(watched);
  return all.filter((s) => keep.has(s.region));
}

/** What retiring one unwatched Region came to. */
export interface RetiredRegion {
  region: string;
  /** Remembered clusters of the Region (each one's state item is removed once the alert is sent). */
  clusters: number;
  /** Of those, clusters that were failing or warning when last told (the alert's "N failing"). */
  failing: number;
  /** False when this checker does not publish findings (nothing to archive). */
  published: boolean;
  /** Findings Security Hub took as ARCHIVED. */
  archived: number;
  /** Why the rest could not be archived (Security Hub off there, the Region's endpoint refusing), in words. */
  reason?: string;
}

const clustersWord = (n: number) => (n === 1 ? '1 cluster' : `${n} clusters`);

/**
 * The alert line for one retired Region. Archiving is tried once: findings Security Hub did not take
 * stay ACTIVE there, and the line says so, with what people can do about it.
 */
export function retiredSentence(r: RetiredRegion): string {
  const lead = `${r.region} is no longer watched`;
  const failing = r.failing > 0 ? ` (${r.failing} ${r.failing === 1 ? 'was' : 'were'} failing)` : '';
  if (!r.published) return `${lead}: ${clustersWord(r.clusters)} no longer checked${failing}; this checker does not publish findings`;
  const findings = r.clusters === 1 ? "1 cluster's finding" : `${r.clusters} clusters' findings`;
  const notArchived = r.clusters - r.archived;
  if (notArchived === 0) return `${lead}: ${findings} archived${failing}`;
  const why = r.reason ? ` (${r.reason})` : '';
  return (
    `${lead}: ${r.archived} of ${findings} archived${failing}; ${notArchived} could not be${why}: those Security Hub ` +
    `holds there stay ACTIVE until archived by hand (or deleted by Security Hub 90 days after their last update)`
  );
}

/** Whether the line asks for a person's attention: findings were left ACTIVE. */
export const retiredLeftActive = (r: RetiredRegion): boolean => r.published && r.archived < r.clusters;

/**
 * The state items to remove: every retired cluster, once the alert that says so went out (else the
 * next scan retires them again and tells it). Archiving is not retried: a Region the account opted
 * out of refuses every call, and retrying would fail on every scan; the alert says what was left.
 */
export const retiredRemovals = (regions: readonly UnwatchedRegion[], delivered: boolean): string[] =>
  delivered ? regions.flatMap((r) => r.clusters.map((s) => s.pk)) : [];
