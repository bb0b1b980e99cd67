/**
 * Sliding event-time windows: windows of `size` milliseconds that start every `slide` milliseconds,
 * aligned to the epoch plus an optional offset (|offset| < slide). An element belongs to every window
 * [start, start + size) that contains its timestamp: exactly size / slide windows when the slide divides
 * the size, and none when the slide is larger than the size and the timestamp falls between windows.
 * Windows are listed most recent first.
 */
import { EventTimeTrigger } from './event-time-trigger.ts';
import type { Trigger } from './trigger.ts';
import { TimeWindow } from './window.ts';
import { requireEventTimestamp, requireOffset, requirePositiveMillis } from './window-arguments.ts';
import type { WindowAssigner, WindowAssignerContext } from './window-assigner.ts';

/**
 * Every window of `size` with starts at `offset + k * slide` that contains `timestamp`, most recent
 * first. Shared by the event-time and processing-time sliding assigners.
 */
export function slidingWindowsContaining(
  timestamp: number,
  size: number,
  slide: number,
  offset: number,
): TimeWindow[] {
  const windows: TimeWindow[] = [];
  const lastStart = TimeWindow.getWindowStartWithOffset(timestamp, offset, slide);
  for (let start = lastStart; start > timestamp - size; start -= slide) {
    windows.push(new TimeWindow(start, start + size));
  }
  return windows;
}

/**
 * Assigns each element to all sliding windows of `size` milliseconds, starting every `slide`
 * milliseconds, that contain its event timestamp. The default trigger is {@link EventTimeTrigger}.
 *
 * @example
 * ```ts
 * // The last minute of clicks, updated every 10 seconds: each click counts in 6 windows.
 * keyed.window(SlidingEventTimeWindows.of(minutes(1), seconds(10))).sum('clicks');
 * ```
 */
export class SlidingEventTimeWindows implements WindowAssigner<unknown, TimeWindow> {
  /** Window length in milliseconds. */
  readonly size: number;
  /** Distance between window starts in milliseconds. */
  readonly slide: number;
  /** Shift of the window starts from the epoch, in milliseconds (|offset| < slide). */
  readonly offset: number;

  private constructor(size: number, slide: number, offset: number) {
    this.size = size;
    this.slide = slide;
    this.offset = offset;
  }

  /**
   * Windows of `size` milliseconds starting every `slide` milliseconds, shifted by `offset`.
   * @throws WeirError INVALID_ARGUMENT unless size > 0, slide > 0 and |offset| < slide (whole milliseconds).
   */
  static of(size: number, slide: number, offset = 0): SlidingEventTimeWindows {
    requirePositiveMillis(size, 'SlidingEventTimeWindows size');
    requirePositiveMillis(slide, 'SlidingEventTimeWindows slide');
    requireOffset(offset, slide, 'SlidingEventTimeWindows offset', 'slide');
    return new SlidingEventTimeWindows(size, slide, offset);
  }

  /** @throws WeirError INVALID_ARGUMENT when the element has no timestamp. */
  assignWindows(element: unknown, timestamp: number, _context: WindowAssignerContext): TimeWindow[] {
    requireEventTimestamp(timestamp, element, 'SlidingEventTimeWindows');
    return slidingWindowsContaining(timestamp, this.size, this.slide, this.offset);
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return EventTimeTrigger.create();
  }

  isEventTime(): boolean {
    return true;
  }

  toString(): string {
    return `SlidingEventTimeWindows(${this.size}, ${this.slide}${this.offset === 0 ? '' : `, ${this.offset}`})`;
  }
}
