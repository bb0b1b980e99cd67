import type { Collector, OutputTag } from '../core/collector.ts';
import type { WindowAllPreAggregateOperatorConfig } from '../graph/operator-spec.ts';
import type { PhysicalTransformationOf, Transformation } from '../graph/transformation.ts';
import type { AggregateFunction } from '../state/state.ts';
import type { Evictor } from '../time/windows/evictor.ts';
import type { Trigger } from '../time/windows/trigger.ts';
import type { Window } from '../time/windows/window.ts';
import type { WindowAssigner } from '../time/windows/window-assigner.ts';
import { windowAssignerToSpec } from '../time/windows/window-assigner-spec.ts';
import type { DataStream } from './data-stream.ts';
import {
  asMethodObject,
  type ReduceFunction,
  type ReduceFunctionObject,
  type RichFunction,
} from './functions.ts';
import type { KeyedStream } from './keyed-stream.ts';
import type { RuntimeContext } from './runtime-context.ts';
import { openWrapped, WindowFunctionFactory } from './window-function-factory.ts';
import type {
  ProcessWindowContext,
  ProcessWindowFunctionLike,
  ProcessWindowFunctionObject,
} from './window-functions.ts';
import type { WindowedStream } from './windowed-stream.ts';

/** The function of a `windowAll` window: all elements of the window, no key. */
export interface ProcessAllWindowFunctionObject<IN, OUT, W extends Window> extends RichFunction {
  process(context: ProcessWindowContext<W>, elements: Iterable<IN>, out: Collector<OUT>): void;
  clear?(context: ProcessWindowContext<W>): void;
}

export type ProcessAllWindowFunctionLike<IN, OUT, W extends Window> =
  | ((context: ProcessWindowContext<W>, elements: Iterable<IN>, out: Collector<OUT>) => void)
  | ProcessAllWindowFunctionObject<IN, OUT, W>;

/**
 * Windows over a whole, non-keyed stream (`windowAll`). As in Flink, the window operator is not
 * parallel: every window is computed by one subtask.
 *
 * Pre-aggregation, an optimization with identical results: `reduce`, and `aggregate` with an
 * AggregateFunction that has `merge`, over event-time tumbling or sliding (slide <= size) windows
 * with the assigner's default trigger, no evictor, no allowed lateness and no late-data side output,
 * from an input of parallelism > 1, run in two phases, as Flink SQL's local-global window
 * aggregation does (Flink's DataStream `windowAll` does not). Each input subtask folds its elements
 * per window (per gcd(size, slide) slice when sliding) and sends the partial on when its watermark
 * passes the window's end − 1 (also when its input turns idle, before each checkpoint and at end
 * of input); the window subtask then reduces (`reduce`) or merges (`aggregate`) the partials. Its
 * output is the single-phase plan's: the same values, timestamps (the window's max timestamp) and
 * late drops; the exchange only carries a few partials instead of every element. The reduce
 * function and `merge` must be associative and commutative (as Flink assumes of them), and an
 * accumulator crosses the exchange as records do. No state is added (partials go on before each
 * snapshot), and the window operator keeps its uid, so savepoints restore across the two plans and
 * at any parallelism. Any other case keeps the single-phase plan: processing time (whose windows
 * one subtask cannot materialize for others, as in Flink SQL), a trigger (even the default one),
 * an evictor, allowed lateness, a late side output, `process`.
 *
 * @example
 * events.windowAll(TumblingEventTimeWindows.of(Time.minutes(1))).aggregate(countAll);
 */
export class AllWindowedStream<T, W extends Window> {
  private readonly windowed: WindowedStream<T, 0, W>;
  /** A trigger, an evictor, allowed lateness or a late side output was set: no pre-aggregation. */
  private customized = false;
  /** The exchange's id went to a local phase already (a second reduce/aggregate takes a new one). */
  private exchangeIdTaken = false;

  constructor(windowed: WindowedStream<T, 0, W>) {
    this.windowed = windowed;
  }

