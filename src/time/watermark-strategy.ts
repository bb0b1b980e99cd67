import type { Duration } from '../core/duration.ts';
import {
  AscendingTimestampsWatermarks,
  BoundedOutOfOrdernessWatermarks,
  checkOutOfOrdernessBound,
  NoWatermarksGenerator,
  type WatermarkGenerator,
} from './watermark-generator.ts';
import { WatermarksWithIdleness } from './watermarks-with-idleness.ts';

/** Extracts a record's event time; `recordTimestamp` is the timestamp it already carries, if any. */
export type TimestampAssigner<T> = (element: T, recordTimestamp: number | undefined) => number;

export interface WatermarkGeneratorContext {
  /** Processing time from the job's clock. */
  currentProcessingTime(): number;
}

/**
 * How a stream gets event time: a timestamp assigner and a watermark generator, plus optional
 * idleness. Immutable: each `with...` returns a new strategy.
 *
 * @example
 * WatermarkStrategy.forBoundedOutOfOrderness<Click>(Duration.ofSeconds(5))
 *   .withTimestampAssigner((click) => click.ts)
 *   .withIdleness(Duration.ofMinutes(1))
 */
/** Marker assigner of {@link WatermarkStrategy.forIngestionTime}; operators replace it with their clock. */
export const INGESTION_TIME: TimestampAssigner<unknown> = () => {
  throw new Error('the ingestion-time assigner is replaced by the operator');
};

/** The assigner an operator uses: the strategy's, or its clock for ingestion time. */
export function resolveTimestampAssigner<T>(
  strategy: WatermarkStrategy<T>,
  now: () => number,
): TimestampAssigner<T> | undefined {
  return strategy.timestampAssigner === INGESTION_TIME ? () => now() : strategy.timestampAssigner;
}

export class WatermarkStrategy<T> {
  readonly createWatermarkGenerator: (context: WatermarkGeneratorContext) => WatermarkGenerator<T>;
  readonly timestampAssigner: TimestampAssigner<T> | undefined;
  readonly idleTimeout: Duration | undefined;
  /** False for `noWatermarks()`: the source emits no watermarks (only the final one at its end). */
  readonly emitsWatermarks: boolean;

  private constructor(
    create: (context: WatermarkGeneratorContext) => WatermarkGenerator<T>,
    assigner: TimestampAssigner<T> | undefined,
    idleTimeout: Duration | undefined,
    emitsWatermarks: boolean,
  ) {
    this.createWatermarkGenerator = create;
    this.timestampAssigner = assigner;
    this.idleTimeout = idleTimeout;
    this.emitsWatermarks = emitsWatermarks;
  }

  /** @throws WeirError INVALID_ARGUMENT when the bound is negative (here, not later in a subtask). */
  static forBoundedOutOfOrderness<T>(maxOutOfOrderness: Duration): WatermarkStrategy<T> {
    checkOutOfOrdernessBound(maxOutOfOrderness);
    return new WatermarkStrategy<T>(
      () => new BoundedOutOfOrdernessWatermarks<T>(maxOutOfOrderness),
      undefined,
      undefined,
      true,
    );
  }

  static forMonotonousTimestamps<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(() => new AscendingTimestampsWatermarks<T>(), undefined, undefined, true);
  }

  /**
   * Ingestion time: each record's timestamp is the processing time (the job's Clock) at which the
   * source (or `assignTimestampsAndWatermarks`) takes it in; watermarks follow, as for monotonous
   * timestamps. Flink's `IngestionTimeAssigner` with `forMonotonousTimestamps()`.
   */
  static forIngestionTime<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(
      () => new AscendingTimestampsWatermarks<T>(),
      INGESTION_TIME as TimestampAssigner<T>,
      undefined,
      true,
    );
  }

  static noWatermarks<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(() => new NoWatermarksGenerator<T>(), undefined, undefined, false);
  }

  static forGenerator<T>(
    create: (context: WatermarkGeneratorContext) => WatermarkGenerator<T>,
  ): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(create, undefined, undefined, true);
  }

  withTimestampAssigner(assigner: TimestampAssigner<T>): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(
      this.createWatermarkGenerator,
      assigner,
      this.idleTimeout,
      this.emitsWatermarks,
    );
  }

  /** An input with no records for `timeout` is marked idle and stops holding back the watermark. */
  withIdleness(timeout: Duration): WatermarkStrategy<T> {
    const create = this.createWatermarkGenerator;
    return new WatermarkStrategy<T>(
      (context) =>
        new WatermarksWithIdleness(create(context), timeout, () => context.currentProcessingTime()),
      this.timestampAssigner,
      timeout,
      this.emitsWatermarks,
    );
  }
}
