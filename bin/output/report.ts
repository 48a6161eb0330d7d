import { formatDuration, plainText } from '../../lambda/core/text';
import type { ComplianceStatus, Evaluation } from '../../lambda/core/types';
import type { RunSummary } from '../../lambda/run';
import { TOOL } from './version';

/** Version of the `--format json` document (docs/json-output.md); a new major means a field changed meaning or went away. */
export const JSON_SCHEMA_VERSION = '1.0';

const ORDER: Record<string, number> = { FAILED: 0, WARNING: 1, PASSED: 2, NOT_AVAILABLE: 3 };

/** The Aurora MySQL clusters of a run, most urgent verdict first, then by Region and identifier. */
export function inScopeByUrgency(s: RunSummary): Evaluation[] {
  return (s.evaluations ?? [])
    .filter((e) => e.scope === 'in-scope')
    .sort(
      (a, b) =>
        (ORDER[a.status] ?? 9) - (ORDER[b.status] ?? 9) ||
        a.cluster.region.localeCompare(b.cluster.region) ||
        a.cluster.identifier.localeCompare(b.cluster.identifier),
    );
}

/** The table cells of one in-scope cluster (the order of TABLE_HEADER). */
export function cells(e: Evaluation, actualWindowRead: boolean): string[] {
  const c = e.cluster;
  const verdict = e.exemption.active ? `${e.status} (exempt)` : e.status;
  const window = c.backtrackWindowSeconds ? formatDuration(c.backtrackWindowSeconds) : e.condition === 'unsupported' ? '-' : 'off';
  const required = `${e.policy.requiredSeconds ? formatDuration(e.policy.requiredSeconds) : 'any'} ${e.policy.source}`;
  // Without --no-actual-window, "no data" means AWS had none; with it, nothing was asked.
  const actual =
    e.actual?.seconds !== undefined
      ? formatDuration(e.actual.seconds)
      : e.actual?.filling
        ? 'filling'
        : !actualWindowRead && e.condition === 'ok'
          ? 'not measured'
          : e.actual
            ? 'no data'
            : '-';
  const rate = e.changeRecordsPerHour !== undefined ? String(e.changeRecordsPerHour) : '-';
  const x = e.exemption;
  // The cap (maxExemptionDays) is shown when it ends the exemption before the tag would.
  const span = x.cappedAt
    ? `until ${x.cappedAt.slice(0, 10)} (capped${x.until ? `; tag ${x.until}` : ''})`
    : x.until
      ? `until ${x.until}`
      : 'no expiry';
  const exemption = e.exemption.active
    ? `${span}: ${plainText(e.exemption.reason ?? 'no reason')}`
    : e.exemption.expired
      ? `expired ${e.exemption.until}`
      : '-';
  return [c.region, c.identifier, verdict, e.condition, window, required, actual, rate, exemption];
}

export const TABLE_HEADER = [
  'REGION',
  'CLUSTER',
  'VERDICT',
  'CONDITION',
  'WINDOW',
  'REQUIRED (SOURCE)',
  'ACTUAL',
  'CHANGE REC/H',
  'EXEMPTION',
];

/** ANSI colours of the verdict column on a terminal (none with NO_COLOR or --no-color). */
const VERDICT_COLOR: Record<string, string> = { FAILED: '31', WARNING: '33', PASSED: '32', NOT_AVAILABLE: '2' };
const paint = (cell: string, verdict: string) => {
  const code = VERDICT_COLOR[verdict.split(' ')[0] ?? ''];
  return code ? `\u001b[${code}m${cell}\u001b[0m` : cell;
};

