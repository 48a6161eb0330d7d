/**
 * `--format html`: one self-contained page for people who audit, for `scan` and `scan --accounts`
 * alike: the verdicts by account and Region (with a chart), every Aurora MySQL cluster with its
 * window drawn against its minimum, its reason and its fix (a table filterable by verdict, account
 * and Region), the exemptions and their expiry, everything not judged and why, and how the scan ran.
 * All of it is in the markup, so the page reads without JavaScript; see html-page.ts for escaping.
 */
import type { AccountOutcome, AccountsSummary } from '../../lambda/accounts';
import { clusterConsoleUrl } from '../../lambda/core/links';
import { formatDuration } from '../../lambda/core/text';
import type { ComplianceStatus, Evaluation, Policy } from '../../lambda/core/types';
import type { RunSummary } from '../../lambda/run';
import { esc, page } from './html-page';
import { VERDICTS, verdictChart, windowBar, WINDOW_KEY, type ChartGroup } from './html-svg';
import { inScopeByUrgency } from './report';
import { TOOL } from './version';

/** How the scan was asked for (the summary does not carry the flags): stated on the page. */
export interface ScanSettings {
  policy: Policy;
  regions: 'all' | string[];
  actualWindow: boolean;
  publishFindings: boolean;
  clusterFilter: readonly string[];
  failOn: string;
  accounts?: string;
  roleName?: string;
}

/** One account's part of the page: its run, or why it has none (a single scan is one audited account). */
type Part = Pick<AccountOutcome, 'accountId' | 'name' | 'error'> & { summary?: RunSummary };
interface Report {
  title: string;
  callerAccountId: string;
  startedAt: string;
  finishedAt: string;
  multi: boolean;
  parts: Part[];
  totals: RunSummary['totals'];
}

/** An in-scope cluster of an audited account, in the order of the page. */
type Row = { p: Part & { summary: RunSummary }; e: Evaluation };

const audited = (r: Report) => r.parts.filter((p): p is Part & { summary: RunSummary } => p.summary !== undefined);
const zero = (): Record<ComplianceStatus, number> => ({ FAILED: 0, WARNING: 0, PASSED: 0, NOT_AVAILABLE: 0 });
const num = (n: number | string) => `<td class="n">${esc(n)}</td>`;
const list = (items: string[]) => (items.length ? `<ul>${items.map((i) => `<li>${i}</li>`).join('')}</ul>` : '');

function lead(r: Report): string {
  const t = r.totals;
  const regions = new Set(audited(r).flatMap((p) => p.summary.regions.map((x) => x.region))).size;
  const accounts = r.multi ? ` of ${audited(r).length} audited account(s)` : '';
  return (
    `<p>${t.inScope} Aurora MySQL cluster(s) in ${regions} Region(s)${accounts}: ` +
    `<span class="FAILED">${t.failed} FAILED</span>, <span class="WARNING">${t.warning} WARNING</span>, ` +
    `<span class="PASSED">${t.passed} PASSED</span>, <span class="NOT_AVAILABLE">${t.notAvailable} NOT_AVAILABLE</span>; ` +
    `${t.suppressed} exempt (counted in their verdict); ${t.outOfScope} out of scope (not Aurora MySQL).` +
    (t.notScannedRegions ? ` <strong class="bad">${t.notScannedRegions} Region(s) not scanned.</strong>` : '') +
    (r.parts.length > audited(r).length
      ? ` <strong class="bad">${r.parts.length - audited(r).length} account(s) not audited.</strong>`
      : '') +
    '</p>'
  );
}

