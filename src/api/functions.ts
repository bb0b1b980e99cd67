import type { Collector, OutputTag } from '../core/collector.ts';
import { WeirError } from '../core/errors.ts';
import type { Key } from '../core/key.ts';
import type { TimerService } from '../time/timer-service.ts';
import type { RuntimeContext } from './runtime-context.ts';

/**
 * User functions are plain lambdas or objects (or class instances) with the function's method and,
 * optionally, `open(ctx)` and `close()` — Flink's rich functions. Classes extending
 * {@link AbstractRichFunction} also get `getRuntimeContext()`.
 */
export interface RichFunction {
  open?(context: RuntimeContext): void | Promise<void>;
  close?(): void | Promise<void>;
}

/** Base class for rich functions written as classes: `getRuntimeContext()` works from `open` on. */
export abstract class AbstractRichFunction implements RichFunction {
  private runtimeContext: RuntimeContext | undefined;

  /** Called by the runtime before `open`. */
  setRuntimeContext(context: RuntimeContext): void {
    this.runtimeContext = context;
  }

  getRuntimeContext(): RuntimeContext {
    if (!this.runtimeContext) {
      throw new WeirError(
        'RUNTIME_CONTEXT_UNAVAILABLE',
        `${this.constructor.name}.getRuntimeContext(): the runtime context is available from open() on`,
      );
    }
    return this.runtimeContext;
  }

  open?(context: RuntimeContext): void | Promise<void>;
  close?(): void | Promise<void>;
}

export interface MapFunctionObject<T, R> extends RichFunction {
  map(value: T): R;
}
export type MapFunction<T, R> = ((value: T) => R) | MapFunctionObject<T, R>;

export interface FilterFunctionObject<T> extends RichFunction {
  filter(value: T): boolean;
}
export type FilterFunction<T> = ((value: T) => boolean) | FilterFunctionObject<T>;

export interface FlatMapFunctionObject<T, R> extends RichFunction {
  flatMap(value: T, out: Collector<R>): void;
}
/** A lambda may emit through `out` or return an iterable of results (or both). */
export type FlatMapFunction<T, R> =
  | ((value: T, out: Collector<R>) => Iterable<R> | undefined | void)
  | FlatMapFunctionObject<T, R>;

export interface ReduceFunctionObject<T> extends RichFunction {
  reduce(a: T, b: T): T;
}
export type ReduceFunction<T> = ((a: T, b: T) => T) | ReduceFunctionObject<T>;

export abstract class RichMapFunction<T, R> extends AbstractRichFunction implements MapFunctionObject<T, R> {
  abstract map(value: T): R;
}
export abstract class RichFilterFunction<T> extends AbstractRichFunction implements FilterFunctionObject<T> {
  abstract filter(value: T): boolean;
}
export abstract class RichFlatMapFunction<T, R>
  extends AbstractRichFunction
  implements FlatMapFunctionObject<T, R>
{
  abstract flatMap(value: T, out: Collector<R>): void;
}
export abstract class RichReduceFunction<T> extends AbstractRichFunction implements ReduceFunctionObject<T> {
  abstract reduce(a: T, b: T): T;
}

/** The context of `processElement` in a ProcessFunction. */
export interface ProcessContext {
  /** Event time of the current record, or undefined when it has none. */
  timestamp(): number | undefined;
  timerService(): TimerService;
  /** Emits to a side output. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

export interface ProcessFunctionObject<T, R> extends RichFunction {
  processElement(value: T, ctx: ProcessContext, out: Collector<R>): void;
}
export type ProcessFunctionLike<T, R> =
  | ((value: T, ctx: ProcessContext, out: Collector<R>) => void)
  | ProcessFunctionObject<T, R>;

export type TimeDomain = 'EVENT_TIME' | 'PROCESSING_TIME';

export interface KeyedProcessContext<K extends Key> extends ProcessContext {
  getCurrentKey(): K;
}
export interface OnTimerContext<K extends Key> extends KeyedProcessContext<K> {
  timeDomain(): TimeDomain;
}

export interface KeyedProcessFunctionObject<K extends Key, T, R> extends RichFunction {
  processElement(value: T, ctx: KeyedProcessContext<K>, out: Collector<R>): void;
  onTimer?(timestamp: number, ctx: OnTimerContext<K>, out: Collector<R>): void;
}
export type KeyedProcessFunctionLike<K extends Key, T, R> =
  | ((value: T, ctx: KeyedProcessContext<K>, out: Collector<R>) => void)
  | KeyedProcessFunctionObject<K, T, R>;

/**
 * Flink's ProcessFunction as a class: override `processElement`; `getRuntimeContext()` in `open`.
 * @example
 * class Split extends ProcessFunction<number, number> {
 *   processElement(n: number, ctx: ProcessContext, out: Collector<number>) {
 *     if (n < 0) ctx.output(negatives, n); else out.collect(n);
 *   }
 * }
 */
export abstract class ProcessFunction<T, R>
  extends AbstractRichFunction
  implements ProcessFunctionObject<T, R>
{
  abstract processElement(value: T, ctx: ProcessContext, out: Collector<R>): void;
}

/**
 * Flink's KeyedProcessFunction as a class, with keyed state and timers.
 * @example
 * class Total extends KeyedProcessFunction<string, Tx, string> {
 *   private sum!: ValueState<number, number>;
 *   override open() { this.sum = this.getRuntimeContext().getState(new ValueStateDescriptor('sum', 0)); }
 *   processElement(tx: Tx, ctx: KeyedProcessContext<string>, out: Collector<string>) {
 *     this.sum.update(this.sum.value() + tx.amount);
 *     if (this.sum.value() > 1000) out.collect(`alert ${ctx.getCurrentKey()}`);
 *   }
 * }
 */
export abstract class KeyedProcessFunction<K extends Key, T, R>
  extends AbstractRichFunction
  implements KeyedProcessFunctionObject<K, T, R>
{
  abstract processElement(value: T, ctx: KeyedProcessContext<K>, out: Collector<R>): void;
  onTimer?(timestamp: number, ctx: OnTimerContext<K>, out: Collector<R>): void;
}

/** Normalizes a lambda or an object to the object form, keeping the object (and its `this`). */
export function asMethodObject<O extends object>(fn: unknown, method: string): O {
  if (typeof fn === 'function') return { [method]: fn } as unknown as O;
  if (
    fn === null ||
    typeof fn !== 'object' ||
    typeof (fn as Record<string, unknown>)[method] !== 'function'
  ) {
    throw new WeirError('INVALID_ARGUMENT', `expected a function or an object with a ${method}() method`);
  }
  return fn as O;
}
