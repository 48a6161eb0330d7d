/** The CLI's output formats: one renderer each, chosen by `--format`. */
import type { RunSummary } from '../../lambda/run';
import { renderAsff } from './asff';
import { renderCsv } from './csv';
import { renderHtml, type ScanSettings } from './html';
import { renderMarkdown } from './markdown';
import { renderJson, renderTable } from './report';
import { renderSarif } from './sarif';

export const FORMATS = ['table', 'json', 'csv', 'sarif', 'asff', 'markdown', 'html'] as const;
export type Format = (typeof FORMATS)[number];

/** `settings`: how the scan was asked for, which the HTML page states (the summary does not carry it). */
export interface RenderOptions {
  color?: boolean;
  actualWindow?: boolean;
  settings?: ScanSettings;
}

export function render(format: Format, s: RunSummary, opts: RenderOptions = {}): string {
  switch (format) {
    case 'table':
      return renderTable(s, opts);
    case 'json':
      return renderJson(s);
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