  trigger(trigger: Trigger<T, W>): this {
    this.windowed.trigger(trigger);
    this.customized = true;
    return this;
  }
  evictor(evictor: Evictor<T, W>): this {
    this.windowed.evictor(evictor);
    this.customized = true;
    return this;
  }
  /** Allowed lateness > 0 keeps the single-phase plan (no pre-aggregation). */
  allowedLateness(lateness: number): this {
    this.windowed.allowedLateness(lateness);
    if (lateness > 0) this.customized = true;
    return this;
  }
  /** A late-data side output keeps the single-phase plan (no pre-aggregation). */
  sideOutputLateData(tag: OutputTag<T>): this {
    this.windowed.sideOutputLateData(tag);
    this.customized = true;
    return this;
  }

  /** Reduces each window; pre-aggregated per input subtask where the class TSDoc says. */
  reduce(fn: ReduceFunction<T>): DataStream<T>;
  reduce<R>(fn: ReduceFunction<T>, windowFunction: ProcessAllWindowFunctionLike<T, R, W>): DataStream<R>;
  reduce<R>(
    fn: ReduceFunction<T>,
    windowFunction?: ProcessAllWindowFunctionLike<T, R, W>,
  ): DataStream<T | R> {
    const reducer = asMethodObject<ReduceFunctionObject<T>>(fn, 'reduce');
    const windowed = this.preAggregated('reduce', reducer) ?? this.windowed;
    const out =
      windowFunction === undefined
        ? windowed.reduce(reducer)
        : windowed.reduce(reducer, keyless(windowFunction));
    return out.setParallelism(1) as DataStream<T | R>;
  }

  /** Aggregates each window; pre-aggregated per input subtask (with `merge`) where the class TSDoc says. */
  aggregate<ACC, V>(fn: AggregateFunction<T, ACC, V>): DataStream<V>;
  aggregate<ACC, V, R>(
    fn: AggregateFunction<T, ACC, V>,
    windowFunction: ProcessAllWindowFunctionLike<V, R, W>,
  ): DataStream<R>;
  aggregate<ACC, V, R>(
    fn: AggregateFunction<T, ACC, V>,
    windowFunction?: ProcessAllWindowFunctionLike<V, R, W>,
  ): DataStream<V | R> {
    const merges = typeof fn?.merge === 'function' && typeof fn.add === 'function';
    const partials = merges ? this.preAggregated('aggregate', fn) : undefined;
    if (partials !== undefined) {
      // The window's accumulator is the merge of the partial accumulators.
      const global = partials as unknown as WindowedStream<ACC, 0, W>;
      const merging = new MergeAccumulators(fn);
      const out =
        windowFunction === undefined
          ? global.aggregate(merging)
          : global.aggregate(merging, keyless(windowFunction));
      return out.setParallelism(1) as DataStream<V | R>;
    }
    const out =
      windowFunction === undefined
        ? this.windowed.aggregate(fn)
        : this.windowed.aggregate(fn, keyless(windowFunction));
    return out.setParallelism(1) as DataStream<V | R>;
  }

  process<R>(fn: ProcessAllWindowFunctionLike<T, R, W>): DataStream<R> {
    return this.windowed.process(keyless(fn)).setParallelism(1);
  }

