import 'aws-sdk-client-mock-jest';
import { BatchImportFindingsCommand, InvalidAccessException } from '@aws-sdk/client-securityhub';
import { findingId } from '../../lambda/core/finding';
import { clusterKey, type ClusterState } from '../../lambda/core/state-types';
import { isDegraded, runCheck } from '../../lambda/run';
import { ACCOUNT_ID } from './fixtures';
import { config, dbCluster, world } from './run-world';

/**
 * A re-check finishes its Region the way a scan does: every finding that does not reach Security
 * Hub is a degradation (so the Degradations metric and its alarm report it), under the same key.
 */
const recheck = (identifier: string) => ({ mode: 'recheck' as const, region: 'eu-west-1', identifier, trigger: 'ModifyDBCluster' });
const fid = (id: string) => findingId(ACCOUNT_ID, 'eu-west-1', `cluster-${id.toUpperCase()}`);
const EU = config({ regions: ['eu-west-1'] });

async function scannedWorld() {
  const w = world(['eu-west-1']);
  w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 }), dbCluster('catalog')]);
  await runCheck(EU, w.deps);
  return w;
}

describe('runCheck: re-check, findings Security Hub does not take', () => {
  it('reports a finding Security Hub rejects as a degradation of the re-check, as a scan does', async () => {
    const w = await scannedWorld();
    w.region('eu-west-1')
      .sh.on(BatchImportFindingsCommand)
      .resolves({
        SuccessCount: 0,
        FailedCount: 1,
        FailedFindings: [{ Id: fid('orders'), ErrorCode: 'InvalidInput', ErrorMessage: 'bad' }],
      });

    const summary = await runCheck(EU, w.deps, recheck('orders'));

    expect(summary.regions[0]?.findings).toEqual({ imported: 0, failed: 1 });
    expect(summary.degraded).toEqual([
      {
        key: 'findings-rejected#eu-west-1',
        region: 'eu-west-1',
        message: 'eu-west-1: 1 finding(s) rejected by Security Hub after a retry',
      },
    ]);
    expect(isDegraded(summary)).toBe(true);
  });

  it('reports a re-check whose import call failed as a whole as findings not published, with the count and the error', async () => {
    const w = await scannedWorld();
    w.region('eu-west-1')
      .sh.on(BatchImportFindingsCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    const summary = await runCheck(EU, w.deps, recheck('orders'));

    expect(summary.degraded).toEqual([
      {
        key: 'findings-not-published#eu-west-1',
        region: 'eu-west-1',
        message: 'eu-west-1: 1 finding(s) not published — Security Hub import failed in eu-west-1: ThrottlingException: Rate exceeded',
      },
    ]);
  });

  it('reports a re-check in a Region without Security Hub under the same key as a scan (security-hub-not-enabled)', async () => {
    const w = await scannedWorld();
    w.region('eu-west-1')
      .sh.on(BatchImportFindingsCommand)
      .rejects(new InvalidAccessException({ message: 'Account 111122223333 is not subscribed to AWS Security Hub', $metadata: {} }));

    const summary = await runCheck(EU, w.deps, recheck('orders'));

    expect(summary.degraded.map((d) => d.key)).toEqual(['security-hub-not-enabled#eu-west-1']);
    expect(summary.degraded[0]?.message).toMatch(/^eu-west-1: findings not published — Security Hub is not enabled in eu-west-1/);
  });

  it('keeps the state of a re-checked deleted cluster whose archived finding Security Hub rejected, and reports it', async () => {
    const w = await scannedWorld();
    w.clusters('eu-west-1', []);
    w.region('eu-west-1')
      .sh.on(BatchImportFindingsCommand)
      .resolves({
        SuccessCount: 0,
        FailedCount: 1,
        FailedFindings: [{ Id: fid('catalog'), ErrorCode: 'InvalidInput', ErrorMessage: 'bad' }],
      });

    const summary = await runCheck(EU, w.deps, recheck('catalog'));

    const stored = w.store.snapshot().filter((i): i is ClusterState => i.pk.startsWith('cluster#'));
    expect(stored.map((s) => s.pk)).toContain(clusterKey(ACCOUNT_ID, 'eu-west-1', 'cluster-CATALOG'));
    expect(summary.degraded.map((d) => d.key)).toEqual(['findings-rejected#eu-west-1']);
  });

  it('is not degraded when Security Hub takes the finding', async () => {
    const w = await scannedWorld();

    const summary = await runCheck(EU, w.deps, recheck('orders'));

    expect(summary.regions[0]?.findings).toEqual({ imported: 1, failed: 0 });
    expect(summary.degraded).toEqual([]);
  });
});