/** Rows as aligned columns; `colorColumn` holds a verdict to colour. */
export function table(rows: string[][], colorColumn?: number): string {
  const widths = rows[0]?.map((_, i) => Math.min(60, Math.max(...rows.map((r) => (r[i] ?? '').length)))) ?? [];
  return rows
    .map((r, row) =>
      r
        .map((cell, i) => {
          const padded = (cell.length > 60 ? `${cell.slice(0, 59)}…` : cell).padEnd(widths[i] ?? 0);
          return row > 0 && i === colorColumn ? paint(padded, cell) : padded;
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export interface TableOptions {
  color?: boolean;
  actualWindow?: boolean;
  /** The verdicts `--status` shows (the summary is already filtered); undefined: every cluster. */
  statuses?: readonly ComplianceStatus[];
  /** The run watched every enabled Region (`--regions all`). */
  allRegions?: boolean;
}

/** Regions listed by name up to this many; more are counted (an account has 30 and more). */
const REGIONS_LISTED = 6;

/** The Regions of a run: named when few, counted when many; a Region not scanned is always named. */
export function regionsLine(s: RunSummary, allRegions?: boolean): string {
  const notScanned = s.regions.filter((r) => !r.scanned).map((r) => `${r.region} (NOT SCANNED)`);
  if (s.regions.length <= REGIONS_LISTED) {
    return s.regions.map((r) => `${r.region}${r.scanned ? '' : ' (NOT SCANNED)'}`).join(', ') || 'none';
  }
  const count = `${s.regions.length} Regions${allRegions ? ' (all enabled)' : ''}`;
  return notScanned.length ? `${count}; ${notScanned.join(', ')}` : count;
}

/**
 * The CLI's table: one row per in-scope cluster, then what was not judged and why.
 * `actualWindow: false`: the run did not read the actual window (`--no-actual-window`).
 */
export function renderTable(s: RunSummary, opts: TableOptions = {}): string {
  const inScope = inScopeByUrgency(s);
  const lines: string[] = [];
  lines.push(`Aurora Backtrack check — account ${s.accountId}, ${s.startedAt}`);
  lines.push('');
  if (inScope.length) {
    lines.push(table([TABLE_HEADER, ...inScope.map((e) => cells(e, opts.actualWindow ?? true))], opts.color ? 2 : undefined));
    const explained = inScope.filter((x) => x.status !== 'PASSED');
    if (explained.length) lines.push('', 'Reasons and fixes:');
    for (const e of explained) {
      lines.push(`- ${e.cluster.identifier} (${e.cluster.region}): ${e.reason}`);
      if (e.remediation) lines.push(`    fix: ${e.remediation}`);
    }
  } else {
    lines.push(
      opts.statuses ? `No Aurora MySQL cluster is ${opts.statuses.join(' or ')}.` : 'No Aurora MySQL clusters in the watched Regions.',
    );
  }
  if (opts.statuses)
    lines.push(
      '',
      `Shown: ${inScope.length} cluster(s) with verdict ${opts.statuses.join(', ')} (--status); the totals count every cluster.`,
    );
  const t = s.totals;
  lines.push('');
  lines.push(
    `Totals: ${t.clusters} clusters; ${t.inScope} Aurora MySQL — ${t.failed} FAILED, ${t.warning} WARNING, ${t.passed} PASSED, ` +
      `${t.notAvailable} NOT_AVAILABLE; ${t.suppressed} exempt; ${t.outOfScope} out of scope (not Aurora MySQL)`,
  );
  lines.push(`Regions: ${regionsLine(s, opts.allRegions)}`);
  for (const r of s.regions.filter((x) => !x.scanned)) lines.push(`  ${r.region} not scanned: ${r.error}`);
  for (const r of s.regions) {
    for (const x of r.rejected) lines.push(`  ${r.region}: cluster ${x.identifier ?? '(no identifier)'} not judged: ${x.reason}`);
  }
  if (s.tagProblems.length) {
    lines.push('Tag problems:');
    for (const p of s.tagProblems) lines.push(`  - ${plainText(p)}`);
  }
  const published = s.regions.filter((r) => r.findings.imported || r.findings.failed || r.findings.notPublished);
  if (published.length) {
    lines.push(
      `Findings: ${published.map((r) => `${r.region} ${r.findings.imported} imported${r.findings.failed ? `, ${r.findings.failed} failed` : ''}${r.archived ? `, ${r.archived} archived` : ''}`).join('; ')}`,
    );
  }
  if (s.events.length) lines.push(`Changes: ${s.events.map((e) => `${e.kind} ${e.identifier} (${e.region})`).join('; ')}`);
  if (s.alert) {
    lines.push(
      s.alert.published
        ? `Alert published: "${s.alert.subject}" (${s.alert.messageId})`
        : s.alert.error
          ? `Alert NOT published: ${s.alert.error}`
          : `Alert (not sent, no --alert-topic-arn): "${s.alert.subject}"`,
    );
  }
  if (s.degraded.length) {
    lines.push('Checker degraded:');
    for (const d of s.degraded) lines.push(`  - ${d.message}`);
  }
  return lines.join('\n');
}

/** The CLI's JSON: the run summary with each evaluation flattened to plain values. */
export function renderJson(s: RunSummary, statuses?: readonly string[]): string {
  const doc = jsonDocument(s);
  // Under --status, `clusters` holds only those verdicts; `totals` still counts every cluster.
  return JSON.stringify(statuses ? { ...doc, statusFilter: statuses } : doc, null, 2);
}

/** The `--format json` document of one account's run. */
export function jsonDocument(s: RunSummary) {
  const evaluations = (s.evaluations ?? []).map((e) => ({
    accountId: s.accountId,
    region: e.cluster.region,
    identifier: e.cluster.identifier,
    arn: e.cluster.arn,
    resourceId: e.cluster.resourceId,
    engine: e.cluster.engine,
    engineVersion: e.cluster.engineVersion,
    engineMode: e.cluster.engineMode,
    scope: e.scope,
    status: e.status,
    condition: e.condition,
    severity: e.severity,
    suppressed: e.exemption.active,
    reason: e.reason,
    remediation: e.remediation || undefined,
    backtrackWindowSeconds: e.cluster.backtrackWindowSeconds ?? 0,
    requiredWindowSeconds: e.policy.requiredSeconds,
    policySource: e.policy.source,
    actualWindowSeconds: e.actual?.seconds,
    actualWindowFilling: e.actual?.filling,
    actualWindow: e.actual?.summary,
    changeRecordsPerHour: e.changeRecordsPerHour,
    exemption: e.exemption.active || e.exemption.expired ? { ...e.exemption } : undefined,
    tagProblems: e.tagProblems.length ? e.tagProblems : undefined,
  }));
  const { evaluations: _omit, alert, ...rest } = s;
  const doc = {
    schemaVersion: JSON_SCHEMA_VERSION,
    tool: TOOL,
    ...rest,
    alert: alert && { ...alert, message: undefined },
    clusters: evaluations,
  };
  return doc;
}

/** The JSON document of a run that could not finish: the same schema version, and the error. */
export function renderJsonError(error: { code: string; message: string; problems?: readonly string[] }, exitCode: number): string {
  return JSON.stringify({ schemaVersion: JSON_SCHEMA_VERSION, tool: TOOL, error: { ...error, exitCode } }, null, 2);
}
