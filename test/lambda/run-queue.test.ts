import 'aws-sdk-client-mock-jest';
import { DescribeDBClustersCommand } from '@aws-sdk/client-rds';
import { PublishCommand } from '@aws-sdk/client-sns';
import { MemoryStateStore, type RunLease } from '../../lambda/aws/state';
import { isDegraded, runCheck } from '../../lambda/run';
import { ACCOUNT_ID } from './fixtures';
import { config, dbCluster, publishedMessages, world } from './run-world';

const RECHECK = { mode: 'recheck', region: 'eu-west-1', identifier: 'shop', trigger: 'ModifyDBCluster' } as const;
const otherLease = (expiresAt: number): RunLease => ({
  pk: `lease#${ACCOUNT_ID}`,
  accountId: ACCOUNT_ID,
  owner: 'crashed-run',
  expiresAt,
  mode: 'scan',
  acquiredAt: '2026-11-20T11:00:00.000Z',
});

/** A store holding an expired lease of a run that crashed after a re-check was queued on it. */
async function storeWithQueueLeftBehind(): Promise<MemoryStateStore> {
  const store = new MemoryStateStore();
  await store.acquireLease(otherLease(1_000), 0);
  expect(await store.queueRecheck(ACCOUNT_ID, 'eu-west-1#shop', 500)).toBe(true);
  return store;
}

describe('runCheck: a re-check that finds the run lease held', () => {
  it('is queued for the holder (not dropped, not degraded), and the holder re-checks it before releasing and alerts its change once', async () => {
    const w = world(['eu-west-1']);
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 }), dbCluster('shop')]);
    // The scan's alert is held back until the re-check has come and gone: the scan holds the lease meanwhile.
    let publishScanAlert: () => void = () => undefined;
    const scanAlertSent = new Promise<void>((resolve) => (publishScanAlert = resolve));
    let sent = 0;
    w.sns
      .on(PublishCommand)
      .callsFakeOnce(async () => {
        await scanAlertSent;
        return { MessageId: 'scan-alert' };
      })
      .callsFake(() => ({ MessageId: `later-${++sent}` }));
    const scan = runCheck(config({ regions: ['eu-west-1'] }), w.deps);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(w.sns).toHaveReceivedCommandTimes(PublishCommand, 1);

    // shop is changed after the scan described it; CloudTrail's re-check arrives while the scan holds the lease.
    w.clusters('eu-west-1', [dbCluster('orders', { BacktrackWindow: 0 }), dbCluster('shop', { BacktrackWindow: 0 })]);
    const queued = await runCheck(config({ regions: ['eu-west-1'] }), w.deps, RECHECK);
    publishScanAlert();
    const holder = await scan;

    expect(queued.skipped?.reason).toMatch(/^queued for a scan run started /);
    expect(isDegraded(queued)).toBe(false);
    expect(holder.queuedRechecks?.map((r) => ({ mode: r.mode, events: r.events }))).toEqual([
      { mode: 'recheck', events: [{ kind: 'new-failure', region: 'eu-west-1', identifier: 'shop' }] },
    ]);
    const messages = publishedMessages(w.sns);
    expect(messages.map((m) => m.input.Subject)).toEqual([
      'Aurora Backtrack: 1 new failure (account 111122223333)',
      'Aurora Backtrack: 1 new failure (account 111122223333)',
    ]);
    expect(messages[1]?.body.email).toContain('shop');
    expect(messages[1]?.body.email).not.toContain('orders');

    // The queue is empty and the lease free: the next run neither waits nor re-checks shop again.
    const next = await runCheck(config({ regions: ['eu-west-1'] }), w.deps);
    expect(next.queuedRechecks).toBeUndefined();
    expect(next.events).toEqual([]);
    expect(publishedMessages(w.sns)).toHaveLength(2);
  });

  it('keeps a queue its holder left behind for the next run to take the lease, which re-checks it', async () => {
    const w = world(['eu-west-1'], await storeWithQueueLeftBehind());
    w.clusters('eu-west-1', [dbCluster('shop', { BacktrackWindow: 0 })]);

    const summary = await runCheck(config({ regions: ['eu-west-1'] }), w.deps, { mode: 'reminder' });

    expect(summary.queuedRechecks?.map((r) => r.events)).toEqual([[{ kind: 'new-failure', region: 'eu-west-1', identifier: 'shop' }]]);
    expect(w.region('eu-west-1').rds).toHaveReceivedCommandWith(DescribeDBClustersCommand, {
      Filters: [{ Name: 'db-cluster-id', Values: ['shop'] }],
    });
  });

  it('is left queued by a holder without the time to run it, and run by the next holder', async () => {
    const w = world(['eu-west-1'], await storeWithQueueLeftBehind());
    w.clusters('eu-west-1', [dbCluster('shop', { BacktrackWindow: 0 })]);

    // 3 s to the deadline: the Region budget ends in 1 s, too little for another re-check.
    const hurried = await runCheck(config({ regions: ['eu-west-1'] }), w.deps, { mode: 'reminder' }, { deadline: Date.now() + 3_000 });
    const next = await runCheck(config({ regions: ['eu-west-1'] }), w.deps, { mode: 'reminder' });

    expect(hurried.queuedRechecks).toBeUndefined();
    expect(w.log.warn).toHaveBeenCalledWith(expect.stringMatching(/^no time left for the re-checks queued/), {
      queued: ['eu-west-1#shop'],
    });
    expect(next.queuedRechecks?.map((r) => r.events)).toEqual([[{ kind: 'new-failure', region: 'eu-west-1', identifier: 'shop' }]]);
  });

  it('takes a lease that is free at once, and runs itself', async () => {
    const w = world(['eu-west-1']);
    w.clusters('eu-west-1', [dbCluster('shop', { BacktrackWindow: 0 })]);

    const summary = await runCheck(config({ regions: ['eu-west-1'] }), w.deps, RECHECK);

    expect(summary.skipped).toBeUndefined();
    expect(summary.events).toEqual([{ kind: 'new-failure', region: 'eu-west-1', identifier: 'shop' }]);
  });
});
