/**
 * A fake trigger context for trigger tests: the current watermark and processing time are plain
 * fields, timers are kept per window in sets (registering a time twice keeps one timer, as the timer
 * service does), and partitioned state is an in-memory map per window and state name. Merging reducing
 * state folds the merged windows' values into the target window and clears them, as the window
 * operator does.
 */

import type { ReducingState, ValueState } from '../../state/state.ts';
import type { ReducingStateDescriptor, ValueStateDescriptor } from '../../state/state-descriptor.ts';
import type { OnMergeContext, Trigger, TriggerContext, TriggerResult } from './trigger.ts';
import type { Window } from './window.ts';

type AnyDescriptor = ValueStateDescriptor<any, any> | ReducingStateDescriptor<any>;

/** A timer that fired while advancing time, and what the trigger answered. */
export interface Firing {
  window: string;
  time: number;
  result: TriggerResult;
}

/**
 * @example
 * ```ts
 * const h = new FakeTriggerHarness();
 * const w = new TimeWindow(0, 10);
 * EventTimeTrigger.create().onElement('x', 3, w, h.context(w));
 * assert.deepEqual(h.eventTimers(w), [9]);
 * assert.deepEqual(h.advanceWatermark(9, EventTimeTrigger.create()), [{ window: '0:10', time: 9, result: 'FIRE' }]);
 * ```
 */
export class FakeTriggerHarness {
  watermark = Number.NEGATIVE_INFINITY;
  processingTime = 0;
  private readonly eventTimersByWindow = new Map<string, Set<number>>();
  private readonly processingTimersByWindow = new Map<string, Set<number>>();
  /** window key → state name → value */
  private readonly stateByWindow = new Map<string, Map<string, unknown>>();
  /** Every window a context was made for, by key. */
  private readonly windows = new Map<string, Window>();

  /** The context a trigger sees for `window`. */
  context(window: Window): TriggerContext {
    return this.makeContext(window);
  }

  /** The context a trigger's onMerge sees when `merged` windows merge into `window`. */
  mergeContext(window: Window, merged: readonly Window[]): OnMergeContext {
    const ctx = this.makeContext(window);
    return {
      ...ctx,
      getPartitionedState: ctx.getPartitionedState,
      mergePartitionedState: <T>(descriptor: ReducingStateDescriptor<T>) => {
        let acc = this.rawState(window, descriptor.name) as T | undefined;
        for (const source of merged) {
          if (source.key() === window.key()) continue;
          const value = this.rawState(source, descriptor.name) as T | undefined;
          this.stateByWindow.get(source.key())?.delete(descriptor.name);
          if (value === undefined) continue;
          acc = acc === undefined ? value : descriptor.reduce(acc, value);
        }
        if (acc !== undefined) this.setRawState(window, descriptor.name, acc);
      },
    };
  }

  /**
   * Sets the watermark to `to`, then fires every event-time timer at or before it, earliest first
   * (including timers the trigger registers while firing), removing each as it fires.
   */
  advanceWatermark<W extends Window>(to: number, trigger: Trigger<any, W>): Firing[] {
    this.watermark = to;
    return this.fire(this.eventTimersByWindow, to, (time, w) =>
      trigger.onEventTime(time, w as W, this.context(w)),
    );
  }

  /** As {@link advanceWatermark}, for the processing-time clock and processing-time timers. */
  advanceProcessingTime<W extends Window>(to: number, trigger: Trigger<any, W>): Firing[] {
    this.processingTime = to;
    return this.fire(this.processingTimersByWindow, to, (time, w) =>
      trigger.onProcessingTime(time, w as W, this.context(w)),
    );
  }

  /** Registered event-time timers of `window`, ascending. */
  eventTimers(window: Window): number[] {
    return [...(this.eventTimersByWindow.get(window.key()) ?? [])].sort((a, b) => a - b);
  }

  /** Registered processing-time timers of `window`, ascending. */
  processingTimers(window: Window): number[] {
    return [...(this.processingTimersByWindow.get(window.key()) ?? [])].sort((a, b) => a - b);
  }

  /** The stored value of the state `name` of `window`, or undefined. */
  rawState(window: Window, name: string): unknown {
    return this.stateByWindow.get(window.key())?.get(name);
  }

  private setRawState(window: Window, name: string, value: unknown): void {
    let states = this.stateByWindow.get(window.key());
    if (states === undefined) this.stateByWindow.set(window.key(), (states = new Map()));
    states.set(name, value);
  }

  private clearRawState(window: Window, name: string): void {
    this.stateByWindow.get(window.key())?.delete(name);
  }

  private fire(
    byWindow: Map<string, Set<number>>,
    to: number,
    onTimer: (time: number, window: Window) => TriggerResult,
  ): Firing[] {
    const firings: Firing[] = [];
    for (;;) {
      let next: { key: string; time: number } | undefined;
      for (const [key, times] of byWindow) {
        for (const time of times) {
          if (time <= to && (next === undefined || time < next.time)) next = { key, time };
        }
      }
      if (next === undefined) return firings;
      byWindow.get(next.key)!.delete(next.time);
      const window = this.windows.get(next.key)!;
      firings.push({ window: next.key, time: next.time, result: onTimer(next.time, window) });
    }
  }

  private timers(byWindow: Map<string, Set<number>>, window: Window): Set<number> {
    let set = byWindow.get(window.key());
    if (set === undefined) byWindow.set(window.key(), (set = new Set()));
    return set;
  }

  private makeContext(window: Window): TriggerContext {
    this.windows.set(window.key(), window);
    const getPartitionedState = (descriptor: AnyDescriptor): any => {
      if (descriptor.kind === 'value') {
        const state: ValueState<unknown, unknown> = {
          value: () => {
            const v = this.rawState(window, descriptor.name);
            return v === undefined ? descriptor.defaultValue : v;
          },
          update: (v) => {
            if (v === undefined) this.clearRawState(window, descriptor.name);
            else this.setRawState(window, descriptor.name, v);
          },
          clear: () => this.clearRawState(window, descriptor.name),
        };
        return state;
      }
      const state: ReducingState<unknown> = {
        get: () => this.rawState(window, descriptor.name),
        add: (v) => {
          const current = this.rawState(window, descriptor.name);
          this.setRawState(
            window,
            descriptor.name,
            current === undefined ? v : descriptor.reduce(current, v),
          );
        },
        clear: () => this.clearRawState(window, descriptor.name),
      };
      return state;
    };
    return {
      getCurrentWatermark: () => this.watermark,
      getCurrentProcessingTime: () => this.processingTime,
      registerEventTimeTimer: (t) => void this.timers(this.eventTimersByWindow, window).add(t),
      registerProcessingTimeTimer: (t) => void this.timers(this.processingTimersByWindow, window).add(t),
      deleteEventTimeTimer: (t) => void this.timers(this.eventTimersByWindow, window).delete(t),
      deleteProcessingTimeTimer: (t) => void this.timers(this.processingTimersByWindow, window).delete(t),
      getPartitionedState,
    };
  }
}
