/**
 * One parser per kind of setting value, shared by every place a setting is read: CDK context
 * (strings from `-c`, JSON values from cdk.json), the function's environment and the CLI's flags.
 * A parser takes the value as given and returns it normalised, or a failure phrased twice: as a
 * short `problem` (the context report adds what is allowed and an example) and as a one-line
 * `line` starting with the value (environment and flags print it after the variable or flag).
 * Pure: no SDK, no aws-cdk-lib.
 */
import { MAX_WINDOW_HOURS } from '../core/rules';
import { nearestRegions } from './region-codes';

export interface Failure {
  /** What is wrong, after the value: `is out of range 1–365`. */
  readonly problem: string;
  /** The value and what is wrong with it and how to fix it, in one line: `"0" — out of range 1–365`. */
  readonly line: string;
}

export type Parsed<T> = { ok: T } | Failure;

/** A Region code as AWS writes it: lower-case, e.g. `us-east-1`, `us-gov-west-1`. */
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
/** Characters AWS allows in tag keys. */
const TAG_KEY_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;
const EMAIL = /^[^\s@,;<>"]+@[^\s@,;<>"]+\.[^\s@,;<>"]+$/;
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;

/** The value as the user wrote it, in quotes. */
export const quote = (value: unknown): string => {
  if (typeof value === 'string') return `"${value}"`;
  try {
    return `"${JSON.stringify(value) ?? String(value)}"`;
  } catch {
    return `"${String(value)}"`;
  }
};

/** A failure whose one-line form is `"value" — problem` unless given. */
export const fail = (value: unknown, problem: string, line?: string): Failure => ({
  problem,
  line: line ?? `${quote(value)} — ${problem}`,
});

const plural = (n: number, one: string, many: string): string => (n === 1 ? one : many);
const quoted = (items: readonly string[]): string => items.map((i) => JSON.stringify(i)).join(', ');

/** A comma-separated string or a list of strings: trimmed, empty entries dropped, duplicates removed. */
export function parseList(value: unknown): Parsed<string[]> {
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items) || !items.every((v) => typeof v === 'string')) {
    return fail(value, 'is neither a comma-separated string nor a list of strings');
  }
  return { ok: [...new Set(items.map((s: string) => s.trim()).filter((s) => s !== ''))] };
}

/** A number given as a JSON number or as decimal text (`24`, ` 1.5 `, `-1`); undefined for anything else. */
function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value + 0 : undefined;
  if (typeof value === 'string' && DECIMAL.test(value.trim())) return Number(value.trim()) + 0;
  return undefined;
}

/** A whole number in `min`–`max`. */
export function parseWholeNumber(value: unknown, min: number, max: number): Parsed<number> {
  const n = toNumber(value);
  if (n === undefined || !Number.isInteger(n)) {
    return fail(value, 'is not a whole number', `${quote(value)} — use a whole number from ${min} to ${max}`);
  }
  if (n < min || n > max) return fail(value, `is out of range ${min}–${max}`, `${quote(value)} — out of range ${min}–${max}`);
  return { ok: n };
}

/** Decimal places the minimum window may have: hundredths of an hour are 36 seconds. */
export const HOURS_DECIMALS = 2;

/**
 * A window in hours, 0–72, to two decimal places. Backtrack windows are whole seconds; a value
 * finer than 0.01 h (1e-7 from cdk.json) would be rounded away silently, so it is refused.
 */
export function parseWindowHours(value: unknown): Parsed<number> {
  const n = toNumber(value);
  if (n === undefined) {
    return fail(
      value,
      'is not a number of hours',
      `${quote(value)} is not a number of hours (use e.g. 24 or 1.5, from 0 to ${MAX_WINDOW_HOURS})`,
    );
  }
  if (n < 0 || n > MAX_WINDOW_HOURS) {
    const problem = `is out of range 0–${MAX_WINDOW_HOURS} (hours; Backtrack allows at most ${MAX_WINDOW_HOURS})`;
    return fail(value, problem, `${quote(value)} ${problem}`);
  }
  const scale = 10 ** HOURS_DECIMALS;
  if (Math.abs(n * scale - Math.round(n * scale)) > 1e-6) {
    const problem = `has more than ${HOURS_DECIMALS} decimal places; round it to hundredths of an hour, e.g. ${Math.round(n * scale) / scale}`;
    return fail(value, problem, `${quote(value)} ${problem}`);
  }
  return { ok: n };
}

