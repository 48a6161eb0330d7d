/**
 * EventBridge Scheduler expressions: validation, and the heartbeat alarm's window derived from the
 * scan schedule. The scan emits `ScanCompleted` once per run; the alarm fires when no run completed
 * over two schedule periods, within CloudWatch's limits.
 */

export type Parsed<T> = { ok: T } | { problem: string };

const RATE = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/;
const UNIT_MINUTES: Record<string, number> = { minute: 1, hour: 60, day: 1440 };

const HOUR = 3600;
const DAY = 86_400;
/** CloudWatch: Period × EvaluationPeriods may not exceed 7 days (for periods of an hour or more). */
export const MAX_ALARM_WINDOW_SECONDS = 7 * DAY;
/** The longest period the heartbeat alarm uses; longer gaps between runs use several one-day periods. */
export const MAX_ALARM_PERIOD_SECONDS = DAY;
/** A run lasts up to the Lambda limit of 15 minutes; its metric is stamped when it ends. */
export const RUN_MARGIN_SECONDS = 15 * 60;

export const SCHEDULE_ALLOWED =
  'rate(N minute(s)|hour(s)|day(s)) of at least 1 hour, or cron(min hour day-of-month month day-of-week year) with one number as minutes (UTC)';

/**
 * A Scheduler expression that fires at most once an hour: `rate(N unit)` (normalised to the
 * singular/plural form AWS requires) or a six-field `cron(...)` whose minutes field is one number.
 */
export function parseSchedule(value: unknown): Parsed<string> {
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

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** The values one cron field allows (`*`, numbers, names, ranges, steps, lists), or undefined if it uses more. */
function cronValues(field: string, min: number, max: number, names: readonly string[] = []): Set<number> | undefined {
  const toNumber = (token: string): number | undefined => {
    const named = names.indexOf(token.toUpperCase());
    if (named >= 0) return named + min;
    return /^\d+$/.test(token) ? Number(token) : undefined;
  };
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) return undefined;
    let from: number | undefined;
    let to: number | undefined;
    if (range === '*' || range === '?') [from, to] = [min, max];
    else if (range.includes('-')) [from, to] = range.split('-').map(toNumber);
    else [from, to] = [toNumber(range), stepText === undefined ? toNumber(range) : max];
    if (from === undefined || to === undefined || from < min || to > max || from > to) return undefined;
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

/** The fixed span cron schedules are laid out over: eight whole years, leap days included. */
const SPAN_START = Date.UTC(2024, 0, 1);
const SPAN_END = Date.UTC(2032, 0, 1);

/**
 * The longest time between two runs of the schedule, in seconds. A rate is its interval. A cron
 * expression is laid out hour by hour over eight calendar years (UTC, as the schedule has no time
 * zone) and the longest gap between consecutive runs is taken: a weekday-only schedule gives the
 * weekend gap, a monthly one the longest month.
 */
export function longestGapSeconds(expression: string): Parsed<number> {
  const rate = RATE.exec(expression);
  if (rate) return { ok: Number(rate[1]) * (UNIT_MINUTES[(rate[2] ?? '').replace(/s$/, '')] ?? 0) * 60 };
  const fields = /^cron\((.*)\)$/.exec(expression)?.[1]?.trim().split(/\s+/) ?? [];
  const [, hourField = '', domField = '', monthField = '', dowField = '', yearField = ''] = fields;
  if (yearField !== '*') return { problem: 'names years, so the scan would stop running and the heartbeat alarm would fire' };
  const hours = cronValues(hourField, 0, 23);
  const months = cronValues(monthField, 1, 12, MONTHS);
  const daysOfMonth = domField === '?' ? undefined : cronValues(domField, 1, 31);
  const daysOfWeek = dowField === '?' ? undefined : cronValues(dowField, 1, 7, WEEKDAYS);
  if (!hours || !months || (domField !== '?' && !daysOfMonth) || (dowField !== '?' && !daysOfWeek)) {
    return {
      problem:
        'uses cron syntax (L, W or #) from which the heartbeat alarm cannot derive the time between runs; use rate(...) or cron fields of numbers, names, ranges, steps and lists',
    };
  }
  let previous: number | undefined;
  let longest = 0;
  for (let t = SPAN_START; t < SPAN_END; t += HOUR * 1000) {
    const d = new Date(t);
    const dayMatches = daysOfMonth ? daysOfMonth.has(d.getUTCDate()) : (daysOfWeek?.has(d.getUTCDay() + 1) ?? false);
    if (!hours.has(d.getUTCHours()) || !months.has(d.getUTCMonth() + 1) || !dayMatches) continue;
    if (previous !== undefined) longest = Math.max(longest, (t - previous) / 1000);
    previous = t;
  }
  if (longest === 0) return { problem: 'runs less than twice in eight years' };
  return { ok: longest };
}

/** Period and number of periods of the heartbeat alarm; it fires when every one of them had no completed scan. */
export interface HeartbeatWindow {
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  /** The longest time between two scheduled runs, seconds. */
  readonly longestGapSeconds: number;
}

const describe = (seconds: number): string =>
  seconds % DAY === 0 ? `${seconds / DAY} day(s)` : seconds % HOUR === 0 ? `${seconds / HOUR} hour(s)` : `${seconds / 60} minute(s)`;

/**
 * The heartbeat alarm's window: two schedule periods. When runs are at most a day apart, the
 * period is the longest gap and the alarm needs two empty periods. Longer gaps use one-day periods,
 * as many as cover two gaps, capped at CloudWatch's 7-day window. The window must exceed the
 * longest gap plus a run's length, or a healthy schedule could leave it empty: a scan schedule
 * with runs more than 7 days minus 15 minutes apart is refused.
 */
export function heartbeatWindow(expression: string): Parsed<HeartbeatWindow> {
  const gap = longestGapSeconds(expression);
  if ('problem' in gap) return gap;
  const longest = gap.ok;
  if (longest <= MAX_ALARM_PERIOD_SECONDS) return { ok: { periodSeconds: longest, evaluationPeriods: 2, longestGapSeconds: longest } };
  const evaluationPeriods = Math.min(Math.ceil((2 * longest) / DAY), MAX_ALARM_WINDOW_SECONDS / DAY);
  if (evaluationPeriods * DAY < longest + RUN_MARGIN_SECONDS) {
    return {
      problem: `leaves up to ${describe(longest)} between scans; the heartbeat alarm can watch at most 7 days (CloudWatch's limit), so scans must be at most 6 days 23 hours 45 minutes apart (a run may take 15 minutes)`,
    };
  }
  return { ok: { periodSeconds: DAY, evaluationPeriods, longestGapSeconds: longest } };
}
