import type { Collector, OutputTag } from '../core/collector.ts';
import { AbstractRichFunction, type RichFunction } from './functions.ts';

/**
 * The functions of joins, as Flink's: a JoinFunction returns one result per pair, a FlatJoinFunction
 * emits any number through its collector, a CoGroupFunction sees all elements of a key and window
 * from both sides, and a ProcessJoinFunction handles the pairs of an interval join with their
 * timestamps. Each is a lambda, an object with the method, or a class instance (the `Rich*`
 * classes and {@link ProcessJoinFunction} get `getRuntimeContext()` from `open` on).
 */

export interface JoinFunctionObject<A, B, R> extends RichFunction {
  join(left: A, right: B): R;
}
/** Returns one result per joined pair: `(left, right) => result`. */
export type JoinFunction<A, B, R> = ((left: A, right: B) => R) | JoinFunctionObject<A, B, R>;

export interface FlatJoinFunctionObject<A, B, R> extends RichFunction {
  join(left: A, right: B, out: Collector<R>): void;
}
/**
 * Emits any number of results per joined pair. At runtime it is told apart from a
 * {@link JoinFunction} by declaring three parameters: `(left, right, out) => ...`.
 */
export type FlatJoinFunction<A, B, R> =
  | ((left: A, right: B, out: Collector<R>) => void)
  | FlatJoinFunctionObject<A, B, R>;

/**
 * What a window join's `apply` takes: a {@link JoinFunction} or a {@link FlatJoinFunction}, written
 * as one type so that TypeScript types the parameters of either kind of lambda from context.
 */
export type JoinFunctionLike<A, B, R> =
  | ((left: A, right: B, out: Collector<R>) => R | void)
  | JoinFunctionLikeObject<A, B, R>;
export interface JoinFunctionLikeObject<A, B, R> extends RichFunction {
  join(left: A, right: B, out: Collector<R>): R | void;
}

export interface CoGroupFunctionObject<A, B, R> extends RichFunction {
  /** All elements of one key (and window) from each side; one side may be empty, never both. */
  coGroup(lefts: A[], rights: B[], out: Collector<R>): void;
}
export type CoGroupFunction<A, B, R> =
  | ((lefts: A[], rights: B[], out: Collector<R>) => void)
  | CoGroupFunctionObject<A, B, R>;

/** What a ProcessJoinFunction sees of the pair being joined. */
export interface ProcessJoinContext {
  /** Timestamp of the left element. */
  getLeftTimestamp(): number;
  /** Timestamp of the right element. */
  getRightTimestamp(): number;
  /** Timestamp of the result: the larger of both. */
  getTimestamp(): number;
  /** Emits to a side output. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

export interface ProcessJoinFunctionObject<A, B, R> extends RichFunction {
  processElement(left: A, right: B, ctx: ProcessJoinContext, out: Collector<R>): void;
}
export type ProcessJoinFunctionLike<A, B, R> =
  | ((left: A, right: B, ctx: ProcessJoinContext, out: Collector<R>) => void)
  | ProcessJoinFunctionObject<A, B, R>;

/**
 * Flink's ProcessJoinFunction as a class: the pairs of an interval join with their timestamps.
 * @example
 * class Pair extends ProcessJoinFunction<Click, Order, string> {
 *   processElement(click: Click, order: Order, ctx: ProcessJoinContext, out: Collector<string>) {
 *     out.collect(`${order.id} ${ctx.getRightTimestamp() - ctx.getLeftTimestamp()} ms after the click`);
 *   }
 * }
 */
export abstract class ProcessJoinFunction<A, B, R>
  extends AbstractRichFunction
  implements ProcessJoinFunctionObject<A, B, R>
{
  abstract processElement(left: A, right: B, ctx: ProcessJoinContext, out: Collector<R>): void;
}

/** A JoinFunction as a class, with `getRuntimeContext()`. */
export abstract class RichJoinFunction<A, B, R>
  extends AbstractRichFunction
  implements JoinFunctionObject<A, B, R>
{
  abstract join(left: A, right: B): R;
}

/** A FlatJoinFunction as a class, with `getRuntimeContext()`. */
export abstract class RichFlatJoinFunction<A, B, R>
  extends AbstractRichFunction
  implements FlatJoinFunctionObject<A, B, R>
{
  abstract join(left: A, right: B, out: Collector<R>): void;
}

/** A CoGroupFunction as a class, with `getRuntimeContext()`. */
export abstract class RichCoGroupFunction<A, B, R>
  extends AbstractRichFunction
  implements CoGroupFunctionObject<A, B, R>
{
  abstract coGroup(lefts: A[], rights: B[], out: Collector<R>): void;
}

/**
 * An element of the stream a window join or coGroup windows: both inputs tagged by their side, as
 * Flink's `TaggedUnion`. Triggers and evictors of a join see these.
 */
export type TaggedUnion<A, B> =
  | { readonly input: 1; readonly value: A }
  | { readonly input: 2; readonly value: B };
