/**
 * Where the build writes (scripts/build.ts). Apart from the build, which runs when executed: a
 * script that only needs the paths (invoke-local, compiled on its own) must not run it.
 */
import * as path from 'node:path';
import { REPO_ROOT } from '../lib/bundle';

export const DIST = path.join(REPO_ROOT, 'dist');
export const HANDLER_BUNDLE_DIR = path.join(DIST, 'lambda');
/** The hub's coverage function (dist/coverage/index.js), the same bytes the hub stack deploys. */
export const COVERAGE_BUNDLE_DIR = path.join(DIST, 'coverage');
/** The hub's relay (dist/relay/index.js), the same bytes the hub stack deploys. */
export const RELAY_BUNDLE_DIR = path.join(DIST, 'relay');
export const CLI_DIR = path.join(DIST, 'cli');
export const CLI_BUNDLE = path.join(CLI_DIR, 'cli.mjs');
/** One level below the root, like scripts/: the paths it derives from its own folder stay right. */
export const INVOKE_LOCAL_BUNDLE = path.join(DIST, 'invoke-local.cjs');
