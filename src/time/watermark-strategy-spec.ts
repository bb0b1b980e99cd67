/**
 * Watermark strategies as plan data. A strategy built from the built-in generators and timestamp
 * assigners is described by a spec in the job graph and rebuilt from it in every slot; one with a
 * user function (a timestamp assigner lambda, a generator of the user's) is `custom` there, and the
 * strategy object travels in the operator's functions (found by the operator's uid).
 */

/** How watermarks are generated. */
export type WatermarkGeneratorSpec =
  | { kind: 'no-watermarks' }
  | { kind: 'monotonous' }
  | { kind: 'bounded-out-of-orderness'; maxOutOfOrderness: number }
  | { kind: 'custom' };

/** Where a record's event time comes from. */
export type TimestampAssignerSpec =
  /** The timestamp the record already carries (the source's own), if any. */
  | { kind: 'record-timestamp' }
  /** The processing time at which the operator takes the record in. */
  | { kind: 'ingestion-time' }
  /** A top-level field of the record holding epoch milliseconds or a Date (a planner's time column). */
  | { kind: 'field'; name: string }
  | { kind: 'custom' };

export interface WatermarkStrategySpec {
  generator: WatermarkGeneratorSpec;
  timestampAssigner: TimestampAssignerSpec;
  /** Idleness timeout in ms (`withIdleness`), or null. */
  idleTimeout: number | null;
}

/** True when the strategy of `spec` cannot be built from the spec alone (it holds a user function). */
export function watermarkStrategyNeedsObject(spec: WatermarkStrategySpec): boolean {
  return spec.generator.kind === 'custom' || spec.timestampAssigner.kind === 'custom';
}
