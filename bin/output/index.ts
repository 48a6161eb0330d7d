/** The CLI's output formats: one renderer each, chosen by `--format`. */
import type { RunSummary } from '../../lambda/run';
import { renderAsff } from './asff';
import { renderCsv } from './csv';
import { renderHtml, type ScanSettings } from './html';
import { renderMarkdown } from './markdown';
import { renderJson, renderTable, type TableOptions } from './report';
import { renderSarif } from './sarif';
import { withStatuses } from './status-filter';

export const FORMATS = ['table', 'json', 'csv', 'sarif', 'asff', 'markdown', 'html'] as const;
export type Format = (typeof FORMATS)[number];

/**
 * How to render: the table's options, `--status` (`statuses`) and, for the HTML page, how the scan
 * was asked for (`settings`: the summary does not carry it).
 */
export interface RenderOptions extends TableOptions {
  settings?: ScanSettings;
}

/**
 * The run in `format`. `opts.statuses` (`--status`) keeps only the clusters of those verdicts, here,
 * before any renderer: every format (and any added) shows the same clusters.
 */
export function render(format: Format, summary: RunSummary, opts: RenderOptions = {}): string {
  const s = withStatuses(summary, opts.statuses);
  switch (format) {
    case 'table':
      return renderTable(s, opts);
    case 'json':
      return renderJson(s, opts.statuses);
    case 'csv':
      return renderCsv(s);
    case 'sarif':
      return renderSarif(s);
    case 'asff':
      return renderAsff(s);
    case 'markdown':
      return renderMarkdown(s);
    case 'html':
      return renderHtml(s, opts.settings);
  }
}
