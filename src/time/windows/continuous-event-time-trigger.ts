/**
 * The continuous event-time trigger fires a window every `interval` milliseconds of event time while
 * it is open, and once more when the watermark passes its end, so a long window reports early,
 * partial results. The next firing time lives in the window's partitioned reducing state "fire-time"
 * (the minimum wins, so merged sessions keep the earliest). The first firing is at
 * `t - t % interval + interval` for the first element's timestamp t, as in Flink: the next multiple
 * of `interval` for t >= 0 (`%` truncates toward zero, so for a negative t that is not a multiple it
 * is one interval after the next multiple: −7 500 with 3 000 gives −3 000); each firing schedules
 * the next one `interval` later, never past the window's last timestamp. An element that arrives after the watermark passed
 * the window's end (late, within the allowed lateness) fires the window at once.
 */

import type { ReducingState } from '../../state/state.ts';
import { ReducingStateDescriptor } from '../../state/state-descriptor.ts';
import { type OnMergeContext, type Trigger, type TriggerContext, TriggerResult } from './trigger.ts';
import type { Window } from './window.ts';
import { requireEventTimestamp, requirePositiveMillis } from './window-arguments.ts';

/**
 * Fires every `interval` milliseconds of event time within a window, and at its end.
 *
 * @example
 * ```ts
 * // A daily total, updated every hour of event time.
 * keyed
 *   .window(TumblingEventTimeWindows.of(days(1)))
 *   .trigger(ContinuousEventTimeTrigger.of(hours(1)))
 *   .sum('amount');
 * ```
 */
export class ContinuousEventTimeTrigger implements Trigger<unknown, Window> {
  /** Milliseconds of event time between firings. */
  readonly interval: number;
  private readonly fireTimeDescriptor = new ReducingStateDescriptor<number>('fire-time', Math.min);

  private constructor(interval: number) {
    this.interval = interval;
  }

  /** @throws WeirError INVALID_ARGUMENT unless interval is a whole number of milliseconds > 0. */
  static of(interval: number): ContinuousEventTimeTrigger {
    return new ContinuousEventTimeTrigger(
      requirePositiveMillis(interval, 'ContinuousEventTimeTrigger interval'),
    );
  }

  /** @throws WeirError INVALID_ARGUMENT when the element has no timestamp. */
  onElement(element: unknown, timestamp: number, window: Window, ctx: TriggerContext): TriggerResult {
    const end = window.maxTimestamp();
    if (end <= ctx.getCurrentWatermark()) return TriggerResult.FIRE;
    ctx.registerEventTimeTimer(end);
    const fireTime = ctx.getPartitionedState(this.fireTimeDescriptor);
    if (fireTime.get() === undefined) {
      requireEventTimestamp(timestamp, element, 'ContinuousEventTimeTrigger');
      // Flink's arithmetic: `%` truncates toward zero, so for a negative time that is not a
      // multiple of the interval this is not the floor (−7 500 → −6 000, first firing −3 000).
      const start = timestamp - (timestamp % this.interval);
      this.registerNextFireTime(start, window, ctx, fireTime);
    }
    return TriggerResult.CONTINUE;
  }

  onProcessingTime(_time: number, _window: Window, _ctx: TriggerContext): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  onEventTime(time: number, window: Window, ctx: TriggerContext): TriggerResult {
    if (time === window.maxTimestamp()) return TriggerResult.FIRE;
    const fireTime = ctx.getPartitionedState(this.fireTimeDescriptor);
    if (fireTime.get() === time) {
      fireTime.clear();
      this.registerNextFireTime(time, window, ctx, fireTime);
      return TriggerResult.FIRE;
    }
    return TriggerResult.CONTINUE;
  }

  canMerge(): boolean {
    return true;
  }

  onMerge(window: Window, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.fireTimeDescriptor);
    const next = ctx.getPartitionedState(this.fireTimeDescriptor).get();
    if (next !== undefined) ctx.registerEventTimeTimer(next);
    const end = window.maxTimestamp();
    if (end > ctx.getCurrentWatermark()) ctx.registerEventTimeTimer(end);
  }

  clear(window: Window, ctx: TriggerContext): void {
    const fireTime = ctx.getPartitionedState(this.fireTimeDescriptor);
    const next = fireTime.get();
    if (next !== undefined) {
      ctx.deleteEventTimeTimer(next);
      fireTime.clear();
    }
    ctx.deleteEventTimeTimer(window.maxTimestamp());
  }

  toString(): string {
    return `ContinuousEventTimeTrigger(${this.interval})`;
  }

  private registerNextFireTime(
    time: number,
    window: Window,
    ctx: TriggerContext,
    fireTime: ReducingState<number>,
  ): void {
    const next = Math.min(time + this.interval, window.maxTimestamp());
    fireTime.add(next);
    ctx.registerEventTimeTimer(next);
  }
}
