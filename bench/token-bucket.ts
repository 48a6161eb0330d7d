/**
 * The token bucket AWS uses to describe API rate limits: `rate` tokens per second refill a bucket
 * that holds at most `burst`; each call takes one token; a call that finds the bucket empty is
 * throttled. The bucket starts full. Time is passed in (milliseconds), so it is testable. AWS's
 * rates themselves are in emulator/aws-limits.ts.
 */
import type { RateLimit } from '../emulator/aws-limits';

export class TokenBucket {
  private tokens: number;
  private last: number | undefined;

  constructor(readonly limit: RateLimit) {
    if (!(limit.rate > 0) || !(limit.burst >= 1)) {
      throw new RangeError(`a rate limit needs rate > 0 and burst ≥ 1, got rate ${limit.rate}, burst ${limit.burst}`);
    }
    this.tokens = limit.burst;
  }

  /** Takes a token at time `nowMs` if one is there; false means "throttle this call". */
  tryTake(nowMs: number): boolean {
    this.refill(nowMs);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Tokens available at `nowMs` (fractional while refilling). */
  available(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens;
  }

  private refill(nowMs: number): void {
    if (this.last !== undefined && nowMs > this.last) {
      this.tokens = Math.min(this.limit.burst, this.tokens + ((nowMs - this.last) / 1000) * this.limit.rate);
    }
    if (this.last === undefined || nowMs > this.last) this.last = nowMs;
  }
}
