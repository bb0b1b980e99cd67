/**
 * The event-time trigger fires a window once the watermark passes its last timestamp
 * (`window.maxTimestamp()`, that is `end - 1`). For each element it registers an event-time timer at
 * that time; if the watermark is already there (an element that is late but within the allowed
 * lateness), it fires at once, so each late element re-emits the window. Merged windows (sessions)
 * get a timer for the merged window's end, unless the watermark has already passed it.
 */
import { type OnMergeContext, type Trigger, type TriggerContext, TriggerResult } from './trigger.ts';
import type { Window } from './window.ts';

/**
 * The default trigger of every event-time window assigner.
 *
 * @example
 * ```ts
 * keyed
 *   .window(TumblingEventTimeWindows.of(seconds(10)))
 *   .trigger(EventTimeTrigger.create()) // the default; shown for clarity
 *   .allowedLateness(seconds(5));      // late elements fire the window again
 * ```
 */
export class EventTimeTrigger implements Trigger<unknown, Window> {
  private constructor() {}

  static create(): EventTimeTrigger {
    return new EventTimeTrigger();
  }

  onElement(_element: unknown, _timestamp: number, window: Window, ctx: TriggerContext): TriggerResult {
    const end = window.maxTimestamp();
    if (end <= ctx.getCurrentWatermark()) return TriggerResult.FIRE;
    ctx.registerEventTimeTimer(end);
    return TriggerResult.CONTINUE;
  }

  onProcessingTime(_time: number, _window: Window, _ctx: TriggerContext): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  onEventTime(time: number, window: Window, _ctx: TriggerContext): TriggerResult {
    return time === window.maxTimestamp() ? TriggerResult.FIRE : TriggerResult.CONTINUE;
  }

  canMerge(): boolean {
    return true;
  }

  onMerge(window: Window, ctx: OnMergeContext): void {
    const end = window.maxTimestamp();
    if (end > ctx.getCurrentWatermark()) ctx.registerEventTimeTimer(end);
  }

  clear(window: Window, ctx: TriggerContext): void {
    ctx.deleteEventTimeTimer(window.maxTimestamp());
  }

  toString(): string {
    return 'EventTimeTrigger()';
  }
}
