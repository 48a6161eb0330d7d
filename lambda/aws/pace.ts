/**
 * Client-side pacing to an AWS API's documented rate limit: a token bucket of `rate` tokens per
 * second holding at most `burst`, full at the start; acquire() resolves once a token is there, so
 * calls are spread at the rate instead of being throttled and retried with the SDK's back-off.
 * Callers are served in order.
 */
export interface RateLimit {
  /** Tokens per second. */
  rate: number;
  /** Tokens the bucket holds at most (calls that may go at once). */
  burst: number;
}

export class Pacer {
  private tokens: number;
  private last: number | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly limit: RateLimit,
    private readonly clock: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    if (!(limit.rate > 0) || !(limit.burst >= 1)) {
      throw new RangeError(`a rate limit needs rate > 0 and burst ≥ 1, got rate ${limit.rate}, burst ${limit.burst}`);
    }
    this.tokens = limit.burst;
  }

  acquire(): Promise<void> {
    const turn = this.chain.then(() => this.take());
    this.chain = turn.catch(() => undefined);
    return turn;
  }

  private async take(): Promise<void> {
    for (;;) {
      const now = this.clock();
      this.refill(now);
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      // One millisecond more than the refill needs, so the next try finds the token.
      await this.sleep(Math.ceil(((1 - this.tokens) / this.limit.rate) * 1000) + 1);
    }
  }

  private refill(nowMs: number): void {
    if (this.last !== undefined && nowMs > this.last) {
      this.tokens = Math.min(this.limit.burst, this.tokens + ((nowMs - this.last) / 1000) * this.limit.rate);
    }
    if (this.last === undefined || nowMs > this.last) this.last = nowMs;
  }
}
