/**
 * Every setting of the checker, defined once: its parser (with bounds), default, environment
 * variable, CDK context key, CLI flag and help. CDK context (lib/config.ts), the function's
 * environment (lambda/config.ts) and the CLI's flags (bin/cli.ts) only read this table, and the
 * stack writes the function's environment with {@link toEnvironment}. Pure: no SDK, no aws-cdk-lib.
 */
import { heartbeatWindow, parseSchedule, SCHEDULE_ALLOWED } from './schedule';
import { DEFAULT_MAX_EXEMPTION_DAYS, DEFAULT_TAG_PREFIX, MAX_WINDOW_HOURS } from '../core/rules';
import {
  fail,
  HOURS_DECIMALS,
  parseBoolean,
  parseEmails,
  parseMatching,
  parseRegionCodes,
  parseRegions,
  parseTableName,
  parseTagKey,
  parseTopicArn,
  parseWholeNumber,
  parseWindowHours,
  type Parsed,
} from './parse';

export interface Setting<T> {
  /** Parses the value as given (text from the environment or a flag, text or JSON from context). */
  readonly parse: (value: unknown) => Parsed<T>;
  /** One line of help: the CLI's `--help` and the docs. */
  readonly help: string;
  /** The function's environment variable; absent: the function does not read this setting. */
  readonly env?: string;
  /** Text of the value in the function's environment; undefined leaves the variable out. */
  readonly toEnv?: (value: T) => string | undefined;
  /** The CLI flag as commander declares it (`--page-size <n>`); absent: no flag. */
  readonly flag?: string;
  /** Read from CDK context under the setting's own name: what is allowed and a `key=value` to copy. */
  readonly context?: { readonly allowed: string; readonly example: string };
}

const setting = <T>(s: Setting<T>): Setting<T> => s;
const joined = (list: 'all' | readonly string[]): string => (list === 'all' ? 'all' : list.join(','));

/** A schedule parser from ./schedule, with the one-line form environment and flags would print. */
const withLine =
  <T>(parse: (value: unknown) => { ok: T } | { problem: string }) =>
  (value: unknown): Parsed<T> => {
    const parsed = parse(value);
    return 'ok' in parsed ? parsed : fail(value, parsed.problem);
  };

/** The scan schedule also sets the heartbeat alarm's window, which CloudWatch limits to 7 days. */
const parseScanSchedule = withLine((value: unknown) => {
  const parsed = parseSchedule(value);
  if ('problem' in parsed) return parsed;
  const window = heartbeatWindow(parsed.ok);
  return 'problem' in window ? window : parsed;
});

/** An EventBridge event bus ARN (`arn:<partition>:events:<region>:<account>:event-bus/<name>`). */
export const EVENT_BUS_ARN = /^arn:aws[a-z-]*:events:[a-z]{2}(-[a-z]+)+-\d{1,2}:\d{12}:event-bus\/[A-Za-z0-9._\-/]{1,256}$/;

const TAG_CHARACTERS = 'letters, digits, spaces and _ . : / = + - @';
const MAX_TAG_KEY = 128;
const MAX_TAG_PREFIX = 100;

/** Values a setting takes when it is not given (the exemption tag key derives from the tag prefix). */
export const DEFAULTS = {
  minWindowHours: 24,
  regions: 'all',
  schedule: 'rate(12 hours)',
  reminderSchedule: 'rate(7 days)',
  reminderAfterDays: 7,
  tagPrefix: DEFAULT_TAG_PREFIX,
  instantRecheck: true,
  actualWindow: true,
  maxExemptionDays: DEFAULT_MAX_EXEMPTION_DAYS,
  allowNoSubscribers: false,
  alertEmails: [] as readonly string[],
  backtrackRegions: [] as readonly string[],
  allowNewRegions: false,
  publishFindings: false,
  pageSize: 100,
  remediationAction: false,
} as const;

/** The creation guard's modes: the hook's FailureMode (lib/creation-guard.ts). */
export const CREATION_GUARD_MODES = ['warn', 'fail'] as const;
export type CreationGuardMode = (typeof CREATION_GUARD_MODES)[number];

/** The exemption tag key when none is given. */
export const defaultExemptTagKey = (tagPrefix: string): string => `${tagPrefix}exempt`;

/**
 * Defaults of the deployed function that differ from the CLI's: the function imports findings
 * unless its environment says otherwise, the CLI only with `--publish-findings`.
 */
export const FUNCTION_DEFAULTS = { publishFindings: true } as const;

