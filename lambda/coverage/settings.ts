/**
 * The hub coverage function's settings, read from the environment the hub stack writes with
 * {@link coverageEnvironment}. Each problem names the variable, the value and what is allowed.
 */
import { GRACE_PERIODS } from '../core/coverage';

/** The hub's coverage function's variables, each named once. */
export const COVERAGE_ENV = {
  table: 'COVERAGE_TABLE',
  topicArn: 'COVERAGE_TOPIC_ARN',
  schedulePeriodSeconds: 'SCHEDULE_PERIOD_SECONDS',
  accountsCacheSeconds: 'ACCOUNTS_CACHE_SECONDS',
  targetParentIds: 'TARGET_PARENT_IDS',
  graceSeconds: 'GRACE_SECONDS',
} as const;

export interface CoverageSettings {
  table: string;
  /** The organization's alert topic; absent: the coverage is computed and logged, not published. */
  topicArn?: string;
  /** The longest gap between two scheduled member scans: a report older than two of them is late. */
  schedulePeriodMs: number;
  /** How long the organization's account list is reused before Organizations is asked again. */
  accountsCacheMs: number;
  /** The StackSet's target OUs (or root): only the ACTIVE accounts under them, at any depth, are judged. */
  targetParentIds: string[];
  /** How long an account first listed under the targets may take to report before it is missing. */
  graceMs: number;
}

/** An OU id (`ou-` root part `-` OU part) or a root id (`r-`), as Organizations writes them. */
export const PARENT_ID = /^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$/;

/** One hour: Organizations throttles ListAccounts in large organizations; a new account waits at most this long. */
export const DEFAULT_ACCOUNTS_CACHE_SECONDS = 3_600;

export class CoverageConfigError extends Error {
  override readonly name = 'CoverageConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid coverage function configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const SECONDS = /^\d+$/;

/** The grace period a new account gets by default: {@link GRACE_PERIODS} schedule periods. */
export const defaultGraceSeconds = (schedulePeriodSeconds: number): number => GRACE_PERIODS * schedulePeriodSeconds;

export function coverageEnvironment(s: {
  table: string;
  topicArn: string;
  schedulePeriodSeconds: number;
  accountsCacheSeconds?: number;
  targetParentIds: readonly string[];
  graceSeconds?: number;
}) {
  return {
    [COVERAGE_ENV.table]: s.table,
    [COVERAGE_ENV.topicArn]: s.topicArn,
    [COVERAGE_ENV.schedulePeriodSeconds]: String(s.schedulePeriodSeconds),
    [COVERAGE_ENV.accountsCacheSeconds]: String(s.accountsCacheSeconds ?? DEFAULT_ACCOUNTS_CACHE_SECONDS),
    [COVERAGE_ENV.targetParentIds]: s.targetParentIds.join(','),
    [COVERAGE_ENV.graceSeconds]: String(s.graceSeconds ?? defaultGraceSeconds(s.schedulePeriodSeconds)),
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
  const grace = seconds(COVERAGE_ENV.graceSeconds, 0, defaultGraceSeconds(period));
  const rawParents = env[COVERAGE_ENV.targetParentIds]?.trim() ?? '';
  const targetParentIds = [...new Set(rawParents.split(',').map((p) => p.trim()))].filter(Boolean);
  const badParents = targetParentIds.filter((p) => !PARENT_ID.test(p));
  if (targetParentIds.length === 0 || badParents.length > 0) {
    const what = badParents.length > 0 ? badParents.map((p) => `"${p}"`).join(', ') : `"${rawParents}"`;
    problems.push(
      `${COVERAGE_ENV.targetParentIds}: ${what} — use the StackSet's target OU ids (ou-xxxx-yyyyyyyy) or root id (r-xxxx), comma-separated`,
    );
  }
  if (problems.length > 0) throw new CoverageConfigError(problems);
  return {
    table,
    ...(topicArn ? { topicArn } : {}),
    schedulePeriodMs: period * 1000,
    accountsCacheMs: cache * 1000,
    targetParentIds,
    graceMs: grace * 1000,
  };
}
