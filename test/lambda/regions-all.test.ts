/** runCheck over `regions: all`: Regions without Backtrack are scanned and reported like any other. */
import 'aws-sdk-client-mock-jest';
import { PublishCommand } from '@aws-sdk/client-sns';
import { runCheck } from '../../lambda/run';
import { POLICY } from './fixtures';
import { config, dbCluster, world } from './run-world';

describe('regions: all with Regions where AWS does not offer Backtrack', () => {
  it('scans eu-north-1 and sa-east-1 with the rest, judges their clusters NOT_AVAILABLE and alerts only on the others', async () => {
    const w = world(['eu-west-1', 'eu-north-1', 'sa-east-1']);
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 }, 'eu-west-1')]);
    w.clusters('eu-north-1', [dbCluster('stockholm', { BacktrackWindow: 0 }, 'eu-north-1')]);
    w.clusters('sa-east-1', [dbCluster('saopaulo', { BacktrackWindow: 0 }, 'sa-east-1')]);

    const summary = await runCheck(config({ regions: 'all', keepEvaluations: true }), w.deps);

    expect(summary.regions.map((r) => [r.region, r.scanned]).sort()).toEqual([
      ['eu-north-1', true],
      ['eu-west-1', true],
      ['sa-east-1', true],
    ]);
    expect(summary.evaluations?.map((e) => [e.cluster.identifier, e.status]).sort()).toEqual([
      ['orders', 'FAILED'],
      ['saopaulo', 'NOT_AVAILABLE'],
      ['stockholm', 'NOT_AVAILABLE'],
    ]);
    expect(summary.events.map((e) => e.identifier)).toEqual(['orders']);
    expect(w.sns).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it('judges a cluster in a Region marked with backtrackRegions like any other', async () => {
    const w = world(['eu-north-1']);
    w.clusters('eu-north-1', [dbCluster('stockholm', { BacktrackWindow: 0 }, 'eu-north-1')]);

    const summary = await runCheck(
      config({ regions: 'all', keepEvaluations: true, policy: { ...POLICY, backtrackRegions: ['eu-north-1'] } }),
      w.deps,
    );

    expect(summary.evaluations?.map((e) => e.status)).toEqual(['FAILED']);
  });
});
