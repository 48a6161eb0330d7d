/**
 * `--status FAILED,WARNING`: only the clusters with these verdicts are shown, in every format.
 * The filter is applied to the run's summary before any renderer sees it (`render` and
 * `renderAccounts`), so a format added later gets it too. Totals, Regions, degradations and the
 * alert are the run's own and stay whole: "8 FAILED" still counts every FAILED cluster, and a
 * cluster out of scope (no verdict) is never shown under a filter.
 */
import type { ComplianceStatus } from '../../lambda/core/types';
import type { RunSummary } from '../../lambda/run';

export const STATUSES = ['FAILED', 'WARNING', 'PASSED', 'NOT_AVAILABLE'] as const satisfies readonly ComplianceStatus[];

/** The verdicts of `--status` (any case, comma-separated), or the problem naming the values that are none. */
export function parseStatuses(value: string): { ok: ComplianceStatus[] } | { problem: string } {
  const items = value.split(',').map((s) => s.trim());
  const bad = items.filter((s) => !(STATUSES as readonly string[]).includes(s.toUpperCase()));
  if (bad.length || items.length === 0) {
    const named = bad.map((s) => `"${s}"`).join(', ');
    return {
      problem: `--status: "${value}" — ${named || 'nothing'} ${bad.length > 1 ? 'are not verdicts' : 'is not a verdict'}; use a comma list of ${STATUSES.join(', ')} (any case)`,
    };
  }
  return { ok: [...new Set(items.map((s) => s.toUpperCase() as ComplianceStatus))] };
}

/** The summary with only the in-scope clusters of the given verdicts; undefined keeps every cluster. */
export function withStatuses(s: RunSummary, statuses: readonly ComplianceStatus[] | undefined): RunSummary {
  if (!statuses) return s;
  const evaluations = (s.evaluations ?? []).filter((e) => e.scope === 'in-scope' && statuses.includes(e.status));
  return { ...s, evaluations };
}
