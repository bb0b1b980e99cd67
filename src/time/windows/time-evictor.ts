/**
 * The time evictor keeps the elements of a window whose timestamps are within `windowLength`
 * milliseconds of the newest element's: it removes every element with
 * `timestamp <= max(timestamps) - windowLength`. It judges by element timestamps, not by the clock or
 * the watermark, and does nothing when the elements have no timestamps (it looks at the first one).
 * An element without a timestamp among timestamped ones is kept.
 */
import { NO_TIMESTAMP } from '../../core/stream-element.ts';
import type { Evictor, EvictorContext, TimestampedValue } from './evictor.ts';
import type { Window } from './window.ts';
import { requireNonNegativeMillis } from './window-arguments.ts';

/**
 * Keeps the elements of the last `windowLength` milliseconds before the newest element.
 *
 * @example
 * ```ts
 * // Every 10 elements, those of the 5 seconds up to the newest one.
 * keyed.window(GlobalWindows.create()).trigger(CountTrigger.of(10)).evictor(TimeEvictor.of(seconds(5)));
 * ```
 */
export class TimeEvictor implements Evictor<unknown, Window> {
  /** Milliseconds of element time kept before the newest element. */
  readonly windowLength: number;
  /** Whether eviction happens after the window function instead of before. */
  readonly doEvictAfter: boolean;

  private constructor(windowLength: number, doEvictAfter: boolean) {
    this.windowLength = windowLength;
    this.doEvictAfter = doEvictAfter;
  }

  /** @throws WeirError INVALID_ARGUMENT unless windowLength is a whole number of milliseconds >= 0. */
  static of(windowLength: number, doEvictAfter = false): TimeEvictor {
    return new TimeEvictor(requireNonNegativeMillis(windowLength, 'TimeEvictor window length'), doEvictAfter);
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
    return `TimeEvictor(${this.windowLength}${this.doEvictAfter ? ', after' : ''})`;
  }

  private evict(elements: TimestampedValue<unknown>[]): void {
    if (elements.length === 0 || !hasTimestamp(elements[0])) return;
    let newest = Number.NEGATIVE_INFINITY;
    for (const e of elements) {
      if (hasTimestamp(e) && (e.timestamp as number) > newest) newest = e.timestamp as number;
    }
    const cutoff = newest - this.windowLength;
    let kept = 0;
    for (let i = 0; i < elements.length; i++) {
      const e = elements[i];
      if (!hasTimestamp(e) || (e.timestamp as number) > cutoff) elements[kept++] = e;
    }
    elements.length = kept;
  }
}

function hasTimestamp(e: TimestampedValue<unknown>): boolean {
  return e.timestamp !== undefined && e.timestamp !== NO_TIMESTAMP;
}
