/**
 * The AWS facts the verdicts rest on, in one place (see README "Verdicts"). Facts marked
 * unverified in AWS's own material are kept here so that they can be changed without touching
 * the logic.
 */

/** Engines that are Aurora MySQL: `aurora-mysql` (v2, v3, 8.4) and the legacy `aurora` (v1, 5.6). */
export const AURORA_MYSQL_ENGINES: ReadonlySet<string> = new Set(['aurora-mysql', 'aurora']);

/** Largest target window AWS accepts: 72 hours. */
export const MAX_WINDOW_SECONDS = 259_200;
export const MAX_WINDOW_HOURS = 72;

/** Engine modes that cannot use Backtrack, with the reason stated in the finding. */
export const UNSUPPORTED_ENGINE_MODES: Readonly<Record<string, string>> = {
  serverless: 'Aurora Serverless v1 clusters cannot use Backtrack',
  multimaster: 'multi-master clusters cannot use Backtrack',
  global: 'clusters in engine mode "global" (Aurora global database) cannot use Backtrack',
};

/**
 * Engine versions reported not to support Backtrack (unverified in AWS documentation: users report
 * Aurora MySQL 3.01 and 3.02 as "does not support Backtrack").
 */
export const UNSUPPORTED_VERSIONS: ReadonlyArray<{ pattern: RegExp; reason: string }> = [
  { pattern: /mysql_aurora\.3\.0[12]\./, reason: 'Aurora MySQL 3.01 and 3.02 do not support Backtrack' },
];

export const BACKTRACK_DOC_URL = 'https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Managing.Backtrack.html';

/** Window suggested in the remediation when the policy minimum is 0 ("any enabled window"). */
export const DEFAULT_SUGGESTED_WINDOW_SECONDS = 86_400;
