/**
 * The delta evictor compares each element of a window with the last one through a delta function
 * and removes the elements whose delta is at least `threshold` (a NaN delta keeps the element). The last element always compares to
 * itself, so it stays when the delta of a value to itself is below the threshold.
 */
import { WeirError } from '../../core/errors.ts';
import type { Evictor, EvictorContext, TimestampedValue } from './evictor.ts';
import type { Window } from './window.ts';

/** The distance between an older element and the newest one. */
export type DeltaFunction<T> = (element: T, last: T) => number;

/**
 * Keeps the elements whose delta to the last element is below `threshold`.
 *
 * @example
 * ```ts
 * // Every 10 readings, those within 5 degrees of the latest reading.
 * keyed
 *   .window(GlobalWindows.create())
 *   .trigger(CountTrigger.of(10))
 *   .evictor(DeltaEvictor.of(5, (a: Reading, b: Reading) => Math.abs(a.celsius - b.celsius)));
 * ```
 */
export class DeltaEvictor<T> implements Evictor<T, Window> {
  /** Elements with a delta >= threshold to the last element are evicted. */
  readonly threshold: number;
  /** Whether eviction happens after the window function instead of before. */
  readonly doEvictAfter: boolean;
  private readonly deltaFunction: DeltaFunction<T>;

  private constructor(threshold: number, deltaFunction: DeltaFunction<T>, doEvictAfter: boolean) {
    this.threshold = threshold;
    this.deltaFunction = deltaFunction;
    this.doEvictAfter = doEvictAfter;
  }

  /** @throws WeirError INVALID_ARGUMENT unless threshold is a number and deltaFunction a function. */
  static of<T>(threshold: number, deltaFunction: DeltaFunction<T>, doEvictAfter = false): DeltaEvictor<T> {
    if (typeof threshold !== 'number' || Number.isNaN(threshold)) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `DeltaEvictor threshold must be a number, got ${String(threshold)}`,
      );
    }
    if (typeof deltaFunction !== 'function') {
      throw new WeirError(
        'INVALID_ARGUMENT',
        'DeltaEvictor needs a delta function (element, last) => number',
      );
    }
    return new DeltaEvictor(threshold, deltaFunction, doEvictAfter);
  }

  evictBefore(elements: TimestampedValue<T>[], _size: number, _window: Window, _ctx: EvictorContext): void {
    if (!this.doEvictAfter) this.evict(elements);
  }

  evictAfter(elements: TimestampedValue<T>[], _size: number, _window: Window, _ctx: EvictorContext): void {
    if (this.doEvictAfter) this.evict(elements);
  }

  toString(): string {
    return `DeltaEvictor(${this.threshold}${this.doEvictAfter ? ', after' : ''})`;
  }

  private evict(elements: TimestampedValue<T>[]): void {
    if (elements.length === 0) return;
    const last = elements[elements.length - 1].value;
    let kept = 0;
    for (let i = 0; i < elements.length; i++) {
      const e = elements[i];
      if (!(this.deltaFunction(e.value, last) >= this.threshold)) elements[kept++] = e;
    }
    elements.length = kept;
  }
}
