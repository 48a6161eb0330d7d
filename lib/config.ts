/**
 * Configuration of the deployed checker, read from CDK context (`cdk.json` or `-c key=value`) or
 * passed by an app that embeds the construct. Every problem is collected and reported at once, so
 * one synth tells the user everything that needs fixing.
 */
import { MAX_WINDOW_HOURS } from '../lambda/core/rules';
import { REGION_PATTERN as REGION_CODE } from '../lambda/config';
import { heartbeatWindow, parseSchedule, SCHEDULE_ALLOWED, type Parsed } from './schedule';

export interface CheckerConfig {
  /** Account-wide required minimum Backtrack window, hours (0–72, fractional allowed; 0 = any enabled window). */
  readonly minWindowHours: number;
  /** `all` (every Region enabled in the account) or explicit Region codes. */
  readonly regions: 'all' | readonly string[];
  /** EventBridge Scheduler expression of the scan: `rate(...)` or `cron(...)`, at most once an hour. */
  readonly schedule: string;
  /** EventBridge Scheduler expression of the reminder digest. */
  readonly reminderSchedule: string;
  /** A cluster FAILED or WARNING for more than this many days is listed in the reminder. */
  readonly reminderAfterDays: number;
  /** E-mail addresses subscribed to the alert topic (each must confirm the subscription). */
  readonly alertEmails: readonly string[];
  /** Slack workspace id (T…) for AWS Chatbot; set together with `slackChannelId`. */
  readonly slackWorkspaceId?: string;
  /** Slack channel id (C… or G…) for AWS Chatbot; set together with `slackWorkspaceId`. */
  readonly slackChannelId?: string;
  /** Prefix of every tag the checker reads. */
  readonly tagPrefix: string;
  /** Full key of the exemption tag. */
  readonly exemptTagKey: string;
  /** Re-check a cluster within a minute of a CloudTrail-recorded RDS change in the stack's Region. */
  readonly instantRecheck: boolean;
  /** Read CloudWatch Backtrack metrics to compare the actual window with the target. */
  readonly actualWindow: boolean;
  /** Longest exemption honoured, days (1–3650): a later expiry, or none, is capped at this and reported. */
  readonly maxExemptionDays: number;
  /** Regions to treat as offering Backtrack although the built-in list says AWS does not offer it there. */
  readonly backtrackRegions: readonly string[];
  /** Deploy without a warning when the alert topic gets no e-mail and no Slack subscriber. */
  readonly allowNoSubscribers: boolean;
}

/** The context keys the checker reads; any other key is left to CDK. */
export const CONTEXT_KEYS = [
  'minWindowHours',
  'regions',
  'schedule',
  'reminderSchedule',
  'reminderAfterDays',
  'alertEmails',
  'slackWorkspaceId',
  'slackChannelId',
  'tagPrefix',
  'exemptTagKey',
  'instantRecheck',
  'actualWindow',
  'maxExemptionDays',
  'backtrackRegions',
  'allowNoSubscribers',
] as const;

export type ContextKey = (typeof CONTEXT_KEYS)[number];

export const DEFAULTS = {
  minWindowHours: 24,
  regions: 'all',
  schedule: 'rate(12 hours)',
  reminderSchedule: 'rate(7 days)',
  reminderAfterDays: 7,
  tagPrefix: 'backtrack-check:',
  instantRecheck: true,
  actualWindow: true,
  maxExemptionDays: 90,
  allowNoSubscribers: false,
} as const;

export interface ConfigProblem {
  /** The setting, or the unknown context key, the problem is about. */
  readonly key: string;
  /** The value as given, rendered for the message. */
  readonly value: string;
  /** What is wrong, in a few words. */
  readonly problem: string;
  /** What is allowed. */
  readonly allowed: string;
  /** A valid `-c key=value` to copy. */
  readonly example: string;
}

