/**
 * Tumbling event-time windows: fixed-size, non-overlapping windows [start, start + size) aligned to the
 * epoch (plus an optional offset), chosen by each element's timestamp. Every element falls into exactly
 * one window. With offset 0, hourly windows start on the hour in UTC; an offset shifts every boundary,
 * for example `-8h` of a day-sized window gives days in UTC+8. An offset may be negative and must
 * satisfy |offset| < size.
 */
import { EventTimeTrigger } from './event-time-trigger.ts';
import type { Trigger } from './trigger.ts';
import { TimeWindow } from './window.ts';
import { requireEventTimestamp, requireOffset, requirePositiveMillis } from './window-arguments.ts';
import type { WindowAssigner, WindowAssignerContext } from './window-assigner.ts';

/**
 * Assigns each element to the one tumbling window of `size` milliseconds that contains its event
 * timestamp. The default trigger is {@link EventTimeTrigger}: a window fires when the watermark passes
 * its last timestamp (`end - 1`).
 *
 * @example
 * ```ts
 * // Sum per key over 10-second windows: [0, 10000), [10000, 20000), ...
 * keyed.window(TumblingEventTimeWindows.of(seconds(10))).sum('amount');
 * // Days in UTC+8: boundaries at 16:00 UTC.
 * keyed.window(TumblingEventTimeWindows.of(days(1), hours(-8)));
 * ```
 */
export class TumblingEventTimeWindows implements WindowAssigner<unknown, TimeWindow> {
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
  static of(size: number, offset = 0): TumblingEventTimeWindows {
    requirePositiveMillis(size, 'TumblingEventTimeWindows size');
    requireOffset(offset, size, 'TumblingEventTimeWindows offset', 'size');
    return new TumblingEventTimeWindows(size, offset);
  }

  /** @throws WeirError INVALID_ARGUMENT when the element has no timestamp. */
  assignWindows(element: unknown, timestamp: number, _context: WindowAssignerContext): TimeWindow[] {
    requireEventTimestamp(timestamp, element, 'TumblingEventTimeWindows');
    const start = TimeWindow.getWindowStartWithOffset(timestamp, this.offset, this.size);
    return [new TimeWindow(start, start + this.size)];
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return EventTimeTrigger.create();
  }

  isEventTime(): boolean {
    return true;
  }

  toString(): string {
    return `TumblingEventTimeWindows(${this.size}${this.offset === 0 ? '' : `, ${this.offset}`})`;
  }
}
