/**
 * The minute after creation: a cluster created without Backtrack holds little or no data yet, so
 * re-creating it with a window costs far less now than a migration and cut-over later. Pure: no SDK,
 * no I/O.
 */
import { suggestedWindow } from './evaluate';
import { shellArg } from './text';
import type { ApiCall, Evaluation } from './types';

/** A cluster younger than this (by its CloudTrail CreateDBCluster or its ClusterCreateTime) is "young". */
export const YOUNG_CLUSTER_HOURS = 6;

/** When a young cluster was created and what says so. */
export interface YoungCluster {
  /** Whole minutes between creation and the run. */
  minutes: number;
  /** `call`: the CreateDBCluster event that triggered the re-check; `created`: the cluster's ClusterCreateTime. */
  from: 'call' | 'created';
  /** The creation time as the source gave it (ISO 8601). */
  at: string;
}

const parsed = (text: string | undefined): Date | undefined => {
  const d = text === undefined ? undefined : new Date(text);
  return d && !Number.isNaN(d.getTime()) ? d : undefined;
};

/**
 * Whether a failing verdict concerns a cluster created minutes ago. Only `disabled`: Backtrack can
 * be set only at creation, while a short window is raised in place whatever the cluster's age.
 * The CreateDBCluster call that triggered a re-check dates it first, else ClusterCreateTime; a
 * restored cluster is not young in this sense (it holds the data it was restored with).
 */
export function youngCluster(e: Evaluation, now: Date, call?: ApiCall): YoungCluster | undefined {
  if (e.condition !== 'disabled' || e.exemption.active) return undefined;
  const fromCall = call?.eventName === 'CreateDBCluster' ? parsed(call.eventTime) : undefined;
  const at = fromCall ?? e.cluster.createdAt;
  if (!at) return undefined;
  const minutes = Math.max(0, Math.floor((now.getTime() - at.getTime()) / 60_000));
  if (minutes >= YOUNG_CLUSTER_HOURS * 60) return undefined;
  return { minutes, from: fromCall ? 'call' : 'created', at: at.toISOString().replace(/\.\d{3}Z$/, 'Z') };
}

/** "less than a minute", "1 minute", "42 minutes", "3 h 5 min". */
function age(minutes: number): string {
  if (minutes < 1) return 'less than a minute';
  if (minutes < 120) return `${minutes} ${minutes === 1 ? 'minute' : 'minutes'}`;
  return `${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
}

/** The lead's addition: how long ago, and what says so (`short`: how long ago only, for Slack's lines). */
export const youngLead = (y: YoungCluster, short = false) =>
  short
    ? `created ${age(y.minutes)} ago`
    : `created ${age(y.minutes)} ago (${y.from === 'call' ? 'CloudTrail CreateDBCluster' : 'ClusterCreateTime'} ${y.at})`;

/** What to do while the cluster is young: re-create it with a window, or let `migrate` plan it. */
export function youngAdvice(e: Evaluation): string {
  const c = e.cluster;
  return (
    `Re-create it now, while it holds little or no data: delete it and create it again with --backtrack-window ` +
    `${suggestedWindow(e.policy)}, or run: ${e.migrateCommand ?? `aurora-backtrack-check migrate --cluster ${shellArg(c.identifier)} --region ${c.region}`}. ` +
    'That costs far less now than a migration and cut-over later.'
  );
}

/** Slack's next step for a young cluster (at most `max` characters), or undefined when it does not fit. */
export function youngStep(e: Evaluation, max: number): string | undefined {
  const c = e.cluster;
  const migrate = e.migrateCommand ?? `aurora-backtrack-check migrate --cluster ${shellArg(c.identifier)} --region ${c.region}`;
  const step =
    `${c.identifier} (${c.region}): re-create it now, while it holds little or no data: ` +
    `create it again with --backtrack-window ${suggestedWindow(e.policy)}, or ${migrate}`;
  return step.length <= max ? step : undefined;
}
