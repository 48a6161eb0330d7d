/**
 * The Region codes AWS had announced when this list was last updated, across its partitions. A
 * code outside it is far more often a typo (`us-east-99`, `eu-west-l`) than a new Region, and
 * AWS's answer to a typo is a parse error seconds later; so a setting naming Regions is checked
 * against this list before any call. A Region AWS opens later is accepted with the setting
 * `allowNewRegions` (`--allow-new-regions`, `ALLOW_NEW_REGIONS`) until it is added here.
 * Pure: no SDK.
 */

/** Every Region code known to the checker (commercial, China, GovCloud, ISO and the European Sovereign Cloud). */
export const KNOWN_REGIONS: readonly string[] = [
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-south-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-central-1',
  'ca-west-1',
  'eu-central-1',
  'eu-central-2',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'mx-central-1',
  'sa-east-1',
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'cn-north-1',
  'cn-northwest-1',
  'us-gov-east-1',
  'us-gov-west-1',
  'us-iso-east-1',
  'us-iso-west-1',
  'us-isob-east-1',
  'us-isof-east-1',
  'us-isof-south-1',
  'eu-isoe-west-1',
  'eusc-de-east-1',
];

const KNOWN = new Set(KNOWN_REGIONS);

/** Levenshtein distance: the edits that turn `a` into `b`. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length] ?? 0;
}

/** The known codes nearest to `code` (at most three, at most four edits away), nearest first. */
export function nearestRegions(code: string): string[] {
  const scored = KNOWN_REGIONS.map((known) => ({ known, d: distance(code.toLowerCase(), known) })).filter((x) => x.d <= 4);
  const best = Math.min(...scored.map((x) => x.d));
  return scored
    .filter((x) => x.d === best)
    .map((x) => x.known)
    .slice(0, 3);
}

/** The codes of `regions` the list does not know (none for `all`). */
export const unknownRegions = (regions: 'all' | readonly string[]): string[] =>
  regions === 'all' ? [] : regions.filter((r) => !KNOWN.has(r));

/**
 * The problem with Region codes the list does not know, naming the nearest known codes and how to
 * allow a new Region (`allowName`: `--allow-new-regions`, `ALLOW_NEW_REGIONS=true` or
 * `allowNewRegions=true`); undefined when every code is known.
 */
export function unknownRegionsProblem(regions: 'all' | readonly string[], allowName: string): string | undefined {
  const unknown = unknownRegions(regions);
  if (unknown.length === 0) return undefined;
  const each = unknown.map((code) => {
    const near = nearestRegions(code);
    return `${code}${near.length ? ` (did you mean ${near.join(' or ')}?)` : ''}`;
  });
  const one = unknown.length === 1;
  return (
    `names ${one ? 'a Region code' : 'Region codes'} not in the checker's list of AWS Regions: ${each.join(', ')}; ` +
    `if AWS opened ${one ? 'it' : 'them'} after this version of the checker, allow ${one ? 'it' : 'them'} with ${allowName}`
  );
}
