/**
 * Window assigners as plan data. A built-in assigner is described by a spec in the job graph and
 * rebuilt from it in every slot; an assigner that holds a user function (dynamic session gaps) or
 * is the user's own class is `custom` in the plan, or names its kind without the function, and the
 * object itself travels in the operator's functions (found by the operator's uid), as user
 * functions do.
 */
import { WeirError } from '../../core/errors.ts';
import { EventTimeSessionWindows } from './event-time-session-windows.ts';
import { GlobalWindows } from './global-windows.ts';
import { ProcessingTimeSessionWindows } from './processing-time-session-windows.ts';
import { SlidingEventTimeWindows } from './sliding-event-time-windows.ts';
import { SlidingProcessingTimeWindows } from './sliding-processing-time-windows.ts';
import { TumblingEventTimeWindows } from './tumbling-event-time-windows.ts';
import { TumblingProcessingTimeWindows } from './tumbling-processing-time-windows.ts';
import type { Window } from './window.ts';
import type { WindowAssigner } from './window-assigner.ts';

export type WindowAssignerSpec =
  | { kind: 'tumbling-event-time'; size: number; offset: number }
  | { kind: 'tumbling-processing-time'; size: number; offset: number }
  | { kind: 'sliding-event-time'; size: number; slide: number; offset: number }
  | { kind: 'sliding-processing-time'; size: number; slide: number; offset: number }
  | { kind: 'event-time-session'; gap: number }
  | { kind: 'processing-time-session'; gap: number }
  /** Sessions whose gap a user function computes per element: the assigner object is custom. */
  | { kind: 'dynamic-event-time-session' }
  | { kind: 'dynamic-processing-time-session' }
  | { kind: 'global' }
  | { kind: 'custom' };

/** The spec of an assigner: its data for the built-in ones, `custom` for any other. */
export function windowAssignerToSpec(assigner: WindowAssigner<any, any>): WindowAssignerSpec {
  const a = assigner as unknown;
  if (a instanceof TumblingEventTimeWindows)
    return { kind: 'tumbling-event-time', size: a.size, offset: a.offset };
  if (a instanceof TumblingProcessingTimeWindows)
    return { kind: 'tumbling-processing-time', size: a.size, offset: a.offset };
  if (a instanceof SlidingEventTimeWindows)
    return { kind: 'sliding-event-time', size: a.size, slide: a.slide, offset: a.offset };
  if (a instanceof SlidingProcessingTimeWindows)
    return { kind: 'sliding-processing-time', size: a.size, slide: a.slide, offset: a.offset };
  if (a instanceof EventTimeSessionWindows)
    return a.gap === undefined
      ? { kind: 'dynamic-event-time-session' }
      : { kind: 'event-time-session', gap: a.gap };
  if (a instanceof ProcessingTimeSessionWindows)
    return a.gap === undefined
      ? { kind: 'dynamic-processing-time-session' }
      : { kind: 'processing-time-session', gap: a.gap };
  if (a instanceof GlobalWindows) return { kind: 'global' };
  return { kind: 'custom' };
}

/** True when the assigner of `spec` cannot be built from the spec alone (it holds a user function). */
export function windowAssignerNeedsObject(spec: WindowAssignerSpec): boolean {
  return (
    spec.kind === 'custom' ||
    spec.kind === 'dynamic-event-time-session' ||
    spec.kind === 'dynamic-processing-time-session'
  );
}

/**
 * The assigner a spec describes. `custom` is the object the job module gave (found by the
 * operator's uid); when given, it is used as it is, whatever the spec.
 * @throws WeirError INVALID_GRAPH when the spec needs the object and there is none.
 */
export function windowAssignerFromSpec(
  spec: WindowAssignerSpec | undefined,
  custom?: unknown,
): WindowAssigner<unknown, Window> {
  if (custom !== undefined) return custom as WindowAssigner<unknown, Window>;
  if (spec === undefined || windowAssignerNeedsObject(spec)) {
    throw new WeirError(
      'INVALID_GRAPH',
      `the window assigner ${spec?.kind ?? '(none)'} needs its object from the job module, and there is none`,
    );
  }
  const built = (() => {
    switch (spec.kind) {
      case 'tumbling-event-time':
        return TumblingEventTimeWindows.of(spec.size, spec.offset);
      case 'tumbling-processing-time':
        return TumblingProcessingTimeWindows.of(spec.size, spec.offset);
      case 'sliding-event-time':
        return SlidingEventTimeWindows.of(spec.size, spec.slide, spec.offset);
      case 'sliding-processing-time':
        return SlidingProcessingTimeWindows.of(spec.size, spec.slide, spec.offset);
      case 'event-time-session':
        return EventTimeSessionWindows.withGap(spec.gap);
      case 'processing-time-session':
        return ProcessingTimeSessionWindows.withGap(spec.gap);
      case 'global':
        return GlobalWindows.create();
    }
  })();
  return built as WindowAssigner<unknown, Window>;
}

/** The specs of the assigners whose windows all have one size and aligned starts: tumbling and sliding. */
export type AlignedTimeWindowSpec = Extract<
  WindowAssignerSpec,
  {
    kind:
      | 'tumbling-event-time'
      | 'tumbling-processing-time'
      | 'sliding-event-time'
      | 'sliding-processing-time';
  }
>;

/**
 * `assigner` when its windows can be kept by the aligned time window operators
 * (aligned-time-window-operator.ts): a built-in tumbling or sliding assigner with its default
 * trigger (`trigger` null) and no evictor (`evictor` null). Any other trigger, even an explicit
 * default one, keeps the general window operator.
 */
export function alignedTimeWindowSpec(
  assigner: WindowAssignerSpec,
  trigger: unknown,
  evictor: unknown,
): AlignedTimeWindowSpec | undefined {
  if (trigger !== null || evictor !== null) return undefined;
  switch (assigner.kind) {
    case 'tumbling-event-time':
    case 'tumbling-processing-time':
    case 'sliding-event-time':
    case 'sliding-processing-time':
      return assigner;
    default:
      return undefined;
  }
}