export const SETTINGS = {
  minWindowHours: setting<number>({
    parse: parseWindowHours,
    help: `required minimum window in hours, 0–${MAX_WINDOW_HOURS}, to ${HOURS_DECIMALS} decimals (0 = any enabled window)`,
    env: 'MIN_WINDOW_HOURS',
    toEnv: String,
    flag: '--min-window-hours <hours>',
    context: {
      allowed: `a number of hours from 0 to ${MAX_WINDOW_HOURS}, to ${HOURS_DECIMALS} decimal places (0 = any enabled window)`,
      example: 'minWindowHours=24',
    },
  }),
  regions: setting<'all' | string[]>({
    parse: parseRegions,
    help: 'comma list of Region codes, or "all" for every Region enabled in the account',
    env: 'REGIONS',
    toEnv: joined,
    flag: '--regions <list>',
    context: {
      allowed: '"all" (every Region enabled in the account) or a comma-separated list of lower-case Region codes',
      example: 'regions=us-east-1,eu-west-1',
    },
  }),
  allowNewRegions: setting<boolean>({
    parse: parseBoolean,
    help: 'accept Region codes the built-in list does not know (a Region AWS opened after this version)',
    env: 'ALLOW_NEW_REGIONS',
    toEnv: (allow) => (allow ? 'true' : undefined),
    flag: '--allow-new-regions',
    context: {
      allowed: 'true or false (true: accept Region codes in regions that the built-in list of Regions does not know)',
      example: 'allowNewRegions=true',
    },
  }),
  schedule: setting<string>({
    parse: parseScanSchedule,
    help: 'EventBridge Scheduler expression of the scan: rate(...) or cron(...), at most once an hour',
    context: {
      allowed: `${SCHEDULE_ALLOWED}; scans at most 6 days 23 hours 45 minutes apart, cron without L, W, # or years`,
      example: '"schedule=rate(12 hours)"',
    },
  }),
  reminderSchedule: setting<string>({
    parse: withLine(parseSchedule),
    help: 'EventBridge Scheduler expression of the reminder digest',
    context: { allowed: SCHEDULE_ALLOWED, example: '"reminderSchedule=cron(0 8 ? * MON *)"' },
  }),
  reminderAfterDays: setting<number>({
    parse: (v) => parseWholeNumber(v, 1, 365),
    help: 'a cluster FAILED or WARNING for more than this many days is listed in the reminder, 1–365',
    env: 'REMINDER_AFTER_DAYS',
    toEnv: String,
    context: { allowed: 'a whole number of days from 1 to 365', example: 'reminderAfterDays=7' },
  }),
  alertEmails: setting<string[]>({
    parse: parseEmails,
    help: 'e-mail addresses subscribed to the alert topic (each must confirm the subscription)',
    context: { allowed: 'a comma-separated list of e-mail addresses', example: 'alertEmails=ops@example.com,dba@example.com' },
  }),
  slackWorkspaceId: setting<string>({
    parse: parseMatching(/^T[A-Z0-9]{6,}$/, 'is not a Slack workspace id', 'use a Slack workspace id such as T0123456789'),
    help: 'Slack workspace id (T…) for AWS Chatbot; set together with slackChannelId',
    context: {
      allowed: 'the Slack workspace id (T followed by capital letters and digits), set together with slackChannelId',
      example: 'slackWorkspaceId=T0123456789',
    },
  }),
  slackChannelId: setting<string>({
    parse: parseMatching(/^[CG][A-Z0-9]{6,}$/, 'is not a Slack channel id', 'use a Slack channel id such as C0123456789'),
    help: 'Slack channel id (C… or G…) for AWS Chatbot; set together with slackWorkspaceId',
    context: {
      allowed: 'the Slack channel id (C or G followed by capital letters and digits), set together with slackWorkspaceId',
      example: 'slackChannelId=C0123456789',
    },
  }),
  tagPrefix: setting<string>({
    parse: (v) =>
      parseTagKey(
        v,
        MAX_TAG_PREFIX,
        `use 1–${MAX_TAG_PREFIX} tag-key characters (letters, digits, spaces, _ . : / = + - @), not starting with aws:`,
      ),
    help: 'prefix of the tags the checker reads',
    env: 'TAG_PREFIX',
    toEnv: String,
    flag: '--tag-prefix <prefix>',
    context: {
      allowed: `1–${MAX_TAG_PREFIX} characters of ${TAG_CHARACTERS}, not starting with "aws:"`,
      example: 'tagPrefix=backtrack-check:',
    },
  }),
  exemptTagKey: setting<string>({
    parse: (v) => parseTagKey(v, MAX_TAG_KEY, `use a tag key of 1–${MAX_TAG_KEY} tag-key characters, not starting with aws:`),
    help: 'exemption tag key (default: <tag-prefix>exempt); value "true" exempts',
    env: 'EXEMPT_TAG_KEY',
    toEnv: String,
    flag: '--exempt-tag-key <key>',
    context: {
      allowed: `a tag key of 1–${MAX_TAG_KEY} characters of ${TAG_CHARACTERS}, not starting with "aws:"`,
      example: 'exemptTagKey=backtrack-check:exempt',
    },
  }),
  instantRecheck: setting<boolean>({
    parse: parseBoolean,
    help: "re-check a cluster within a minute of a CloudTrail-recorded RDS change in the stack's Region",
    context: { allowed: 'true or false', example: 'instantRecheck=false' },
  }),
  actualWindow: setting<boolean>({
    parse: parseBoolean,
    help: 'skip CloudWatch Backtrack metrics (actual window, cost hint)',
    env: 'ACTUAL_WINDOW',
    toEnv: String,
    flag: '--no-actual-window',
    context: { allowed: 'true or false', example: 'actualWindow=false' },
  }),
  maxExemptionDays: setting<number>({
    parse: (v) => parseWholeNumber(v, 1, 3650),
    help: 'an exemption ends at most this many days after it was first seen, 1–3650',
    env: 'MAX_EXEMPTION_DAYS',
    toEnv: String,
    flag: '--max-exemption-days <days>',
    context: { allowed: 'a whole number of days from 1 to 3650', example: 'maxExemptionDays=90' },
  }),
  backtrackRegions: setting<string[]>({
    parse: (v) => parseRegionCodes(v, 'use a comma list such as eu-north-1,sa-east-1'),
    help: 'comma list of Regions to treat as offering Backtrack although the built-in list says AWS does not',
    env: 'BACKTRACK_REGIONS',
    toEnv: (list) => (list.length > 0 ? list.join(',') : undefined),
    flag: '--backtrack-regions <list>',
    context: {
      allowed: 'a comma-separated list of Region codes where AWS now offers Backtrack although the built-in list says it does not',
      example: 'backtrackRegions=eu-north-1',
    },
  }),
  remediationAction: setting<boolean>({
    parse: parseBoolean,
    help: 'register the Security Hub custom action "Raise Backtrack" and give the function rds:ModifyDBCluster on the account\'s clusters',
    context: {
      allowed:
        'true or false (true: the Security Hub custom action "Raise Backtrack" raises a chosen cluster\'s window to the policy minimum; the function may then modify the account\'s clusters)',
      example: 'remediationAction=true',
    },
  }),
  allowNoSubscribers: setting<boolean>({
    parse: parseBoolean,
    help: 'deploy without a warning when the alert topic gets no e-mail and no Slack subscriber',
    context: {
      allowed: 'true or false (true: deploy without a warning when the topic has no e-mail or Slack subscriber)',
      example: 'allowNoSubscribers=true',
    },
  }),
  creationGuard: setting<CreationGuardMode>({
    parse: (v) =>
      typeof v === 'string' && (CREATION_GUARD_MODES as readonly string[]).includes(v)
        ? { ok: v as CreationGuardMode }
        : fail(v, `is not ${CREATION_GUARD_MODES.join(' or ')}`),
    help: 'CloudFormation Lambda hook on AWS::RDS::DBCluster create and update: fail blocks a failing cluster, warn lets it through with a warning',
    context: {
      allowed:
        'warn (a failing cluster is created, with a warning in the stack events) or fail (the stack operation stops); leave it out for no hook',
      example: 'creationGuard=fail',
    },
  }),
  publishFindings: setting<boolean>({
    parse: parseBoolean,
    help: "import one finding per cluster into Security Hub (in the cluster's Region)",
    env: 'PUBLISH_FINDINGS',
    toEnv: String,
    flag: '--publish-findings',
  }),
  alertTopicArn: setting<string>({
    parse: parseTopicArn,
    help: 'publish the change alert to this SNS topic',
    env: 'ALERT_TOPIC_ARN',
    toEnv: String,
    flag: '--alert-topic-arn <arn>',
  }),
  stateTable: setting<string>({
    parse: parseTableName,
    help: 'DynamoDB table for run-to-run state (without it every current failure counts as new)',
    env: 'STATE_TABLE',
    toEnv: String,
    flag: '--state-table <name>',
  }),
  hubEventBusArn: setting<string>({
    parse: parseMatching(
      EVENT_BUS_ARN,
      'is not an EventBridge event bus ARN',
      "use the hub stack's HubEventBusArn output, e.g. arn:aws:events:eu-west-1:111122223333:event-bus/aurora-backtrack-checker-hub",
    ),
    help: "member mode: after every scan, tell the hub's event bus that this account's checker ran (coverage)",
    env: 'HUB_EVENT_BUS_ARN',
    toEnv: String,
  }),
  pageSize: setting<number>({
    parse: (v) => parseWholeNumber(v, 20, 100),
    help: 'DescribeDBClusters page size, 20–100',
    env: 'PAGE_SIZE',
    toEnv: String,
    flag: '--page-size <n>',
  }),
};

