import { MAX_WINDOW_HOURS } from './rules';
import type { Exemption, Policy, PolicySource } from './types';

/** Tag keys the checker reads, all under one prefix. */
export const tagKeys = (policy: Policy) => ({
  exempt: policy.exemptTagKey,
  exemptReason: `${policy.tagPrefix}exempt-reason`,
  exemptUntil: `${policy.tagPrefix}exempt-until`,
  minWindowHours: `${policy.tagPrefix}min-window-hours`,
});

/** A tag of the checker's own: under its prefix, or the exemption tag (whose key may lie outside the prefix). */
export const isCheckerTag = (key: string, policy: Pick<Policy, 'tagPrefix' | 'exemptTagKey'>): boolean =>
  key === policy.exemptTagKey || key.startsWith(policy.tagPrefix);

/** Hours to whole seconds (fractional hours allowed; rounded to the second). */
export const hoursToSeconds = (hours: number): number => Math.round(hours * 3600);

/** Parses an hours value in 0–MAX_WINDOW_HOURS; returns an error sentence for anything else. */
export function parseHours(raw: string): { hours: number } | { error: string } {
  const text = raw.trim();
  if (!/^-?\d+(\.\d+)?$/.test(text)) {
    return { error: `"${raw}" is not a number of hours (use e.g. 24 or 1.5, from 0 to ${MAX_WINDOW_HOURS})` };
  }
  const hours = Number(text);
  if (hours < 0 || hours > MAX_WINDOW_HOURS) {
    return { error: `"${raw}" is out of range 0–${MAX_WINDOW_HOURS} (hours; Backtrack allows at most ${MAX_WINDOW_HOURS})` };
  }
  return { hours };
}

/** The minimum window that applies to one cluster: its tag if valid, else the account minimum. */
export function policyFor(tags: Record<string, string>, policy: Policy): PolicySource {
  const account: PolicySource = {
    requiredHours: policy.minWindowHours,
    requiredSeconds: hoursToSeconds(policy.minWindowHours),
    source: 'account',
  };
  const key = tagKeys(policy).minWindowHours;
  const raw = tags[key];
  if (raw === undefined) return account;
  const parsed = parseHours(raw);
  if ('error' in parsed) {
    return { ...account, problem: `tag ${key}: ${parsed.error}; the account minimum of ${policy.minWindowHours} h applies` };
  }
  const fromTag: PolicySource = { requiredHours: parsed.hours, requiredSeconds: hoursToSeconds(parsed.hours), source: 'tag' };
  if (parsed.hours < policy.minWindowHours) fromTag.accountHours = policy.minWindowHours;
  return fromTag;
}

/**
 * Parses an expiry: `YYYY-MM-DD` (valid through the end of that day, UTC) or an ISO 8601 date-time
 * with a time zone. Returns the first instant at which the exemption no longer holds.
 */
export function parseExpiry(raw: string): Date | undefined {
  const text = raw.trim();
  const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (dateOnly) {
    const [, y, m, d] = dateOnly.map(Number) as [number, number, number, number];
    const start = new Date(Date.UTC(y, m - 1, d));
    if (start.getUTCFullYear() !== y || start.getUTCMonth() !== m - 1 || start.getUTCDate() !== d) return undefined;
    return new Date(start.getTime() + 86_400_000);
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return undefined;
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

const DAY_MS = 86_400_000;
const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Reads the exemption tags. Only the value `true` (any case) exempts; a bad expiry never exempts.
 * An exemption ends at the tag's expiry or at `since` (first seen exempt; now when not remembered)
 * plus maxExemptionDays, whichever comes first.
 */
export function exemptionFor(tags: Record<string, string>, policy: Policy, now: Date, since?: Date): Exemption {
  const keys = tagKeys(policy);
  const problems: string[] = [];
  const value = tags[keys.exempt];
  const reason = tags[keys.exemptReason]?.trim() || undefined;
  const untilRaw = tags[keys.exemptUntil];
  const base = { reason, problems };
  if (value === undefined) return { active: false, expired: false, claimed: false, ...base };
  const normalized = value.trim().toLowerCase();
  if (normalized !== 'true') {
    if (normalized !== 'false') {
      problems.push(`tag ${keys.exempt} is "${value}": only "true" exempts a cluster`);
    }
    return { active: false, expired: false, claimed: false, ...base };
  }
  const start = since ?? now;
  const claimed = { ...base, claimed: true, since: isoSeconds(start) };
  const cap = new Date(start.getTime() + policy.maxExemptionDays * DAY_MS);
  const given = untilRaw === undefined ? undefined : parseExpiry(untilRaw);
  if (untilRaw !== undefined && !given) {
    problems.push(
      `tag ${keys.exemptUntil} is "${untilRaw}", not a date: use YYYY-MM-DD or an ISO 8601 date-time; the exemption does not apply until it is fixed`,
    );
    return { active: false, expired: false, ...claimed };
  }
  const capped = !given || given.getTime() > cap.getTime();
  const end = capped ? cap : given;
  const result: Exemption = { active: now.getTime() < end.getTime(), expired: now.getTime() >= end.getTime(), ...claimed };
  if (untilRaw !== undefined) result.until = untilRaw.trim();
  if (capped) result.cappedAt = isoSeconds(cap);
  return result;
}

/** When an exemption ends (or ended): the cap when it applies, else the tag's expiry. */
export const exemptionEnd = (e: Exemption): string | undefined => e.cappedAt ?? e.until;
