/**
 * Organization coverage: which ACTIVE accounts of the targeted OUs have a checker that reported
 * recently. A member's checker reports after every scan ("Checker run completed" on the hub's event
 * bus); the hub judges each such account covered, stale (its last report is more than two schedule
 * periods old), deploying (it never reported and joined the targeted OUs less than the grace period
 * ago: the StackSet is still rolling out) or missing (it never reported, after the grace period),
 * and alerts once when an account becomes uncovered and once when it is covered again. Pure: no
 * SDK, no I/O.
 */
import { plainText, slackText } from './text';

/** The event a member's checker sends to the hub after every scan. */
export const RUN_COMPLETED = { source: 'aurora-backtrack-checker', detailType: 'Checker run completed' } as const;

/** What a member tells the hub about one scan: counts only, never cluster names or tag text. */
export interface RunCompletedDetail {
  accountId: string;
  finishedAt: string;
  /** Problems with the checker itself in the run (degradations). */
  degraded: number;
  verdicts: { failed: number; warning: number; passed: number; notAvailable: number };
}

/** A report is late after this many schedule periods. */
export const STALE_AFTER_PERIODS = 2;

/**
 * How long an account that never reported may take before it is missing: the same two schedule
 * periods a reporting account gets before it is stale. It covers the StackSet's rollout to the
 * account, the run on deploy and, should that run fail, the first scheduled scans.
 */
export const GRACE_PERIODS = STALE_AFTER_PERIODS;

/** Deploying is neither covered nor uncovered: it is not alerted and not counted in UncoveredAccounts. */
export type CoverageStatus = 'covered' | 'stale' | 'deploying' | 'missing';

export interface AccountCoverage {
  accountId: string;
  name?: string;
  status: CoverageStatus;
  /** The last report, ISO 8601; absent when the account never reported. */
  lastSeenAt?: string;
  /** A deploying account: when its grace period ends (it is missing then unless it reported), ISO 8601. */
  deployingUntil?: string;
}

export interface Coverage {
  at: string;
  /** Every ACTIVE account of the targeted OUs, by id. */
  accounts: AccountCoverage[];
  covered: number;
  active: number;
  /** The stale and missing accounts, by id. */
  uncovered: AccountCoverage[];
  /** The accounts still within their grace period, by id. */
  deploying: AccountCoverage[];
}

export interface ActiveAccount {
  id: string;
  name?: string;
}

/** When each account was first listed in the targeted OUs, and how long a new account may take to report. */
export interface Grace {
  firstListed: ReadonlyMap<string, Date>;
  graceMs: number;
  /**
   * Accounts already alerted as uncovered: their grace is over whatever `firstListed` says (a hub
   * upgraded from a version that did not record it), so they stay missing and are not alerted again.
   */
  alertedUncovered?: readonly string[];
}

/**
 * Judges every ACTIVE account of the targeted OUs: covered when its last report is at most two
 * schedule periods old (exactly two periods is still covered), stale when older; an account that
 * never reported is deploying while it was first listed less than the grace period ago (an account
 * not recorded as listed yet is listed now), missing from exactly the grace period on. Without
 * `grace`, an account that never reported is missing. A report from the future (a member's clock
 * ahead) counts as now.
 */
export function judgeCoverage(
  active: readonly ActiveAccount[],
  lastSeen: ReadonlyMap<string, Date>,
  schedulePeriodMs: number,
  now: Date,
  grace?: Grace,
): Coverage {
  const limit = STALE_AFTER_PERIODS * schedulePeriodMs;
  const alerted = new Set(grace?.alertedUncovered);
  const deployingUntil = (id: string): Date | undefined => {
    if (!grace || alerted.has(id)) return undefined;
    const until = (grace.firstListed.get(id) ?? now).getTime() + grace.graceMs;
    return now.getTime() < until ? new Date(until) : undefined;
  };
  const accounts = [...new Map(active.map((a) => [a.id, a])).values()]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((a): AccountCoverage => {
      const seen = lastSeen.get(a.id);
      const base = a.name !== undefined ? { accountId: a.id, name: a.name } : { accountId: a.id };
      if (seen === undefined) {
        const until = deployingUntil(a.id);
        return until ? { ...base, status: 'deploying', deployingUntil: until.toISOString() } : { ...base, status: 'missing' };
      }
      const status = now.getTime() - seen.getTime() > limit ? 'stale' : 'covered';
      return { ...base, status, lastSeenAt: seen.toISOString() };
    });
  const uncovered = accounts.filter((a) => a.status === 'stale' || a.status === 'missing');
  const deploying = accounts.filter((a) => a.status === 'deploying');
  return {
    at: now.toISOString(),
    accounts,
    covered: accounts.filter((a) => a.status === 'covered').length,
    active: accounts.length,
    uncovered,
    deploying,
  };
}

