import { Pacer } from '../../../lambda/aws/pace';

describe('Pacer', () => {
  it('refuses a limit without a positive rate or a burst of at least one', () => {
    expect(() => new Pacer({ rate: 0, burst: 1 })).toThrow(RangeError);
    expect(() => new Pacer({ rate: 1, burst: 0.5 })).toThrow(RangeError);
  });

  it('lets a full burst through at once, then one call per 1/rate seconds', async () => {
    let now = 0;
    const pacer = new Pacer(
      { rate: 10, burst: 3 },
      () => now,
      (ms) => {
        now += ms;
        return Promise.resolve();
      },
    );
    const granted: number[] = [];

    for (let i = 0; i < 5; i++) {
      await pacer.acquire();
      granted.push(now);
    }

    expect(granted.slice(0, 3)).toEqual([0, 0, 0]);
    expect(granted[3]).toBeGreaterThanOrEqual(100);
    expect(granted[4]! - granted[3]!).toBeGreaterThanOrEqual(100);
    expect(granted[4]).toBeLessThanOrEqual(202);
  });

  it('serves concurrent callers in order', async () => {
    let now = 0;
    const pacer = new Pacer(
      { rate: 10, burst: 1 },
      () => now,
      (ms) => {
        now += ms;
        return Promise.resolve();
      },
    );
    const order: number[] = [];

    await Promise.all([0, 1, 2].map((i) => pacer.acquire().then(() => order.push(i))));

    expect(order).toEqual([0, 1, 2]);
    expect(now).toBeGreaterThanOrEqual(200);
  });
});
