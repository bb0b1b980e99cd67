/**
 * A purging trigger wraps another trigger and turns each of its firings into a firing that also purges
 * the window's contents (FIRE becomes FIRE_AND_PURGE), so every firing emits only what arrived since
 * the previous one. Everything else (CONTINUE, PURGE, merging, clearing) is the wrapped trigger's.
 */
import { type OnMergeContext, type Trigger, type TriggerContext, TriggerResult } from './trigger.ts';
import type { Window } from './window.ts';

/**
 * Makes a trigger purge on every firing.
 *
 * @example
 * ```ts
 * // Emit the sum of the last 10 seconds every 10 seconds of a global window, starting afresh each time.
 * keyed
 *   .window(GlobalWindows.create())
 *   .trigger(PurgingTrigger.of(ContinuousProcessingTimeTrigger.of(seconds(10))))
 *   .sum('amount');
 * ```
 */
export class PurgingTrigger<T, W extends Window> implements Trigger<T, W> {
  /** The wrapped trigger. */
  readonly nested: Trigger<T, W>;

  private constructor(nested: Trigger<T, W>) {
    this.nested = nested;
  }

  static of<T, W extends Window>(nested: Trigger<T, W>): PurgingTrigger<T, W> {
    return new PurgingTrigger(nested);
  }

  onElement(element: T, timestamp: number, window: W, ctx: TriggerContext): TriggerResult {
    return purging(this.nested.onElement(element, timestamp, window, ctx));
  }

  onProcessingTime(time: number, window: W, ctx: TriggerContext): TriggerResult {
    return purging(this.nested.onProcessingTime(time, window, ctx));
  }

  onEventTime(time: number, window: W, ctx: TriggerContext): TriggerResult {
    return purging(this.nested.onEventTime(time, window, ctx));
  }

  canMerge(): boolean {
    return this.nested.canMerge?.() ?? false;
  }

  onMerge(window: W, ctx: OnMergeContext): void {
    this.nested.onMerge?.(window, ctx);
  }

  clear(window: W, ctx: TriggerContext): void {
    this.nested.clear(window, ctx);
  }

  toString(): string {
    return `PurgingTrigger(${String(this.nested)})`;
  }
}

function purging(result: TriggerResult): TriggerResult {
  return TriggerResult.isFire(result) ? TriggerResult.FIRE_AND_PURGE : result;
}
