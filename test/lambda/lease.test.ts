import { MemoryStateStore, type RunLease } from '../../lambda/aws/state';
import { runClock } from '../../lambda/deadline';
import { acquireRunLease, leaseExpiry, LEASE_MARGIN_MS, releaseRunLease, waitLimit } from '../../lambda/lease';

const ACCOUNT = '111122223333';
const log = () => ({ info: jest.fn(), warn: jest.fn() });

/** A fake clock that moves only when the lease code sleeps. */
function fakeTime(start = 1_000_000) {
  let now = start;
  const slept: number[] = [];
  return {
    slept,
    timing: {
      nowMs: () => now,
      sleep: (ms: number) => {
        slept.push(ms);
        now += ms;
        return Promise.resolve();
      },
    },
    advance: (ms: number) => (now += ms),
  };
}

const otherLease = (expiresAt: number): RunLease => ({
  pk: `lease#${ACCOUNT}`,
  accountId: ACCOUNT,
  owner: 'other-run',
  expiresAt,
  mode: 'scan',
  acquiredAt: '2026-11-20T12:00:00.000Z',
});

describe('leaseExpiry and waitLimit', () => {
  it('lets the lease outlive the run by a margin, and waits at most a third of the Region budget', () => {
    const clock = runClock(1_090_000, 1_000_000);

    expect(leaseExpiry(clock)).toBe(1_090_000 + LEASE_MARGIN_MS);
    expect(waitLimit(clock)).toBe(1_000_000 + 72_000 / 3);
  });
});

describe('acquireRunLease', () => {
  it('takes a free lease at once', async () => {
    const store = new MemoryStateStore();
    const t = fakeTime();

    const outcome = await acquireRunLease(store, ACCOUNT, 'scan', runClock(1_090_000, 1_000_000), log(), t.timing);

    expect(outcome).toMatchObject({ held: true, waitedMs: 0, lease: { pk: `lease#${ACCOUNT}`, expiresAt: 1_100_000 } });
    expect(t.slept).toEqual([]);
  });

  it('waits with growing pauses while another run holds it, and takes it once that run frees it', async () => {
    const store = new MemoryStateStore();
    await store.acquireLease(otherLease(2_000_000), 1_000_000);
    const t = fakeTime();
    const acquire = store.acquireLease.bind(store);
    jest.spyOn(store, 'acquireLease').mockImplementation(async (lease, now) => {
      if (now >= 1_003_000) await store.releaseLease(otherLease(0));
      return acquire(lease, now);
    });

    const outcome = await acquireRunLease(store, ACCOUNT, 'recheck', runClock(1_090_000, 1_000_000), log(), t.timing);

    expect(t.slept).toEqual([250, 500, 1_000, 2_000]);
    expect(outcome).toMatchObject({ held: true, waitedMs: 3_750 });
  });

  it('takes a lease whose holder crashed once it has expired', async () => {
    const store = new MemoryStateStore();
    await store.acquireLease(otherLease(1_001_000), 900_000);
    const t = fakeTime();

    const outcome = await acquireRunLease(store, ACCOUNT, 'scan', runClock(1_090_000, 1_000_000), log(), t.timing);

    expect(outcome.held).toBe(true);
    expect(t.slept).toEqual([250, 500, 1_000]);
  });

  it('gives up, naming the holder, when the lease is still held after a third of the Region budget', async () => {
    const store = new MemoryStateStore();
    await store.acquireLease(otherLease(9_000_000), 1_000_000);
    const t = fakeTime();

    const outcome = await acquireRunLease(store, ACCOUNT, 'scan', runClock(1_090_000, 1_000_000), log(), t.timing);

    expect(outcome).toEqual({
      held: false,
      waitedMs: expect.any(Number) as number,
      reason: expect.stringMatching(
        /^a scan run started 2026-11-20T12:00:00.000Z \(lease until .+\) held the state table's run lease for the whole wait of 2\d s$/,
      ) as string,
    });
    expect(outcome.waitedMs).toBeLessThanOrEqual(24_000);
    expect(outcome.waitedMs + 5_000).toBeGreaterThan(24_000);
  });

  it('runs without the lease, with a warning, when the table cannot be asked', async () => {
    const store = new MemoryStateStore();
    jest.spyOn(store, 'acquireLease').mockRejectedValue(new Error('table gone'));
    const l = log();

    const outcome = await acquireRunLease(store, ACCOUNT, 'scan', runClock(1_090_000, 1_000_000), l, fakeTime().timing);

    expect(outcome).toEqual({ held: true, waitedMs: 0 });
    expect(l.warn).toHaveBeenCalledWith(expect.stringContaining('run lease could not be taken'), expect.anything());
  });
});

