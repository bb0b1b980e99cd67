import type { Duration } from '../core/duration.ts';
import { previewRecord, WeirError } from '../core/errors.ts';
import {
  AscendingTimestampsWatermarks,
  BoundedOutOfOrdernessWatermarks,
  checkOutOfOrdernessBound,
  NoWatermarksGenerator,
  type WatermarkGenerator,
} from './watermark-generator.ts';
import {
  type TimestampAssignerSpec,
  type WatermarkGeneratorSpec,
  type WatermarkStrategySpec,
  watermarkStrategyNeedsObject,
} from './watermark-strategy-spec.ts';
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
  private readonly generatorSpec: WatermarkGeneratorSpec;
  private readonly assignerSpec: TimestampAssignerSpec;

  private constructor(
    create: (context: WatermarkGeneratorContext) => WatermarkGenerator<T>,
    assigner: TimestampAssigner<T> | undefined,
    idleTimeout: Duration | undefined,
    emitsWatermarks: boolean,
    generatorSpec: WatermarkGeneratorSpec,
    assignerSpec: TimestampAssignerSpec,
  ) {
    this.createWatermarkGenerator = create;
    this.timestampAssigner = assigner;
    this.idleTimeout = idleTimeout;
    this.emitsWatermarks = emitsWatermarks;
    this.generatorSpec = generatorSpec;
    this.assignerSpec = assignerSpec;
  }

  /** @throws WeirError INVALID_ARGUMENT when the bound is negative (here, not later in a subtask). */
  static forBoundedOutOfOrderness<T>(maxOutOfOrderness: Duration): WatermarkStrategy<T> {
    checkOutOfOrdernessBound(maxOutOfOrderness);
    return new WatermarkStrategy<T>(
      () => new BoundedOutOfOrdernessWatermarks<T>(maxOutOfOrderness),
      undefined,
      undefined,
      true,
      { kind: 'bounded-out-of-orderness', maxOutOfOrderness },
      RECORD_TIMESTAMP,
    );
  }

  static forMonotonousTimestamps<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(
      () => new AscendingTimestampsWatermarks<T>(),
      undefined,
      undefined,
      true,
      { kind: 'monotonous' },
      RECORD_TIMESTAMP,
    );
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
      { kind: 'monotonous' },
      { kind: 'ingestion-time' },
    );
  }

  static noWatermarks<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(
      () => new NoWatermarksGenerator<T>(),
      undefined,
      undefined,
      false,
      { kind: 'no-watermarks' },
      RECORD_TIMESTAMP,
    );
  }

  static forGenerator<T>(
    create: (context: WatermarkGeneratorContext) => WatermarkGenerator<T>,
  ): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(create, undefined, undefined, true, { kind: 'custom' }, RECORD_TIMESTAMP);
  }

  /**
   * The strategy a spec describes (the job graph's data form of a strategy).
   * @throws WeirError INVALID_GRAPH when the spec has a custom part: that strategy is the job module's object.
   */
  static fromSpec<T>(spec: WatermarkStrategySpec): WatermarkStrategy<T> {
    if (watermarkStrategyNeedsObject(spec)) {
      throw new WeirError(
        'INVALID_GRAPH',
        'a watermark strategy with a custom generator or timestamp assigner needs its object from the job module, and there is none',
      );
    }
    const g = spec.generator;
    let strategy: WatermarkStrategy<T> =
      g.kind === 'no-watermarks'
        ? WatermarkStrategy.noWatermarks<T>()
        : g.kind === 'monotonous'
          ? WatermarkStrategy.forMonotonousTimestamps<T>()
          : WatermarkStrategy.forBoundedOutOfOrderness<T>(
              (g as { maxOutOfOrderness: number }).maxOutOfOrderness,
            );
    const a = spec.timestampAssigner;
    if (a.kind === 'ingestion-time') {
      strategy = new WatermarkStrategy<T>(
        strategy.createWatermarkGenerator,
        INGESTION_TIME as TimestampAssigner<T>,
        undefined,
        strategy.emitsWatermarks,
        strategy.generatorSpec,
        a,
      );
    } else if (a.kind === 'field') strategy = strategy.withTimestampField(a.name);
    return spec.idleTimeout === null ? strategy : strategy.withIdleness(spec.idleTimeout);
  }

  /** This strategy as plan data: a generator and an assigner of the user's are `custom` there. */
  toSpec(): WatermarkStrategySpec {
    return {
      generator: this.generatorSpec,
      timestampAssigner: this.assignerSpec,
      idleTimeout: this.idleTimeout ?? null,
    };
  }

  withTimestampAssigner(assigner: TimestampAssigner<T>): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(
      this.createWatermarkGenerator,
      assigner,
      this.idleTimeout,
      this.emitsWatermarks,
      this.generatorSpec,
      { kind: 'custom' },
    );
  }

  /**
   * Event time from a top-level field of each record, holding epoch milliseconds or a Date: the data
   * form of a timestamp assigner (a SQL planner's time column), which the plan records as it is.
   * A record whose field holds anything else fails the job with INVALID_ARGUMENT.
   *
   * @example
   * WatermarkStrategy.forBoundedOutOfOrderness<Bid>(seconds(4)).withTimestampField('dateTime')
   */
  withTimestampField(name: string): WatermarkStrategy<T> {
    if (typeof name !== 'string' || name === '') {
      throw new WeirError('INVALID_ARGUMENT', 'withTimestampField expects a field name');
    }
    return new WatermarkStrategy<T>(
      this.createWatermarkGenerator,
      fieldTimestampAssigner<T>(name),
      this.idleTimeout,
      this.emitsWatermarks,
      this.generatorSpec,
      { kind: 'field', name },
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
      this.generatorSpec,
      this.assignerSpec,
    );
  }
}

const RECORD_TIMESTAMP: TimestampAssignerSpec = { kind: 'record-timestamp' };

/** Reads event time from field `name`: a number of epoch ms, or a Date. */
function fieldTimestampAssigner<T>(name: string): TimestampAssigner<T> {
  return (element) => {
    const value = (element as Record<string, unknown> | null)?.[name];
    if (typeof value === 'number') return value;
    if (value instanceof Date) return value.getTime();
    throw new WeirError(
      'INVALID_ARGUMENT',
      `the timestamp field "${name}" of record ${previewRecord(element)} holds ${value === undefined ? 'nothing' : typeof value}: expected epoch milliseconds or a Date`,
    );
  };
}

/**
 * The strategy an operator uses: the job module's object when there is one (`custom`), else the
 * one its spec describes.
 * @throws WeirError INVALID_GRAPH when there is neither.
 */
export function watermarkStrategyFromSpec<T>(
  spec: WatermarkStrategySpec | undefined,
  custom?: unknown,
): WatermarkStrategy<T> {
  if (custom !== undefined) return custom as WatermarkStrategy<T>;
  if (spec === undefined) throw new WeirError('INVALID_GRAPH', 'the operator has no watermark strategy');
  return WatermarkStrategy.fromSpec<T>(spec);
}
