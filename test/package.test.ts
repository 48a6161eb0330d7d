/**
 * The npm package is installable and legal: the licence, the notices and the security policy are
 * there, the package is named after the command it installs, and it ships only what runs (the
 * built CLI, needs `npm run build`). `npm run pack-check` (.ci/run) installs the tarball and runs it.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
const pkg = JSON.parse(read('package.json')) as {
  name: string;
  version: string;
  private?: boolean;
  bin: Record<string, string>;
  files?: string[];
  engines?: { node?: string };
  scripts: Record<string, string>;
  dependencies?: Record<string, string>;
};

/** MD5 of https://www.apache.org/licenses/LICENSE-2.0.txt, as aws-cdk, constructs and cdk-nag ship it. */
const APACHE_2_0_MD5 = '3b83ef96387f14655fc854ddc3c6bd57';

describe('the package', () => {
  it('has the Apache License 2.0 at the root, byte for byte as apache.org publishes it (appendix included)', () => {
    const text = read('LICENSE');
    expect(text).toContain('TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION');
    expect(text).toContain('APPENDIX: How to apply the Apache License to your work.');
    expect(createHash('md5').update(text).digest('hex')).toBe(APACHE_2_0_MD5);
    expect(pkg).toMatchObject({ license: 'Apache-2.0' });
  });

  it('has a NOTICE, a security policy naming private vulnerability reporting, and a changelog from this version', () => {
    expect(read('NOTICE')).toMatch(/Apache License, Version 2\.0[\s\S]*dist\/cli\/THIRD-PARTY-LICENSES\.txt/);
    expect(read('SECURITY.md')).toMatch(/private vulnerability reporting[\s\S]*## In scope[\s\S]*## Out of scope/i);
    const changelog = read('CHANGELOG.md');
    expect(changelog).toContain('[Keep a Changelog]');
    expect(changelog).toMatch(new RegExp(`^## \\[${pkg.version.replace(/\./g, '\\.')}\\]`, 'm'));
  });

  it('can be published under the name of the one command it installs, so `npx <command>` is this package', () => {
    expect(pkg.private).toBeUndefined();
    expect(Object.keys(pkg.bin)).toEqual([pkg.name]);
    expect(pkg.name).toBe('aurora-backtrack-check');
  });

  it('needs nothing at run time: no dependencies (the CLI is bundled), Node.js 20 or newer, built by prepack', () => {
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.engines?.node).toBe('>=20');
    expect(pkg.scripts.prepack).toBe('tsx scripts/build.ts');
  });

  it('packs only the launcher, the built CLI with its notices and the documents: no TypeScript, no Lambda bundle', () => {
    const listing = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
    const files = (JSON.parse(listing) as { files: { path: string }[] }[])[0]?.files.map((f) => f.path) ?? [];
    expect(files).toEqual(expect.arrayContaining(['bin/aurora-backtrack-check.js', 'dist/cli/cli.mjs', 'LICENSE', 'NOTICE']));
    expect(files).toContain('dist/cli/THIRD-PARTY-LICENSES.txt');
    expect(files.filter((f) => /\.ts$|^(lambda|lib|emulator|test|bench|scripts)\/|^dist\/(lambda|coverage|relay)\//.test(f))).toEqual([]);
  });
});
