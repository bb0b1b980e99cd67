import type { ReducingState, ValueState } from '../../state/state.ts';
import type { ReducingStateDescriptor, ValueStateDescriptor } from '../../state/state-descriptor.ts';
import type { Window } from './window.ts';

/**
 * Triggers decide when a window's contents are emitted (FIRE) and when they are dropped (PURGE),
 * as Flink's: called for each element, for timers they registered, and when windows merge.
 */
export type TriggerResult = 'CONTINUE' | 'FIRE' | 'PURGE' | 'FIRE_AND_PURGE';

export const TriggerResult = {
  CONTINUE: 'CONTINUE',
  FIRE: 'FIRE',
  PURGE: 'PURGE',
  FIRE_AND_PURGE: 'FIRE_AND_PURGE',
  isFire: (r: TriggerResult): boolean => r === 'FIRE' || r === 'FIRE_AND_PURGE',
  isPurge: (r: TriggerResult): boolean => r === 'PURGE' || r === 'FIRE_AND_PURGE',
} as const;

/** Trigger state is scoped to the current key and window. */
export interface TriggerContext {
  getCurrentProcessingTime(): number;
  getCurrentWatermark(): number;
  registerProcessingTimeTimer(time: number): void;
  registerEventTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
  getPartitionedState<T, V>(descriptor: ValueStateDescriptor<T, V>): ValueState<T, V>;
  getPartitionedState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
}

export interface OnMergeContext extends TriggerContext {
  /** Merges the named reducing state of the merged windows into the new window. */
  mergePartitionedState<T>(descriptor: ReducingStateDescriptor<T>): void;
}

export interface Trigger<T, W extends Window> {
  onElement(element: T, timestamp: number, window: W, ctx: TriggerContext): TriggerResult;
  onProcessingTime(time: number, window: W, ctx: TriggerContext): TriggerResult;
  onEventTime(time: number, window: W, ctx: TriggerContext): TriggerResult;
  /** True if the trigger supports merging windows (sessions). */
  canMerge?(): boolean;
  onMerge?(window: W, ctx: OnMergeContext): void;
  /** Removes the trigger's state and timers of the window. */
  clear(window: W, ctx: TriggerContext): void;
}
