/**
 * The CLI bundle's chunk layout (dist/cli/, built by `npm run build` before jest): each command
 * loads only what it needs. Chunks reachable by static imports load with their importer; chunks
 * behind a dynamic `import()` load only when that code path runs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI_BUNDLE, CLI_DIR } from '../../scripts/build';
import { THIRD_PARTY_FILE } from '../../scripts/third-party-licenses';

const STATIC_IMPORT = /(?:^|[;\s])(?:import|export)\s*(?:[^"'();]*?from\s*)?["']\.\/([^"']+\.mjs)["']/g;
const DYNAMIC_IMPORT = /import\(\s*["']\.\/([^"']+\.mjs)["']\s*\)/g;

const source = (file: string) => fs.readFileSync(path.join(CLI_DIR, file), 'utf8');
const matches = (text: string, re: RegExp) => [...text.matchAll(re)].map((m) => m[1] as string);

/** The files a chunk loads with it: itself and everything reachable through static imports. */
function staticClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length) {
    const file = todo.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    todo.push(...matches(source(file), STATIC_IMPORT));
  }
  return seen;
}

const dynamicTargets = (files: Iterable<string>) => [...files].flatMap((f) => matches(source(f), DYNAMIC_IMPORT));
const holding = (files: Iterable<string>, needle: string) => [...files].filter((f) => source(f).includes(needle));

describe('the CLI bundle loads each part of the SDK only on the path that needs it', () => {
  const entry = path.basename(CLI_BUNDLE);

  beforeAll(() => {
    if (!fs.existsSync(CLI_BUNDLE)) throw new Error(`${CLI_BUNDLE} is missing: run \`npm run build\` first`);
  });

  it('--help and flag parsing load no AWS SDK client', () => {
    const startup = staticClosure(entry);
    expect(startup.size).toBeGreaterThan(0);
    for (const client of ['RDSClient', 'SecurityHubClient', 'CloudWatchClient', 'EC2Client', 'STSClient']) {
      expect({ client, files: holding(startup, client) }).toEqual({ client, files: [] });
    }
  });

  it('a scan of named Regions loads RDS but not EC2, which only `--regions all` needs', () => {
    const lazy = dynamicTargets(staticClosure(entry));
    // Every scan imports the run and the SDK clients; the EC2 Region listing has its own chunk.
    const everyScan = [...new Set(lazy.filter((f) => /^(run|default-deps)-/.test(f)))];
    expect(everyScan).toHaveLength(2);
    const scan = new Set(everyScan.flatMap((f) => [...staticClosure(f)]));
    expect(holding(scan, 'DescribeDBClustersCommand').length).toBeGreaterThan(0);
    expect(holding(scan, 'DescribeRegionsCommand')).toEqual([]);
    const regionsAll = new Set(lazy.filter((f) => f.startsWith('regions-')).flatMap((f) => [...staticClosure(f)]));
    expect(holding(regionsAll, 'DescribeRegionsCommand').length).toBeGreaterThan(0);
  });
});

describe('the CLI bundle carries the notices of the code it bundles', () => {
  const notices = () => fs.readFileSync(path.join(CLI_DIR, THIRD_PARTY_FILE), 'utf8');

  it("names every bundled package with its licence and keeps MIT's copyright line (commander's)", () => {
    const text = notices();
    expect(text).toMatch(/^commander@\d+\.\d+\.\d+ \(MIT\)$/m);
    expect(text).toMatch(/^@aws-sdk\/client-rds@\d+\.\d+\.\d+ \(Apache-2\.0\)$/m);
    expect(text).toContain('Copyright (c) 2011 TJ Holowaychuk');
    expect(text).toContain('Apache License\n                           Version 2.0, January 2004');
  });
});
