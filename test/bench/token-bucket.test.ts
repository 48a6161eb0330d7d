import { TokenBucket } from '../../bench/token-bucket';

describe('TokenBucket', () => {
  it('allows the burst at once and throttles the next call', () => {
    const bucket = new TokenBucket({ rate: 10, burst: 30 });

    const taken = Array.from({ length: 31 }, () => bucket.tryTake(0));

    expect(taken.filter(Boolean)).toHaveLength(30);
    expect(taken[30]).toBe(false);
  });

  it('refills at the rate: one token per 100 ms at 10 TPS', () => {
    const bucket = new TokenBucket({ rate: 10, burst: 30 });
    for (let i = 0; i < 30; i++) bucket.tryTake(0);

    expect(bucket.tryTake(99)).toBe(false);
    expect(bucket.tryTake(100)).toBe(true);
    expect(bucket.tryTake(100)).toBe(false);
  });

  it('sustains exactly the rate once the burst is spent', () => {
    const bucket = new TokenBucket({ rate: 10, burst: 30 });
    let allowed = 0;

    // one attempt every 50 ms for 10 s: 201 attempts, 30 + 10 × 10 tokens
    for (let t = 0; t <= 10_000; t += 50) if (bucket.tryTake(t)) allowed++;

    expect(allowed).toBe(30 + 100);
  });

  it('never holds more than the burst, however long it was idle', () => {
    const bucket = new TokenBucket({ rate: 3, burst: 6 });

    expect(bucket.available(3_600_000)).toBe(6);
  });

  it('ignores a clock that goes backwards', () => {
    const bucket = new TokenBucket({ rate: 10, burst: 1 });
    bucket.tryTake(1000);

    expect(bucket.tryTake(500)).toBe(false);
    expect(bucket.tryTake(1100)).toBe(true);
  });

  it('rejects a rate or burst that cannot work', () => {
    expect(() => new TokenBucket({ rate: 0, burst: 30 })).toThrow(RangeError);
    expect(() => new TokenBucket({ rate: 10, burst: 0 })).toThrow(RangeError);
  });
});
