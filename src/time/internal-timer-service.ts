/**
 * Keyed timers of one operator in one subtask, on the heap. A timer belongs to the backend's
 * current key at registration and is unique per (key, time, domain). Event-time timers fire when
 * the watermark reaches them, processing-time timers when the runtime advances processing time;
 * before each timer fires the backend's current key is set to the timer's key. Timers are kept
 * per key group in snapshots, like keyed state, so they restore at any parallelism.
 *
 * The runtime learns when to advance processing time through `onProcessingTimeTimerRegistered`:
 * it is called whenever a registration (or a restore) makes the earliest pending processing-time
 * timer earlier. The runtime schedules a clock callback for that time which calls
 * `advanceProcessingTime`, and after it reschedules for `nextProcessingTime()` if timers remain.
 */
import type { Clock } from '../core/clock.ts';
import { WeirError } from '../core/errors.ts';
import type { Key } from '../core/key.ts';
import type { KeyedStateBackend } from '../state/keyed-state-backend.ts';
import { type FireTimer, TimerQueue } from './internal-timer-service-queue.ts';
import type { InternalTimerService, Triggerable } from './timer-service.ts';

export interface HeapInternalTimerServiceOptions {
  /** The operator's keyed state backend: gives the current key, and is set to each firing timer's key. */
  readonly backend: KeyedStateBackend;
  readonly clock: Clock;
  readonly triggerable: Triggerable;
  /** Called with the new earliest processing-time timer whenever a registration makes it earlier. */
  readonly onProcessingTimeTimerRegistered?: (earliest: number) => void;
}

/** The timers of one key group, as plain data: `[key, time]` pairs in time order. */
export interface TimerKeyGroupSnapshot {
  readonly keyGroup: number;
  readonly eventTime: Array<[Key, number]>;
  readonly processingTime: Array<[Key, number]>;
}

export interface TimerServiceSnapshot {
  /** Non-empty key groups, in ascending order. */
  readonly keyGroups: TimerKeyGroupSnapshot[];
}

export class HeapInternalTimerService implements InternalTimerService {
  private readonly backend: KeyedStateBackend;
  private readonly clock: Clock;
  private readonly triggerable: Triggerable;
  private readonly onProcessingTimeTimerRegistered: ((earliest: number) => void) | undefined;
  private readonly eventTime = new TimerQueue();
  private readonly processingTime = new TimerQueue();
  private watermark = Number.NEGATIVE_INFINITY;
  private readonly fireEventTime: FireTimer;
  private readonly fireProcessingTime: FireTimer;

  constructor(options: HeapInternalTimerServiceOptions) {
    this.backend = options.backend;
    this.clock = options.clock;
    this.triggerable = options.triggerable;
    this.onProcessingTimeTimerRegistered = options.onProcessingTimeTimerRegistered;
    // Bound once, so firing allocates no closure per call.
    this.fireEventTime = (key, keyGroup, time) => {
      this.backend.setCurrentKeyAndGroup(key, keyGroup);
      this.triggerable.onEventTime(key, time);
    };
    this.fireProcessingTime = (key, keyGroup, time) => {
      this.backend.setCurrentKeyAndGroup(key, keyGroup);
      this.triggerable.onProcessingTime(key, time);
    };
  }

  currentProcessingTime(): number {
    return this.clock.now();
  }

  /** The latest watermark passed to {@link advanceWatermark}; `-Infinity` before the first. */
  currentWatermark(): number {
    return this.watermark;
  }

  registerEventTimeTimer(time: number): void {
    checkTime(time);
    this.eventTime.add(this.backend.getCurrentKey(), this.backend.getCurrentKeyGroup(), time);
  }

  registerProcessingTimeTimer(time: number): void {
    checkTime(time);
    const earliest = this.processingTime.peekTime();
    const added = this.processingTime.add(
      this.backend.getCurrentKey(),
      this.backend.getCurrentKeyGroup(),
      time,
    );
    if (added && time < earliest) this.onProcessingTimeTimerRegistered?.(time);
  }

