import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BUNDLE_FILE, bundleHandler, bundleThroughCache, HANDLER_ENTRY } from '../../lib/bundle';

/** Measured at 1.29 MB (AWS SDK clients included); the bound leaves room to grow, not to double. */
const MAX_BUNDLE_BYTES = 2 * 1024 * 1024;

describe('bundleHandler', () => {
  let outDir: string;

  beforeAll(() => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backtrack-bundle-'));
    bundleHandler(outDir);
  }, 60_000);

  afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

  it('bundles lambda/handler.ts', () => {
    expect(path.relative(path.join(__dirname, '..', '..'), HANDLER_ENTRY)).toBe(path.join('lambda', 'handler.ts'));
  });

  it('writes one self-contained index.js that exports a handler function', () => {
    // A fresh Node.js outside the repository: any module left out of the bundle would fail to resolve.
    const exported = execFileSync(process.execPath, ['-e', "process.stdout.write(typeof require('./index.js').handler)"], {
      cwd: outDir,
      env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1' },
      encoding: 'utf8',
    });

    expect(fs.readdirSync(outDir)).toEqual(['index.js']);
    expect(exported).toBe('function');
  });

  it(`stays under ${MAX_BUNDLE_BYTES / 1024 / 1024} MB, without a source map`, () => {
    const file = path.join(outDir, 'index.js');
    const text = fs.readFileSync(file, 'utf8');

    expect(fs.statSync(file).size).toBeLessThanOrEqual(MAX_BUNDLE_BYTES);
    expect(text).not.toContain('sourceMappingURL');
  });
});

describe('the bundle cache', () => {
  let dir: string;
  let cache: string;
  let entry: string;
  const out = (name: string) => path.join(dir, name);
  const bundled = (name: string) => fs.readFileSync(path.join(out(name), BUNDLE_FILE), 'utf8');

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backtrack-bundle-cache-'));
    cache = path.join(dir, 'cache');
    entry = path.join(dir, 'entry.ts');
    fs.writeFileSync(entry, "import { word } from './word';\nexport const handler = async () => word;\n");
    fs.writeFileSync(path.join(dir, 'word.ts'), "export const word = 'first';\n");
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs esbuild once and gives the same bytes from the cache while no input changed', () => {
    expect(bundleThroughCache(entry, out('a'), cache)).toBe('esbuild');
    expect(bundleThroughCache(entry, out('b'), cache)).toBe('cache');

    expect(bundled('b')).toBe(bundled('a'));
    expect(bundled('b')).toContain('"first"');
  });

  it('builds again when a file the bundle was made from changes, and the new bundle has the change', () => {
    bundleThroughCache(entry, out('a'), cache);
    fs.writeFileSync(path.join(dir, 'word.ts'), "export const word = 'second';\n");

    expect(bundleThroughCache(entry, out('b'), cache)).toBe('esbuild');
    expect(bundled('b')).toContain('"second"');
    expect(bundleThroughCache(entry, out('c'), cache)).toBe('cache');
    expect(bundled('c')).toContain('"second"');
  });

  it('builds again when an input is gone or the cached bundle is not the one recorded', () => {
    bundleThroughCache(entry, out('a'), cache);
    const [cachedBundle] = fs.readdirSync(cache).filter((f) => f.endsWith('.js'));
    fs.writeFileSync(path.join(cache, cachedBundle as string), 'exports.handler = async () => "tampered";\n');

    expect(bundleThroughCache(entry, out('b'), cache)).toBe('esbuild');
    expect(bundled('b')).toContain('"first"');

    fs.writeFileSync(entry, "export const handler = async () => 'alone';\n");
    fs.rmSync(path.join(dir, 'word.ts'));
    expect(bundleThroughCache(entry, out('c'), cache)).toBe('esbuild');
    expect(bundled('c')).toContain('"alone"');
  });

  it('still writes the bundle when the cache folder cannot be made', () => {
    const blocked = path.join(dir, 'not-a-folder');
    fs.writeFileSync(blocked, '');

    expect(bundleThroughCache(entry, out('a'), path.join(blocked, 'cache'))).toBe('esbuild');
    expect(bundleThroughCache(entry, out('b'), path.join(blocked, 'cache'))).toBe('esbuild');
    expect(bundled('b')).toContain('"first"');
  });
});
