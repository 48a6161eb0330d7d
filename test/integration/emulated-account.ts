/**
 * The emulated account of an end-to-end test file: one emulator per file, and a fresh account (the
 * stack's resources made, clusters seeded) per scenario.
 */
import { deploy, type Deployment, type DeploymentOptions } from '../../emulator/deployment';
import { startEmulatedAws, type EmulatedAws } from '../../emulator/emulated-aws';
import { REGIONS_OF, seedClusters, type SeedCluster } from '../../emulator/sample-account';
import { workerMoto } from '../worker-moto';

/**
 * One emulated AWS per test file: started before its tests (first run installs it), stopped after.
 * Its moto, emptied, is the jest worker's (test/worker-moto.ts); the proxy is the file's own.
 */
export function useEmulatedAws(onStart: (aws: EmulatedAws) => void): void {
  let started: EmulatedAws | undefined;
  beforeAll(async () => {
    started = await startEmulatedAws({ moto: await workerMoto() });
    onStart(started);
  }, 600_000);
  afterAll(async () => {
    await started?.stop();
  });
}

/** An empty emulator, the stack's resources made, the clusters seeded and the call log cleared. */
export async function freshAccount(aws: EmulatedAws, clusters: SeedCluster[], opts: Partial<DeploymentOptions> = {}): Promise<Deployment> {
  await aws.reset();
  const d = await deploy(aws, { regions: REGIONS_OF(clusters), ...opts });
  await seedClusters(
    (r) => d.rds(r),
    clusters,
    (r, id, o) => aws.proxy.setClusterOverrides(r, id, o),
  );
  aws.proxy.clearCalls();
  return d;
}
