/**
 * Text as people read it, and text from outside (tag values) made inert before it reaches a
 * message: one place for durations, clipping and escaping.
 */

/**
 * "26 h", "1.5 h", "45 min", "30 s", "23 h 59 min 59 s": durations as people read them. Never rounded,
 * so a window one second short of the minimum does not read as the minimum.
 */
export function formatDuration(seconds: number): string {
  // Whole hundredths of an hour (36 s) read well as decimal hours: 1.5 h, 0.25 h is 15 min.
  if (seconds >= 3600 && seconds % 36 === 0) return `${Number((seconds / 3600).toFixed(2))} h`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const parts = [h ? `${h} h` : '', m ? `${m} min` : '', s || (!h && !m) ? `${s} s` : ''];
  return parts.filter(Boolean).join(' ');
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

/** The first `n` UTF-16 code units of `text`, one fewer when the cut would split a surrogate pair. */
function head(text: string, n: number): string {
  if (n <= 0) return '';
  return isHighSurrogate(text.charCodeAt(n - 1)) ? text.slice(0, n - 1) : text.slice(0, n);
}

/** Cuts text to at most `max` characters (UTF-16 units, as AWS counts them), marking the cut with "…". */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${head(text, max - 1)}…`;
}

/** One line of at most `max` characters (an e-mail subject must have no line breaks). */
export function clipLine(text: string, max: number): string {
  return clip(text.replace(/\s+/g, ' ').trim(), max);
}

/**
 * Control characters (C0, DEL, C1) and the Unicode line and paragraph separators, which can break a
 * line or hide text in a message.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** User text (a tag value) for a plain-text message: control characters become spaces. */
export function plainText(text: string): string {
  return text.replace(CONTROL, ' ');
}

/**
 * User text for Slack client-markdown (AWS Chatbot custom notifications): `& < >` escaped as Slack
 * requires, so no `<!channel>`, `<@user>` or `<url|label>` can be formed; `@channel`, `@here` and
 * `@everyone` broken with a zero-width joiner so they notify nobody; control characters removed.
 */
export function slackText(text: string): string {
  return plainText(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@(channel|here|everyone)\b/gi, '@\u2060$1');
}

/** A Slack link: the label is escaped; the URL is one the checker built (no `|` or `>` in it). */
export const slackLink = (url: string, label: string) => `<${url.replace(/[|>]/g, encodeURIComponent)}|${slackText(label)}>`;

/** A shell argument for a pasted command: bare when it is plainly safe, else single-quoted. */
export function shellArg(value: string): string {
  return /^[A-Za-z0-9_./:=@,+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
