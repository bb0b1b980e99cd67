/**
 * Functions of the broadcast state pattern (`stream.connect(other.broadcast(descriptor))`), as in
 * Flink. `processBroadcastElement` sees every broadcast element in every subtask and may change the
 * broadcast state; `processElement` sees the records of the other stream and only reads it, so that
 * every subtask's copy of the broadcast state stays the same.
 */
import type { Collector, OutputTag } from '../core/collector.ts';
import type { Key } from '../core/key.ts';
import type { BroadcastState, ReadOnlyBroadcastState } from '../state/broadcast-state.ts';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from '../state/state.ts';
import type {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from '../state/state-descriptor.ts';
import type { TimerService } from '../time/timer-service.ts';
import { AbstractRichFunction, type RichFunction, type TimeDomain } from './functions.ts';

/** What both sides see: the record's timestamp, time, side outputs. */
export interface BroadcastBaseContext {
  /** Event time of the current record, or undefined when it has none. */
  timestamp(): number | undefined;
  currentProcessingTime(): number;
  currentWatermark(): number;
  /** Emits to a side output. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** The context of `processBroadcastElement`: writable broadcast state. */
export interface BroadcastProcessContext extends BroadcastBaseContext {
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V>;
}

/** The context of `processElement`: read-only broadcast state. */
export interface ReadOnlyBroadcastProcessContext extends BroadcastBaseContext {
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): ReadOnlyBroadcastState<K, V>;
}

/**
 * The context of `processBroadcastElement` on a keyed stream: besides writable broadcast state,
 * `applyToKeyedState` runs a function on the state of every key of this subtask that has a value
 * in the given state (there is no current key on the broadcast side).
 */
export interface KeyedBroadcastProcessContext<K extends Key> extends BroadcastProcessContext {
  applyToKeyedState<T, V>(
    descriptor: ValueStateDescriptor<T, V>,
    fn: (key: K, state: ValueState<T, V>) => void,
  ): void;
  applyToKeyedState<T>(descriptor: ListStateDescriptor<T>, fn: (key: K, state: ListState<T>) => void): void;
  applyToKeyedState<UK, UV>(
    descriptor: MapStateDescriptor<UK, UV>,
    fn: (key: K, state: MapState<UK, UV>) => void,
  ): void;
  applyToKeyedState<T>(
    descriptor: ReducingStateDescriptor<T>,
    fn: (key: K, state: ReducingState<T>) => void,
  ): void;
  applyToKeyedState<IN, ACC, OUT>(
    descriptor: AggregatingStateDescriptor<IN, ACC, OUT>,
    fn: (key: K, state: AggregatingState<IN, OUT>) => void,
  ): void;
}

/** The context of `processElement` on a keyed stream: read-only broadcast state, the key, timers. */
export interface KeyedReadOnlyBroadcastProcessContext<K extends Key> extends ReadOnlyBroadcastProcessContext {
  getCurrentKey(): K;
  timerService(): TimerService;
}

/** The context of `onTimer` of a KeyedBroadcastProcessFunction. */
export interface KeyedBroadcastOnTimerContext<K extends Key> extends KeyedReadOnlyBroadcastProcessContext<K> {
  timeDomain(): TimeDomain;
}

/** A BroadcastProcessFunction as an object. */
export interface BroadcastProcessFunctionObject<IN1, IN2, OUT> extends RichFunction {
  processElement(value: IN1, ctx: ReadOnlyBroadcastProcessContext, out: Collector<OUT>): void;
  processBroadcastElement(value: IN2, ctx: BroadcastProcessContext, out: Collector<OUT>): void;
}

/** A KeyedBroadcastProcessFunction as an object. */
export interface KeyedBroadcastProcessFunctionObject<K extends Key, IN1, IN2, OUT> extends RichFunction {
  processElement(value: IN1, ctx: KeyedReadOnlyBroadcastProcessContext<K>, out: Collector<OUT>): void;
  processBroadcastElement(value: IN2, ctx: KeyedBroadcastProcessContext<K>, out: Collector<OUT>): void;
  onTimer?(timestamp: number, ctx: KeyedBroadcastOnTimerContext<K>, out: Collector<OUT>): void;
}

/**
 * Flink's BroadcastProcessFunction, for a non-keyed stream connected to a broadcast stream.
 * @example
 * const config = new MapStateDescriptor<string, number>('config');
 * class Threshold extends BroadcastProcessFunction<Reading, [string, number], Reading> {
 *   processElement(r: Reading, ctx: ReadOnlyBroadcastProcessContext, out: Collector<Reading>) {
 *     if (r.value > (ctx.getBroadcastState(config).get('max') ?? Infinity)) out.collect(r);
 *   }
 *   processBroadcastElement([k, v]: [string, number], ctx: BroadcastProcessContext) {
 *     ctx.getBroadcastState(config).put(k, v);
 *   }
 * }
 * readings.connect(settings.broadcast(config)).process(new Threshold());
 */
export abstract class BroadcastProcessFunction<IN1, IN2, OUT>
  extends AbstractRichFunction
  implements BroadcastProcessFunctionObject<IN1, IN2, OUT>
{
  abstract processElement(value: IN1, ctx: ReadOnlyBroadcastProcessContext, out: Collector<OUT>): void;
  abstract processBroadcastElement(value: IN2, ctx: BroadcastProcessContext, out: Collector<OUT>): void;
}

/**
 * Flink's KeyedBroadcastProcessFunction, for a keyed stream connected to a broadcast stream: keyed
 * state and timers on the keyed side, `applyToKeyedState` on the broadcast side.
 * @example
 * const rules = new MapStateDescriptor<string, Rule>('rules');
 * class Match extends KeyedBroadcastProcessFunction<string, Tx, Rule, Alert> {
 *   processElement(tx: Tx, ctx: KeyedReadOnlyBroadcastProcessContext<string>, out: Collector<Alert>) {
 *     for (const [name, rule] of ctx.getBroadcastState(rules).entries())
 *       if (tx.amount > rule.limit) out.collect({ user: ctx.getCurrentKey(), rule: name });
 *   }
 *   processBroadcastElement(rule: Rule, ctx: KeyedBroadcastProcessContext<string>) {
 *     ctx.getBroadcastState(rules).put(rule.name, rule);
 *   }
 * }
 * txs.keyBy((t) => t.user).connect(ruleUpdates.broadcast(rules)).process(new Match());
 */
export abstract class KeyedBroadcastProcessFunction<K extends Key, IN1, IN2, OUT>
  extends AbstractRichFunction
  implements KeyedBroadcastProcessFunctionObject<K, IN1, IN2, OUT>
{
  abstract processElement(
    value: IN1,
    ctx: KeyedReadOnlyBroadcastProcessContext<K>,
    out: Collector<OUT>,
  ): void;
  abstract processBroadcastElement(
    value: IN2,
    ctx: KeyedBroadcastProcessContext<K>,
    out: Collector<OUT>,
  ): void;
  onTimer?(timestamp: number, ctx: KeyedBroadcastOnTimerContext<K>, out: Collector<OUT>): void;
}
