/** `--cluster`: the globs that pick clusters by identifier, and the problem when they pick none. */

/** `--cluster` matched no cluster of those listed `where`: most likely a typo, so not a clean run. */
export const noClusterMatched = (patterns: readonly string[], listed: number, where: string) =>
  `--cluster: ${patterns.map((c) => `"${c}"`).join(', ')} matched none of the ${listed} cluster(s) in ${where}; ` +
  'check the identifier (the pattern must match the whole identifier; * and ? are wildcards)';

/** A `--cluster` glob (`*`, `?`) as a whole-identifier matcher. */
export function clusterMatcher(patterns: readonly string[]): ((identifier: string) => boolean) | undefined {
  if (patterns.length === 0) return undefined;
  const res = patterns.map(
    (p) =>
      new RegExp(
        `^${p
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.')}$`,
        'i',
      ),
  );
  return (identifier) => res.some((re) => re.test(identifier));
}
