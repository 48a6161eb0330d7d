/** The CLI's output formats: one renderer each, chosen by `--format`. */
import type { RunSummary } from '../../lambda/run';
import { renderAsff } from './asff';
import { renderCsv } from './csv';
import { renderMarkdown } from './markdown';
import { renderJson, renderTable } from './report';
import { renderSarif } from './sarif';

export const FORMATS = ['table', 'json', 'csv', 'sarif', 'asff', 'markdown'] as const;
export type Format = (typeof FORMATS)[number];

export function render(format: Format, s: RunSummary, opts: { color?: boolean; actualWindow?: boolean } = {}): string {
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
  }
}
