import { MAX_WINDOW_HOURS } from './rules';
import type { Exemption, Policy, PolicySource } from './types';

/** Tag keys the checker reads, all under one prefix. */
export const tagKeys = (policy: Policy) => ({
  exempt: policy.exemptTagKey,
  exemptReason: `${policy.tagPrefix}exempt-reason`,
  exemptUntil: `${policy.tagPrefix}exempt-until`,
  minWindowHours: `${policy.tagPrefix}min-window-hours`,
});

/** Hours to whole seconds (fractional hours allowed; rounded to the second). */
export const hoursToSeconds = (hours: number): number => Math.round(hours * 3600);

/** Parses an hours value in 0–72; returns an error sentence for anything else. */
export function parseHours(raw: string): { hours: number } | { error: string } {
  const text = raw.trim();
  if (!/^\d+(\.\d+)?$/.test(text)) {
    return { error: `"${raw}" is not a number of hours (use e.g. 24 or 1.5, from 0 to ${MAX_WINDOW_HOURS})` };
  }
  const hours = Number(text);
  if (hours > MAX_WINDOW_HOURS) {
    return { error: `${raw} hours is more than the ${MAX_WINDOW_HOURS} hours Backtrack allows` };
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
  return { requiredHours: parsed.hours, requiredSeconds: hoursToSeconds(parsed.hours), source: 'tag' };
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

/** Reads the exemption tags. Only the value `true` (any case) exempts; a bad expiry never exempts. */
export function exemptionFor(tags: Record<string, string>, policy: Policy, now: Date): Exemption {
  const keys = tagKeys(policy);
  const problems: string[] = [];
  const value = tags[keys.exempt];
  const reason = tags[keys.exemptReason]?.trim() || undefined;
  const untilRaw = tags[keys.exemptUntil];
  const base = { reason, problems };
  if (value === undefined) return { active: false, expired: false, ...base };
  const normalized = value.trim().toLowerCase();
  if (normalized !== 'true') {
    if (normalized !== 'false') {
      problems.push(`tag ${keys.exempt} is "${value}": only "true" exempts a cluster`);
    }
    return { active: false, expired: false, ...base };
  }
  if (untilRaw === undefined) return { active: true, expired: false, ...base };
  const end = parseExpiry(untilRaw);
  if (!end) {
    problems.push(
      `tag ${keys.exemptUntil} is "${untilRaw}", not a date: use YYYY-MM-DD or an ISO 8601 date-time; the exemption does not apply until it is fixed`,
    );
    return { active: false, expired: false, ...base };
  }
  const until = untilRaw.trim();
  if (now.getTime() >= end.getTime()) return { active: false, expired: true, until, ...base };
  return { active: true, expired: false, until, ...base };
}