export type SettingKey = keyof typeof SETTINGS;
export type SettingValue<K extends SettingKey> = (typeof SETTINGS)[K] extends Setting<infer T> ? T : never;

/** The setting of `key`, typed by its value. */
export const settingOf = <K extends SettingKey>(key: K): Setting<SettingValue<K>> => SETTINGS[key] as unknown as Setting<SettingValue<K>>;

const keysWhere = (has: (s: Pick<Setting<unknown>, 'context' | 'env' | 'flag'>) => boolean): SettingKey[] =>
  (Object.keys(SETTINGS) as SettingKey[]).filter((k) => has(SETTINGS[k]));

/** The CDK context keys the checker reads, in the order their problems are reported. */
export const CONTEXT_KEYS = keysWhere((s) => s.context !== undefined);

/**
 * The settings the function and the CLI read, in the order their problems are reported. The
 * function's environment also carries what the stack knows (topic, table); the CLI takes them as flags.
 */
export const RUNTIME_KEYS = [
  'regions',
  'allowNewRegions',
  'minWindowHours',
  'tagPrefix',
  'exemptTagKey',
  'alertTopicArn',
  'maxExemptionDays',
  'backtrackRegions',
  'publishFindings',
  'actualWindow',
  'reminderAfterDays',
  'pageSize',
  'stateTable',
  'hubEventBusArn',
] as const satisfies readonly SettingKey[];

