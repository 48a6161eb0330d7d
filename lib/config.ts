/**
 * Configuration of the deployed checker, read from CDK context (`cdk.json` or `-c key=value`) or
 * passed by an app that embeds the construct. Every problem is collected and reported at once, so
 * one synth tells the user everything that needs fixing.
 */
import { unknownRegionsProblem } from '../lambda/settings/region-codes';
import {
  CONTEXT_KEYS,
  DEFAULTS,
  defaultExemptTagKey,
  SETTINGS,
  settingOf,
  type CreationGuardMode,
  type SettingValue,
} from '../lambda/settings/schema';

export interface CheckerConfig {
  /** Account-wide required minimum Backtrack window, hours (0–72, to two decimal places; 0 = any enabled window). */
  readonly minWindowHours: number;
  /** `all` (every Region enabled in the account) or explicit Region codes. */
  readonly regions: 'all' | readonly string[];
  /** Accept Region codes the built-in list does not know (a Region AWS opened after this version). */
  readonly allowNewRegions: boolean;
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
  /**
   * Register the Security Hub custom action "Raise Backtrack" (and its rule), and let the function
   * call rds:ModifyDBCluster on the account's clusters: the only write the checker makes to a cluster.
   */
  readonly remediationAction: boolean;
  /**
   * The creation guard (lib/creation-guard.ts): a CloudFormation Lambda hook that judges every
   * `AWS::RDS::DBCluster` before CloudFormation creates or updates it; `fail` stops the operation,
   * `warn` lets it continue with a warning. Absent: no hook.
   */
  readonly creationGuard?: CreationGuardMode;
}

/** The context keys the checker reads (from the settings schema); any other key is left to CDK. */
export { CONTEXT_KEYS, DEFAULTS };

export type ContextKey = (typeof CONTEXT_KEYS)[number];

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

/**
 * Validates raw configuration values (CDK context or props) and applies the defaults. An absent
 * or null value takes the default; an empty string is an error. Keys other than
 * {@link CONTEXT_KEYS} are ignored here (see `loadContext` for unknown context keys).
 * Applying it to its own result returns the same configuration.
 * @throws ConfigError listing every invalid value
 */
export function loadConfig(raw: Readonly<Record<string, unknown>>): CheckerConfig {
  const problems: ConfigProblem[] = [];

  function readOptional<K extends ContextKey>(key: K): SettingValue<K> | undefined {
    const value = raw[key];
    if (isAbsent(value)) return undefined;
    const setting = settingOf(key);
    const parsed = isEmptyText(value) ? { problem: 'is empty; leave the key out to use the default' } : setting.parse(value);
    if ('ok' in parsed) return parsed.ok;
    const { allowed, example } = setting.context ?? { allowed: '', example: '' };
    problems.push({ key, value: render(value), problem: parsed.problem, allowed, example });
    return undefined;
  }
  const read = <K extends ContextKey>(key: K, fallback: SettingValue<K>): SettingValue<K> => readOptional(key) ?? fallback;

  const minWindowHours = read('minWindowHours', DEFAULTS.minWindowHours);
  const regions = read('regions', DEFAULTS.regions);
  const schedule = read('schedule', DEFAULTS.schedule);
  const reminderSchedule = read('reminderSchedule', DEFAULTS.reminderSchedule);
  const reminderAfterDays = read('reminderAfterDays', DEFAULTS.reminderAfterDays);
  const alertEmails = read('alertEmails', [...DEFAULTS.alertEmails]);
  const slackWorkspaceId = readOptional('slackWorkspaceId');
  const slackChannelId = readOptional('slackChannelId');
  const tagPrefix = read('tagPrefix', DEFAULTS.tagPrefix);
  const exemptTagKey = read('exemptTagKey', defaultExemptTagKey(tagPrefix));
  const instantRecheck = read('instantRecheck', DEFAULTS.instantRecheck);
  const actualWindow = read('actualWindow', DEFAULTS.actualWindow);
  const maxExemptionDays = read('maxExemptionDays', DEFAULTS.maxExemptionDays);
  const backtrackRegions = read('backtrackRegions', [...DEFAULTS.backtrackRegions]);
  const allowNoSubscribers = read('allowNoSubscribers', DEFAULTS.allowNoSubscribers);
  const remediationAction = read('remediationAction', DEFAULTS.remediationAction);
  const creationGuard = readOptional('creationGuard');
  const allowNewRegions = read('allowNewRegions', DEFAULTS.allowNewRegions);
  const unknownRegions = allowNewRegions ? undefined : unknownRegionsProblem(regions, 'allowNewRegions=true');
  if (unknownRegions) {
    const { allowed, example } = SETTINGS.regions.context ?? { allowed: '', example: '' };
    problems.push({ key: 'regions', value: render(raw.regions), problem: unknownRegions, allowed, example });
  }

  const workspaceGiven = !isAbsent(raw.slackWorkspaceId);
  const channelGiven = !isAbsent(raw.slackChannelId);
  if (workspaceGiven !== channelGiven) {
    const missing = workspaceGiven ? 'slackChannelId' : 'slackWorkspaceId';
    problems.push({
      key: missing,
      value: '(not set)',
      problem: `is required when ${workspaceGiven ? 'slackWorkspaceId' : 'slackChannelId'} is set`,
      allowed: SETTINGS[missing].context?.allowed ?? '',
      example: SETTINGS[missing].context?.example ?? '',
    });
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    minWindowHours,
    regions,
    allowNewRegions,
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
    remediationAction,
    ...(creationGuard !== undefined ? { creationGuard } : {}),
  };
}

/** Reads the checker's keys through a context lookup such as `app.node.tryGetContext`. */
export function readContext(lookup: (key: string) => unknown): Record<string, unknown> {
  return Object.fromEntries(CONTEXT_KEYS.map((key) => [key, lookup(key)]));
}