  deleteEventTimeTimer(time: number): void {
    this.eventTime.delete(this.backend.getCurrentKey(), time);
  }

  deleteProcessingTimeTimer(time: number): void {
    this.processingTime.delete(this.backend.getCurrentKey(), time);
  }

  /**
   * Moves the watermark forward (never back) and fires every event-time timer with time <= it, in
   * time order, including timers registered while firing. The backend's event time (for
   * event-time TTL) is advanced first.
   */
  advanceWatermark(watermark: number): void {
    if (watermark > this.watermark) {
      this.watermark = watermark;
      this.backend.setCurrentWatermark(watermark);
    }
    this.eventTime.fireUntil(this.watermark, this.fireEventTime);
  }

  /**
   * Fires every processing-time timer with time <= `now`, in time order, including timers
   * registered while firing. The caller reschedules for {@link nextProcessingTime}.
   */
  advanceProcessingTime(now: number): void {
    this.processingTime.fireUntil(now, this.fireProcessingTime);
  }

  nextProcessingTime(): number {
    return this.processingTime.peekTime();
  }

  numEventTimeTimers(): number {
    return this.eventTime.size();
  }

  numProcessingTimeTimers(): number {
    return this.processingTime.size();
  }

  eventTimeTimers(): Array<[Key, number]> {
    return pairs(this.eventTime);
  }

  processingTimeTimers(): Array<[Key, number]> {
    return pairs(this.processingTime);
  }

  /**
   * Every pending timer as plain data, per key group; with `only` (indexed by `keyGroup -
   * range.start`), those of the flagged groups (an incremental checkpoint's changed ones).
   */
  snapshot(only?: Uint8Array): TimerServiceSnapshot {
    const groups = new Map<number, TimerKeyGroupSnapshot>();
    const start = this.backend.keyGroupRange.start;
    const group = (keyGroup: number): TimerKeyGroupSnapshot | undefined => {
      if (only !== undefined && only[keyGroup - start] === 0) return undefined;
      let g = groups.get(keyGroup);
      if (g === undefined) groups.set(keyGroup, (g = { keyGroup, eventTime: [], processingTime: [] }));
      return g;
    };
    this.eventTime.forEach((key, keyGroup, time) => {
      group(keyGroup)?.eventTime.push([key, time]);
    });
    this.processingTime.forEach((key, keyGroup, time) => {
      group(keyGroup)?.processingTime.push([key, time]);
    });
    return { keyGroups: [...groups.values()].sort((a, b) => a.keyGroup - b.keyGroup) };
  }

  /**
   * Replaces every timer with those of `snapshots` in the backend's key group range (others are
   * skipped, so every old subtask's snapshot can be given to every new one). The watermark is not
   * part of a snapshot: restored event-time timers fire at the next watermark that reaches them.
   */
  restore(snapshots: readonly TimerServiceSnapshot[]): void {
    this.eventTime.clear();
    this.processingTime.clear();
    const { start, end } = this.backend.keyGroupRange;
    for (const snapshot of snapshots) {
      for (const group of snapshot.keyGroups) {
        if (group.keyGroup < start || group.keyGroup > end) continue;
        for (const [key, time] of group.eventTime) this.eventTime.add(key, group.keyGroup, time);
        for (const [key, time] of group.processingTime) this.processingTime.add(key, group.keyGroup, time);
      }
    }
    const next = this.processingTime.peekTime();
    if (next !== Number.POSITIVE_INFINITY) this.onProcessingTimeTimerRegistered?.(next);
  }
}

function pairs(queue: TimerQueue): Array<[Key, number]> {
  const out: Array<[Key, number]> = [];
  queue.forEach((key, _keyGroup, time) => {
    out.push([key, time]);
  });
  return out;
}

function checkTime(time: number): void {
  if (typeof time !== 'number' || Number.isNaN(time)) {
    throw new WeirError('TIMER_ERROR', `a timer needs a time in milliseconds, got ${String(time)}`);
  }
}
