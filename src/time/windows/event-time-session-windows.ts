/**
 * Event-time session windows: each element opens a window [timestamp, timestamp + gap), and windows
 * of the same key that overlap or touch merge into one session, so a session ends after `gap`
 * milliseconds of event time without elements. The gap is fixed (`withGap`) or computed per element
 * (`withDynamicGap`).
 */
import { WeirError } from '../../core/errors.ts';
import { EventTimeTrigger } from './event-time-trigger.ts';
import { mergeTimeWindows } from './merge-time-windows.ts';
import type { Trigger } from './trigger.ts';
import { TimeWindow } from './window.ts';
import { requireDynamicGap, requireEventTimestamp, requirePositiveMillis } from './window-arguments.ts';
import type { MergeCallback, WindowAssigner, WindowAssignerContext } from './window-assigner.ts';

/** Computes the session gap in milliseconds for an element (must return a whole number > 0). */
export type SessionWindowTimeGapExtractor<T> = (element: T) => number;

/**
 * A merging assigner that groups elements into sessions by event time. The default trigger is
 * {@link EventTimeTrigger}: a session fires when the watermark passes its last timestamp.
 *
 * @example
 * ```ts
 * // A user's session ends after 30 minutes without clicks.
 * clicks.keyBy((c) => c.user).window(EventTimeSessionWindows.withGap(minutes(30)));
 * // Premium users get a longer gap.
 * clicks
 *   .keyBy((c) => c.user)
 *   .window(EventTimeSessionWindows.withDynamicGap((c: Click) => (c.premium ? hours(1) : minutes(30))));
 * ```
 */
export class EventTimeSessionWindows<T = unknown> implements WindowAssigner<T, TimeWindow> {
  /** The fixed gap in milliseconds, or `undefined` when the gap is computed per element. */
  readonly gap: number | undefined;
  private readonly extractor: SessionWindowTimeGapExtractor<T> | undefined;

  private constructor(gap: number | undefined, extractor: SessionWindowTimeGapExtractor<T> | undefined) {
    this.gap = gap;
    this.extractor = extractor;
  }

  /**
   * Sessions that end after `gap` milliseconds without elements.
   * @throws WeirError INVALID_ARGUMENT unless gap is a whole number of milliseconds > 0.
   */
  static withGap(gap: number): EventTimeSessionWindows<unknown> {
    requirePositiveMillis(gap, 'EventTimeSessionWindows gap');
    return new EventTimeSessionWindows<unknown>(gap, undefined);
  }

  /**
   * Sessions whose gap `extractor` computes from each element; the window operator fails with
   * INVALID_ARGUMENT when it returns anything but a whole number of milliseconds > 0.
   */
  static withDynamicGap<T>(extractor: SessionWindowTimeGapExtractor<T>): EventTimeSessionWindows<T> {
    if (typeof extractor !== 'function') {
      throw new WeirError('INVALID_ARGUMENT', 'EventTimeSessionWindows.withDynamicGap needs a function');
    }
    return new EventTimeSessionWindows<T>(undefined, extractor);
  }

  /** @throws WeirError INVALID_ARGUMENT when the element has no timestamp or its dynamic gap is invalid. */
  assignWindows(element: T, timestamp: number, _context: WindowAssignerContext): TimeWindow[] {
    requireEventTimestamp(timestamp, element, 'EventTimeSessionWindows');
    const gap =
      this.extractor === undefined
        ? (this.gap as number)
        : requireDynamicGap(this.extractor(element), element, 'EventTimeSessionWindows');
    return [new TimeWindow(timestamp, timestamp + gap)];
  }

  mergeWindows(windows: TimeWindow[], callback: MergeCallback<TimeWindow>): void {
    mergeTimeWindows(windows, callback);
  }

  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return EventTimeTrigger.create();
  }

  isEventTime(): boolean {
    return true;
  }

  toString(): string {
    return this.extractor === undefined
      ? `EventTimeSessionWindows(${this.gap})`
      : 'EventTimeSessionWindows(dynamic gap)';
  }
}
