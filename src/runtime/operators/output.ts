/** Where an operator emits: records (main or side output) and watermarks, synchronously. */
export interface Output {
  collect(value: unknown, timestamp: number): void;
  collectSide(tag: string, value: unknown, timestamp: number): void;
  emitWatermark(time: number): void;
  /** Marks the output idle (it does not hold back downstream watermarks) or active again. */
  emitWatermarkStatus(idle: boolean): void;
}
