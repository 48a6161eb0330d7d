/**
 * `--format markdown`: a report to paste into a ticket. Every value that comes from the account
 * (identifiers, tag values) is escaped so that it renders as text, never as markup or a mention.
 */
import { formatDuration } from '../../lambda/core/evaluate';
import type { Evaluation } from '../../lambda/core/types';
import type { RunSummary } from '../../lambda/run';
import { inScopeByUrgency } from './report';

/** Control characters and line/paragraph separators: a tag value must not start a new line. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point: they are removed
const CONTROL = new RegExp('[\\u0000-\\u001f\\u007f\\u2028\\u2029]+', 'g');

/** Escapes inline Markdown and HTML so the text renders literally, on one line, with no mention. */
export function mdText(text: string): string {
  return text
    .replace(CONTROL, ' ')
    .replace(/[\\`*_[\]|~]/g, (ch) => `\\${ch}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/@/g, '&#64;');
}

const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;

function window(e: Evaluation): string {
  const w = e.cluster.backtrackWindowSeconds;
  return w ? formatDuration(w) : 'off';
}

export function renderMarkdown(s: RunSummary): string {
  const t = s.totals;
  const inScope = inScopeByUrgency(s);
  const out: string[] = [];
  out.push(`## Aurora Backtrack check — account ${s.accountId}`);
  out.push('');
  out.push(
    `${s.startedAt}: ${t.inScope} Aurora MySQL clusters in ${s.regions.length} Region(s) — **${t.failed} FAILED**, ` +
      `${t.warning} WARNING, ${t.passed} PASSED, ${t.notAvailable} NOT_AVAILABLE; ${t.suppressed} exempt; ${t.outOfScope} out of scope.`,
  );
  const attention = inScope.filter((e) => e.status === 'FAILED' || e.status === 'WARNING');
  if (attention.length) {
    out.push('', '| Verdict | Cluster | Region | Window | Required | Why |', '| --- | --- | --- | --- | --- | --- |');
    for (const e of attention) {
      const verdict = e.exemption.active ? `${e.status} (exempt: ${mdText(e.exemption.reason ?? 'no reason')})` : e.status;
      out.push(
        `| ${verdict} | ${mdText(e.cluster.identifier)} | ${e.cluster.region} | ${window(e)} | ${formatDuration(e.policy.requiredSeconds)} (${e.policy.source}) | ${mdText(e.reason)} |`,
      );
    }
    out.push('', '### Fixes', '');
    for (const e of attention.filter((x) => x.remediation && !x.exemption.active)) {
      out.push(`- **${mdText(e.cluster.identifier)}** (${e.cluster.region}): ${code(e.remediation)}`);
    }
  } else {
    out.push('', 'No Aurora MySQL cluster is FAILED or WARNING.');
  }
  const na = inScope.filter((e) => e.status === 'NOT_AVAILABLE');
  if (na.length) {
    out.push('', '### Backtrack not available', '');
    for (const e of na) out.push(`- ${mdText(e.cluster.identifier)} (${e.cluster.region}): ${mdText(e.reason)}`);
  }
  const notScanned = s.regions.filter((r) => !r.scanned);
  if (s.degraded.length || notScanned.length) {
    out.push('', '### Not checked', '');
    for (const d of s.degraded) out.push(`- ${mdText(d.message)}`);
  }
  return `${out.join('\n')}\n`;
}
