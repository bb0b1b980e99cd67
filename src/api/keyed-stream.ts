import { WeirError } from '../core/errors.ts';
import type { Key } from '../core/key.ts';
import type { Transformation } from '../graph/transformation.ts';
import { CountEvictor } from '../time/windows/count-evictor.ts';
import { CountTrigger } from '../time/windows/count-trigger.ts';
import { GlobalWindows } from '../time/windows/global-windows.ts';
import { PurgingTrigger } from '../time/windows/purging-trigger.ts';
import type { GlobalWindow, Window } from '../time/windows/window.ts';
import type { WindowAssigner } from '../time/windows/window-assigner.ts';
import { DataStream, registerKeyedStream } from './data-stream.ts';
import type { KeyedProcessFunctionLike, ReduceFunction } from './functions.ts';
import { IntervalJoin } from './interval-join.ts';
import type { StreamExecutionEnvironment } from './stream-execution-environment.ts';
import { WindowedStream } from './windowed-stream.ts';

/** Names of the fields of `T` that hold numbers. */
export type NumericField<T> = { [F in keyof T]-?: T[F] extends number ? F : never }[keyof T] & string;
/** A field argument: required for objects, absent for a stream of numbers. */
type FieldArgs<T> = T extends number ? [] : [field: NumericField<T>];
/**
 * Arguments of `minBy` / `maxBy`: the field (as for `sum`), then Flink's optional `first` flag — on
 * ties, keep the first record (true, the default) or the last one (false).
 */
type FieldByArgs<T> = T extends number ? [first?: boolean] : [field: NumericField<T>, first?: boolean];

/**
 * A stream partitioned by key (`keyBy`): each key's records go to one subtask, and operators on it
 * have keyed state and timers. Operators applied to it (`map`, `flatMap`...) are keyed too.
 */
export class KeyedStream<T, K extends Key> extends DataStream<T> {
  readonly keySelector: (value: T) => K;

  constructor(
    environment: StreamExecutionEnvironment,
    transformation: Transformation,
    keySelector: (value: T) => K,
  ) {
    super(environment, transformation);
    this.keySelector = keySelector;
  }

  getKeySelector(): (value: T) => K {
    return this.keySelector;
  }

  /** Runs a KeyedProcessFunction: keyed state, event- and processing-time timers, side outputs. */
  override process<R>(fn: KeyedProcessFunctionLike<K, T, R>): DataStream<R> {
    return this.transform<R>('keyed-process', 'KeyedProcess', fn);
  }

  /** Cuts each key's records into windows (tumbling, sliding, session, global...). */
  window<W extends Window>(assigner: WindowAssigner<T, W>): WindowedStream<T, K, W> {
    return new WindowedStream<T, K, W>(this, assigner);
  }

  /**
   * Count windows: every `size` elements of a key (tumbling), or the last `size` elements every
   * `slide` elements (sliding), as Flink builds them from global windows, a count trigger and a
   * count evictor.
   */
  countWindow(size: number, slide?: number): WindowedStream<T, K, GlobalWindow> {
    const windowed = this.window(GlobalWindows.create() as WindowAssigner<T, GlobalWindow>);
    if (slide === undefined) return windowed.trigger(PurgingTrigger.of(CountTrigger.of(size)) as never);
    return windowed.evictor(CountEvictor.of(size) as never).trigger(CountTrigger.of(slide) as never);
  }

  /**
   * Interval join with another keyed stream of the same key type: pairs each element with the
   * other stream's elements of its key within a time interval around its timestamp (event time).
   * @example
   * orders.keyBy((o) => o.user)
   *   .intervalJoin(clicks.keyBy((c) => c.user))
   *   .between(Time.minutes(-5), 0)
   *   .process((order, click, ctx, out: Collector<string>) => out.collect(`${order.id}: ${click.page}`));
   */
  intervalJoin<B>(other: KeyedStream<B, K>): IntervalJoin<T, B, K> {
    return new IntervalJoin<T, B, K>(this, other);
  }

  /** Rolling reduce: emits the reduced value of the record's key after each record. */
  reduce(fn: ReduceFunction<T>): DataStream<T> {
    return this.transform<T>('reduce', 'Keyed Reduce', fn);
  }

  /** Rolling sum of a field; other fields are those of the key's first record. */
  sum(...field: FieldArgs<T>): DataStream<T> {
    return this.aggregate('sum', field[0]);
  }
  /** Rolling minimum of a field; other fields are those of the key's first record. */
  min(...field: FieldArgs<T>): DataStream<T> {
    return this.aggregate('min', field[0]);
  }
  /** Rolling maximum of a field; other fields are those of the key's first record. */
  max(...field: FieldArgs<T>): DataStream<T> {
    return this.aggregate('max', field[0]);
  }
  /**
   * The record with the smallest value of a field so far. On ties, the first such record
   * (`first` true, the default) or the last one (`first` false), as Flink's `minBy(field, first)`.
   */
  minBy(...args: FieldByArgs<T>): DataStream<T> {
    return this.aggregateBy('minBy', args);
  }
  /**
   * The record with the largest value of a field so far. On ties, the first such record
   * (`first` true, the default) or the last one (`first` false), as Flink's `maxBy(field, first)`.
   */
  maxBy(...args: FieldByArgs<T>): DataStream<T> {
    return this.aggregateBy('maxBy', args);
  }

  private aggregateBy(kind: 'minBy' | 'maxBy', args: unknown[]): DataStream<T> {
    // A stream of numbers has no field: its only argument is the flag.
    const [field, first = true] = typeof args[0] === 'boolean' ? [undefined, args[0]] : args;
    if (typeof first !== 'boolean') {
      throw new WeirError('INVALID_ARGUMENT', `${kind} expects a boolean "first" flag, got ${typeof first}`);
    }
    return this.aggregate(kind, field as string | undefined, first);
  }

  private aggregate(
    kind: 'sum' | 'min' | 'max' | 'minBy' | 'maxBy',
    field: string | undefined,
    first = true,
  ): DataStream<T> {
    if (field !== undefined && typeof field !== 'string') {
      throw new WeirError('INVALID_ARGUMENT', `${kind} expects a field name`);
    }
    const t = this.environment.addPhysical({
      operator: 'aggregation',
      name: field ? `Keyed ${kind}(${field})` : `Keyed ${kind}`,
      inputs: [[this.transformation]],
      config: { aggregation: kind, field: field ?? null, first },
    });
    return new DataStream<T>(this.environment, t);
  }
}

registerKeyedStream((env, t, selector) => new KeyedStream(env, t, selector));
