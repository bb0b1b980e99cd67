/**
 * Sliding processing-time windows: windows of `size` milliseconds that start every `slide`
 * milliseconds, aligned to the epoch plus an optional offset (|offset| < slide), chosen by the clock
 * when the element arrives. An element belongs to every such window that contains the current
 * processing time, most recent first.
 */
import { ProcessingTimeTrigger } from './processing-time-trigger.ts';
import { slidingWindowsContaining } from './sliding-event-time-windows.ts';
import type { Trigger } from './trigger.ts';
import type { TimeWindow } from './window.ts';
import { requireOffset, requirePositiveMillis } from './window-arguments.ts';
import type { WindowAssigner, WindowAssignerContext } from './window-assigner.ts';

/**
 * Assigns each element to all sliding windows of `size` milliseconds, starting every `slide`
 * milliseconds, that contain the current processing time. The default trigger is
 * {@link ProcessingTimeTrigger}.
 *
 * @example
 * ```ts
 * // Requests of the last 5 minutes of wall-clock time, every minute.
 * keyed.window(SlidingProcessingTimeWindows.of(minutes(5), minutes(1))).sum('requests');
 * ```
 */
export class SlidingProcessingTimeWindows implements WindowAssigner<unknown, TimeWindow> {
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
  static of(size: number, slide: number, offset = 0): SlidingProcessingTimeWindows {
    requirePositiveMillis(size, 'SlidingProcessingTimeWindows size');
    requirePositiveMillis(slide, 'SlidingProcessingTimeWindows slide');
    requireOffset(offset, slide, 'SlidingProcessingTimeWindows offset', 'slide');
    return new SlidingProcessingTimeWindows(size, slide, offset);
  }

  assignWindows(_element: unknown, _timestamp: number, context: WindowAssignerContext): TimeWindow[] {
    return slidingWindowsContaining(context.getCurrentProcessingTime(), this.size, this.slide, this.offset);
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }

  isEventTime(): boolean {
    return false;
  }

  toString(): string {
    return `SlidingProcessingTimeWindows(${this.size}, ${this.slide}${this.offset === 0 ? '' : `, ${this.offset}`})`;
  }
}
