import type { Cancellable } from '../../core/clock.ts';
import type { LatencyMarker } from '../../core/stream-element.ts';

/**
 * Emits a {@link LatencyMarker} every `interval` ms of processing time from a source subtask, as
 * Flink's LatencyMarkerEmitter: one timer per source subtask, never work per record. A late timer
 * (a busy loop) emits one marker and keeps the rate from then on; it does not catch up in a burst.
 */
export class LatencyMarkerEmitter {
  private readonly interval: number;
  private readonly vertexId: string;
  private readonly subtask: number;
  private readonly now: () => number;
  private readonly schedule: (time: number, callback: (time: number) => void) => Cancellable;
  private readonly emit: (marker: LatencyMarker) => void;
  private timer: Cancellable | undefined;
  private stopped = false;

  constructor(options: {
    interval: number;
    vertexId: string;
    subtask: number;
    now: () => number;
    /** Runs `callback` in the task's mailbox at `time` (StreamTask.registerProcessingTimer). */
    schedule: (time: number, callback: (time: number) => void) => Cancellable;
    /** Sends the marker downstream; returns false when the source no longer emits (it ended). */
    emit: (marker: LatencyMarker) => boolean;
  }) {
    this.interval = options.interval;
    this.vertexId = options.vertexId;
    this.subtask = options.subtask;
    this.now = options.now;
    this.schedule = options.schedule;
    this.emit = (marker) => {
      if (!options.emit(marker)) this.stop();
    };
  }

  start(): void {
    if (this.stopped || this.timer !== undefined) return;
    this.timer = this.schedule(this.now() + this.interval, (time) => this.fire(time));
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private fire(time: number): void {
    this.timer = undefined;
    if (this.stopped) return;
    const now = this.now();
    this.emit({ kind: 'latency-marker', markedTime: now, vertexId: this.vertexId, subtask: this.subtask });
    if (this.stopped) return;
    const next = time + this.interval;
    this.timer = this.schedule(next > now ? next : now + this.interval, (t) => this.fire(t));
  }
}
