/**
 * Reading the checker's settings from the CDK app's whole context, so that a mistyped key fails
 * synth instead of silently leaving the default in place.
 *
 * CDK keeps its own settings in the same context: feature flags (`@aws-cdk/core:...`), toolkit
 * settings (`aws:cdk:...`), lookups cached in cdk.context.json (`availability-zones:account=...`)
 * and toolkit bookkeeping (`acknowledged-issue-numbers`). Every one of those contains `@`, `:`,
 * `/`, `=` or `-`; every checker setting is a plain camelCase word. So:
 * - a plain word (letters, digits, `_`) that is not a checker setting is an error: in this app it
 *   can only be a typo (`minWindowHour`) or a setting that does not exist;
 * - any other key is CDK's, unless it is a near miss of a checker setting once case and
 *   punctuation are ignored (`alert-emails`, `MIN_WINDOW_HOURS`): that is an error too.
 */
import { CONTEXT_KEYS } from '../lambda/settings/schema';
import { ConfigError, loadConfig, readContext, type CheckerConfig, type ConfigProblem } from './config';

const PLAIN_WORD = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Edit distance with adjacent transpositions (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

const normalise = (key: string): string => key.toLowerCase().replace(/[^a-z0-9]/g, '');

/** The checker setting closest to `key` (case and punctuation ignored), if it is close enough to be a typo. */
export function nearestSetting(key: string): string | undefined {
  const wanted = normalise(key);
  let best: { key: string; distance: number } | undefined;
  for (const known of CONTEXT_KEYS) {
    const distance = editDistance(wanted, normalise(known));
    if (!best || distance < best.distance) best = { key: known, distance };
  }
  // Up to a third of the name may differ (two edits at least): `alertEmail`, `minWindowHour`, `regoins`.
  return best && best.distance <= Math.max(2, Math.floor(normalise(best.key).length / 3)) ? best.key : undefined;
}

const render = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value)));

/** Problems for context keys that look like checker settings but are not one. */
export function unknownKeyProblems(context: Readonly<Record<string, unknown>>): ConfigProblem[] {
  const known = new Set<string>(CONTEXT_KEYS);
  const problems: ConfigProblem[] = [];
  for (const [key, value] of Object.entries(context)) {
    if (known.has(key)) continue;
    const nearest = nearestSetting(key);
    if (!PLAIN_WORD.test(key) && nearest === undefined) continue;
    const valueText = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
    problems.push({
      key,
      value: render(value),
      problem: nearest ? `is not a setting of the checker; did you mean ${nearest}?` : 'is not a setting of the checker',
      allowed: `one of ${CONTEXT_KEYS.join(', ')}`,
      example: nearest ? `${nearest}=${valueText}` : 'minWindowHours=24',
    });
  }
  return problems;
}

/**
 * The checker configuration from an app's whole context (`app.node.getAllContext()`): unknown
 * checker-like keys and invalid values are reported together in one ConfigError.
 */
export function loadContext(context: Readonly<Record<string, unknown>>): CheckerConfig {
  const problems = unknownKeyProblems(context);
  let config: CheckerConfig | undefined;
  try {
    config = loadConfig(readContext((key) => context[key]));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length > 0 || config === undefined) throw new ConfigError(problems);
  return config;
}