  /**
   * The windows of the partials of a local pre-aggregation phase (see the class TSDoc), or
   * undefined when the single-phase plan applies. The local operator takes the id of the
   * `windowAll` exchange (which has no uid of its own), and the new exchange keeps it, so the global
   * window operator and everything after it keep the uids (`<kind>-<id>`) of the single-phase plan:
   * savepoints restore across the two plans, whichever parallelism each ran at.
   */
  private preAggregated(
    contents: WindowAllPreAggregateOperatorConfig['contents'],
    fn: unknown,
  ): WindowedStream<T, 0, W> | undefined {
    if (this.customized) return undefined;
    // The keyed stream and assigner windowAll gave (WindowedStream keeps them private).
    const { input: keyed, assigner } = this.windowed as unknown as {
      input: KeyedStream<T, 0>;
      assigner: WindowAssigner<T, W>;
    };
    const spec = windowAssignerToSpec(assigner);
    if (spec.kind !== 'tumbling-event-time' && spec.kind !== 'sliding-event-time') return undefined;
    // Slide > size leaves gaps no window covers: their elements stay single-phase (counted as such).
    if (spec.kind === 'sliding-event-time' && spec.slide > spec.size) return undefined;
    const exchange = keyed.transformation;
    if (exchange.kind !== 'partition') return undefined;
    const env = keyed.environment;
    const input = exchange.input;
    if (inputParallelism(input, env.getParallelism()) <= 1) return undefined;
    const local: PhysicalTransformationOf<'window-all-pre-aggregate'> = {
      kind: 'physical',
      id: this.exchangeIdTaken ? env.nextTransformationId() : exchange.id,
      operator: 'window-all-pre-aggregate',
      name: `WindowAllPreAggregate(${assigner.constructor?.name ?? 'assigner'})`,
      inputs: [[input]],
      fn,
      config: { contents, assigner: spec },
      // The input's parallelism, so that it chains to the input.
      ...(input.kind === 'physical'
        ? { parallelism: input.parallelism, parallelismLimit: input.parallelismLimit }
        : {}),
      chainable: true,
      source: false,
    };
    this.exchangeIdTaken = true;
    // KeyedStream by its instance's constructor: importing its module here would close a cycle.
    const KeyedStreamOf = keyed.constructor as new (
      ...args: ConstructorParameters<typeof KeyedStream<T, 0>>
    ) => KeyedStream<T, 0>;
    return new KeyedStreamOf(env, { ...exchange, input: local }, keyed.keySelector).window(assigner);
  }
}

/** The parallelism the job graph builder will give `t`'s records (fallback: the default). */
function inputParallelism(t: Transformation, fallback: number): number {
  if (t.kind !== 'physical') return fallback;
  return t.parallelism ?? Math.min(fallback, t.parallelismLimit ?? Number.POSITIVE_INFINITY);
}

/**
 * The global phase of a pre-aggregated `aggregate`: its inputs are partial accumulators, each
 * merged into the window's accumulator (a fresh one first, so a partial is never merged into).
 */
class MergeAccumulators<ACC, V> implements AggregateFunction<ACC, ACC, V> {
  private readonly fn: AggregateFunction<unknown, ACC, V>;

  constructor(fn: AggregateFunction<any, ACC, V>) {
    this.fn = fn;
  }
  createAccumulator(): ACC {
    return this.fn.createAccumulator();
  }
  add(partial: ACC, accumulator: ACC): ACC {
    return this.fn.merge(accumulator, partial);
  }
  getResult(accumulator: ACC): V {
    return this.fn.getResult(accumulator);
  }
  merge(a: ACC, b: ACC): ACC {
    return this.fn.merge(a, b);
  }
}

/**
 * Adapts a keyless window function to the keyed window operator (whose key is always 0): made per
 * subtask around its own instance of `fn`.
 */
function keyless<IN, OUT, W extends Window>(
  fn: ProcessAllWindowFunctionLike<IN, OUT, W>,
): ProcessWindowFunctionLike<IN, OUT, 0, W> {
  return new WindowFunctionFactory(
    asMethodObject<KeylessInner<IN, OUT, W>>(fn, 'process'),
    (own) => new KeylessWindowFunction(own),
  ).asWindowFunction();
}

type KeylessInner<IN, OUT, W extends Window> = ProcessAllWindowFunctionObject<IN, OUT, W> & {
  setRuntimeContext?: (c: RuntimeContext) => void;
};

class KeylessWindowFunction<IN, OUT, W extends Window> implements ProcessWindowFunctionObject<IN, OUT, 0, W> {
  private readonly inner: KeylessInner<IN, OUT, W>;

  constructor(inner: KeylessInner<IN, OUT, W>) {
    this.inner = inner;
  }
  open(context: RuntimeContext): Promise<void> {
    return openWrapped(this.inner, context);
  }
  async close(): Promise<void> {
    await this.inner.close?.();
  }
  process(_key: 0, context: ProcessWindowContext<W>, elements: Iterable<IN>, out: Collector<OUT>): void {
    this.inner.process(context, elements, out);
  }
  clear(context: ProcessWindowContext<W>): void {
    this.inner.clear?.(context);
  }
}