/** What changed since the last coverage run, by account id. */
export interface CoverageChange {
  /** Uncovered now, covered (or unknown) before. */
  newlyUncovered: AccountCoverage[];
  /** Uncovered before, covered now. */
  recovered: AccountCoverage[];
  /** Uncovered before, no longer an ACTIVE account of the targeted OUs (closed, suspended, moved or removed). */
  left: string[];
}

/**
 * The change against the accounts alerted as uncovered before: each account is alerted once when it
 * becomes uncovered and once when it is covered again (or leaves the organization); an account that
 * stays uncovered (stale or missing) is not alerted again.
 */
export function coverageChange(previouslyUncovered: readonly string[], now: Coverage): CoverageChange {
  const before = new Set(previouslyUncovered);
  const byId = new Map(now.accounts.map((a) => [a.accountId, a]));
  return {
    newlyUncovered: now.uncovered.filter((a) => !before.has(a.accountId)),
    recovered: [...before]
      .sort()
      .map((id) => byId.get(id))
      .filter((a): a is AccountCoverage => a?.status === 'covered'),
    left: [...before].filter((id) => !byId.has(id)).sort(),
  };
}

export const hasChange = (c: CoverageChange): boolean => c.newlyUncovered.length + c.recovered.length + c.left.length > 0;

/**
 * The accounts to remember as alerted: the uncovered ones, or, when the alert about the change did
 * not reach people, the ones remembered before (so the next run tells the same change again).
 */
export function uncoveredToRemember(previouslyUncovered: readonly string[], now: Coverage, alertLost: boolean): string[] {
  return alertLost ? [...new Set(previouslyUncovered)].sort() : now.uncovered.map((a) => a.accountId);
}

/** Whether a bus event is a member's report, and its account: the sender EventBridge names, never the detail's word alone. */
export function readRunCompleted(event: {
  source?: unknown;
  'detail-type'?: unknown;
  account?: unknown;
  time?: unknown;
  detail?: unknown;
}): { ok: { accountId: string; at: Date } } | { problem: string } {
  if (event.source !== RUN_COMPLETED.source || event['detail-type'] !== RUN_COMPLETED.detailType) {
    return { problem: `not a "${RUN_COMPLETED.detailType}" event of ${RUN_COMPLETED.source}` };
  }
  const account = event.account;
  if (typeof account !== 'string' || !/^\d{12}$/.test(account)) return { problem: `sender account "${String(account)}" is not 12 digits` };
  const detail = event.detail as Partial<RunCompletedDetail> | undefined;
  if (detail?.accountId !== account) {
    return { problem: `detail.accountId "${String(detail?.accountId)}" is not the sending account ${account}; report ignored` };
  }
  const at = new Date(typeof event.time === 'string' ? event.time : NaN);
  if (Number.isNaN(at.getTime())) return { problem: `event time "${String(event.time)}" is not a date` };
  return { ok: { accountId: account, at } };
}

const describe = (a: AccountCoverage): string => {
  const who = a.name ? `${a.accountId} (${a.name})` : a.accountId;
  return a.status === 'missing'
    ? `${who}: no checker has ever reported (the StackSet skips the management account; a failed stack instance; a member stack never deployed)`
    : `${who}: its checker last reported ${a.lastSeenAt ?? 'never'}, more than ${STALE_AFTER_PERIODS} schedule periods ago (stack deleted, stack instance failed, function failing)`;
};

