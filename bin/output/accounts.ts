/**
 * The output of an audit of several accounts (`scan --accounts`): every format carries the account.
 * - table: one table of the clusters of every account with an ACCOUNT column, then totals per account;
 * - json: the single-account document's fields (clusters, regions, events and degradations each
 *   with `accountId`), plus `accounts` (one entry per account) and totals over all accounts;
 * - csv: the single-account rows (their first column is the account) of every account;
 * - sarif: one run per account; asff: every account's findings; markdown: totals, then each account;
 * - html: one page over every account (html.ts).
 */
import type { AccountOutcome, AccountsSummary } from '../../lambda/accounts';
import type { Format, RenderOptions } from '.';
import { renderAsff } from './asff';
import { CSV_COLUMNS, renderCsv } from './csv';
import { renderAccountsHtml } from './html';
import { renderMarkdown, mdText } from './markdown';
import { cells, inScopeByUrgency, jsonDocument, JSON_SCHEMA_VERSION, table, TABLE_HEADER, type TableOptions } from './report';
import { withStatuses } from './status-filter';
import { renderSarif } from './sarif';
import { TOOL } from './version';

type Audited = AccountOutcome & { summary: NonNullable<AccountOutcome['summary']> };
const audited = (s: AccountsSummary): Audited[] => s.accounts.filter((o): o is Audited => o.summary !== undefined);
const notAudited = (s: AccountsSummary): AccountOutcome[] => s.accounts.filter((o) => o.summary === undefined);

/** One line per account: what was judged there, or why nothing was. */
function accountTotals(s: AccountsSummary): string[][] {
  const rows = [['ACCOUNT', 'NAME', 'CLUSTERS', 'AURORA MYSQL', 'FAILED', 'WARNING', 'PASSED', 'NOT_AVAILABLE', 'EXEMPT', 'RESULT']];
  for (const o of s.accounts) {
    const t = o.summary?.totals;
    const notScanned = t?.notScannedRegions ? `${t.notScannedRegions} Region(s) NOT SCANNED` : '';
    const result = !o.summary ? 'NOT AUDITED' : o.summary.degraded.length ? notScanned || 'degraded' : 'audited';
    rows.push([
      o.accountId,
      o.name ?? '-',
      ...(t
        ? [t.clusters, t.inScope, t.failed, t.warning, t.passed, t.notAvailable, t.suppressed].map(String)
        : ['-', '-', '-', '-', '-', '-', '-']),
      result,
    ]);
  }
  return rows;
}

function renderAccountsTable(s: AccountsSummary, opts: TableOptions): string {
  const lines = [`Aurora Backtrack check — ${s.accounts.length} account(s), as account ${s.callerAccountId}, ${s.startedAt}`, ''];
  const rows = audited(s).flatMap((o) => inScopeByUrgency(o.summary).map((e) => ({ accountId: o.accountId, e })));
  if (rows.length) {
    lines.push(
      table(
        [['ACCOUNT', ...TABLE_HEADER], ...rows.map((r) => [r.accountId, ...cells(r.e, opts.actualWindow ?? true)])],
        opts.color ? 3 : undefined,
      ),
    );
    const explained = rows.filter((r) => r.e.status !== 'PASSED');
    if (explained.length) lines.push('', 'Reasons and fixes:');
    for (const { accountId, e } of explained) {
      lines.push(`- ${e.cluster.identifier} (${accountId}, ${e.cluster.region}): ${e.reason}`);
      if (e.remediation) lines.push(`    fix: ${e.remediation}`);
    }
  } else {
    lines.push(
      opts.statuses
        ? `No Aurora MySQL cluster is ${opts.statuses.join(' or ')} in the audited accounts.`
        : 'No Aurora MySQL clusters in the watched Regions of the audited accounts.',
    );
  }
  if (opts.statuses)
    lines.push('', `Shown: ${rows.length} cluster(s) with verdict ${opts.statuses.join(', ')} (--status); the totals count every cluster.`);
  lines.push('', 'Totals per account:', table(accountTotals(s)));
  const t = s.totals;
  lines.push(
    '',
    `Totals: ${t.accountsAudited} of ${t.accounts} accounts audited; ${t.clusters} clusters; ${t.inScope} Aurora MySQL — ${t.failed} FAILED, ` +
      `${t.warning} WARNING, ${t.passed} PASSED, ${t.notAvailable} NOT_AVAILABLE; ${t.suppressed} exempt; ${t.outOfScope} out of scope`,
  );
  for (const o of notAudited(s)) lines.push(`  account ${o.accountId} NOT AUDITED: ${o.error?.message ?? 'unknown reason'}`);
  for (const o of audited(s)) {
    for (const r of o.summary.regions.filter((x) => !x.scanned))
      lines.push(`  account ${o.accountId}: ${r.region} not scanned: ${r.error}`);
    const published = o.summary.regions.filter((r) => r.findings.imported || r.findings.failed || r.findings.notPublished);
    if (published.length) {
      lines.push(
        `  account ${o.accountId} findings: ${published.map((r) => `${r.region} ${r.findings.imported} imported${r.findings.failed ? `, ${r.findings.failed} failed` : ''}`).join('; ')}`,
      );
    }
    for (const d of o.summary.degraded) lines.push(`  account ${o.accountId} degraded: ${d.message}`);
  }
  return lines.join('\n');
}

