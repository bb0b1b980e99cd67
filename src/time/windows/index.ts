/** Windows: assigners, triggers and evictors, and the contracts they implement. */
export { ContinuousEventTimeTrigger } from './continuous-event-time-trigger.ts';
export { ContinuousProcessingTimeTrigger } from './continuous-processing-time-trigger.ts';
export { CountEvictor } from './count-evictor.ts';
export { CountTrigger } from './count-trigger.ts';
export { DeltaEvictor, type DeltaFunction } from './delta-evictor.ts';
export { EventTimeSessionWindows, type SessionWindowTimeGapExtractor } from './event-time-session-windows.ts';
export { EventTimeTrigger } from './event-time-trigger.ts';
export type { Evictor, EvictorContext, TimestampedValue } from './evictor.ts';
export { type EvictorSpec, evictorFromSpec, evictorToSpec } from './evictor-spec.ts';
export { GlobalWindows } from './global-windows.ts';
export { mergeTimeWindows } from './merge-time-windows.ts';
export { NeverTrigger } from './never-trigger.ts';
export { ProcessingTimeSessionWindows } from './processing-time-session-windows.ts';
export { ProcessingTimeTrigger } from './processing-time-trigger.ts';
export { PurgingTrigger } from './purging-trigger.ts';
export { SlidingEventTimeWindows } from './sliding-event-time-windows.ts';
export { SlidingProcessingTimeWindows } from './sliding-processing-time-windows.ts';
export { TimeEvictor } from './time-evictor.ts';
export { type OnMergeContext, type Trigger, type TriggerContext, TriggerResult } from './trigger.ts';
export { type TriggerSpec, triggerFromSpec, triggerToSpec } from './trigger-spec.ts';
export { TumblingEventTimeWindows } from './tumbling-event-time-windows.ts';
export { TumblingProcessingTimeWindows } from './tumbling-processing-time-windows.ts';
export { GlobalWindow, TimeWindow, type Window } from './window.ts';
export {
  isMergingAssigner,
  type MergeCallback,
  type WindowAssigner,
  type WindowAssignerContext,
} from './window-assigner.ts';
export {
  type WindowAssignerSpec,
  windowAssignerFromSpec,
  windowAssignerToSpec,
} from './window-assigner-spec.ts';
