import { WeirError } from '../core/errors.ts';

/**
 * Watermark generators, as in Flink: two methods, no framework. A generator sees every event's
 * timestamp and is asked periodically (every `autoWatermarkInterval`) for a watermark; it may also
 * emit one from `onEvent` (punctuated watermarks).
 */
export interface WatermarkOutput {
  emitWatermark(time: number): void;
  /** Marks this output idle: it does not hold back downstream watermarks until it emits again. */
  markIdle(): void;
  markActive(): void;
}

export interface WatermarkGenerator<T> {
  onEvent(event: T, timestamp: number, output: WatermarkOutput): void;
  onPeriodicEmit(output: WatermarkOutput): void;
}

/** @throws WeirError INVALID_ARGUMENT unless `bound` is a number of milliseconds >= 0. */
export function checkOutOfOrdernessBound(bound: number): void {
  if (!(bound >= 0)) {
    throw new WeirError('INVALID_ARGUMENT', `the out-of-orderness bound must be >= 0, got ${bound}`);
  }
}

/**
 * Watermark = highest timestamp seen − bound − 1: a record may be up to `bound` ms late and still
 * not be late. Emits nothing until the first record.
 */
export class BoundedOutOfOrdernessWatermarks<T> implements WatermarkGenerator<T> {
  private maxTimestamp: number;
  private readonly bound: number;

  constructor(bound: number) {
    checkOutOfOrdernessBound(bound);
    this.bound = bound;
    this.maxTimestamp = Number.MIN_SAFE_INTEGER + bound + 1;
  }

  onEvent(_event: T, timestamp: number): void {
    if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
  }

  onPeriodicEmit(output: WatermarkOutput): void {
    output.emitWatermark(this.maxTimestamp - this.bound - 1);
  }
}

/** For timestamps that never go down: out-of-orderness 0. */
export class AscendingTimestampsWatermarks<T> extends BoundedOutOfOrdernessWatermarks<T> {
  constructor() {
    super(0);
  }
}

export class NoWatermarksGenerator<T> implements WatermarkGenerator<T> {
  onEvent(): void {}
  onPeriodicEmit(): void {}
}
