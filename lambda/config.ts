import { DEFAULT_MAX_EXEMPTION_DAYS } from './core/rules';
import { parseHours } from './core/tags';
import type { CheckConfig } from './run';

/** A bad setting: the message names every bad value and what is allowed. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
export const TAG_KEY_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
export const DEFAULT_TAG_PREFIX = 'backtrack-check:';

/** Raw settings as strings, from environment variables or command-line flags. */
export interface RawSettings {
  regions?: string;
  minWindowHours?: string;
  tagPrefix?: string;
  exemptTagKey?: string;
  publishFindings?: string;
  alertTopicArn?: string;
  reminderAfterDays?: string;
  actualWindow?: string;
  pageSize?: string;
  maxExemptionDays?: string;
  backtrackRegions?: string;
}

/** How each setting is called where it came from, for error messages (e.g. `--regions` or `REGIONS`). */
export type SettingNames = Record<keyof RawSettings, string>;

export const ENV_NAMES: SettingNames = {
  regions: 'REGIONS',
  minWindowHours: 'MIN_WINDOW_HOURS',
  tagPrefix: 'TAG_PREFIX',
  exemptTagKey: 'EXEMPT_TAG_KEY',
  publishFindings: 'PUBLISH_FINDINGS',
  alertTopicArn: 'ALERT_TOPIC_ARN',
  reminderAfterDays: 'REMINDER_AFTER_DAYS',
  actualWindow: 'ACTUAL_WINDOW',
  pageSize: 'PAGE_SIZE',
  maxExemptionDays: 'MAX_EXEMPTION_DAYS',
  backtrackRegions: 'BACKTRACK_REGIONS',
};

export function parseRegions(raw: string | undefined, name: string, problems: string[]): 'all' | string[] {
  const text = (raw ?? 'all').trim();
  if (text === '' || text.toLowerCase() === 'all') return 'all';
  const list = [
    ...new Set(
      text
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean),
    ),
  ];
  const bad = list.filter((r) => !REGION_PATTERN.test(r));
  if (bad.length || list.length === 0) {
    problems.push(
      `${name}: "${raw}" — ${bad.map((b) => `"${b}"`).join(', ') || 'nothing'} is not a Region code; use "all" or a comma list such as us-east-1,eu-west-1`,
    );
  }
  return list;
}

function parseBool(raw: string | undefined, name: string, fallback: boolean, problems: string[]): boolean {
  if (raw === undefined || raw === '') return fallback;
  const v = raw.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  problems.push(`${name}: "${raw}" — use true or false`);
  return fallback;
}

function parseIntIn(raw: string | undefined, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  if (raw === undefined || raw === '') return fallback;
  const text = raw.trim();
  if (!/^-?\d+$/.test(text)) {
    problems.push(`${name}: "${raw}" — use a whole number from ${min} to ${max}`);
    return fallback;
  }
  if (Number(text) < min || Number(text) > max) {
    problems.push(`${name}: "${raw}" — out of range ${min}–${max}`);
    return fallback;
  }
  return Number(text);
}

/**
 * Regions marked as offering Backtrack despite the built-in list: a comma list of Region codes. A
 * code the list does not name changes nothing; it is accepted, as the stack's own validation
 * accepts it (a value synth takes must never make every run fail).
 */
export function parseBacktrackRegions(raw: string | undefined, name: string, problems: string[]): string[] {
  if (raw === undefined || raw.trim() === '') return [];
  const list = [
    ...new Set(
      raw
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean),
    ),
  ];
  const bad = list.filter((r) => !REGION_PATTERN.test(r));
  if (bad.length) {
    problems.push(
      `${name}: "${raw}" — ${bad.map((b) => `"${b}"`).join(', ')} is not a Region code; use a comma list such as eu-north-1,sa-east-1`,
    );
  }
  return list;
}

/** Validates settings; every problem is reported at once in a ConfigError. */
export function parseSettings(raw: RawSettings, names: SettingNames): CheckConfig {
  const problems: string[] = [];
  const regions = parseRegions(raw.regions, names.regions, problems);
  let minWindowHours = 24;
  if (raw.minWindowHours !== undefined && raw.minWindowHours !== '') {
    const parsed = parseHours(raw.minWindowHours);
    if ('error' in parsed) problems.push(`${names.minWindowHours}: ${parsed.error}`);
    else minWindowHours = parsed.hours;
  }
  const tagPrefix = raw.tagPrefix ?? DEFAULT_TAG_PREFIX;
  if (!TAG_KEY_PATTERN.test(tagPrefix) || tagPrefix.length > 100 || tagPrefix.toLowerCase().startsWith('aws:')) {
    problems.push(
      `${names.tagPrefix}: "${tagPrefix}" — use 1–100 tag-key characters (letters, digits, spaces, _ . : / = + - @), not starting with aws:`,
    );
  }
  const exemptTagKey = raw.exemptTagKey ?? `${tagPrefix}exempt`;
  if (!TAG_KEY_PATTERN.test(exemptTagKey) || exemptTagKey.toLowerCase().startsWith('aws:')) {
    problems.push(`${names.exemptTagKey}: "${exemptTagKey}" — use a tag key of 1–128 tag-key characters, not starting with aws:`);
  }
  const alertTopicArn = raw.alertTopicArn?.trim() || undefined;
  if (alertTopicArn && !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/.test(alertTopicArn)) {
    problems.push(
      `${names.alertTopicArn}: "${alertTopicArn}" — use an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:backtrack-alerts`,
    );
  }
  const config: CheckConfig = {
    regions,
    policy: {
      minWindowHours,
      tagPrefix,
      exemptTagKey,
      maxExemptionDays: parseIntIn(raw.maxExemptionDays, names.maxExemptionDays, DEFAULT_MAX_EXEMPTION_DAYS, 1, 3650, problems),
      backtrackRegions: parseBacktrackRegions(raw.backtrackRegions, names.backtrackRegions, problems),
    },
    publishFindings: parseBool(raw.publishFindings, names.publishFindings, false, problems),
    actualWindow: parseBool(raw.actualWindow, names.actualWindow, true, problems),
    reminderAfterDays: parseIntIn(raw.reminderAfterDays, names.reminderAfterDays, 7, 1, 365, problems),
    pageSize: parseIntIn(raw.pageSize, names.pageSize, 100, 20, 100, problems),
  };
  if (alertTopicArn) config.alertTopicArn = alertTopicArn;
  if (problems.length) throw new ConfigError(problems);
  return config;
}