/** The chart by account (several accounts only) and by Region, then the numbers by account and Region. */
function summary(r: Report): string {
  const out = ['<h2 id="summary">Summary by account, Region and verdict</h2>'];
  const legend = VERDICTS.map((v) => `<span><i class="swatch sw-${v}"></i>${v}</span>`).join('');
  out.push(`<p class="legend">${legend}</p>`);
  if (r.multi) {
    const groups: ChartGroup[] = r.parts.map((p) => {
      const counts = zero();
      for (const x of p.summary?.regions ?? []) for (const v of VERDICTS) counts[v] += x.byStatus[v];
      const notScanned = p.summary?.regions.filter((x) => !x.scanned).length ?? 0;
      const note = !p.summary ? 'NOT AUDITED' : notScanned ? `${notScanned} Region(s) NOT SCANNED` : undefined;
      return { label: p.name ? `${p.accountId} ${p.name}` : p.accountId, counts, ...(note ? { note } : {}) };
    });
    out.push(`<h3>By account</h3>${verdictChart('Verdicts by account', groups)}`);
  }
  const byRegion = new Map<string, ChartGroup>();
  for (const p of audited(r)) {
    for (const x of p.summary.regions) {
      const g = byRegion.get(x.region) ?? { label: x.region, counts: zero() };
      for (const v of VERDICTS) g.counts[v] += x.byStatus[v];
      if (!x.scanned) g.note = 'NOT SCANNED';
      byRegion.set(x.region, g);
    }
  }
  const regions = [...byRegion.values()].sort((a, b) => a.label.localeCompare(b.label));
  out.push(`<h3>By Region</h3>${regions.length ? verdictChart('Verdicts by Region', regions) : '<p>No Region was scanned.</p>'}`);
  const head = ['Account', 'Region', ...VERDICTS, 'Exempt', 'Out of scope', 'Scanned'].map((h) => `<th>${h}</th>`).join('');
  const rows: string[] = [];
  for (const p of r.parts) {
    if (!p.summary) {
      rows.push(
        `<tr><td>${esc(p.accountId)}</td><td colspan="8" class="bad">NOT AUDITED: ${esc(p.error?.message ?? 'no reason given')}</td></tr>`,
      );
      continue;
    }
    for (const x of p.summary.regions) {
      const scanned = x.scanned ? 'yes' : `<span class="bad">NO: ${esc(x.error ?? 'no reason given')}</span>`;
      rows.push(
        `<tr><td>${esc(p.accountId)}</td><td>${esc(x.region)}</td>${VERDICTS.map((v) => num(x.byStatus[v])).join('')}` +
          `${num(x.suppressed)}${num(x.outOfScope)}<td>${scanned}</td></tr>`,
      );
    }
  }
  out.push(`<table id="by-region"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`);
  return out.join('\n');
}

function verdictCell(e: Evaluation): string {
  const x = e.exemption;
  const exempt = x.active ? ' <span>(exempt)</span>' : x.expired ? ' <span>(exemption expired)</span>' : '';
  return `<td><span class="${e.status}">${e.status}</span>${exempt}<br><small>${esc(e.condition)}</small></td>`;
}

function clusterRow(accountId: string, partition: string, e: Evaluation): string {
  const c = e.cluster;
  const target = c.backtrackWindowSeconds ? formatDuration(c.backtrackWindowSeconds) : 'off';
  const required = e.policy.requiredSeconds ? formatDuration(e.policy.requiredSeconds) : 'any window';
  const actual = e.actual?.seconds !== undefined ? `; actual ${formatDuration(e.actual.seconds)}` : e.actual?.filling ? '; filling' : '';
  const fix = e.remediation ? `<details><summary>fix</summary><pre>${esc(e.remediation)}</pre></details>` : '';
  const source = e.reasonSource ? ` <a href="${esc(e.reasonSource)}">source</a>` : '';
  return (
    `<tr class="v-${e.status}" data-verdict="${e.status}" data-account="${esc(accountId)}" data-region="${esc(c.region)}" data-exempt="${e.exemption.active ? 1 : 0}">` +
    verdictCell(e) +
    `<td><a href="${esc(clusterConsoleUrl(partition, c.region, c.identifier))}">${esc(c.identifier)}</a><br><small>${esc(c.engine)} ${esc(c.engineVersion)}</small></td>` +
    `<td>${esc(accountId)}</td><td>${esc(c.region)}</td>` +
    `<td>${windowBar(e)}<br><small>${esc(target)} of ${esc(required)} (${e.policy.source})${esc(actual)}</small></td>` +
    `<td>${esc(e.reason)}${source}</td><td>${fix}</td></tr>`
  );
}