/** `true` or `false` (any case), or a JSON boolean. */
export function parseBoolean(value: unknown): Parsed<boolean> {
  if (typeof value === 'boolean') return { ok: value };
  const text = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  if (text === 'true') return { ok: true };
  if (text === 'false') return { ok: false };
  return fail(value, 'is not true or false', `${quote(value)} — use true or false`);
}

/** ` (Region codes are lower-case: did you mean us-east-1?)` for codes that are Region codes in lower case, else empty. */
export function regionCaseHint(codes: readonly string[]): string {
  const meant = codes.map((c) => c.toLowerCase()).filter((c) => REGION_PATTERN.test(c));
  return meant.length > 0 ? ` (Region codes are lower-case: did you mean ${meant.join(', ')}?)` : '';
}

/** Region codes, lower-case only: `US-EAST-1` is refused with the code it probably means. */
export function parseRegionCodes(value: unknown, fix: string): Parsed<string[]> {
  const list = parseList(value);
  if ('problem' in list) return list;
  const bad = list.ok.filter((r) => !REGION_PATTERN.test(r));
  if (bad.length === 0) return { ok: list.ok };
  // Lower case first (US-EAST-1); otherwise the nearest known codes (eu-west-l → eu-west-1).
  const near = [...new Set(bad.flatMap((b) => nearestRegions(b)))];
  const hint = regionCaseHint(bad) || (near.length ? ` (did you mean ${near.join(' or ')}?)` : '');
  return fail(
    value,
    `contains ${quoted(bad)}, ${plural(bad.length, 'which is not a Region code', 'which are not Region codes')}${hint}`,
    `${quote(value)} — ${quoted(bad)} ${plural(bad.length, 'is not a Region code', 'are not Region codes')}${hint}; ${fix}`,
  );
}

/** `all` (any case) or a non-empty list of Region codes. */
export function parseRegions(value: unknown): Parsed<'all' | string[]> {
  if (typeof value === 'string' && value.trim().toLowerCase() === 'all') return { ok: 'all' };
  const fix = 'use "all" or a comma list such as us-east-1,eu-west-1';
  const codes = parseRegionCodes(value, fix);
  if ('ok' in codes && codes.ok.length === 0) return fail(value, 'names no Region', `${quote(value)} — names no Region; ${fix}`);
  return codes;
}

/** A tag key (or the start of one) of 1–`max` characters AWS allows, not starting with `aws:`. */
export function parseTagKey(value: unknown, max: number, fix: string): Parsed<string> {
  const line = `${quote(value)} — ${fix}`;
  if (typeof value !== 'string') return fail(value, 'is not a string', line);
  if (value.length < 1 || value.length > max) return fail(value, `is ${value.length} characters long`, line);
  if (!TAG_KEY_CHARS.test(value)) return fail(value, 'contains characters AWS does not allow in tag keys', line);
  if (/^aws:/i.test(value)) return fail(value, 'starts with "aws:", which AWS reserves', line);
  return { ok: value };
}

/** A list of e-mail addresses. */
export function parseEmails(value: unknown): Parsed<string[]> {
  const list = parseList(value);
  if ('problem' in list) return list;
  const bad = list.ok.filter((e) => !EMAIL.test(e));
  if (bad.length === 0) return list;
  return fail(value, `contains ${quoted(bad)}, ${plural(bad.length, 'which is not an e-mail address', 'which are not e-mail addresses')}`);
}

/** Text (trimmed) that matches `pattern`, else `problem`. */
export const parseMatching =
  (pattern: RegExp, problem: string, fix: string) =>
  (value: unknown): Parsed<string> => {
    const text = typeof value === 'string' ? value.trim() : undefined;
    return text !== undefined && pattern.test(text) ? { ok: text } : fail(value, problem, `${quote(value)} — ${fix}`);
  };

export const parseTopicArn = parseMatching(
  SNS_TOPIC_ARN,
  'is not an SNS topic ARN',
  'use an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:backtrack-alerts',
);

export const parseTableName = parseMatching(
  TABLE_NAME,
  'is not a DynamoDB table name',
  'use a DynamoDB table name (3–255 of a-z A-Z 0-9 _ . -)',
);
