import type { Trigger } from './trigger.ts';
import type { Window } from './window.ts';

export interface WindowAssignerContext {
  /** Processing time from the job's clock. */
  getCurrentProcessingTime(): number;
}

/**
 * Assigns each element to zero or more windows. Event-time assigners use the element's timestamp;
 * processing-time ones use the clock.
 */
export interface WindowAssigner<T, W extends Window> {
  assignWindows(element: T, timestamp: number, context: WindowAssignerContext): W[];
  getDefaultTrigger(): Trigger<T, W>;
  isEventTime(): boolean;
  /** Present on merging assigners (sessions). */
  mergeWindows?(windows: W[], callback: MergeCallback<W>): void;
}

/** Told which windows merge into which. */
export interface MergeCallback<W extends Window> {
  merge(toBeMerged: W[], mergeResult: W): void;
}

export function isMergingAssigner<T, W extends Window>(a: WindowAssigner<T, W>): boolean {
  return typeof a.mergeWindows === 'function';
}
