/**
 * The function's and the CLI's reading of the settings schema (lambda/settings/schema.ts): raw
 * text from environment variables or flags in, a validated CheckConfig out. Every problem is
 * reported at once, each named as the caller calls the setting (`MIN_WINDOW_HOURS` or `--min-window-hours`).
 */
import type { CheckConfig } from './run';
import {
  DEFAULTS,
  defaultExemptTagKey,
  ENV_NAMES as SCHEMA_ENV_NAMES,
  FUNCTION_DEFAULTS,
  FUNCTION_REGION_VARIABLE,
  RUNTIME_KEYS,
  settingOf,
  type RuntimeKey,
  type SettingValue,
} from './settings/schema';
import { unknownRegionsProblem } from './settings/region-codes';

export { REGION_PATTERN } from './settings/parse';
import { quote } from './settings/parse';

/** A bad setting: the message names every bad value and what is allowed. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export const DEFAULT_TAG_PREFIX = DEFAULTS.tagPrefix;

/** Raw settings as given: text from environment variables, text or booleans from command-line flags. */
export type RawSettings = { [K in RuntimeKey]?: string | boolean };

/** How each setting is called where it came from, for error messages (e.g. `--regions` or `REGIONS`). */
export type SettingNames = Record<RuntimeKey, string>;

export const ENV_NAMES: SettingNames = SCHEMA_ENV_NAMES;

/** The validated settings of one run: the check itself and the state table it keeps, if any. */
export interface RuntimeSettings {
  readonly config: CheckConfig;
  readonly stateTable?: string;
}

/** Unset: absent, or empty text (an unset variable and `VAR=` mean the same). */
const isUnset = (value: string | boolean | undefined): value is undefined | string =>
  value === undefined || (typeof value === 'string' && value.trim() === '');

/** Validates settings against the schema; every problem is reported at once in a ConfigError. */
export function parseRuntimeSettings(raw: RawSettings, names: SettingNames): RuntimeSettings {
  const problems: string[] = [];
  const read = <K extends RuntimeKey>(key: K): SettingValue<K> | undefined => {
    const value = raw[key];
    if (isUnset(value)) return undefined;
    const parsed = settingOf(key).parse(value);
    if ('ok' in parsed) return parsed.ok;
    problems.push(`${names[key]}: ${parsed.line}`);
    return undefined;
  };
  const values = Object.fromEntries(RUNTIME_KEYS.map((k) => [k, read(k)])) as { [K in RuntimeKey]?: SettingValue<K> };
  // A typo in a Region code is refused here, before any call, rather than by AWS after seconds.
  const allowName = names.allowNewRegions.startsWith('--') ? names.allowNewRegions : `${names.allowNewRegions}=true`;
  const unknown = values.allowNewRegions ? undefined : unknownRegionsProblem(values.regions ?? 'all', allowName);
  if (unknown) problems.push(`${names.regions}: ${quote(raw.regions)} — ${unknown}`);
  if (problems.length) throw new ConfigError(problems);

  const tagPrefix = values.tagPrefix ?? DEFAULTS.tagPrefix;
  const config: CheckConfig = {
    regions: values.regions ?? DEFAULTS.regions,
    policy: {
      minWindowHours: values.minWindowHours ?? DEFAULTS.minWindowHours,
      tagPrefix,
      exemptTagKey: values.exemptTagKey ?? defaultExemptTagKey(tagPrefix),
      maxExemptionDays: values.maxExemptionDays ?? DEFAULTS.maxExemptionDays,
      backtrackRegions: values.backtrackRegions ?? [...DEFAULTS.backtrackRegions],
    },
    publishFindings: values.publishFindings ?? DEFAULTS.publishFindings,
    actualWindow: values.actualWindow ?? DEFAULTS.actualWindow,
    reminderAfterDays: values.reminderAfterDays ?? DEFAULTS.reminderAfterDays,
    pageSize: values.pageSize ?? DEFAULTS.pageSize,
  };
  if (values.alertTopicArn !== undefined) config.alertTopicArn = values.alertTopicArn;
  if (values.hubEventBusArn !== undefined) config.hubEventBusArn = values.hubEventBusArn;
  return values.stateTable === undefined ? { config } : { config, stateTable: values.stateTable };
}

/** Validates settings; every problem is reported at once in a ConfigError. */
export const parseSettings = (raw: RawSettings, names: SettingNames): CheckConfig => parseRuntimeSettings(raw, names).config;

/** What the function reads from its environment: the settings, and the Region Lambda runs it in. */
export interface FunctionEnvironment extends RuntimeSettings {
  readonly homeRegion?: string;
}

/**
 * The function's settings from its environment (the variables the stack sets, see
 * `toEnvironment`); the function imports findings unless `PUBLISH_FINDINGS` says otherwise.
 * @throws ConfigError naming every bad variable
 */
export function readEnvironment(env: Readonly<Record<string, string | undefined>>): FunctionEnvironment {
  const raw: RawSettings = Object.fromEntries(RUNTIME_KEYS.map((k) => [k, env[ENV_NAMES[k]]]));
  if (isUnset(raw.publishFindings)) raw.publishFindings = String(FUNCTION_DEFAULTS.publishFindings);
  const settings = parseRuntimeSettings(raw, ENV_NAMES);
  const homeRegion = env[FUNCTION_REGION_VARIABLE];
  return homeRegion ? { ...settings, homeRegion } : settings;
}
