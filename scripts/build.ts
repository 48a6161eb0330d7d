/**
 * Builds what users run: the Lambda bundle (dist/lambda/index.js, the same function the CDK stack
 * deploys with) and the CLI bundle (dist/cli.js, behind bin/aurora-backtrack-check.js).
 */
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { bundleHandler, REPO_ROOT } from '../lib/bundle';

export const DIST = path.join(REPO_ROOT, 'dist');
export const HANDLER_BUNDLE_DIR = path.join(DIST, 'lambda');
export const CLI_BUNDLE = path.join(DIST, 'cli.js');

export function build(): void {
  bundleHandler(HANDLER_BUNDLE_DIR);
  buildSync({
    entryPoints: [path.join(REPO_ROOT, 'bin', 'cli.ts')],
    outfile: CLI_BUNDLE,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
}

if (require.main === module) build();
