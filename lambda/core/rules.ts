/**
 * The AWS facts the verdicts rest on, in one place (see README "Verdicts"). Facts marked
 * unverified in AWS's own material are kept here so that they can be changed without touching
 * the logic.
 */

/** Engines that are Aurora MySQL: `aurora-mysql` (v2, v3, 8.4) and the legacy `aurora` (v1, 5.6). */
export const AURORA_MYSQL_ENGINES: ReadonlySet<string> = new Set(['aurora-mysql', 'aurora']);

/** Largest target window AWS accepts: 72 hours. */
export const MAX_WINDOW_SECONDS = 259_200;
export const MAX_WINDOW_HOURS = MAX_WINDOW_SECONDS / 3600;

/** Engine modes that cannot use Backtrack, with the reason stated in the finding. */
export const UNSUPPORTED_ENGINE_MODES: Readonly<Record<string, string>> = {
  serverless: 'Aurora Serverless v1 clusters cannot use Backtrack',
  multimaster: 'multi-master clusters cannot use Backtrack',
  global: 'clusters in engine mode "global" (Aurora global database) cannot use Backtrack',
  parallelquery: 'clusters in engine mode "parallelquery" (Aurora MySQL 5.6 parallel query) cannot use Backtrack',
};

/** Where a Region's Backtrack availability is stated. */
export interface RegionSource {
  title: string;
  url: string;
  /** The source does not speak of Backtrack itself (the list may be wrong for a Region). */
  unverified: boolean;
}

export const REGION_SOURCES = {
  'backtrack-guide': {
    title: 'Amazon Aurora User Guide, "Backtracking an Aurora DB cluster", Region and version availability',
    url: 'https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Managing.Backtrack.html',
    unverified: false,
  },
  'knowledge-center': {
    title: 'AWS Knowledge Center "aurora-mysql-cluster-backtrack"',
    url: 'https://repost.aws/knowledge-center/aurora-mysql-cluster-backtrack',
    unverified: false,
  },
  'config-rule': {
    title: 'AWS Config rule aurora-mysql-backtracking-enabled, not offered in this Region (unverified as a statement about Backtrack)',
    url: 'https://docs.aws.amazon.com/config/latest/developerguide/aurora-mysql-backtracking-enabled.html',
    unverified: true,
  },
} as const satisfies Record<string, RegionSource>;

export type RegionSourceKey = keyof typeof REGION_SOURCES;

/** One Region's entry: its name, the source that states it (primary) and one that repeats it. */
export interface RegionEntry {
  name: string;
  source: RegionSourceKey;
  /** A second source that names the Region too. */
  alsoIn?: RegionSourceKey;
}

/**
 * Regions where AWS does not offer Backtrack, each with its source. The Backtrack guide's Region
 * table is the primary source ("–" for every version); the Knowledge Center page repeats seven of
 * them. Five rest only on where the Config rule is offered: they stay, marked unverified. A Region
 * AWS adds Backtrack to is marked with the setting backtrackRegions until this list is updated.
 */
