import { registerMsgpackExtension } from '../../core/msgpack.ts';

/**
 * Windows: finite slices of a keyed stream. A TimeWindow covers [start, end) in event or processing
 * time; its last timestamp is `end - 1` and it fires when time passes that. The GlobalWindow holds
 * everything and fires only by a custom trigger.
 */
export interface Window {
  /** The largest timestamp that still belongs to the window. */
  maxTimestamp(): number;
  /** A stable string identity, used as a map key for per-window state. */
  key(): string;
}

export class TimeWindow implements Window {
  readonly start: number;
  readonly end: number;

  constructor(start: number, end: number) {
    this.start = start;
    this.end = end;
  }

  getStart(): number {
    return this.start;
  }
  getEnd(): number {
    return this.end;
  }
  maxTimestamp(): number {
    return this.end - 1;
  }
  key(): string {
    return `${this.start}:${this.end}`;
  }
  intersects(other: TimeWindow): boolean {
    return this.start <= other.end && this.end >= other.start;
  }
  cover(other: TimeWindow): TimeWindow {
    return new TimeWindow(Math.min(this.start, other.start), Math.max(this.end, other.end));
  }
  equals(other: TimeWindow): boolean {
    return this.start === other.start && this.end === other.end;
  }
  toString(): string {
    return `TimeWindow{start=${this.start}, end=${this.end}}`;
  }

  /** Start of the window of size `size` (with `offset`) that contains `timestamp`, aligned to the epoch. */
  static getWindowStartWithOffset(timestamp: number, offset: number, windowSize: number): number {
    const remainder = (timestamp - offset) % windowSize;
    // Handle negative timestamps like Flink: the start is always <= timestamp.
    return remainder < 0 ? timestamp - (remainder + windowSize) : timestamp - remainder;
  }
}

export class GlobalWindow implements Window {
  static readonly INSTANCE = new GlobalWindow();
  private constructor() {}
  maxTimestamp(): number {
    return Number.MAX_SAFE_INTEGER;
  }
  key(): string {
    return 'global';
  }
  toString(): string {
    return 'GlobalWindow';
  }
}

// Windows are kept in window operator state: they keep their class across checkpoints, exchanges
// and the LMDB backend.
registerMsgpackExtension({
  Class: TimeWindow,
  type: 41,
  write: (w: TimeWindow) => [w.start, w.end],
  read: (data: [number, number]) => new TimeWindow(data[0], data[1]),
});
registerMsgpackExtension({
  Class: GlobalWindow,
  type: 42,
  write: () => 0,
  read: () => GlobalWindow.INSTANCE,
});
