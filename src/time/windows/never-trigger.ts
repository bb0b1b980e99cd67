/**
 * The trigger that never fires: the default of {@link GlobalWindows}, whose one window would otherwise
 * hold a key's elements forever. It registers no timers and keeps no state.
 */
import { type OnMergeContext, type Trigger, type TriggerContext, TriggerResult } from './trigger.ts';
import type { Window } from './window.ts';

/**
 * Returns CONTINUE for every element and timer.
 *
 * @example
 * ```ts
 * GlobalWindows.create().getDefaultTrigger(); // a NeverTrigger: replace it with .trigger(...)
 * ```
 */
export class NeverTrigger implements Trigger<unknown, Window> {
  private constructor() {}

  static create(): NeverTrigger {
    return new NeverTrigger();
  }

  onElement(_element: unknown, _timestamp: number, _window: Window, _ctx: TriggerContext): TriggerResult {
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

  onMerge(_window: Window, _ctx: OnMergeContext): void {}

  clear(_window: Window, _ctx: TriggerContext): void {}

  toString(): string {
    return 'NeverTrigger()';
  }
}
