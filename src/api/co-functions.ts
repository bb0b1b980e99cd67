/**
 * Functions of connected streams (`a.connect(b)`): one method per input, as in Flink. They are
 * objects (or class instances) with both methods, plus the optional `open(ctx)` and `close()` of
 * rich functions; classes extending the abstract classes below also get `getRuntimeContext()`.
 */
import type { Collector } from '../core/collector.ts';
import { WeirError } from '../core/errors.ts';
import type { Key } from '../core/key.ts';
import {
  AbstractRichFunction,
  type KeyedProcessContext,
  type OnTimerContext,
  type ProcessContext,
  type RichFunction,
} from './functions.ts';

/** Maps each input to the same output type: `map1` for the first input, `map2` for the second. */
export interface CoMapFunction<IN1, IN2, OUT> extends RichFunction {
  map1(value: IN1): OUT;
  map2(value: IN2): OUT;
}

/**
 * Emits any number of records per input record, through `out` or by returning an iterable (the
 * returned form lets TypeScript infer the output type).
 */
export interface CoFlatMapFunction<IN1, IN2, OUT> extends RichFunction {
  flatMap1(value: IN1, out: Collector<OUT>): Iterable<OUT> | undefined | void;
  flatMap2(value: IN2, out: Collector<OUT>): Iterable<OUT> | undefined | void;
}

/** A CoProcessFunction as an object: side outputs, the record's timestamp, processing time. */
export interface CoProcessFunctionObject<IN1, IN2, OUT> extends RichFunction {
  processElement1(value: IN1, ctx: ProcessContext, out: Collector<OUT>): void;
  processElement2(value: IN2, ctx: ProcessContext, out: Collector<OUT>): void;
}

/** A KeyedCoProcessFunction as an object: keyed state shared by both inputs, timers, `onTimer`. */
export interface KeyedCoProcessFunctionObject<K extends Key, IN1, IN2, OUT> extends RichFunction {
  processElement1(value: IN1, ctx: KeyedProcessContext<K>, out: Collector<OUT>): void;
  processElement2(value: IN2, ctx: KeyedProcessContext<K>, out: Collector<OUT>): void;
  onTimer?(timestamp: number, ctx: OnTimerContext<K>, out: Collector<OUT>): void;
}

/**
 * Flink's RichCoMapFunction: a CoMapFunction class with `open`, `close` and `getRuntimeContext()`
 * (keyed state when the connected streams are keyed).
 * @example
 * class Tag extends RichCoMapFunction<number, string, string> {
 *   map1(n: number) { return `number ${n}`; }
 *   map2(s: string) { return `string ${s}`; }
 * }
 * numbers.connect(strings).map(new Tag()); // DataStream<string>
 */
export abstract class RichCoMapFunction<IN1, IN2, OUT>
  extends AbstractRichFunction
  implements CoMapFunction<IN1, IN2, OUT>
{
  abstract map1(value: IN1): OUT;
  abstract map2(value: IN2): OUT;
}

/**
 * Flink's RichCoFlatMapFunction.
 * @example
 * class Control extends RichCoFlatMapFunction<string, string, string> {
 *   private blocked!: ValueState<boolean, boolean>;
 *   override open() { this.blocked = this.getRuntimeContext().getState(new ValueStateDescriptor('blocked', false)); }
 *   flatMap1(_control: string) { this.blocked.update(true); }
 *   flatMap2(word: string, out: Collector<string>) { if (!this.blocked.value()) out.collect(word); }
 * }
 * control.connect(words).keyBy((c) => c, (w) => w).flatMap(new Control());
 */
export abstract class RichCoFlatMapFunction<IN1, IN2, OUT>
  extends AbstractRichFunction
  implements CoFlatMapFunction<IN1, IN2, OUT>
{
  abstract flatMap1(value: IN1, out: Collector<OUT>): void;
  abstract flatMap2(value: IN2, out: Collector<OUT>): void;
}

/**
 * Flink's CoProcessFunction, on connected streams that are not keyed: the record's timestamp,
 * side outputs and processing time; timers need keyed streams (`keyBy(k1, k2)`).
 * @example
 * class Merge extends CoProcessFunction<Order, Refund, string> {
 *   processElement1(o: Order, ctx: ProcessContext, out: Collector<string>) { out.collect(`order ${o.id}`); }
 *   processElement2(r: Refund, ctx: ProcessContext, out: Collector<string>) { ctx.output(refunds, r); }
 * }
 */
export abstract class CoProcessFunction<IN1, IN2, OUT>
  extends AbstractRichFunction
  implements CoProcessFunctionObject<IN1, IN2, OUT>
{
  abstract processElement1(value: IN1, ctx: ProcessContext, out: Collector<OUT>): void;
  abstract processElement2(value: IN2, ctx: ProcessContext, out: Collector<OUT>): void;
}

/**
 * Flink's KeyedCoProcessFunction: both inputs keyed by the same key type; keyed state is shared by
 * both inputs for a key, and event- and processing-time timers call `onTimer`.
 * @example
 * class Enrich extends KeyedCoProcessFunction<string, Order, Customer, string> {
 *   private customer!: ValueState<Customer>;
 *   override open() { this.customer = this.getRuntimeContext().getState(new ValueStateDescriptor<Customer>('customer')); }
 *   processElement1(o: Order, ctx: KeyedProcessContext<string>, out: Collector<string>) {
 *     out.collect(`${o.id} by ${this.customer.value()?.name ?? 'unknown'}`);
 *   }
 *   processElement2(c: Customer) { this.customer.update(c); }
 * }
 * orders.connect(customers).keyBy((o) => o.customerId, (c) => c.id).process(new Enrich());
 */
export abstract class KeyedCoProcessFunction<K extends Key, IN1, IN2, OUT>
  extends AbstractRichFunction
  implements KeyedCoProcessFunctionObject<K, IN1, IN2, OUT>
{
  abstract processElement1(value: IN1, ctx: KeyedProcessContext<K>, out: Collector<OUT>): void;
  abstract processElement2(value: IN2, ctx: KeyedProcessContext<K>, out: Collector<OUT>): void;
  onTimer?(timestamp: number, ctx: OnTimerContext<K>, out: Collector<OUT>): void;
}

/**
 * @internal Checks that `fn` is an object with every one of `methods` and returns it typed.
 * `what` names the call for the error ("connect(...).map").
 */
export function requireMethods<O>(fn: unknown, what: string, ...methods: string[]): O {
  if (fn === null || typeof fn !== 'object') {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `${what} expects an object with ${describe(methods)} methods, got ${fn === null ? 'null' : typeof fn}`,
    );
  }
  const missing = methods.filter((m) => typeof (fn as Record<string, unknown>)[m] !== 'function');
  if (missing.length > 0) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `${what} expects an object with ${describe(methods)} methods; ${describe(missing)} ${missing.length === 1 ? 'is' : 'are'} missing`,
    );
  }
  return fn as O;
}

function describe(methods: string[]): string {
  const names = methods.map((m) => `${m}()`);
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
