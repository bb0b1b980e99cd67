import type { Collector, OutputTag } from '../core/collector.ts';
import type { AggregateFunction } from '../state/state.ts';
import type { Evictor } from '../time/windows/evictor.ts';
import type { Trigger } from '../time/windows/trigger.ts';
import type { Window } from '../time/windows/window.ts';
import type { DataStream } from './data-stream.ts';
import { asMethodObject, type ReduceFunction, type RichFunction } from './functions.ts';
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
 * Windows over a whole, non-keyed stream (`windowAll`). As in Flink, this operator is not
 * parallel: every element goes to one subtask.
 *
 * @example
 * events.windowAll(TumblingEventTimeWindows.of(Time.minutes(1))).aggregate(countAll);
 */
export class AllWindowedStream<T, W extends Window> {
  private readonly windowed: WindowedStream<T, 0, W>;

  constructor(windowed: WindowedStream<T, 0, W>) {
    this.windowed = windowed;
  }

  trigger(trigger: Trigger<T, W>): this {
    this.windowed.trigger(trigger);
    return this;
  }
  evictor(evictor: Evictor<T, W>): this {
    this.windowed.evictor(evictor);
    return this;
  }
  allowedLateness(lateness: number): this {
    this.windowed.allowedLateness(lateness);
    return this;
  }
  sideOutputLateData(tag: OutputTag<T>): this {
    this.windowed.sideOutputLateData(tag);
    return this;
  }

  reduce(fn: ReduceFunction<T>): DataStream<T>;
  reduce<R>(fn: ReduceFunction<T>, windowFunction: ProcessAllWindowFunctionLike<T, R, W>): DataStream<R>;
  reduce<R>(
    fn: ReduceFunction<T>,
    windowFunction?: ProcessAllWindowFunctionLike<T, R, W>,
  ): DataStream<T | R> {
    const out =
      windowFunction === undefined
        ? this.windowed.reduce(fn)
        : this.windowed.reduce(fn, keyless(windowFunction));
    return out.setParallelism(1) as DataStream<T | R>;
  }

  aggregate<ACC, V>(fn: AggregateFunction<T, ACC, V>): DataStream<V>;
  aggregate<ACC, V, R>(
    fn: AggregateFunction<T, ACC, V>,
    windowFunction: ProcessAllWindowFunctionLike<V, R, W>,
  ): DataStream<R>;
  aggregate<ACC, V, R>(
    fn: AggregateFunction<T, ACC, V>,
    windowFunction?: ProcessAllWindowFunctionLike<V, R, W>,
  ): DataStream<V | R> {
    const out =
      windowFunction === undefined
        ? this.windowed.aggregate(fn)
        : this.windowed.aggregate(fn, keyless(windowFunction));
    return out.setParallelism(1) as DataStream<V | R>;
  }

  process<R>(fn: ProcessAllWindowFunctionLike<T, R, W>): DataStream<R> {
    return this.windowed.process(keyless(fn)).setParallelism(1);
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
