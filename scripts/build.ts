/**
 * Builds what users run: the Lambda bundle (dist/lambda/index.js, the same function the CDK stack
 * deploys with), the hub's coverage function (dist/coverage/index.js) and relay
 * (dist/relay/index.js), and the CLI bundle (dist/cli/, behind bin/aurora-backtrack-check.js).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { bundleRelayHandler, bundleCoverageHandler, bundleHandler, REPO_ROOT } from '../lib/bundle';

export const DIST = path.join(REPO_ROOT, 'dist');
export const HANDLER_BUNDLE_DIR = path.join(DIST, 'lambda');
/** The hub's coverage function (dist/coverage/index.js), the same bytes the hub stack deploys. */
export const COVERAGE_BUNDLE_DIR = path.join(DIST, 'coverage');
/** The hub's relay (dist/relay/index.js), the same bytes the hub stack deploys. */
export const RELAY_BUNDLE_DIR = path.join(DIST, 'relay');
export const CLI_DIR = path.join(DIST, 'cli');
export const CLI_BUNDLE = path.join(CLI_DIR, 'cli.mjs');

export function build(): void {
  bundleHandler(HANDLER_BUNDLE_DIR);
  bundleCoverageHandler(COVERAGE_BUNDLE_DIR);
  bundleRelayHandler(RELAY_BUNDLE_DIR);
  fs.rmSync(CLI_DIR, { recursive: true, force: true });
  buildSync({
    entryPoints: [path.join(REPO_ROOT, 'bin', 'cli.ts')],
    outdir: CLI_DIR,
    outExtension: { '.js': '.mjs' },
    // ES modules with code splitting: the flags and the help load without the AWS SDK, which sits in
    // chunks imported only when a scan starts.
    format: 'esm',
    splitting: true,
    bundle: true,
    platform: 'node',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    // Some bundled CommonJS dependencies call require() for Node's own modules.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
}

if (require.main === module) build();
