import type { Key } from '../core/key.ts';

/** What a function sees: Flink's `TimerService`, scoped to the current key. */
export interface TimerService {
  currentProcessingTime(): number;
  currentWatermark(): number;
  registerEventTimeTimer(time: number): void;
  registerProcessingTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
}

/** Called when a timer fires; the backend's current key is already set to `key`. */
export interface Triggerable {
  onEventTime(key: Key, time: number): void;
  onProcessingTime(key: Key, time: number): void;
}

/**
 * The keyed timers of one operator in one subtask. Timers are unique per (key, time, domain):
 * registering the same one twice fires it once. Event-time timers fire, in time order, when the
 * watermark reaches their time; processing-time timers fire when the clock does.
 */
export interface InternalTimerService extends TimerService {
  /** Fires every event-time timer with time <= watermark, in order. */
  advanceWatermark(watermark: number): void;
  /** Fires every processing-time timer with time <= now, in order. */
  advanceProcessingTime(now: number): void;
  /** Earliest pending processing-time timer, or Infinity. */
  nextProcessingTime(): number;
  numEventTimeTimers(): number;
  numProcessingTimeTimers(): number;
  /** Registered timers, for the test harness: [key, time] pairs in time order. */
  eventTimeTimers(): Array<[Key, number]>;
  processingTimeTimers(): Array<[Key, number]>;
}
