/**
 * Builds what users run: the Lambda bundle (dist/lambda/index.js, the same function the CDK stack
 * deploys with), the hub's coverage function (dist/coverage/index.js) and relay
 * (dist/relay/index.js), and the CLI bundle (dist/cli/, behind bin/aurora-backtrack-check.js).
 * Also dist/invoke-local.cjs: scripts/invoke-local.ts compiled, which the end-to-end tests start a
 * few hundred times (tsx costs about a second of CPU a start; `npm run invoke-local` still uses it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { bundleRelayHandler, bundleCoverageHandler, bundleHandler, REPO_ROOT } from '../lib/bundle';
import { CLI_BUNDLE, CLI_DIR, COVERAGE_BUNDLE_DIR, DIST, HANDLER_BUNDLE_DIR, INVOKE_LOCAL_BUNDLE, RELAY_BUNDLE_DIR } from './dist-paths';
import { bundledPackages, THIRD_PARTY_FILE, thirdPartyNotice } from './third-party-licenses';

export { CLI_BUNDLE, CLI_DIR, COVERAGE_BUNDLE_DIR, DIST, HANDLER_BUNDLE_DIR, INVOKE_LOCAL_BUNDLE, RELAY_BUNDLE_DIR };

export function build(): void {
  bundleHandler(HANDLER_BUNDLE_DIR);
  bundleCoverageHandler(COVERAGE_BUNDLE_DIR);
  bundleRelayHandler(RELAY_BUNDLE_DIR);
  fs.rmSync(CLI_DIR, { recursive: true, force: true });
  const { metafile } = buildSync({
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
    metafile: true,
    // Some bundled CommonJS dependencies call require() for Node's own modules.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
  buildSync({
    entryPoints: [path.join(REPO_ROOT, 'scripts', 'invoke-local.ts')],
    outfile: INVOKE_LOCAL_BUNDLE,
    bundle: true,
    packages: 'external',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
  });
  // The package ships this bundle: the notices its comments no longer carry go beside it.
  fs.writeFileSync(
    path.join(CLI_DIR, THIRD_PARTY_FILE),
    thirdPartyNotice('aurora-backtrack-check', bundledPackages(metafile, process.cwd())),
  );
}

/**
 * `npm pack` and `npm publish` run `prepack`, then `prepare`: both build, so the second is skipped.
 * `prepare` alone builds on `npm ci` / `npm install` in a clone, and for an install from git.
 */
const builtByPrepack = () => process.env.npm_lifecycle_event === 'prepare' && ['pack', 'publish'].includes(process.env.npm_command ?? '');

if (require.main === module && !builtByPrepack()) build();