function options(name: string, label: string, values: string[]): string {
  const opts = values.map((v) => `<option value="${esc(v)}">${esc(v)}</option>`).join('');
  return `<label>${label} <select name="${name}"><option value="">all</option>${opts}</select></label>`;
}

/** Rows per block of the clusters' table (the style sheet's placeholder height assumes it). */
const CHUNK_ROWS = 250;
const COLUMNS = `<colgroup>${['verdict', 'cluster', 'account', 'region', 'window', 'reason', 'fix'].map((c) => `<col class="c-${c}">`).join('')}</colgroup>`;

/** Every in-scope cluster, most urgent first, with the filters the script switches on. */
function clusters(rows: readonly Row[]): string {
  const out = ['<h2 id="clusters-heading">Clusters</h2>'];
  if (!rows.length) return [...out, '<p>No Aurora MySQL clusters in the scanned Regions.</p>'].join('\n');
  const accounts = [...new Set(rows.map((x) => x.p.accountId))].sort();
  const regions = [...new Set(rows.map((x) => x.e.cluster.region))].sort();
  out.push(
    `<form id="filters" class="filters" hidden>${options('verdict', 'Verdict', [...VERDICTS, 'exempt'])}` +
      `${options('account', 'Account', accounts)}${options('region', 'Region', regions)}<output id="shown"></output></form>`,
  );
  out.push(`<p>${WINDOW_KEY}</p>`);
  const head = ['Verdict', 'Cluster', 'Account', 'Region', 'Window against policy', 'Reason', 'Fix'].map((h) => `<th>${h}</th>`).join('');
  // Blocks of rows the browser lays out only when they come into view (content-visibility), with
  // fixed columns so that every block lines up under the one header: 10,000 rows load in seconds.
  const chunks: string[] = [];
  for (let i = 0; i < rows.length; i += CHUNK_ROWS) {
    const body = rows.slice(i, i + CHUNK_ROWS).map(({ p, e }) => clusterRow(p.accountId, p.summary.partition, e));
    chunks.push(`<div class="chunk"><table class="grid">${COLUMNS}<tbody>\n${body.join('\n')}\n</tbody></table></div>`);
  }
  out.push(`<div id="clusters"><table class="grid head">${COLUMNS}<thead><tr>${head}</tr></thead></table>\n${chunks.join('\n')}\n</div>`);
  return out.join('\n');
}

/** Exemptions in force or expired, soonest end first. */
function exemptions(all: readonly Row[]): string {
  const rows = all
    .map(({ p, e }) => ({ accountId: p.accountId, e }))
    .filter(({ e }) => e.exemption.active || e.exemption.expired)
    .map(({ accountId, e }) => ({ accountId, e, ends: e.exemption.cappedAt ?? e.exemption.until ?? '' }))
    .sort((a, b) => (a.ends || '9999').localeCompare(b.ends || '9999'));
  const out = ['<h2 id="exemptions">Exemptions</h2>'];
  if (!rows.length) return [...out, '<p>No cluster is exempt, and no exemption has expired.</p>'].join('\n');
  const head = ['Cluster', 'Account', 'Region', 'Verdict', 'State', 'Ends', 'First seen', 'Reason'].map((h) => `<th>${h}</th>`).join('');
  const body = rows.map(({ accountId, e }) => {
    const x = e.exemption;
    const ends = x.cappedAt ? `${x.cappedAt} (capped${x.until ? `; tag says ${x.until}` : ''})` : (x.until ?? 'no expiry');
    return (
      `<tr><td>${esc(e.cluster.identifier)}</td><td>${esc(accountId)}</td><td>${esc(e.cluster.region)}</td>` +
      `<td><span class="${e.status}">${e.status}</span></td><td>${x.active ? 'in force' : '<span class="bad">expired</span>'}</td>` +
      `<td>${esc(ends)}</td><td>${esc(x.since ?? '-')}</td><td>${esc(x.reason ?? 'no reason given')}</td></tr>`
    );
  });
  out.push(`<table id="exemption-list"><thead><tr>${head}</tr></thead><tbody>${body.join('')}</tbody></table>`);
  return out.join('\n');
}

