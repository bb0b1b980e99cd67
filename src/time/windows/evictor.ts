import type { Window } from './window.ts';

/** An element of a window with its timestamp, as evictors see it. */
export interface TimestampedValue<T> {
  value: T;
  timestamp: number | undefined;
}

export interface EvictorContext {
  getCurrentProcessingTime(): number;
  getCurrentWatermark(): number;
}

/**
 * Removes elements from a window before and/or after the window function runs. `elements` is the
 * window's content; remove by splicing the array in place.
 */
export interface Evictor<T, W extends Window> {
  evictBefore(elements: TimestampedValue<T>[], size: number, window: W, ctx: EvictorContext): void;
  evictAfter(elements: TimestampedValue<T>[], size: number, window: W, ctx: EvictorContext): void;
}
