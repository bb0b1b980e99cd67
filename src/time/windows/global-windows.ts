/**
 * The global window assigner puts every element of a key into the one {@link GlobalWindow}. Its
 * default trigger, {@link NeverTrigger}, never fires, and the end of a bounded input does not fire it
 * either: a global window needs a custom trigger, such as a {@link CountTrigger}. This is how
 * `countWindow` is built: GlobalWindows with `PurgingTrigger.of(CountTrigger.of(n))` (tumbling), or
 * with `CountTrigger.of(slide)` and `CountEvictor.of(size)` (sliding).
 */
import { NeverTrigger } from './never-trigger.ts';
import type { Trigger } from './trigger.ts';
import { GlobalWindow } from './window.ts';
import type { WindowAssigner, WindowAssignerContext } from './window-assigner.ts';

/**
 * Assigns every element to {@link GlobalWindow.INSTANCE}.
 *
 * @example
 * ```ts
 * // Emit and drop every 100 elements of a key.
 * keyed.window(GlobalWindows.create()).trigger(PurgingTrigger.of(CountTrigger.of(100))).sum('n');
 * ```
 */
export class GlobalWindows implements WindowAssigner<unknown, GlobalWindow> {
  private constructor() {}

  static create(): GlobalWindows {
    return new GlobalWindows();
  }

  assignWindows(_element: unknown, _timestamp: number, _context: WindowAssignerContext): GlobalWindow[] {
    return [GlobalWindow.INSTANCE];
  }

  getDefaultTrigger(): Trigger<unknown, GlobalWindow> {
    return NeverTrigger.create();
  }

  isEventTime(): boolean {
    return false;
  }

  toString(): string {
    return 'GlobalWindows()';
  }
}
