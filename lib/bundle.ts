/**
 * Bundles the Lambda handler with esbuild into one `index.js` (AWS SDK included). The CDK stack
 * deploys exactly this output and `npm run invoke-local` runs it, so both use the same bytes.
 * Bundles are kept in node_modules/.cache/aurora-backtrack-checker/bundles and reused only while
 * every file they were made from is unchanged (`bundleThroughCache`).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildSync, version as esbuildVersion, type BuildOptions, type Metafile } from 'esbuild';

/** Root of the repository (this file lives in `lib/`). */
export const REPO_ROOT = path.resolve(__dirname, '..');
/** Directory that holds the handler source; the CDK asset points at it. */
export const LAMBDA_DIR = path.join(REPO_ROOT, 'lambda');
/** The handler's entry point; it exports `handler`. */
export const HANDLER_ENTRY = path.join(LAMBDA_DIR, 'handler.ts');
/** The hub's coverage function's entry point; it exports `handler`. */
export const COVERAGE_ENTRY = path.join(LAMBDA_DIR, 'coverage', 'handler.ts');
/** The hub's relay's entry point; it exports `handler`. */
export const RELAY_ENTRY = path.join(LAMBDA_DIR, 'hub', 'relay.ts');
/** File name of the bundle: the function's handler setting is `index.handler`. */
export const BUNDLE_FILE = 'index.js';

export interface BundleOptions {
  /** Return esbuild's metafile (inputs and their sizes) to see what the bundle is made of. */
  readonly metafile?: boolean;
}

/** esbuild settings of the Lambda bundle: Node.js 22, CommonJS, minified, everything included. */
export const LAMBDA_BUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  minify: true,
  sourcemap: false,
  mainFields: ['module', 'main'],
  legalComments: 'none',
  logLevel: 'warning',
} as const satisfies BuildOptions;

/**
 * Writes `<outDir>/index.js`, a minified CommonJS bundle of the handler for Node.js 22.
 * @throws the esbuild error (with file and line) when the handler does not compile
 */
export function bundleHandler(outDir: string): void;
export function bundleHandler(outDir: string, options: BundleOptions & { metafile: true }): Metafile;
export function bundleHandler(outDir: string, options?: BundleOptions): Metafile | undefined;
export function bundleHandler(outDir: string, options: BundleOptions = {}): Metafile | undefined {
  if (options.metafile === true) return buildEntry(HANDLER_ENTRY, outDir, true);
  bundleEntry(HANDLER_ENTRY, outDir);
  return undefined;
}

/** esbuild on one entry point into `<outDir>/index.js`, with the checker's settings. */
function buildEntry(entry: string, outDir: string, metafile = false): Metafile | undefined {
  return buildSync({
    entryPoints: [entry],
    outfile: path.join(outDir, BUNDLE_FILE),
    ...LAMBDA_BUILD_OPTIONS,
    mainFields: [...LAMBDA_BUILD_OPTIONS.mainFields],
    metafile,
  }).metafile;
}

/**
 * The bundles this process has built, by entry point. A synth stages the checker's code once per
 * stack that deploys it (the hub's StackSet template, and every stack of a test file): esbuild runs
 * for the first (about a second) and the others get the same bytes.
 */
const builtBundles = new Map<string, Buffer>();

/** Writes `<outDir>/index.js` of one entry point, bundled like the checker. */
function bundleEntry(entry: string, outDir: string): void {
  const outfile = path.join(outDir, BUNDLE_FILE);
  const built = builtBundles.get(entry);
  if (built !== undefined) {
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(outfile, built);
    return;
  }
  bundleThroughCache(entry, outDir);
  builtBundles.set(entry, fs.readFileSync(outfile));
}

/** Where bundles are kept between processes (`npm run build`, every `cdk synth`, every test file). */
export const BUNDLE_CACHE_DIR = path.join(REPO_ROOT, 'node_modules', '.cache', 'aurora-backtrack-checker', 'bundles');

/** What a cached bundle was made from: every file esbuild read, and the bundle's own hash. */
interface CacheManifest {
  key: string;
  inputs: Record<string, string>;
  bundle: string;
}

/** Files that change how esbuild resolves and compiles without being among its inputs. */
const SETTINGS_FILES = ['package-lock.json', 'tsconfig.json'];

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

function fileHash(file: string): string | undefined {
  try {
    return sha256(fs.readFileSync(file));
  } catch {
    return undefined;
  }
}

/**
 * Writes `<outDir>/index.js` of one entry point from the bundle cache when nothing it was made from
 * has changed, else with esbuild, and keeps the result. A cached bundle is used only while its entry
 * point, esbuild's version, the settings above, package-lock.json, tsconfig.json and every file
 * esbuild read for it (its metafile's inputs) hash as they did, and its own bytes match their
 * recorded hash. Anything unreadable counts as a change; a cache that cannot be written is skipped.
 * @returns where the bundle came from
 */
export function bundleThroughCache(entry: string, outDir: string, cacheDir: string = BUNDLE_CACHE_DIR): 'cache' | 'esbuild' {
  const outfile = path.join(outDir, BUNDLE_FILE);
  const settings = SETTINGS_FILES.map((f) => `${f}:${fileHash(path.join(REPO_ROOT, f)) ?? '-'}`);
  const key = sha256(JSON.stringify([path.resolve(entry), esbuildVersion, LAMBDA_BUILD_OPTIONS, settings]));
  const manifestFile = path.join(cacheDir, `${key.slice(0, 24)}.json`);
  const bundleFile = path.join(cacheDir, `${key.slice(0, 24)}.js`);
  const cached = readCached(manifestFile, bundleFile, key);
  if (cached !== undefined) {
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(outfile, cached);
    return 'cache';
  }
  const metafile = buildEntry(entry, outDir, true) as Metafile;
  try {
    const bytes = fs.readFileSync(outfile);
    const inputs = Object.fromEntries(
      Object.keys(metafile.inputs).map((input) => {
        const file = path.resolve(input);
        return [file, fileHash(file) ?? '-'];
      }),
    );
    fs.mkdirSync(cacheDir, { recursive: true });
    // Several processes may build at once: each writes whole files under a name of its own, then
    // renames them into place; the manifest's bundle hash catches a pair from two different writers.
    writeAtomically(bundleFile, bytes);
    writeAtomically(manifestFile, JSON.stringify({ key, inputs, bundle: sha256(bytes) } satisfies CacheManifest));
  } catch {
    // No cache this time (read-only folder, disk full): the bundle itself is written.
  }
  return 'esbuild';
}

function readCached(manifestFile: string, bundleFile: string, key: string): Buffer | undefined {
  try {
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as CacheManifest;
    if (manifest.key !== key) return undefined;
    for (const [file, hash] of Object.entries(manifest.inputs)) if (fileHash(file) !== hash) return undefined;
    const bytes = fs.readFileSync(bundleFile);
    return sha256(bytes) === manifest.bundle ? bytes : undefined;
  } catch {
    return undefined;
  }
}

function writeAtomically(file: string, data: Buffer | string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, data);
  fs.renameSync(temporary, file);
}

/** Writes `<outDir>/index.js`: the hub's coverage function, bundled like the checker. */
export function bundleCoverageHandler(outDir: string): void {
  bundleEntry(COVERAGE_ENTRY, outDir);
}

/** Writes `<outDir>/index.js`: the hub's relay, bundled like the checker. */
export function bundleRelayHandler(outDir: string): void {
  bundleEntry(RELAY_ENTRY, outDir);
}
