/**
 * An audit of several accounts: the same run once per account, each with that account's own
 * clients (an assumed role), at most `concurrency` accounts at once. Every account's run is
 * independent, so AWS's per-account, per-Region limits hold as in a single-account run. An account
 * whose run could not start (its role cannot be assumed) is recorded with the reason; it never
 * hides the other accounts' results.
 */
import { describeError } from './aws/errors';
import { isDegraded } from './degraded';
import type { RunSummary } from './run';
import { mapLimit } from './concurrency';

export interface AccountTarget {
  accountId: string;
  /** The account's name in the organization, when it came from Organizations. */
  name?: string;
}

/** One account's part of the audit: its run, or why it has none. */
export interface AccountOutcome extends AccountTarget {
  summary?: RunSummary;
  error?: { code: string; message: string };
}

export type Totals = RunSummary['totals'];

export interface AccountsSummary {
  /** The account the audit ran as. */
  callerAccountId: string;
  partition: string;
  startedAt: string;
  finishedAt: string;
  /** In the order of the targets (sorted by account id). */
  accounts: AccountOutcome[];
  /** Sums over the audited accounts, and how many accounts were and were not audited. */
  totals: Totals & { accounts: number; accountsAudited: number; accountsNotAudited: number };
}

/** Runs `runOne` for every target, at most `concurrency` at once; a failed account is recorded, not thrown. */
export async function runAccounts(
  targets: readonly AccountTarget[],
  concurrency: number,
  runOne: (target: AccountTarget) => Promise<RunSummary>,
): Promise<AccountOutcome[]> {
  return mapLimit([...targets], concurrency, async (target): Promise<AccountOutcome> => {
    try {
      const summary = await runOne(target);
      if (summary.accountId !== target.accountId) {
        return {
          ...target,
          error: {
            code: 'WrongAccount',
            message: `the credentials for account ${target.accountId} act in account ${summary.accountId}; its results were dropped`,
          },
        };
      }
      return { ...target, summary };
    } catch (err) {
      return { ...target, error: describeError(err) };
    }
  });
}

const ZERO: Totals = {
  clusters: 0,
  inScope: 0,
  outOfScope: 0,
  failed: 0,
  failedUnsuppressed: 0,
  warning: 0,
  passed: 0,
  notAvailable: 0,
  suppressed: 0,
  notScannedRegions: 0,
  rejectedClusters: 0,
};

/** The sum of the audited accounts' totals. */
export function sumTotals(outcomes: readonly AccountOutcome[]): Totals {
  const sum = { ...ZERO };
  for (const o of outcomes) {
    if (!o.summary) continue;
    for (const k of Object.keys(sum) as (keyof Totals)[]) sum[k] += o.summary.totals[k];
  }
  return sum;
}

export function summarizeAccounts(
  caller: { accountId: string; partition: string },
  startedAt: Date,
  finishedAt: Date,
  outcomes: AccountOutcome[],
): AccountsSummary {
  const audited = outcomes.filter((o) => o.summary).length;
  return {
    callerAccountId: caller.accountId,
    partition: caller.partition,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    accounts: outcomes,
    totals: { ...sumTotals(outcomes), accounts: outcomes.length, accountsAudited: audited, accountsNotAudited: outcomes.length - audited },
  };
}

/** True when an account was not audited, or an audited account's run left something undone. */
export const isAuditDegraded = (s: AccountsSummary): boolean => s.accounts.some((o) => !o.summary || isDegraded(o.summary));
