/**
 * The code of a function built from one of this project's bundles (lib/bundle.ts): esbuild runs
 * locally, and the asset is hashed by the bundle it produced.
 */
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LAMBDA_DIR } from './bundle';

/** Bundling image named only to satisfy the API: local bundling always succeeds, Docker is never run. */
const UNUSED_BUNDLING_IMAGE = 'public.ecr.aws/docker/library/node:22';

/** `bundle(outputDir)` writes the function's `index.js` into the asset's folder. */
export function bundledCode(bundle: (outputDir: string) => void): lambda.Code {
  return lambda.Code.fromAsset(LAMBDA_DIR, {
    // Hash the bundle, not lambda/: a dependency upgrade changes the deployed code too.
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: DockerImage.fromRegistry(UNUSED_BUNDLING_IMAGE),
      local: {
        tryBundle(outputDir: string): boolean {
          bundle(outputDir);
          return true;
        },
      },
    },
  });
}
