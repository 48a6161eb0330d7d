/**
 * Configuration of the deployed checker, read from CDK context (`cdk.json` or `-c key=value`) or
 * passed by an app that embeds the construct. Every problem is collected and reported at once, so
 * one synth tells the user everything that needs fixing.
 */
import { MAX_WINDOW_HOURS } from '../lambda/core/rules';
import { REGION_PATTERN as REGION_CODE } from '../lambda/config';

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
} as const;

export interface ConfigProblem {
  readonly key: ContextKey;
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
  const lines = problems.map((p) => `  - ${p.key}: ${p.value} ${p.problem}.\n      allowed: ${p.allowed}\n      example: -c ${p.example}`);
  return `Invalid aurora-backtrack-checker configuration (${count}):\n${lines.join('\n')}`;
}

const EMAIL = /^[^\s@,;<>"]+@[^\s@,;<>"]+\.[^\s@,;<>"]+$/;
const SLACK_WORKSPACE = /^T[A-Z0-9]{6,}$/;
const SLACK_CHANNEL = /^[CG][A-Z0-9]{6,}$/;
/** Characters AWS allows in tag keys. */
const TAG_KEY_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;
const MAX_TAG_KEY = 128;
const MAX_TAG_PREFIX = 100;

type Parsed<T> = { ok: T } | { problem: string };

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

/** Context values arrive as JSON values from cdk.json and as strings from `-c`. */
const isBlank = (value: unknown): boolean => value === undefined || value === null || (typeof value === 'string' && value.trim() === '');

/** A comma-separated string or an array of strings, trimmed, empty entries dropped. */
function toList(value: unknown): Parsed<string[]> {
  if (isBlank(value)) return { ok: [] };
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

const RATE = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/;
const UNIT_MINUTES: Record<string, number> = { minute: 1, hour: 60, day: 1440 };

/**
 * A Scheduler expression that fires at most once an hour: `rate(N unit)` (normalised to the
 * singular/plural form AWS requires) or a six-field `cron(...)` whose minutes field is one number.
 */
function parseSchedule(value: unknown): Parsed<string> {
  if (typeof value !== 'string') return { problem: 'is not a string' };
  const text = value.trim();
  const rate = RATE.exec(text);
  if (rate) {
    const amount = Number(rate[1]);
    const unit = (rate[2] ?? '').replace(/s$/, '');
    const minutes = amount * (UNIT_MINUTES[unit] ?? 0);
    if (amount < 1) return { problem: 'is not a positive rate' };
    if (minutes < 60) return { problem: 'runs more often than once an hour' };
    return { ok: `rate(${amount} ${amount === 1 ? unit : `${unit}s`})` };
  }
  const cron = /^cron\((.*)\)$/.exec(text);
  if (cron) {
    const fields = (cron[1] ?? '').trim().split(/\s+/);
    if (fields.length !== 6) return { problem: `has ${fields.length} cron fields, not 6` };
    const [minutes, , dayOfMonth, , dayOfWeek] = fields;
    if (!/^\d{1,2}$/.test(minutes ?? '') || Number(minutes) > 59) {
      return { problem: 'has a minutes field other than one number 0–59, so it would run more often than once an hour' };
    }
    if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
      return { problem: 'needs "?" in exactly one of day-of-month and day-of-week' };
    }
    return { ok: `cron(${fields.join(' ')})` };
  }
  return { problem: 'is neither rate(...) nor cron(...)' };
}

function parseTagKey(value: unknown, max: number): Parsed<string> {
  if (typeof value !== 'string') return { problem: 'is not a string' };
  if (value.length < 1 || value.length > max) return { problem: `is ${value.length} characters long` };
  if (!TAG_KEY_CHARS.test(value)) return { problem: 'contains characters AWS does not allow in tag keys' };
  if (/^aws:/i.test(value)) return { problem: 'starts with "aws:", which AWS reserves' };
  return { ok: value };
}

const scheduleAllowed =
  'rate(N minute(s)|hour(s)|day(s)) of at least 1 hour, or cron(min hour day-of-month month day-of-week year) with one number as minutes (UTC)';

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
      const list = toList(v);
      if ('problem' in list) return list;
      if (list.ok.length === 0) return { problem: 'names no Region' };
      const codes = [...new Set(list.ok.map((r) => r.toLowerCase()))];
      const bad = codes.filter((r) => !REGION_CODE.test(r));
      if (bad.length > 0)
        return {
          problem: `contains ${bad.map((b) => JSON.stringify(b)).join(', ')}, ${bad.length === 1 ? 'which is not a Region code' : 'which are not Region codes'}`,
        };
      return { ok: codes };
    },
  } satisfies Field<'all' | string[]>,
  schedule: {
    key: 'schedule',
    allowed: scheduleAllowed,
    example: '"schedule=rate(12 hours)"',
    parse: parseSchedule,
  } satisfies Field<string>,
  reminderSchedule: {
    key: 'reminderSchedule',
    allowed: scheduleAllowed,
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
    parse: (v) => {
      const b = toBoolean(v);
      return b === undefined ? { problem: 'is not true or false' } : { ok: b };
    },
  } satisfies Field<boolean>,
  actualWindow: {
    key: 'actualWindow',
    allowed: 'true or false',
    example: 'actualWindow=false',
    parse: (v) => {
      const b = toBoolean(v);
      return b === undefined ? { problem: 'is not true or false' } : { ok: b };
    },
  } satisfies Field<boolean>,
};

/**
 * Validates raw configuration values (CDK context or props) and applies the defaults.
 * Keys other than {@link CONTEXT_KEYS} are ignored: CDK keeps its own settings in context too.
 * Applying it to its own result returns the same configuration.
 * @throws ConfigError listing every invalid value
 */
export function loadConfig(raw: Readonly<Record<string, unknown>>): CheckerConfig {
  const problems: ConfigProblem[] = [];

  function readOptional<T>(field: Field<T>): T | undefined {
    const value = raw[field.key];
    if (isBlank(value)) return undefined;
    const parsed = field.parse(value);
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

  const workspaceGiven = !isBlank(raw.slackWorkspaceId);
  const channelGiven = !isBlank(raw.slackChannelId);
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
  };
}

/** Reads the checker's keys through a context lookup such as `app.node.tryGetContext`. */
export function readContext(lookup: (key: string) => unknown): Record<string, unknown> {
  return Object.fromEntries(CONTEXT_KEYS.map((key) => [key, lookup(key)]));
}
