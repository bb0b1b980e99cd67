/**
 * The count trigger fires a window each time `n` elements have arrived in it since it last fired. The
 * count lives in the window's partitioned reducing state "count" (so it is checkpointed with the
 * window), is reset when the trigger fires, and is summed when windows merge. The trigger does not
 * purge: wrap it in a {@link PurgingTrigger} to drop the window's contents on each firing.
 */
import { ReducingStateDescriptor } from '../../state/state-descriptor.ts';
import { type OnMergeContext, type Trigger, type TriggerContext, TriggerResult } from './trigger.ts';
import type { Window } from './window.ts';
import { requirePositiveCount } from './window-arguments.ts';

/**
 * Fires every `maxCount` elements of a window.
 *
 * @example
 * ```ts
 * // countWindow(100): tumbling windows of 100 elements per key.
 * keyed.window(GlobalWindows.create()).trigger(PurgingTrigger.of(CountTrigger.of(100)));
 * ```
 */
export class CountTrigger implements Trigger<unknown, Window> {
  /** Number of elements that fire the window. */
  readonly maxCount: number;
  private readonly countDescriptor = new ReducingStateDescriptor<number>('count', (a, b) => a + b);

  private constructor(maxCount: number) {
    this.maxCount = maxCount;
  }

  /** @throws WeirError INVALID_ARGUMENT unless maxCount is a whole number > 0. */
  static of(maxCount: number): CountTrigger {
    return new CountTrigger(requirePositiveCount(maxCount, 'CountTrigger count'));
  }

  onElement(_element: unknown, _timestamp: number, _window: Window, ctx: TriggerContext): TriggerResult {
    const count = ctx.getPartitionedState(this.countDescriptor);
    count.add(1);
    if ((count.get() ?? 0) >= this.maxCount) {
      count.clear();
      return TriggerResult.FIRE;
    }
    return TriggerResult.CONTINUE;
  }

  onProcessingTime(_time: number, _window: Window, _ctx: TriggerContext): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  onEventTime(_time: number, _window: Window, _ctx: TriggerContext): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  canMerge(): boolean {
    return true;
  }

  onMerge(_window: Window, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.countDescriptor);
  }

  clear(_window: Window, ctx: TriggerContext): void {
    ctx.getPartitionedState(this.countDescriptor).clear();
  }

  toString(): string {
    return `CountTrigger(${this.maxCount})`;
  }
}
