/**
 * The hub coverage function's settings, read from the environment the hub stack writes with
 * {@link coverageEnvironment}. Each problem names the variable, the value and what is allowed.
 */

/** The hub's coverage function's variables, each named once. */
export const COVERAGE_ENV = {
  table: 'COVERAGE_TABLE',
  topicArn: 'COVERAGE_TOPIC_ARN',
  schedulePeriodSeconds: 'SCHEDULE_PERIOD_SECONDS',
  accountsCacheSeconds: 'ACCOUNTS_CACHE_SECONDS',
} as const;

export interface CoverageSettings {
  table: string;
  /** The organization's alert topic; absent: the coverage is computed and logged, not published. */
  topicArn?: string;
  /** The longest gap between two scheduled member scans: a report older than two of them is late. */
  schedulePeriodMs: number;
  /** How long the organization's account list is reused before Organizations is asked again. */
  accountsCacheMs: number;
}

/** One hour: Organizations throttles ListAccounts in large organizations; a new account waits at most this long. */
export const DEFAULT_ACCOUNTS_CACHE_SECONDS = 3_600;

export class CoverageConfigError extends Error {
  override readonly name = 'CoverageConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid coverage function configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const SECONDS = /^\d+$/;

export function coverageEnvironment(s: { table: string; topicArn: string; schedulePeriodSeconds: number; accountsCacheSeconds?: number }) {
  return {
    [COVERAGE_ENV.table]: s.table,
    [COVERAGE_ENV.topicArn]: s.topicArn,
    [COVERAGE_ENV.schedulePeriodSeconds]: String(s.schedulePeriodSeconds),
    [COVERAGE_ENV.accountsCacheSeconds]: String(s.accountsCacheSeconds ?? DEFAULT_ACCOUNTS_CACHE_SECONDS),
  };
}

/** @throws CoverageConfigError naming every bad variable */
export function readCoverageEnvironment(env: Readonly<Record<string, string | undefined>>): CoverageSettings {
  const problems: string[] = [];
  const table = env[COVERAGE_ENV.table]?.trim() ?? '';
  if (!/^[a-zA-Z0-9_.-]{3,255}$/.test(table)) {
    problems.push(`${COVERAGE_ENV.table}: "${table}" — set the hub's coverage table name (3–255 of a-z A-Z 0-9 _ . -)`);
  }
  const topicArn = env[COVERAGE_ENV.topicArn]?.trim() || undefined;
  if (topicArn !== undefined && !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(topicArn)) {
    problems.push(`${COVERAGE_ENV.topicArn}: "${topicArn}" — use the organization's alert topic ARN, or leave it unset`);
  }
  const seconds = (name: string, min: number, fallback?: number): number => {
    const raw = env[name]?.trim();
    if ((raw === undefined || raw === '') && fallback !== undefined) return fallback;
    if (raw === undefined || !SECONDS.test(raw) || Number(raw) < min) {
      problems.push(`${name}: "${raw ?? ''}" — use a whole number of seconds, at least ${min}`);
      return 0;
    }
    return Number(raw);
  };
  const period = seconds(COVERAGE_ENV.schedulePeriodSeconds, 1);
  const cache = seconds(COVERAGE_ENV.accountsCacheSeconds, 0, DEFAULT_ACCOUNTS_CACHE_SECONDS);
  if (problems.length > 0) throw new CoverageConfigError(problems);
  return { table, ...(topicArn ? { topicArn } : {}), schedulePeriodMs: period * 1000, accountsCacheMs: cache * 1000 };
}
