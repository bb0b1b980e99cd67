/**
 * Processing-time session windows: each element opens a window [now, now + gap) at the processing
 * time it arrives, and windows of the same key that overlap or touch merge into one session, so a
 * session ends after `gap` milliseconds of wall-clock time without elements. The gap is fixed
 * (`withGap`) or computed per element (`withDynamicGap`).
 */
import { WeirError } from '../../core/errors.ts';
import type { SessionWindowTimeGapExtractor } from './event-time-session-windows.ts';
import { mergeTimeWindows } from './merge-time-windows.ts';
import { ProcessingTimeTrigger } from './processing-time-trigger.ts';
import type { Trigger } from './trigger.ts';
import { TimeWindow } from './window.ts';
import { requireDynamicGap, requirePositiveMillis } from './window-arguments.ts';
import type { MergeCallback, WindowAssigner, WindowAssignerContext } from './window-assigner.ts';

/**
 * A merging assigner that groups elements into sessions by processing time. The default trigger is
 * {@link ProcessingTimeTrigger}: a session fires when the clock reaches its last timestamp.
 *
 * @example
 * ```ts
 * // Flush a device's readings once it has been quiet for 10 seconds of wall-clock time.
 * readings.keyBy((r) => r.device).window(ProcessingTimeSessionWindows.withGap(seconds(10)));
 * ```
 */
export class ProcessingTimeSessionWindows<T = unknown> implements WindowAssigner<T, TimeWindow> {
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
  static withGap(gap: number): ProcessingTimeSessionWindows<unknown> {
    requirePositiveMillis(gap, 'ProcessingTimeSessionWindows gap');
    return new ProcessingTimeSessionWindows<unknown>(gap, undefined);
  }

  /**
   * Sessions whose gap `extractor` computes from each element; the window operator fails with
   * INVALID_ARGUMENT when it returns anything but a whole number of milliseconds > 0.
   */
  static withDynamicGap<T>(extractor: SessionWindowTimeGapExtractor<T>): ProcessingTimeSessionWindows<T> {
    if (typeof extractor !== 'function') {
      throw new WeirError('INVALID_ARGUMENT', 'ProcessingTimeSessionWindows.withDynamicGap needs a function');
    }
    return new ProcessingTimeSessionWindows<T>(undefined, extractor);
  }

  /** @throws WeirError INVALID_ARGUMENT when the element's dynamic gap is invalid. */
  assignWindows(element: T, _timestamp: number, context: WindowAssignerContext): TimeWindow[] {
    const now = context.getCurrentProcessingTime();
    const gap =
      this.extractor === undefined
        ? (this.gap as number)
        : requireDynamicGap(this.extractor(element), element, 'ProcessingTimeSessionWindows');
    return [new TimeWindow(now, now + gap)];
  }

  mergeWindows(windows: TimeWindow[], callback: MergeCallback<TimeWindow>): void {
    mergeTimeWindows(windows, callback);
  }

  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }

  isEventTime(): boolean {
    return false;
  }

  toString(): string {
    return this.extractor === undefined
      ? `ProcessingTimeSessionWindows(${this.gap})`
      : 'ProcessingTimeSessionWindows(dynamic gap)';
  }
}
