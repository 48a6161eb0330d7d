/**
 * Bundles the Lambda handler with esbuild into one `index.js` (AWS SDK included). The CDK stack
 * deploys exactly this output and `npm run invoke-local` runs it, so both use the same bytes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildSync, type BuildOptions, type Metafile } from 'esbuild';

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

/**
 * Writes `<outDir>/index.js`, a minified CommonJS bundle of the handler for Node.js 22.
 * @throws the esbuild error (with file and line) when the handler does not compile
 */
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
  buildEntry(entry, outDir);
  builtBundles.set(entry, fs.readFileSync(outfile));
}

/** Writes `<outDir>/index.js`: the hub's coverage function, bundled like the checker. */
export function bundleCoverageHandler(outDir: string): void {
  bundleEntry(COVERAGE_ENTRY, outDir);
}

/** Writes `<outDir>/index.js`: the hub's relay, bundled like the checker. */
export function bundleRelayHandler(outDir: string): void {
  bundleEntry(RELAY_ENTRY, outDir);
}
