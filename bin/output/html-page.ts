/**
 * The frame of `--format html`: escaping, the page's one style sheet and one script, and the
 * Content-Security-Policy that allows exactly those two by hash. The page loads nothing: no
 * external script, style, font or image. Every value from the account is escaped into the markup
 * and never placed inside the script, so a tag such as `</script>` or `<img onerror=…>` stays text;
 * were one to slip through, the policy would still refuse to run it.
 */
import { createHash } from 'node:crypto';

// eslint-disable-next-line no-control-regex -- control characters are not text in HTML: they are removed
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text or an attribute value, escaped so that it renders as itself and never as markup. */
export function esc(value: string | number): string {
  return String(value)
    .replace(CONTROL, ' ')
    .replace(/[&<>"']/g, (ch) => ENTITY[ch] ?? ch);
}

/** The colour of each verdict (the table, the charts and the window bars share it). */
const STYLE = `
:root{--failed:#c62828;--warning:#b26a00;--passed:#2e7d32;--na:#78808a;--line:#d0d4d9;font-family:system-ui,sans-serif;color:#1b1f24}
body{margin:1.5rem auto;max-width:82rem;padding:0 1rem;line-height:1.4}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid var(--line)}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border-bottom:1px solid var(--line);padding:.3rem .4rem;text-align:left;vertical-align:top}
th{background:#f4f6f8}
td.n{text-align:right;font-variant-numeric:tabular-nums}
code,pre{font-family:ui-monospace,monospace;font-size:.8rem}pre{white-space:pre-wrap;word-break:break-all;margin:.2rem 0}
.FAILED{color:var(--failed);font-weight:600}.WARNING{color:var(--warning);font-weight:600}.PASSED{color:var(--passed)}.NOT_AVAILABLE{color:var(--na)}
svg .FAILED,svg .s-FAILED{fill:var(--failed)}svg .s-WARNING{fill:var(--warning)}svg .s-PASSED{fill:var(--passed)}svg .s-NOT_AVAILABLE{fill:var(--na)}
svg text{font-size:12px;fill:#1b1f24}svg .track{fill:#eef0f2}svg .actual{fill:#1b1f24;opacity:.55}svg .min{stroke:#1b1f24;stroke-width:2}
svg.bar .target{fill:var(--passed)}tr.v-FAILED svg.bar .target{fill:var(--failed)}tr.v-WARNING svg.bar .target{fill:var(--warning)}tr.v-NOT_AVAILABLE svg.bar .target{fill:var(--na)}
.legend span{margin-right:1rem}.swatch{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-.1rem}
.sw-FAILED{background:var(--failed)}.sw-WARNING{background:var(--warning)}.sw-PASSED{background:var(--passed)}.sw-NOT_AVAILABLE{background:var(--na)}
.bad{color:var(--failed)}dl.how{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}dl.how dt{font-weight:600}dl.how dd{margin:0}
form.filters{margin:.5rem 0;display:flex;gap:1rem;flex-wrap:wrap;align-items:center}
table.grid{table-layout:fixed}table.head{position:sticky;top:0;z-index:1}.chunk{content-visibility:auto;contain-intrinsic-size:auto 16000px}
.c-verdict{width:9%}.c-cluster{width:15%}.c-account{width:9%}.c-region{width:8%}.c-window{width:14%}.c-reason{width:29%}.c-fix{width:16%}
svg.bar{max-width:100%;height:auto}
details summary{cursor:pointer}
`;

/**
 * The filters of the clusters' table. The table, its rows and their `data-` attributes are in the
 * markup; the script only hides rows, so the page reads the same without it (the filters, which
 * need it, stay hidden then).
 */
const SCRIPT = `
(function () {
  var form = document.getElementById('filters');
  if (!form) return;
  var rows = Array.prototype.slice.call(document.querySelectorAll('#clusters tbody tr'));
  var chunks = Array.prototype.slice.call(document.querySelectorAll('#clusters .chunk'));
  var shown = document.getElementById('shown');
  function apply() {
    var verdict = form.elements.verdict.value, account = form.elements.account.value, region = form.elements.region.value;
    var n = 0;
    for (var i = 0; i < rows.length; i++) {
      var d = rows[i].dataset;
      var ok = (!verdict || d.verdict === verdict || (verdict === 'exempt' && d.exempt === '1')) &&
        (!account || d.account === account) && (!region || d.region === region);
      if (rows[i].hidden === ok) rows[i].hidden = !ok;
      if (ok) n++;
    }
    // A block keeps a placeholder height until it is drawn: make it that of the rows it still shows.
    for (var j = 0; j < chunks.length; j++) {
      var left = chunks[j].querySelectorAll('tbody tr:not([hidden])').length;
      chunks[j].hidden = left === 0;
      chunks[j].style.containIntrinsicSize = 'auto ' + left * 64 + 'px';
    }
    shown.textContent = n + ' of ' + rows.length + ' clusters shown';
  }
  form.addEventListener('change', apply);
  shown.textContent = rows.length + ' of ' + rows.length + ' clusters shown';
  form.hidden = false;
})();
`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** Nothing but the page's own style and script may run or load; links may still be followed. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `script-src ${sha256(SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** A whole page around `body` (already escaped markup). */
export function page(title: string, body: string): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${esc(CONTENT_SECURITY_POLICY)}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    body,
    `<script>${SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
