/**
 * The licences of the third-party code inside a bundle. The CLI bundle carries the AWS SDK,
 * commander and a few more packages with their comments stripped (`legalComments: 'none'`), and
 * the published package ships that bundle: MIT and Apache-2.0 ask that each package's notice
 * travels with its code, so the build writes them beside it, one text per distinct licence.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Metafile } from 'esbuild';

export const THIRD_PARTY_FILE = 'THIRD-PARTY-LICENSES.txt';

interface BundledPackage {
  name: string;
  version: string;
  license: string;
  /** The package's own licence file, or undefined when it ships none. */
  text?: string;
}

/** The package folder of a bundled input: the path up to its last `node_modules/<name>`. */
function packageDir(input: string, root: string): string | undefined {
  const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
  return m ? path.resolve(root, m[1] as string) : undefined;
}

function readPackage(dir: string): BundledPackage {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name: string; version: string; license?: string };
  const file = fs
    .readdirSync(dir)
    .filter((f) => /^licen[cs]e/i.test(f))
    .sort()[0];
  return {
    name: pkg.name,
    version: pkg.version,
    license: pkg.license ?? 'UNKNOWN',
    ...(file && { text: fs.readFileSync(path.join(dir, file), 'utf8').trim() }),
  };
}

/** Every package whose code is in the bundle (esbuild's metafile, paths relative to `root`). */
export function bundledPackages(metafile: Metafile, root: string): BundledPackage[] {
  const dirs = new Set(Object.keys(metafile.inputs).flatMap((input) => packageDir(input, root) ?? []));
  return [...dirs].map(readPackage).sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
}

/** The notice file: each distinct licence text once, under the packages that carry it. */
export function thirdPartyNotice(tool: string, packages: readonly BundledPackage[]): string {
  const byText = new Map<string, BundledPackage[]>();
  for (const p of packages) {
    const key = p.text ?? `${p.license} (the package ships no licence file; see https://spdx.org/licenses/${p.license}.html)`;
    byText.set(key, [...(byText.get(key) ?? []), p]);
  }
  const sections = [...byText].map(([text, ps]) => [...ps.map((p) => `${p.name}@${p.version} (${p.license})`), '', text].join('\n'));
  const rule = `\n\n${'-'.repeat(78)}\n\n`;
  return `${tool} bundles the following third-party packages (${packages.length}) into this file's folder.${rule}${sections.join(rule)}\n`;
}