/** One or more configuration values are invalid; `problems` lists every one of them. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(renderProblems(problems));
    this.name = 'ConfigError';
  }
}

function renderProblems(problems: readonly ConfigProblem[]): string {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  const end = (text: string) => (/[.?!]$/.test(text) ? text : `${text}.`);
  const lines = problems.map(
    (p) => `  - ${p.key}: ${p.value} ${end(p.problem)}\n      allowed: ${p.allowed}\n      example: -c ${p.example}`,
  );
  return `Invalid aurora-backtrack-checker configuration (${count}):\n${lines.join('\n')}`;
}

const EMAIL = /^[^\s@,;<>"]+@[^\s@,;<>"]+\.[^\s@,;<>"]+$/;
const SLACK_WORKSPACE = /^T[A-Z0-9]{6,}$/;
const SLACK_CHANNEL = /^[CG][A-Z0-9]{6,}$/;
/** Characters AWS allows in tag keys. */
const TAG_KEY_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;
const MAX_TAG_KEY = 128;
const MAX_TAG_PREFIX = 100;

interface Field<T> {
  key: ContextKey;
  allowed: string;
  example: string;
  parse: (value: unknown) => Parsed<T>;
}

const render = (value: unknown): string => {
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
};

/** Context values arrive as JSON values from cdk.json and as strings from `-c`; null or absent means "use the default". */
const isAbsent = (value: unknown): boolean => value === undefined || value === null;
/** `-c regions=` gives an empty string: a mistake to report, not a request for the default. */
const isEmptyText = (value: unknown): boolean => typeof value === 'string' && value.trim() === '';

/** A comma-separated string or an array of strings, trimmed, empty entries dropped. */
function toList(value: unknown): Parsed<string[]> {
  if (typeof value === 'string')
    return {
      ok: value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    };
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    return { ok: value.map((s: string) => s.trim()).filter((s) => s !== '') };
  }
  return { problem: 'is neither a comma-separated string nor a list of strings' };
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

function toBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (text === 'true') return true;
    if (text === 'false') return false;
  }
  return undefined;
}

function parseTagKey(value: unknown, max: number): Parsed<string> {
  if (typeof value !== 'string') return { problem: 'is not a string' };
  if (value.length < 1 || value.length > max) return { problem: `is ${value.length} characters long` };
  if (!TAG_KEY_CHARS.test(value)) return { problem: 'contains characters AWS does not allow in tag keys' };
  if (/^aws:/i.test(value)) return { problem: 'starts with "aws:", which AWS reserves' };
  return { ok: value };
}

/** A list of Region codes, lower-cased and without duplicates. */
function parseRegionCodes(value: unknown): Parsed<string[]> {
  const list = toList(value);
  if ('problem' in list) return list;
  const codes = [...new Set(list.ok.map((r) => r.toLowerCase()))];
  const bad = codes.filter((r) => !REGION_CODE.test(r));
  if (bad.length > 0)
    return {
      problem: `contains ${bad.map((b) => JSON.stringify(b)).join(', ')}, ${bad.length === 1 ? 'which is not a Region code' : 'which are not Region codes'}`,
    };
  return { ok: codes };
}

function parseBoolean(v: unknown): Parsed<boolean> {
  const b = toBoolean(v);
  return b === undefined ? { problem: 'is not true or false' } : { ok: b };
}

/** The scan schedule also sets the heartbeat alarm's window, which CloudWatch limits to 7 days. */
function parseScanSchedule(v: unknown): Parsed<string> {
  const parsed = parseSchedule(v);
  if ('problem' in parsed) return parsed;
  const window = heartbeatWindow(parsed.ok);
  return 'problem' in window ? window : parsed;
}

