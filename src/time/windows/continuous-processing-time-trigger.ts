/**
 * The continuous processing-time trigger fires a window every `interval` milliseconds of wall-clock
 * time while it has elements. The next firing time lives in the window's partitioned reducing state
 * "fire-time" (the minimum wins, so merged sessions keep the earliest). The first firing is at
 * `t - t % interval + interval` for the processing time t of the window's first element, as in
 * Flink (`%` truncates toward zero: for a negative t, see ContinuousEventTimeTrigger); each firing
 * schedules the next one `interval` later, capped at the window's last timestamp, where it fires a
 * last time and schedules no more.
 */

import type { ReducingState } from '../../state/state.ts';
import { ReducingStateDescriptor } from '../../state/state-descriptor.ts';
import { type OnMergeContext, type Trigger, type TriggerContext, TriggerResult } from './trigger.ts';
import type { Window } from './window.ts';
import { requirePositiveMillis } from './window-arguments.ts';

/**
 * Fires every `interval` milliseconds of processing time within a window.
 *
 * @example
 * ```ts
 * // Running totals of a global window every 5 seconds of wall-clock time.
 * keyed.window(GlobalWindows.create()).trigger(ContinuousProcessingTimeTrigger.of(seconds(5))).sum('n');
 * ```
 */
export class ContinuousProcessingTimeTrigger implements Trigger<unknown, Window> {
  /** Milliseconds of processing time between firings. */
  readonly interval: number;
  private readonly fireTimeDescriptor = new ReducingStateDescriptor<number>('fire-time', Math.min);

  private constructor(interval: number) {
    this.interval = interval;
  }

  /** @throws WeirError INVALID_ARGUMENT unless interval is a whole number of milliseconds > 0. */
  static of(interval: number): ContinuousProcessingTimeTrigger {
    return new ContinuousProcessingTimeTrigger(
      requirePositiveMillis(interval, 'ContinuousProcessingTimeTrigger interval'),
    );
  }

  onElement(_element: unknown, _timestamp: number, window: Window, ctx: TriggerContext): TriggerResult {
    const fireTime = ctx.getPartitionedState(this.fireTimeDescriptor);
    if (fireTime.get() === undefined) {
      const now = ctx.getCurrentProcessingTime();
      // Flink's arithmetic: `%` truncates toward zero, so for a negative time that is not a
      // multiple of the interval this is not the floor (−7 500 → −6 000, first firing −3 000).
      const start = now - (now % this.interval);
      this.registerNextFireTime(start, window, ctx, fireTime);
    }
    return TriggerResult.CONTINUE;
  }

  onProcessingTime(time: number, window: Window, ctx: TriggerContext): TriggerResult {
    const fireTime = ctx.getPartitionedState(this.fireTimeDescriptor);
    if (fireTime.get() !== time) return TriggerResult.CONTINUE;
    fireTime.clear();
    // At the window's last timestamp the window is done: schedule nothing more.
    if (time < window.maxTimestamp()) this.registerNextFireTime(time, window, ctx, fireTime);
    return TriggerResult.FIRE;
  }

  onEventTime(_time: number, _window: Window, _ctx: TriggerContext): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  canMerge(): boolean {
    return true;
  }

  onMerge(_window: Window, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.fireTimeDescriptor);
    const next = ctx.getPartitionedState(this.fireTimeDescriptor).get();
    if (next !== undefined) ctx.registerProcessingTimeTimer(next);
  }

  clear(_window: Window, ctx: TriggerContext): void {
    const fireTime = ctx.getPartitionedState(this.fireTimeDescriptor);
    const next = fireTime.get();
    if (next !== undefined) {
      ctx.deleteProcessingTimeTimer(next);
      fireTime.clear();
    }
  }

  toString(): string {
    return `ContinuousProcessingTimeTrigger(${this.interval})`;
  }

  private registerNextFireTime(
    time: number,
    window: Window,
    ctx: TriggerContext,
    fireTime: ReducingState<number>,
  ): void {
    const next = Math.min(time + this.interval, window.maxTimestamp());
    fireTime.add(next);
    ctx.registerProcessingTimeTimer(next);
  }
}
