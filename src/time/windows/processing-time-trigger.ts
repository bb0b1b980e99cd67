/**
 * The processing-time trigger fires a window when the clock reaches its last timestamp
 * (`window.maxTimestamp()`, that is `end - 1`): each element registers a processing-time timer at that
 * time (registering the same time again is a no-op in the timer service). Merged windows (sessions)
 * get a timer for the merged window's end, unless the clock has already passed it.
 */
import { type OnMergeContext, type Trigger, type TriggerContext, TriggerResult } from './trigger.ts';
import type { Window } from './window.ts';

/**
 * The default trigger of every processing-time window assigner.
 *
 * @example
 * ```ts
 * keyed.window(TumblingProcessingTimeWindows.of(minutes(1))).trigger(ProcessingTimeTrigger.create());
 * ```
 */
export class ProcessingTimeTrigger implements Trigger<unknown, Window> {
  private constructor() {}

  static create(): ProcessingTimeTrigger {
    return new ProcessingTimeTrigger();
  }

  onElement(_element: unknown, _timestamp: number, window: Window, ctx: TriggerContext): TriggerResult {
    ctx.registerProcessingTimeTimer(window.maxTimestamp());
    return TriggerResult.CONTINUE;
  }

  onProcessingTime(_time: number, _window: Window, _ctx: TriggerContext): TriggerResult {
    return TriggerResult.FIRE;
  }

  onEventTime(_time: number, _window: Window, _ctx: TriggerContext): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  canMerge(): boolean {
    return true;
  }

  onMerge(window: Window, ctx: OnMergeContext): void {
    const end = window.maxTimestamp();
    if (end > ctx.getCurrentProcessingTime()) ctx.registerProcessingTimeTimer(end);
  }

  clear(window: Window, ctx: TriggerContext): void {
    ctx.deleteProcessingTimeTimer(window.maxTimestamp());
  }

  toString(): string {
    return 'ProcessingTimeTrigger()';
  }
}
