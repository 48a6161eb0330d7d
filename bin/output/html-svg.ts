/**
 * The pictures of `--format html`, as SVG written into the markup (no script draws them): the
 * verdicts of each group (an account, a Region) as stacked bars, and one cluster's window against
 * its required minimum. Every picture has a text equivalent (its title and the numbers beside it).
 */
import { formatDuration } from '../../lambda/core/text';
import type { ComplianceStatus, Evaluation } from '../../lambda/core/types';
import { esc } from './html-page';

export const VERDICTS: readonly ComplianceStatus[] = ['FAILED', 'WARNING', 'PASSED', 'NOT_AVAILABLE'];

/** One bar of the summary chart: a label and its count per verdict, or why it has none. */
export interface ChartGroup {
  label: string;
  counts: Record<ComplianceStatus, number>;
  /** The group was not (wholly) judged: said in place of, or beside, its bar. */
  note?: string;
}

const LABEL_WIDTH = 190;
const BAR_WIDTH = 420;
const ROW = 22;

/** Horizontal bars, one per group, each split by verdict, scaled to the largest group. */
export function verdictChart(title: string, groups: readonly ChartGroup[]): string {
  const total = (g: ChartGroup) => VERDICTS.reduce((n, v) => n + g.counts[v], 0);
  const most = Math.max(1, ...groups.map(total));
  const height = groups.length * ROW + 4;
  const width = LABEL_WIDTH + BAR_WIDTH + 260;
  const rows = groups.map((g, i) => {
    const y = i * ROW + 2;
    let x = LABEL_WIDTH;
    const segments = VERDICTS.filter((v) => g.counts[v] > 0).map((v) => {
      const w = Math.max(1, (g.counts[v] / most) * BAR_WIDTH);
      const rect = `<rect class="s-${v}" x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${ROW - 6}"><title>${esc(g.label)}: ${g.counts[v]} ${v}</title></rect>`;
      x += w;
      return rect;
    });
    const figures = VERDICTS.map((v) => `${g.counts[v]} ${v}`).join(', ');
    const text = g.note && total(g) === 0 ? g.note : `${total(g)}${g.note ? ` — ${g.note}` : ''}`;
    return [
      `<g><title>${esc(g.label)}: ${esc(figures)}</title><text x="0" y="${y + 13}">${esc(g.label)}</text>`,
      ...segments,
      `<text x="${(x + 6).toFixed(1)}" y="${y + 13}"${g.note ? ' class="FAILED"' : ''}>${esc(text)}</text></g>`,
    ].join('');
  });
  return (
    `<svg class="chart" role="img" aria-label="${esc(title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">` +
    `<title>${esc(title)}</title>${rows.join('')}</svg>`
  );
}

/** The longest window Aurora allows (72 h): the window bars share this scale. */
const MAX_WINDOW_SECONDS = 259_200;
const W = 150;
const H = 16;

const hours = (seconds: number | undefined) => (seconds ? formatDuration(seconds) : 'off');

/**
 * One cluster's target window (the thick bar), the actual window when measured (the thin bar)
 * and the required minimum (the vertical line), on a 0–72 h scale.
 */
export function windowBar(e: Evaluation): string {
  const target = e.cluster.backtrackWindowSeconds ?? 0;
  const actual = e.actual?.seconds;
  const required = e.policy.requiredSeconds;
  const x = (seconds: number) => ((Math.min(seconds, MAX_WINDOW_SECONDS) / MAX_WINDOW_SECONDS) * W).toFixed(1);
  const label =
    `window ${hours(target)}` +
    (actual !== undefined ? `, actual ${formatDuration(actual)}` : '') +
    `, required ${required ? formatDuration(required) : 'any'}`;
  return (
    `<svg class="bar" role="img" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}">` +
    `<title>${esc(label)}</title>` +
    `<rect class="track" width="${W}" height="${H}"/>` +
    `<rect class="target" y="2" width="${x(target)}" height="7"/>` +
    (actual !== undefined ? `<rect class="actual" y="11" width="${x(actual)}" height="4"/>` : '') +
    (required ? `<line class="min" x1="${x(required)}" x2="${x(required)}" y1="0" y2="${H}"/>` : '') +
    '</svg>'
  );
}

/** The window bars' key, once above the table. */
export const WINDOW_KEY =
  `<svg role="img" aria-label="key" viewBox="0 0 540 16" width="540" height="16">` +
  '<rect class="s-PASSED" y="4" width="20" height="7"/><text x="26" y="12">target window</text>' +
  '<rect class="actual" x="130" y="6" width="20" height="4"/><text x="156" y="12">actual window</text>' +
  '<line class="min" x1="262" x2="262" y1="0" y2="16"/><text x="270" y="12">required minimum (scale 0–72 h)</text></svg>';
