/**
 * `--format asff`: the findings exactly as the checker imports them with BatchImportFindings (one
 * per Aurora MySQL cluster), as a JSON array. Without a state table the checker cannot know when a
 * finding was first created, so `CreatedAt` is this run's time, as on a first import.
 */
import { toFinding } from '../../lambda/core/finding';
import type { RunSummary } from '../../lambda/run';

export function renderAsff(s: RunSummary): string {
  const account = { accountId: s.accountId, partition: s.partition };
  const now = new Date(s.startedAt);
  const findings = (s.evaluations ?? []).filter((e) => e.scope === 'in-scope').map((e) => toFinding(e, account, now, undefined));
  return JSON.stringify(findings, null, 2);
}