export type RuntimeKey = (typeof RUNTIME_KEYS)[number];

/** The Region the function runs in: set by Lambda itself, not by the stack. */
export const FUNCTION_REGION_VARIABLE = 'AWS_REGION';

/** The environment variable of every runtime setting. */
export const ENV_NAMES = Object.fromEntries(RUNTIME_KEYS.map((k) => [k, SETTINGS[k].env])) as Record<RuntimeKey, string>;

/** The long CLI flag of each runtime setting that has one (`--no-actual-window` for actualWindow). */
export const FLAG_NAMES = Object.fromEntries(
  RUNTIME_KEYS.flatMap((k) => {
    const flag = settingOf(k).flag;
    return flag === undefined ? [] : [[k, flag.split(' ')[0] as string]];
  }),
) as Partial<Record<RuntimeKey, string>>;

/** Every environment variable the function reads (the Lambda's own `AWS_REGION` aside). */
export const ENV_VARIABLES: readonly string[] = RUNTIME_KEYS.map((k) => ENV_NAMES[k]);

/** Values written to the function's environment: the settings the stack validated and the resources it made. */
export type EnvironmentValues = {
  readonly [K in Exclude<RuntimeKey, 'pageSize' | 'hubEventBusArn' | 'alertTopicArn' | 'allowNewRegions'>]: ReadonlyValue<SettingValue<K>>;
} & {
  /** Absent: every Region code must be one the built-in list knows. */
  readonly allowNewRegions?: boolean;
  /** Member mode only. */
  readonly hubEventBusArn?: string;
  /** Not in member mode (its alerts go to the hub's bus). */
  readonly alertTopicArn?: string;
};
type ReadonlyValue<T> = T extends (infer U)[] ? readonly U[] : T;

/**
 * The function's environment for validated settings; each variable's text parses back, with
 * {@link SETTINGS}' parser, to the same value. `pageSize` keeps the function's default.
 */
export function toEnvironment(values: EnvironmentValues): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of RUNTIME_KEYS) {
    if (key === 'pageSize') continue;
    const s = settingOf(key);
    const value = values[key];
    if (value === undefined) continue;
    const text = s.toEnv?.(value as never);
    if (s.env !== undefined && text !== undefined) env[s.env] = text;
  }
  return env;
}

/** The function's Powertools names: the metrics namespace and the `service` dimension on every metric. */
export const TELEMETRY = { metricsNamespace: 'AuroraBacktrackChecker', serviceName: 'aurora-backtrack-checker' } as const;

/** Powertools' own variables for the function, beside the checker's (the handler also passes the names in code). */
export const telemetryEnvironment = (): Record<string, string> => ({
  POWERTOOLS_SERVICE_NAME: TELEMETRY.serviceName,
  POWERTOOLS_METRICS_NAMESPACE: TELEMETRY.metricsNamespace,
});