/** Everything not judged, and every problem of the run: nothing is left out silently. */
function notJudged(r: Report): string {
  const items: string[] = [];
  for (const p of r.parts) {
    const who = r.multi ? `account ${esc(p.accountId)}: ` : '';
    if (!p.summary) {
      items.push(`<span class="bad">account ${esc(p.accountId)} NOT AUDITED</span>: ${esc(p.error?.message ?? 'no reason given')}`);
      continue;
    }
    for (const x of p.summary.regions.filter((y) => !y.scanned)) {
      items.push(`${who}<span class="bad">${esc(x.region)} NOT SCANNED</span>: ${esc(x.error ?? 'no reason given')}`);
    }
    for (const x of p.summary.regions) {
      for (const j of x.rejected)
        items.push(`${who}${esc(x.region)}: cluster ${esc(j.identifier ?? '(no identifier)')} not judged: ${esc(j.reason)}`);
    }
    for (const d of p.summary.degraded) items.push(`${who}checker degraded: ${esc(d.message)}`);
    for (const t of p.summary.tagProblems) items.push(`${who}tag problem: ${esc(t)}`);
  }
  const outOfScope = audited(r).flatMap((p) =>
    (p.summary.evaluations ?? [])
      .filter((e) => e.scope === 'out-of-scope')
      .map(
        (e) => `${r.multi ? `${esc(p.accountId)} ` : ''}${esc(e.cluster.region)} ${esc(e.cluster.identifier)} (${esc(e.cluster.engine)})`,
      ),
  );
  const out = ['<h2 id="not-judged">Not judged, and problems</h2>'];
  out.push(
    items.length
      ? `<ul id="problems">${items.map((i) => `<li>${i}</li>`).join('')}</ul>`
      : '<p>Every listed Region was scanned; no problem.</p>',
  );
  if (outOfScope.length) {
    out.push(`<details><summary>${outOfScope.length} cluster(s) out of scope (not Aurora MySQL)</summary>${list(outOfScope)}</details>`);
  }
  return out.join('\n');
}