export const REGIONS_WITHOUT_BACKTRACK: Readonly<Record<string, RegionEntry>> = {
  // The Backtrack guide's Region table, "–" for every version; the Knowledge Center page names it too.
  'af-south-1': { name: 'Africa (Cape Town)', source: 'backtrack-guide', alsoIn: 'knowledge-center' },
  'ap-east-1': { name: 'Asia Pacific (Hong Kong)', source: 'backtrack-guide', alsoIn: 'knowledge-center' },
  'cn-northwest-1': { name: 'China (Ningxia)', source: 'backtrack-guide', alsoIn: 'knowledge-center' },
  'eu-south-1': { name: 'Europe (Milan)', source: 'backtrack-guide', alsoIn: 'knowledge-center' },
  'eu-north-1': { name: 'Europe (Stockholm)', source: 'backtrack-guide', alsoIn: 'knowledge-center' },
  'me-south-1': { name: 'Middle East (Bahrain)', source: 'backtrack-guide', alsoIn: 'knowledge-center' },
  'sa-east-1': { name: 'South America (São Paulo)', source: 'backtrack-guide', alsoIn: 'knowledge-center' },
  // The Backtrack guide's Region table, "–" for every version; the Knowledge Center page does not name it.
  'ap-southeast-3': { name: 'Asia Pacific (Jakarta)', source: 'backtrack-guide' },
  'cn-north-1': { name: 'China (Beijing)', source: 'backtrack-guide' },
  'eu-south-2': { name: 'Europe (Spain)', source: 'backtrack-guide' },
  'eu-central-2': { name: 'Europe (Zurich)', source: 'backtrack-guide' },
  'me-central-1': { name: 'Middle East (UAE)', source: 'backtrack-guide' },
  'us-gov-east-1': { name: 'AWS GovCloud (US-East)', source: 'backtrack-guide' },
  'us-gov-west-1': { name: 'AWS GovCloud (US-West)', source: 'backtrack-guide' },
  // Newer than the guide's table: only the Config rule's absence speaks for them (unverified).
  'ap-south-2': { name: 'Asia Pacific (Hyderabad)', source: 'config-rule' },
  'ap-southeast-4': { name: 'Asia Pacific (Melbourne)', source: 'config-rule' },
  'il-central-1': { name: 'Israel (Tel Aviv)', source: 'config-rule' },
  'ca-west-1': { name: 'Canada West (Calgary)', source: 'config-rule' },
  'ap-southeast-6': { name: 'Asia Pacific (New Zealand)', source: 'config-rule' },
};

/**
 * Regions where the Backtrack guide's Region table offers Backtrack (Aurora MySQL 2.06 and later,
 * and 5.6.10a). A Region in neither list (newer than the table: Malaysia, Thailand, Mexico, Taipei…)
 * is undocumented: AWS's material says nothing about Backtrack there.
 */
export const REGIONS_WITH_BACKTRACK: Readonly<Record<string, RegionEntry>> = {
  'us-east-2': { name: 'US East (Ohio)', source: 'backtrack-guide' },
  'us-east-1': { name: 'US East (N. Virginia)', source: 'backtrack-guide' },
  'us-west-1': { name: 'US West (N. California)', source: 'backtrack-guide' },
  'us-west-2': { name: 'US West (Oregon)', source: 'backtrack-guide' },
  'ap-south-1': { name: 'Asia Pacific (Mumbai)', source: 'backtrack-guide' },
  'ap-northeast-3': { name: 'Asia Pacific (Osaka)', source: 'backtrack-guide' },
  'ap-northeast-2': { name: 'Asia Pacific (Seoul)', source: 'backtrack-guide' },
  'ap-southeast-1': { name: 'Asia Pacific (Singapore)', source: 'backtrack-guide' },
  'ap-southeast-2': { name: 'Asia Pacific (Sydney)', source: 'backtrack-guide' },
  'ap-northeast-1': { name: 'Asia Pacific (Tokyo)', source: 'backtrack-guide' },
  'ca-central-1': { name: 'Canada (Central)', source: 'backtrack-guide' },
  'eu-central-1': { name: 'Europe (Frankfurt)', source: 'backtrack-guide' },
  'eu-west-1': { name: 'Europe (Ireland)', source: 'backtrack-guide' },
  'eu-west-2': { name: 'Europe (London)', source: 'backtrack-guide' },
  'eu-west-3': { name: 'Europe (Paris)', source: 'backtrack-guide' },
};

/**
 * Engine versions reported not to support Backtrack (unverified in AWS documentation: users report
 * Aurora MySQL 3.01 and 3.02 as "does not support Backtrack").
 */
export const UNSUPPORTED_VERSIONS: ReadonlyArray<{ pattern: RegExp; reason: string }> = [
  { pattern: /mysql_aurora\.3\.0[12]\./, reason: 'Aurora MySQL 3.01 and 3.02 do not support Backtrack' },
];

/** Prefix of every tag the checker reads or writes when no setting says otherwise. */
export const DEFAULT_TAG_PREFIX = 'backtrack-check:';

/** Exemption length when no setting says otherwise: an exemption is capped at this many days from first sight. */
export const DEFAULT_MAX_EXEMPTION_DAYS = 90;

export const BACKTRACK_DOC_URL = 'https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Managing.Backtrack.html';

/** Window suggested in the remediation when the policy minimum is 0 ("any enabled window"). */
export const DEFAULT_SUGGESTED_WINDOW_SECONDS = 86_400;