/** The JSON document: the single-account fields over every account, plus `accounts`. */
function accountsJson(s: AccountsSummary, statuses?: readonly string[]): string {
  const docs = audited(s).map((o) => ({ o, doc: jsonDocument(o.summary) }));
  const withAccount = <T extends object>(accountId: string, items: readonly T[]) => items.map((x) => ({ accountId, ...x }));
  const doc = {
    schemaVersion: JSON_SCHEMA_VERSION,
    tool: TOOL,
    mode: 'scan',
    accountId: s.callerAccountId,
    partition: s.partition,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    regions: docs.flatMap(({ o, doc }) => withAccount(o.accountId, doc.regions)),
    totals: s.totals,
    events: docs.flatMap(({ o, doc }) => withAccount(o.accountId, doc.events)),
    degraded: [
      ...notAudited(s).map((o) => ({ accountId: o.accountId, key: `account-not-audited#${o.accountId}`, message: o.error?.message ?? '' })),
      ...docs.flatMap(({ o, doc }) => withAccount(o.accountId, doc.degraded)),
    ],
    tagProblems: docs.flatMap(({ o, doc }) => doc.tagProblems.map((p) => `account ${o.accountId}: ${p}`)),
    accounts: s.accounts.map((o) => ({
      accountId: o.accountId,
      name: o.name,
      audited: o.summary !== undefined,
      error: o.error,
      startedAt: o.summary?.startedAt,
      finishedAt: o.summary?.finishedAt,
      totals: o.summary?.totals,
      regions: o.summary?.regions.map((r) => r.region),
      degraded: o.summary?.degraded.length,
    })),
    clusters: docs.flatMap(({ doc }) => doc.clusters),
    ...(statuses ? { statusFilter: statuses } : {}),
  };
  return JSON.stringify(doc, null, 2);
}

function accountsCsv(s: AccountsSummary): string {
  const rows = audited(s).flatMap((o) => renderCsv(o.summary).split('\r\n').slice(1).filter(Boolean));
  return `${[CSV_COLUMNS.join(','), ...rows].join('\r\n')}\r\n`;
}

function accountsSarif(s: AccountsSummary): string {
  const logs = audited(s).map((o) => JSON.parse(renderSarif(o.summary)) as { $schema: string; version: string; runs: unknown[] });
  return JSON.stringify(
    { $schema: 'https://json.schemastore.org/sarif-2.1.0.json', version: '2.1.0', runs: logs.flatMap((l) => l.runs) },
    null,
    2,
  );
}

function accountsAsff(s: AccountsSummary): string {
  return JSON.stringify(
    audited(s).flatMap((o) => JSON.parse(renderAsff(o.summary)) as unknown[]),
    null,
    2,
  );
}

function accountsMarkdown(s: AccountsSummary): string {
  const t = s.totals;
  const out = [
    `# Aurora Backtrack check — ${t.accounts} account(s)`,
    '',
    `${s.startedAt}: ${t.accountsAudited} of ${t.accounts} accounts audited; ${t.inScope} Aurora MySQL clusters — **${t.failed} FAILED**, ` +
      `${t.warning} WARNING, ${t.passed} PASSED, ${t.notAvailable} NOT_AVAILABLE; ${t.suppressed} exempt.`,
    '',
    '| Account | Name | Aurora MySQL | FAILED | WARNING | PASSED | Result |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const o of s.accounts) {
    const x = o.summary?.totals;
    const result = o.summary ? (o.summary.degraded.length ? 'degraded' : 'audited') : `NOT AUDITED: ${mdText(o.error?.message ?? '')}`;
    out.push(
      `| ${o.accountId} | ${mdText(o.name ?? '-')} | ${x?.inScope ?? '-'} | ${x?.failed ?? '-'} | ${x?.warning ?? '-'} | ${x?.passed ?? '-'} | ${result} |`,
    );
  }
  const sections = audited(s).map((o) => renderMarkdown(o.summary).replace(/^## /, '\n## '));
  return `${[...out, ...sections].join('\n')}\n`;
}

/** The audit in `format`; `opts.statuses` (`--status`) keeps only those verdicts in every account, before any renderer. */
export function renderAccounts(format: Format, all: AccountsSummary, opts: RenderOptions = {}): string {
  const s = opts.statuses
    ? { ...all, accounts: all.accounts.map((o) => (o.summary ? { ...o, summary: withStatuses(o.summary, opts.statuses) } : o)) }
    : all;
  switch (format) {
    case 'table':
      return renderAccountsTable(s, opts);
    case 'json':
      return accountsJson(s, opts.statuses);
    case 'csv':
      return accountsCsv(s);
    case 'sarif':
      return accountsSarif(s);
    case 'asff':
      return accountsAsff(s);
    case 'markdown':
      return accountsMarkdown(s);
    case 'html':
      return renderAccountsHtml(s, opts.settings);
  }
}