/** When and how the scan ran: the tool, the time, the accounts, the Regions and the policy. */
function howItRan(r: Report, settings: ScanSettings | undefined): string {
  const ms = Date.parse(r.finishedAt) - Date.parse(r.startedAt);
  const rows: [string, string][] = [
    ['Tool', `${esc(TOOL.name)} ${esc(TOOL.version)}`],
    ['Started', esc(r.startedAt)],
    ['Finished', esc(r.finishedAt)],
    ['Duration', Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : 'unknown'],
    ['As account', esc(r.callerAccountId)],
  ];
  if (r.multi) {
    const names = r.parts.map(
      (p) => `${esc(p.accountId)}${p.name ? ` (${esc(p.name)})` : ''}${p.summary ? '' : ' — <span class="bad">NOT AUDITED</span>'}`,
    );
    rows.push(['Accounts', `${audited(r).length} of ${r.parts.length} audited: ${names.join(', ')}`]);
  }
  const regions = [
    ...new Set(audited(r).flatMap((p) => p.summary.regions.map((x) => `${x.region}${x.scanned ? '' : ' (NOT SCANNED)'}`))),
  ].sort();
  rows.push(['Regions', esc(regions.join(', ') || 'none')]);
  if (settings) {
    const p = settings.policy;
    rows.push(
      ['Regions asked', esc(settings.regions === 'all' ? 'all (every Region enabled in the account)' : settings.regions.join(', '))],
      ['Required minimum', esc(`${p.minWindowHours} h (account policy; a tag can raise it per cluster)`)],
      ['Tags read', esc(`prefix ${p.tagPrefix}, exemption tag ${p.exemptTagKey}, exemptions capped at ${p.maxExemptionDays} days`)],
      ['Backtrack Regions added', esc(p.backtrackRegions.join(', ') || 'none')],
      ['Actual window', settings.actualWindow ? 'read from CloudWatch' : 'not read (--no-actual-window)'],
      ['Findings', settings.publishFindings ? 'imported into Security Hub (--publish-findings)' : 'not published (read-only report)'],
      ['Clusters', esc(settings.clusterFilter.length ? `only ${settings.clusterFilter.join(', ')} (--cluster)` : 'all')],
      ['Exit status 1 on', esc(settings.failOn === 'warning' ? 'FAILED or WARNING (--fail-on warning)' : 'FAILED (--fail-on failed)')],
    );
    if (settings.accounts !== undefined) rows.push(['Accounts asked', esc(`${settings.accounts}, role ${settings.roleName ?? '-'}`)]);
  }
  for (const p of audited(r)) {
    const published = p.summary.regions.filter((x) => x.findings.imported || x.findings.failed || x.findings.notPublished);
    const text = published.map(
      (x) => `${x.region} ${x.findings.imported} imported${x.findings.failed ? `, ${x.findings.failed} failed` : ''}`,
    );
    if (text.length) rows.push([r.multi ? `Findings of ${esc(p.accountId)}` : 'Findings published', esc(text.join('; '))]);
    const changes = p.summary.events.map((e) => `${e.kind} ${e.identifier} (${e.region})`);
    if (changes.length) rows.push([r.multi ? `Changes in ${esc(p.accountId)}` : 'Changes since the last run', esc(changes.join('; '))]);
    const a = p.summary.alert;
    if (a)
      rows.push([
        'Alert',
        esc(a.published ? `published: "${a.subject}"` : a.error ? `NOT published: ${a.error}` : `not sent: "${a.subject}"`),
      ]);
  }
  return ['<h2 id="how">How the scan ran</h2>', `<dl class="how">${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>`].join(
    '\n',
  );
}

function renderReport(r: Report, settings: ScanSettings | undefined): string {
  const rows: Row[] = audited(r).flatMap((p) => inScopeByUrgency(p.summary).map((e) => ({ p, e })));
  const nav =
    '<p><a href="#summary">Summary</a> · <a href="#clusters-heading">Clusters</a> · <a href="#exemptions">Exemptions</a> · ' +
    '<a href="#not-judged">Not judged</a> · <a href="#how">How the scan ran</a></p>';
  const body = [
    `<h1>${esc(r.title)}</h1>`,
    `<p>${esc(r.startedAt)}</p>`,
    lead(r),
    nav,
    summary(r),
    clusters(rows),
    exemptions(rows),
    notJudged(r),
    howItRan(r, settings),
  ].join('\n');
  return page(r.title, body);
}

/** The page of one account's scan. */
export function renderHtml(s: RunSummary, settings?: ScanSettings): string {
  return renderReport(
    {
      title: `Aurora Backtrack check — account ${s.accountId}`,
      callerAccountId: s.accountId,
      startedAt: s.startedAt,
      finishedAt: s.finishedAt,
      multi: false,
      parts: [{ accountId: s.accountId, summary: s }],
      totals: s.totals,
    },
    settings,
  );
}

/** The page of an audit of several accounts (`scan --accounts`). */
export function renderAccountsHtml(s: AccountsSummary, settings?: ScanSettings): string {
  return renderReport(
    {
      title: `Aurora Backtrack check — ${s.accounts.length} account(s)`,
      callerAccountId: s.callerAccountId,
      startedAt: s.startedAt,
      finishedAt: s.finishedAt,
      multi: true,
      parts: s.accounts,
      totals: s.totals,
    },
    settings,
  );
}
