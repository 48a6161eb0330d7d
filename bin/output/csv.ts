/**
 * `--format csv`: one row per cluster, Aurora MySQL or not, with a header (RFC 4180). A cell that
 * a spreadsheet would run as a formula (a tag value such as `=HYPERLINK(...)`) is prefixed with `'`.
 */
import type { Evaluation } from '../../lambda/core/types';
import type { RunSummary } from '../../lambda/run';

export const CSV_COLUMNS = [
  'account_id',
  'region',
  'cluster',
  'arn',
  'engine',
  'engine_version',
  'engine_mode',
  'scope',
  'status',
  'condition',
  'severity',
  'exempt',
  'exempt_reason',
  'exempt_until',
  'window_seconds',
  'required_seconds',
  'policy_source',
  'actual_window_seconds',
  'change_records_per_hour',
  'reason',
  'remediation',
] as const;

/** Quotes a cell when it holds a comma, quote or line break, and defuses spreadsheet formulas. */
export function csvCell(value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text) && typeof value === 'string') text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function row(accountId: string, e: Evaluation): (string | number | boolean | undefined)[] {
  const c = e.cluster;
  const inScope = e.scope === 'in-scope';
  return [
    accountId,
    c.region,
    c.identifier,
    c.arn,
    c.engine,
    c.engineVersion,
    c.engineMode ?? 'provisioned',
    e.scope,
    inScope ? e.status : '',
    inScope ? e.condition : '',
    inScope ? e.severity : '',
    e.exemption.active,
    e.exemption.active ? e.exemption.reason : undefined,
    e.exemption.active || e.exemption.expired ? e.exemption.until : undefined,
    c.backtrackWindowSeconds ?? 0,
    inScope ? e.policy.requiredSeconds : undefined,
    inScope ? e.policy.source : undefined,
    e.actual?.seconds,
    e.changeRecordsPerHour,
    e.reason,
    e.remediation || undefined,
  ];
}

export function renderCsv(s: RunSummary): string {
  const lines = [CSV_COLUMNS.join(',')];
  const sorted = [...(s.evaluations ?? [])].sort(
    (a, b) => a.cluster.region.localeCompare(b.cluster.region) || a.cluster.identifier.localeCompare(b.cluster.identifier),
  );
  for (const e of sorted) lines.push(row(s.accountId, e).map(csvCell).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