const FIELDS = {
  minWindowHours: {
    key: 'minWindowHours',
    allowed: `a number of hours from 0 to ${MAX_WINDOW_HOURS}, fractional allowed (0 = any enabled window)`,
    example: 'minWindowHours=24',
    parse: (v) => {
      const n = toNumber(v);
      if (n === undefined) return { problem: 'is not a number' };
      if (n < 0 || n > MAX_WINDOW_HOURS) return { problem: `is outside 0–${MAX_WINDOW_HOURS}` };
      return { ok: n };
    },
  } satisfies Field<number>,
  regions: {
    key: 'regions',
    allowed: '"all" (every Region enabled in the account) or a comma-separated list of Region codes',
    example: 'regions=us-east-1,eu-west-1',
    parse: (v): Parsed<'all' | string[]> => {
      if (typeof v === 'string' && v.trim().toLowerCase() === 'all') return { ok: 'all' };
      const codes = parseRegionCodes(v);
      if ('ok' in codes && codes.ok.length === 0) return { problem: 'names no Region' };
      return codes;
    },
  } satisfies Field<'all' | string[]>,
  schedule: {
    key: 'schedule',
    allowed: `${SCHEDULE_ALLOWED}; scans at most 6 days 23 hours 45 minutes apart, cron without L, W, # or years`,
    example: '"schedule=rate(12 hours)"',
    parse: parseScanSchedule,
  } satisfies Field<string>,
  reminderSchedule: {
    key: 'reminderSchedule',
    allowed: SCHEDULE_ALLOWED,
    example: '"reminderSchedule=cron(0 8 ? * MON *)"',
    parse: parseSchedule,
  } satisfies Field<string>,
  reminderAfterDays: {
    key: 'reminderAfterDays',
    allowed: 'a whole number of days from 1 to 365',
    example: 'reminderAfterDays=7',
    parse: (v) => {
      const n = toNumber(v);
      if (n === undefined || !Number.isInteger(n)) return { problem: 'is not a whole number' };
      if (n < 1 || n > 365) return { problem: 'is outside 1–365' };
      return { ok: n };
    },
  } satisfies Field<number>,
  alertEmails: {
    key: 'alertEmails',
    allowed: 'a comma-separated list of e-mail addresses',
    example: 'alertEmails=ops@example.com,dba@example.com',
    parse: (v) => {
      const list = toList(v);
      if ('problem' in list) return list;
      const bad = list.ok.filter((e) => !EMAIL.test(e));
      if (bad.length > 0)
        return {
          problem: `contains ${bad.map((b) => JSON.stringify(b)).join(', ')}, ${bad.length === 1 ? 'which is not an e-mail address' : 'which are not e-mail addresses'}`,
        };
      return { ok: [...new Set(list.ok)] };
    },
  } satisfies Field<string[]>,
  slackWorkspaceId: {
    key: 'slackWorkspaceId',
    allowed: 'the Slack workspace id (T followed by capital letters and digits), set together with slackChannelId',
    example: 'slackWorkspaceId=T0123456789',
    parse: (v) => (typeof v === 'string' && SLACK_WORKSPACE.test(v.trim()) ? { ok: v.trim() } : { problem: 'is not a Slack workspace id' }),
  } satisfies Field<string>,
  slackChannelId: {
    key: 'slackChannelId',
    allowed: 'the Slack channel id (C or G followed by capital letters and digits), set together with slackWorkspaceId',
    example: 'slackChannelId=C0123456789',
    parse: (v) => (typeof v === 'string' && SLACK_CHANNEL.test(v.trim()) ? { ok: v.trim() } : { problem: 'is not a Slack channel id' }),
  } satisfies Field<string>,
  tagPrefix: {
    key: 'tagPrefix',
    allowed: `1–${MAX_TAG_PREFIX} characters of letters, digits, spaces and _ . : / = + - @, not starting with "aws:"`,
    example: 'tagPrefix=backtrack-check:',
    parse: (v) => parseTagKey(v, MAX_TAG_PREFIX),
  } satisfies Field<string>,
  exemptTagKey: {
    key: 'exemptTagKey',
    allowed: `a tag key of 1–${MAX_TAG_KEY} characters of letters, digits, spaces and _ . : / = + - @, not starting with "aws:"`,
    example: 'exemptTagKey=backtrack-check:exempt',
    parse: (v) => parseTagKey(v, MAX_TAG_KEY),
  } satisfies Field<string>,
  instantRecheck: {
    key: 'instantRecheck',
    allowed: 'true or false',
    example: 'instantRecheck=false',
    parse: parseBoolean,
  } satisfies Field<boolean>,
  actualWindow: {
    key: 'actualWindow',
    allowed: 'true or false',
    example: 'actualWindow=false',
    parse: parseBoolean,
  } satisfies Field<boolean>,
  maxExemptionDays: {
    key: 'maxExemptionDays',
    allowed: 'a whole number of days from 1 to 3650',
    example: 'maxExemptionDays=90',
    parse: (v) => {
      const n = toNumber(v);
      if (n === undefined || !Number.isInteger(n)) return { problem: 'is not a whole number' };
      if (n < 1 || n > 3650) return { problem: 'is outside 1–3650' };
      return { ok: n };
    },
  } satisfies Field<number>,
  backtrackRegions: {
    key: 'backtrackRegions',
    allowed: 'a comma-separated list of Region codes where AWS now offers Backtrack although the built-in list says it does not',
    example: 'backtrackRegions=eu-north-1',
    parse: parseRegionCodes,
  } satisfies Field<string[]>,
  allowNoSubscribers: {
    key: 'allowNoSubscribers',
    allowed: 'true or false (true: deploy without a warning when the topic has no e-mail or Slack subscriber)',
    example: 'allowNoSubscribers=true',
    parse: parseBoolean,
  } satisfies Field<boolean>,
};

