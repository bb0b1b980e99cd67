/**
 * Tumbling processing-time windows: fixed-size, non-overlapping windows [start, start + size) aligned
 * to the epoch (plus an optional offset), chosen by the clock when the element arrives, not by its
 * timestamp. An offset may be negative and must satisfy |offset| < size.
 */
import { ProcessingTimeTrigger } from './processing-time-trigger.ts';
import type { Trigger } from './trigger.ts';
import { TimeWindow } from './window.ts';
import { requireOffset, requirePositiveMillis } from './window-arguments.ts';
import type { WindowAssigner, WindowAssignerContext } from './window-assigner.ts';

/**
 * Assigns each element to the one tumbling window of `size` milliseconds that contains the current
 * processing time (`context.getCurrentProcessingTime()`). The default trigger is
 * {@link ProcessingTimeTrigger}: a window fires when the clock reaches its last timestamp (`end - 1`).
 *
 * @example
 * ```ts
 * // Count requests per key per wall-clock minute.
 * keyed.window(TumblingProcessingTimeWindows.of(minutes(1))).reduce((a, b) => ({ ...a, n: a.n + b.n }));
 * ```
 */
export class TumblingProcessingTimeWindows implements WindowAssigner<unknown, TimeWindow> {
  /** Window length in milliseconds. */
  readonly size: number;
  /** Shift of the window boundaries from the epoch, in milliseconds (|offset| < size). */
  readonly offset: number;

  private constructor(size: number, offset: number) {
    this.size = size;
    this.offset = offset;
  }

  /**
   * Windows of `size` milliseconds, shifted by `offset` milliseconds from the epoch.
   * @throws WeirError INVALID_ARGUMENT unless size > 0 and |offset| < size (whole milliseconds).
   */
  static of(size: number, offset = 0): TumblingProcessingTimeWindows {
    requirePositiveMillis(size, 'TumblingProcessingTimeWindows size');
    requireOffset(offset, size, 'TumblingProcessingTimeWindows offset', 'size');
    return new TumblingProcessingTimeWindows(size, offset);
  }

  assignWindows(_element: unknown, _timestamp: number, context: WindowAssignerContext): TimeWindow[] {
    const now = context.getCurrentProcessingTime();
    const start = TimeWindow.getWindowStartWithOffset(now, this.offset, this.size);
    return [new TimeWindow(start, start + this.size)];
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }

  isEventTime(): boolean {
    return false;
  }

  toString(): string {
    return `TumblingProcessingTimeWindows(${this.size}${this.offset === 0 ? '' : `, ${this.offset}`})`;
  }
}