/** The coverage line every hub message carries: covered/total, the uncovered and the deploying accounts. */
export function coverageLine(c: Coverage): string {
  const head = `Coverage: ${c.covered}/${c.active} ACTIVE accounts of the targeted OUs have a checker that reported`;
  const uncovered = c.uncovered.length === 0 ? '' : `; uncovered: ${c.uncovered.map((a) => `${a.accountId} (${a.status})`).join(', ')}`;
  const deploying = c.deploying.length === 0 ? '' : `; deploying: ${c.deploying.map((a) => a.accountId).join(', ')}`;
  return `${head}${uncovered}${deploying}`;
}

/** The alert about a change, as the hub topic's message parts: subject, e-mail text, Chatbot card, account ids. */
export interface CoverageAlert {
  subject: string;
  email: string;
  default: string;
  severity: 'HIGH' | 'INFORMATIONAL';
  /** Every account the alert names (the `account_id` attribute, so a team's filter policy matches it). */
  accountIds: string[];
  event: string[];
}

/**
 * The message about a change (undefined when nothing changed), or with `digest` the periodic digest:
 * the coverage and every uncovered account, with the changes since the last run if there are any.
 */
export function buildCoverageAlert(c: Coverage, change: CoverageChange, digest = false): CoverageAlert | undefined {
  if (!hasChange(change) && !digest) return undefined;
  const lines: string[] = [];
  const events: string[] = digest ? ['coverage-digest'] : [];
  const fresh = new Set(change.newlyUncovered.map((a) => a.accountId));
  const still = digest ? c.uncovered.filter((a) => !fresh.has(a.accountId)) : [];
  if (still.length > 0) lines.push('Still uncovered:', ...still.map((a) => `- ${describe(a)}`));
  if (change.newlyUncovered.length > 0) {
    events.push('coverage-lost');
    lines.push('Accounts without a working checker:', ...change.newlyUncovered.map((a) => `- ${describe(a)}`));
  }
  if (change.recovered.length > 0) {
    events.push('coverage-recovered');
    lines.push(
      'Accounts covered again:',
      ...change.recovered.map((a) => `- ${a.accountId}${a.name ? ` (${a.name})` : ''}: reported ${a.lastSeenAt}`),
    );
  }
  if (digest && c.deploying.length > 0) {
    lines.push(
      'Deploying (no report yet; missing if none comes within the grace period):',
      ...c.deploying.map((a) => `- ${a.accountId}${a.name ? ` (${a.name})` : ''}: until ${a.deployingUntil}`),
    );
  }
  if (change.left.length > 0) {
    events.push('coverage-account-left');
    lines.push('Accounts no longer ACTIVE in the targeted OUs (no longer expected to report):', ...change.left.map((id) => `- ${id}`));
  }
  lines.push('', coverageLine(c), 'See docs/operations.md, "Coverage".');
  const lost = change.newlyUncovered.length;
  const subject = digest
    ? `Aurora Backtrack coverage digest: ${c.covered}/${c.active} accounts covered`
    : lost > 0
      ? `Aurora Backtrack coverage: ${lost} account(s) uncovered, ${c.covered}/${c.active} covered`
      : `Aurora Backtrack coverage: recovered, ${c.covered}/${c.active} covered`;
  const card = {
    version: '1.0',
    source: 'custom',
    content: { textType: 'client-markdown', title: subject, description: lines.map(slackText).join('\n') },
  };
  const accountIds = [
    ...new Set([
      ...(digest ? c.uncovered.map((a) => a.accountId) : []),
      ...change.newlyUncovered.map((a) => a.accountId),
      ...change.recovered.map((a) => a.accountId),
      ...change.left,
    ]),
  ].sort();
  return {
    subject,
    email: lines.map(plainText).join('\n'),
    default: JSON.stringify(card),
    severity: lost > 0 ? 'HIGH' : 'INFORMATIONAL',
    accountIds,
    event: events,
  };
}
