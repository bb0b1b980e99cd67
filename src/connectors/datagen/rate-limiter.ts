import { WeirError } from '../../core/errors.ts';
import type { Throttle } from '../collection/index-range-reader.ts';

/**
 * A token bucket: permits accrue at `perSecond` in the caller's time (the reader context's clock),
 * up to a burst of `burstMs` worth of them, so a reader that was held back (by backpressure, say)
 * catches up by at most that much instead of flooding. The first permit is available at once.
 *
 * @example
 * ```ts
 * const limiter = new RateLimiter(100); // 100 per second
 * limiter.acquire(0, 50);  // 1: the first permit
 * limiter.acquire(30, 50); // 3: 30 ms later
 * limiter.waitTime(30);    // 10: ms until the next permit
 * ```
 */
export class RateLimiter implements Throttle {
  private readonly perMs: number;
  private readonly capacity: number;
  private tokens = 1;
  private last: number | undefined;

  constructor(perSecond: number, burstMs = 100) {
    checkRate(perSecond);
    this.perMs = perSecond / 1000;
    this.capacity = Math.max(1, this.perMs * burstMs);
  }

  acquire(now: number, wanted: number): number {
    this.refill(now);
    const granted = Math.min(wanted, Math.floor(this.tokens + 1e-9));
    this.tokens -= granted;
    return granted;
  }

  waitTime(now: number): number {
    this.refill(now);
    return this.tokens + 1e-9 >= 1 ? 0 : (1 - this.tokens) / this.perMs;
  }

  private refill(now: number): void {
    if (this.last === undefined) {
      this.last = now;
    } else if (now > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.perMs);
      this.last = now;
    }
  }
}

/** Throws INVALID_ARGUMENT unless `perSecond` is a positive, finite rate. */
export function checkRate(perSecond: number): void {
  if (!(perSecond > 0) || !Number.isFinite(perSecond)) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `rate limit must be a positive number of records per second, got ${perSecond}`,
    );
  }
}
