/**
 * The count evictor keeps the last `maxCount` elements of a window and removes the older ones, before
 * the window function runs (default) or after it. With {@link GlobalWindows} and a {@link CountTrigger}
 * it makes sliding count windows: `countWindow(size, slide)`.
 */
import type { Evictor, EvictorContext, TimestampedValue } from './evictor.ts';
import type { Window } from './window.ts';
import { requireNonNegativeCount } from './window-arguments.ts';

/**
 * Keeps at most `maxCount` elements, the most recent ones.
 *
 * @example
 * ```ts
 * // countWindow(100, 10): every 10 elements, the last 100.
 * keyed.window(GlobalWindows.create()).evictor(CountEvictor.of(100)).trigger(CountTrigger.of(10));
 * ```
 */
export class CountEvictor implements Evictor<unknown, Window> {
  /** Number of elements kept. */
  readonly maxCount: number;
  /** Whether eviction happens after the window function instead of before. */
  readonly doEvictAfter: boolean;

  private constructor(maxCount: number, doEvictAfter: boolean) {
    this.maxCount = maxCount;
    this.doEvictAfter = doEvictAfter;
  }

  /** @throws WeirError INVALID_ARGUMENT unless maxCount is a whole number >= 0. */
  static of(maxCount: number, doEvictAfter = false): CountEvictor {
    return new CountEvictor(requireNonNegativeCount(maxCount, 'CountEvictor count'), doEvictAfter);
  }

  evictBefore(
    elements: TimestampedValue<unknown>[],
    _size: number,
    _window: Window,
    _ctx: EvictorContext,
  ): void {
    if (!this.doEvictAfter) this.evict(elements);
  }

  evictAfter(
    elements: TimestampedValue<unknown>[],
    _size: number,
    _window: Window,
    _ctx: EvictorContext,
  ): void {
    if (this.doEvictAfter) this.evict(elements);
  }

  toString(): string {
    return `CountEvictor(${this.maxCount}${this.doEvictAfter ? ', after' : ''})`;
  }

  private evict(elements: TimestampedValue<unknown>[]): void {
    const excess = elements.length - this.maxCount;
    if (excess > 0) elements.splice(0, excess);
  }
}