/**
 * Validates raw configuration values (CDK context or props) and applies the defaults. An absent
 * or null value takes the default; an empty string is an error. Keys other than
 * {@link CONTEXT_KEYS} are ignored here (see `loadContext` for unknown context keys).
 * Applying it to its own result returns the same configuration.
 * @throws ConfigError listing every invalid value
 */
export function loadConfig(raw: Readonly<Record<string, unknown>>): CheckerConfig {
  const problems: ConfigProblem[] = [];

  function readOptional<T>(field: Field<T>): T | undefined {
    const value = raw[field.key];
    if (isAbsent(value)) return undefined;
    const parsed: Parsed<T> = isEmptyText(value) ? { problem: 'is empty; leave the key out to use the default' } : field.parse(value);
    if ('ok' in parsed) return parsed.ok;
    problems.push({ key: field.key, value: render(value), problem: parsed.problem, allowed: field.allowed, example: field.example });
    return undefined;
  }
  const read = <T>(field: Field<T>, fallback: T): T => readOptional(field) ?? fallback;

  const minWindowHours = read<number>(FIELDS.minWindowHours, DEFAULTS.minWindowHours);
  const regions = read<'all' | string[]>(FIELDS.regions, DEFAULTS.regions);
  const schedule = read<string>(FIELDS.schedule, DEFAULTS.schedule);
  const reminderSchedule = read<string>(FIELDS.reminderSchedule, DEFAULTS.reminderSchedule);
  const reminderAfterDays = read<number>(FIELDS.reminderAfterDays, DEFAULTS.reminderAfterDays);
  const alertEmails = read<string[]>(FIELDS.alertEmails, []);
  const slackWorkspaceId = readOptional(FIELDS.slackWorkspaceId);
  const slackChannelId = readOptional(FIELDS.slackChannelId);
  const tagPrefix = read<string>(FIELDS.tagPrefix, DEFAULTS.tagPrefix);
  const exemptTagKey = read<string>(FIELDS.exemptTagKey, `${tagPrefix}exempt`);
  const instantRecheck = read<boolean>(FIELDS.instantRecheck, DEFAULTS.instantRecheck);
  const actualWindow = read<boolean>(FIELDS.actualWindow, DEFAULTS.actualWindow);
  const maxExemptionDays = read<number>(FIELDS.maxExemptionDays, DEFAULTS.maxExemptionDays);
  const backtrackRegions = read<string[]>(FIELDS.backtrackRegions, []);
  const allowNoSubscribers = read<boolean>(FIELDS.allowNoSubscribers, DEFAULTS.allowNoSubscribers);

  const workspaceGiven = !isAbsent(raw.slackWorkspaceId);
  const channelGiven = !isAbsent(raw.slackChannelId);
  if (workspaceGiven !== channelGiven) {
    const missing = workspaceGiven ? FIELDS.slackChannelId : FIELDS.slackWorkspaceId;
    problems.push({
      key: missing.key,
      value: '(not set)',
      problem: `is required when ${workspaceGiven ? 'slackWorkspaceId' : 'slackChannelId'} is set`,
      allowed: missing.allowed,
      example: missing.example,
    });
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    minWindowHours,
    regions,
    schedule,
    reminderSchedule,
    reminderAfterDays,
    alertEmails,
    ...(slackWorkspaceId !== undefined && slackChannelId !== undefined ? { slackWorkspaceId, slackChannelId } : {}),
    tagPrefix,
    exemptTagKey,
    instantRecheck,
    actualWindow,
    maxExemptionDays,
    backtrackRegions,
    allowNoSubscribers,
  };
}

/** Reads the checker's keys through a context lookup such as `app.node.tryGetContext`. */
export function readContext(lookup: (key: string) => unknown): Record<string, unknown> {
  return Object.fromEntries(CONTEXT_KEYS.map((key) => [key, lookup(key)]));
}
