/**
 * Processing time comes from a Clock: operators never call `Date.now()`. The
 * system clock schedules with real timers; the manual clock fires callbacks only when a test
 * advances it, so processing-time behaviour is tested in virtual time.
 */
export interface Cancellable {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `callback` once, when `now() >= at`. */
  schedule(at: number, callback: () => void): Cancellable;
}

export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  schedule(at: number, callback: () => void): Cancellable {
    const handle = setTimeout(callback, Math.max(0, at - Date.now()));
    handle.unref?.();
    return { cancel: () => clearTimeout(handle) };
  }
}

interface ManualTimer {
  at: number;
  seq: number;
  callback: () => void;
  cancelled: boolean;
}

/** A clock that moves only when told to; scheduled callbacks run in time order as it advances. */
export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private timers: ManualTimer[] = [];

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  schedule(at: number, callback: () => void): Cancellable {
    const timer: ManualTimer = { at, seq: this.seq++, callback, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => (timer.cancelled = true) };
  }

  /** Moves the clock to `time` (never backwards), running due callbacks in order. */
  advanceTo(time: number): void {
    if (time < this.time) return;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const t of this.timers) {
        if (t.cancelled || t.at > time) continue;
        if (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq)) next = t;
      }
      if (!next) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      if (next.at > this.time) this.time = next.at;
      next.callback();
    }
    this.timers = this.timers.filter((t) => !t.cancelled);
    this.time = time;
  }

  advanceBy(delta: number): void {
    this.advanceTo(this.time + delta);
  }

  /** Number of callbacks waiting to run. */
  pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }
}

export const systemClock: Clock = new SystemClock();
