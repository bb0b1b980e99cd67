/**
 * Triggers as plan data: each built-in trigger has a spec, rebuilt in every slot. A trigger that is
 * (or nests) the user's own class is `custom` in the plan, and the whole trigger object travels in
 * the operator's functions (found by the operator's uid).
 */
import { WeirError } from '../../core/errors.ts';
import { ContinuousEventTimeTrigger } from './continuous-event-time-trigger.ts';
import { ContinuousProcessingTimeTrigger } from './continuous-processing-time-trigger.ts';
import { CountTrigger } from './count-trigger.ts';
import { EventTimeTrigger } from './event-time-trigger.ts';
import { NeverTrigger } from './never-trigger.ts';
import { ProcessingTimeTrigger } from './processing-time-trigger.ts';
import { PurgingTrigger } from './purging-trigger.ts';
import type { Trigger } from './trigger.ts';
import type { Window } from './window.ts';

export type TriggerSpec =
  | { kind: 'event-time' }
  | { kind: 'processing-time' }
  | { kind: 'count'; maxCount: number }
  | { kind: 'purging'; nested: TriggerSpec }
  | { kind: 'continuous-event-time'; interval: number }
  | { kind: 'continuous-processing-time'; interval: number }
  | { kind: 'never' }
  | { kind: 'custom' };

/** The spec of a trigger: its data for the built-in ones, `custom` for any other. */
export function triggerToSpec(trigger: Trigger<any, any>): TriggerSpec {
  const t = trigger as unknown;
  if (t instanceof EventTimeTrigger) return { kind: 'event-time' };
  if (t instanceof ProcessingTimeTrigger) return { kind: 'processing-time' };
  if (t instanceof CountTrigger) return { kind: 'count', maxCount: t.maxCount };
  if (t instanceof PurgingTrigger) return { kind: 'purging', nested: triggerToSpec(t.nested) };
  if (t instanceof ContinuousEventTimeTrigger) return { kind: 'continuous-event-time', interval: t.interval };
  if (t instanceof ContinuousProcessingTimeTrigger)
    return { kind: 'continuous-processing-time', interval: t.interval };
  if (t instanceof NeverTrigger) return { kind: 'never' };
  return { kind: 'custom' };
}

/** True when the trigger of `spec` cannot be built from the spec alone. */
export function triggerNeedsObject(spec: TriggerSpec): boolean {
  if (spec.kind === 'custom') return true;
  return spec.kind === 'purging' && triggerNeedsObject(spec.nested);
}

/**
 * The trigger a spec describes; `custom`, when given, is the job module's object and is used as it is.
 * @throws WeirError INVALID_GRAPH when the spec needs the object and there is none.
 */
export function triggerFromSpec(spec: TriggerSpec, custom?: unknown): Trigger<unknown, Window> {
  if (custom !== undefined) return custom as Trigger<unknown, Window>;
  const built = (() => {
    switch (spec.kind) {
      case 'event-time':
        return EventTimeTrigger.create();
      case 'processing-time':
        return ProcessingTimeTrigger.create();
      case 'count':
        return CountTrigger.of(spec.maxCount);
      case 'purging':
        return PurgingTrigger.of(triggerFromSpec(spec.nested));
      case 'continuous-event-time':
        return ContinuousEventTimeTrigger.of(spec.interval);
      case 'continuous-processing-time':
        return ContinuousProcessingTimeTrigger.of(spec.interval);
      case 'never':
        return NeverTrigger.create();
      case 'custom':
        throw new WeirError(
          'INVALID_GRAPH',
          'a custom trigger needs its object from the job module, and there is none',
        );
    }
  })();
  return built as Trigger<unknown, Window>;
}
