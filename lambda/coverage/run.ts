/**
 * The hub's coverage work: record a member's report, and on the schedule judge every ACTIVE account
 * under the targeted OUs, alert the change once (and the digest on its own schedule), and remember
 * what was alerted. The rules are in core/coverage.ts; the AWS calls come in as dependencies.
 */
import type { CoverageStore } from '../aws/coverage-store';
import { describeError } from '../aws/errors';
import {
  buildCoverageAlert,
  coverageChange,
  coverageLine,
  judgeCoverage,
  readRunCompleted,
  uncoveredToRemember,
  type ActiveAccount,
  type Coverage,
  type CoverageAlert,
  type CoverageChange,
} from '../core/coverage';
import type { Logger } from '../run-types';
import type { CoverageSettings } from './settings';

export interface CoverageDeps {
  now(): Date;
  store: CoverageStore;
  /** Every ACTIVE account under the OUs or roots, at any depth (the Organizations OU walk, paced). */
  listAccounts(parentIds: readonly string[]): Promise<ActiveAccount[]>;
  /** Publishes to the organization's topic; returns the message id. */
  publish?(topicArn: string, alert: CoverageAlert): Promise<string>;
  log: Logger;
}

export type RecordOutcome = { recorded: string; at: string } | { ignored: string };

/** Keeps a member's "Checker run completed" report; a report the hub cannot trust is logged and ignored. */
export async function recordReport(deps: CoverageDeps, event: Record<string, unknown>): Promise<RecordOutcome> {
  const read = readRunCompleted(event);
  if ('problem' in read) {
    deps.log.warn('report ignored', { problem: read.problem });
    return { ignored: read.problem };
  }
  // EventBridge's time of the report, never later than now (a clock ahead must not cover an account longer).
  const now = deps.now();
  const at = read.ok.at.getTime() > now.getTime() ? now : read.ok.at;
  await deps.store.recordReport(read.ok.accountId, at);
  return { recorded: read.ok.accountId, at: at.toISOString() };
}

export interface CoverageSummary {
  coverage: Coverage;
  change: CoverageChange;
  /** Where the account list came from: a fresh listing, the cache, or an old cache because Organizations failed. */
  accountsFrom: 'organizations' | 'cache' | 'stale-cache';
  /** Why Organizations could not be listed (with a stale cache in use). */
  accountsProblem?: string;
  alert?: { subject: string; published: boolean; messageId?: string; error?: string };
}

/** Organizations failed and no account list was ever kept: coverage cannot be judged at all. */
export class AccountsUnavailableError extends Error {
  override readonly name = 'AccountsUnavailableError';
}

async function activeAccounts(
  settings: CoverageSettings,
  deps: CoverageDeps,
  now: Date,
): Promise<Pick<CoverageSummary, 'accountsFrom' | 'accountsProblem'> & { accounts: ActiveAccount[] }> {
  const targets = [...settings.targetParentIds].sort();
  const kept = await deps.store.cachedAccounts();
  // A list kept for other targets (the hub's OUs changed) is never used, not even when Organizations fails.
  const cached = kept && [...kept.parentIds].sort().join(',') === targets.join(',') ? kept : undefined;
  if (cached && now.getTime() - cached.listedAt.getTime() < settings.accountsCacheMs) {
    return { accounts: cached.accounts, accountsFrom: 'cache' };
  }
  try {
    const accounts = await deps.listAccounts(settings.targetParentIds);
    await deps.store.saveAccounts({ listedAt: now, parentIds: targets, accounts });
    return { accounts, accountsFrom: 'organizations' };
  } catch (err) {
    const { code, message } = describeError(err);
    const problem = `${code}: ${message}`;
    if (!cached) {
      throw new AccountsUnavailableError(
        `the ACTIVE accounts under ${targets.join(', ')} could not be listed (${problem}) and none were listed before; coverage was not judged`,
        { cause: err },
      );
    }
    deps.log.warn('accounts not listed: the last list is used', { problem, listedAt: cached.listedAt.toISOString() });
    return { accounts: cached.accounts, accountsFrom: 'stale-cache', accountsProblem: problem };
  }
}

/**
 * Judges the coverage and alerts its change once; with `digest`, publishes the coverage even when
 * nothing changed. When the message does not reach the topic, the accounts alerted before are kept,
 * so the next run tells the same change again.
 */
export async function checkCoverage(settings: CoverageSettings, deps: CoverageDeps, digest = false): Promise<CoverageSummary> {
  const now = deps.now();
  const listed = await activeAccounts(settings, deps, now);
  const [seen, before, firstListed] = await Promise.all([
    deps.store.lastSeen(),
    deps.store.alertedUncovered(),
    deps.store.firstListed(),
  ]);
  // An account listed for the first time starts its grace period now (a hub deployed into an
  // existing organization: every account, while the StackSet rolls out).
  const fresh = listed.accounts.map((a) => a.id).filter((id) => !firstListed.has(id));
  if (fresh.length > 0) {
    await deps.store.recordFirstListed(fresh, now);
    for (const id of fresh) firstListed.set(id, now);
  }
  const coverage = judgeCoverage(listed.accounts, seen, settings.schedulePeriodMs, now, {
    firstListed,
    graceMs: settings.graceMs,
    alertedUncovered: before,
  });
  const change = coverageChange(before, coverage);
  const message = buildCoverageAlert(coverage, change, digest);
  const summary: CoverageSummary = {
    coverage,
    change,
    accountsFrom: listed.accountsFrom,
    ...(listed.accountsProblem ? { accountsProblem: listed.accountsProblem } : {}),
  };
  if (message) {
    if (listed.accountsProblem) {
      message.email += `\nThe targeted OUs' accounts could not be listed (${listed.accountsProblem}); the last list was used.`;
    }
    summary.alert = { subject: message.subject, published: false };
    if (settings.topicArn && deps.publish) {
      try {
        summary.alert = { subject: message.subject, published: true, messageId: await deps.publish(settings.topicArn, message) };
      } catch (err) {
        const { code, message: text } = describeError(err);
        summary.alert.error = `${code}: ${text}`;
        deps.log.error('coverage alert not published', { code, message: text });
      }
    }
  }
  const lost = message !== undefined && !summary.alert?.published && settings.topicArn !== undefined;
  await deps.store.saveAlertedUncovered(uncoveredToRemember(before, coverage, lost), now);
  deps.log.info(coverageLine(coverage), { accountsFrom: listed.accountsFrom });
  return summary;
}