describe('releaseRunLease', () => {
  it('frees the lease so the next run takes it at once', async () => {
    const store = new MemoryStateStore();
    const t = fakeTime();
    const first = await acquireRunLease(store, ACCOUNT, 'scan', runClock(1_090_000, 1_000_000), log(), t.timing);

    await releaseRunLease(store, first.held ? first.lease : undefined, log());

    expect(await store.acquireLease(otherLease(2_000_000), 1_000_000)).toEqual({ acquired: true });
  });

  it('warns, and frees nothing, when another run took the lease meanwhile', async () => {
    const store = new MemoryStateStore();
    const t = fakeTime();
    const first = await acquireRunLease(store, ACCOUNT, 'scan', runClock(1_090_000, 1_000_000), log(), t.timing);
    await store.acquireLease(otherLease(3_000_000), 2_000_000);
    const l = log();

    await releaseRunLease(store, first.held ? first.lease : undefined, l);

    expect(l.warn).toHaveBeenCalledWith(expect.stringContaining('no longer held by this run'));
    expect(await store.acquireLease({ ...otherLease(3_000_000), owner: 'third' }, 2_500_000)).toMatchObject({ acquired: false });
  });
});

describe('acquireRunLease for a re-check', () => {
  it('queues the cluster on a held lease at once instead of waiting, and is not held', async () => {
    const store = new MemoryStateStore();
    await store.acquireLease(otherLease(2_000_000), 1_000_000);
    const t = fakeTime();

    const outcome = await acquireRunLease(store, ACCOUNT, 'recheck', runClock(1_090_000, 1_000_000), log(), t.timing, 'eu-west-1#orders');

    expect(outcome).toMatchObject({
      held: false,
      queued: true,
      reason: expect.stringMatching(/^queued for a scan run started /) as string,
    });
    expect(t.slept).toEqual([]);
    expect(await store.releaseLease(otherLease(0))).toEqual({ released: false, queued: ['eu-west-1#orders'] });
  });

  it('takes the lease when its holder released it between the refusal and the queueing', async () => {
    const store = new MemoryStateStore();
    await store.acquireLease(otherLease(2_000_000), 1_000_000);
    jest.spyOn(store, 'queueRecheck').mockImplementationOnce(async () => {
      await store.releaseLease(otherLease(0));
      return false;
    });

    const outcome = await acquireRunLease(
      store,
      ACCOUNT,
      'recheck',
      runClock(1_090_000, 1_000_000),
      log(),
      fakeTime().timing,
      'eu-west-1#orders',
    );

    expect(outcome).toMatchObject({ held: true, lease: { mode: 'recheck' } });
  });
});

describe('releaseRunLease with re-checks queued', () => {
  it('answers the queued clusters instead of releasing, and releases keeping them when told to', async () => {
    const store = new MemoryStateStore();
    const mine = otherLease(2_000_000);
    await store.acquireLease(mine, 1_000_000);
    await store.queueRecheck(ACCOUNT, 'eu-west-1#orders', 1_500_000);

    expect(await releaseRunLease(store, mine, log())).toEqual(['eu-west-1#orders']);
    expect(await releaseRunLease(store, mine, log(), { keepQueue: true })).toEqual([]);
    // The next holder gets the queue with the lease.
    const next = { ...otherLease(3_000_000), owner: 'next' };
    expect(await store.acquireLease(next, 1_600_000)).toEqual({ acquired: true });
    expect(await releaseRunLease(store, next, log())).toEqual(['eu-west-1#orders']);
  });
});
