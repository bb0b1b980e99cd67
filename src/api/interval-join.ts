import { OutputTag } from '../core/collector.ts';
import type { Duration } from '../core/duration.ts';
import { WeirError } from '../core/errors.ts';
import type { Key } from '../core/key.ts';
import { DataStream } from './data-stream.ts';
import type { ProcessJoinFunctionLike } from './join-functions.ts';
import type { KeyedStream } from './keyed-stream.ts';

/**
 * Interval join, as Flink's: joins each element `a` of the left keyed stream with the elements `b`
 * of the right one with the same key and `a.timestamp + lower <= b.timestamp <= a.timestamp + upper`.
 * Event time only. Elements are buffered per key until the watermark shows that no future element
 * of the other side can match them; elements behind the watermark are late and dropped (counted in
 * `numLateRecordsDropped`) or sent to a side output. Results carry the larger of both timestamps.
 *
 * @example
 * orders
 *   .keyBy((o) => o.userId)
 *   .intervalJoin(clicks.keyBy((c) => c.userId))
 *   .between(Time.minutes(-10), Time.seconds(0)) // clicks of the 10 minutes before the order
 *   .process((order, click, ctx, out: Collector<string>) => out.collect(`${order.id} after ${click.page}`));
 */
export class IntervalJoin<A, B, K extends Key> {
  private readonly left: KeyedStream<A, K>;
  private readonly right: KeyedStream<B, K>;

  constructor(left: KeyedStream<A, K>, right: KeyedStream<B, K>) {
    if (
      !right ||
      typeof right !== 'object' ||
      typeof (right as KeyedStream<B, K>).keySelector !== 'function'
    ) {
      throw new WeirError('INVALID_ARGUMENT', 'intervalJoin() expects a KeyedStream (other.keyBy(...))');
    }
    if (left.environment !== right.environment) {
      throw new WeirError('INVALID_ARGUMENT', 'cannot intervalJoin streams of different environments');
    }
    this.left = left;
    this.right = right;
  }

  /** The join uses event time (the only time it supports, as in Flink). */
  inEventTime(): this {
    return this;
  }

  /** Not supported, as in Flink: interval joins need event time. */
  inProcessingTime(): never {
    throw new WeirError('NOT_SUPPORTED', 'interval joins are only supported in event time');
  }

  /**
   * Matches right elements with timestamps in `[left + lowerBound, left + upperBound]` (both
   * inclusive until {@link IntervalJoined.lowerBoundExclusive} / `upperBoundExclusive`). Bounds are
   * milliseconds (or a Duration) and may be negative; `lowerBound <= upperBound`.
   */
  between(lowerBound: Duration, upperBound: Duration): IntervalJoined<A, B, K> {
    for (const [name, bound] of [
      ['lower', lowerBound],
      ['upper', upperBound],
    ] as const) {
      if (!Number.isSafeInteger(bound)) {
        throw new WeirError(
          'INVALID_ARGUMENT',
          `intervalJoin().between: the ${name} bound must be a whole number of milliseconds, got ${String(bound)}`,
        );
      }
    }
    if (lowerBound > upperBound) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `intervalJoin().between: the lower bound (${lowerBound}) must not exceed the upper bound (${upperBound})`,
      );
    }
    return new IntervalJoined(this.left, this.right, lowerBound, upperBound);
  }
}

/** An interval join with its bounds: optionally make a bound exclusive or route late data, then `process`. */
export class IntervalJoined<A, B, K extends Key> {
  private readonly left: KeyedStream<A, K>;
  private readonly right: KeyedStream<B, K>;
  private readonly lowerBound: number;
  private readonly upperBound: number;
  private lowerInclusive = true;
  private upperInclusive = true;
  private leftLateTag: OutputTag<A> | undefined;
  private rightLateTag: OutputTag<B> | undefined;

  constructor(left: KeyedStream<A, K>, right: KeyedStream<B, K>, lowerBound: number, upperBound: number) {
    this.left = left;
    this.right = right;
    this.lowerBound = lowerBound;
    this.upperBound = upperBound;
  }

  /** Excludes the lower bound: `left + lowerBound < right.timestamp`. */
  lowerBoundExclusive(): this {
    this.lowerInclusive = false;
    return this;
  }

  /** Excludes the upper bound: `right.timestamp < left + upperBound`. */
  upperBoundExclusive(): this {
    this.upperInclusive = false;
    return this;
  }

  /** Late left elements go to this side output instead of being counted and dropped. */
  sideOutputLeftLateData(tag: OutputTag<A>): this {
    if (!(tag instanceof OutputTag))
      throw new WeirError('INVALID_ARGUMENT', 'sideOutputLeftLateData expects an OutputTag');
    this.leftLateTag = tag;
    return this;
  }

  /** Late right elements go to this side output instead of being counted and dropped. */
  sideOutputRightLateData(tag: OutputTag<B>): this {
    if (!(tag instanceof OutputTag))
      throw new WeirError('INVALID_ARGUMENT', 'sideOutputRightLateData expects an OutputTag');
    this.rightLateTag = tag;
    return this;
  }

  /** Calls `fn` for every matching pair (left, right), with both timestamps in its context. */
  process<R>(fn: ProcessJoinFunctionLike<A, B, R>): DataStream<R> {
    if (
      typeof fn !== 'function' &&
      (fn === null || typeof fn !== 'object' || typeof fn.processElement !== 'function')
    ) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        'intervalJoin().process expects a function or an object with a processElement() method',
      );
    }
    // Exclusive bounds move by one millisecond, so the operator only checks inclusive ones.
    const lower = this.lowerInclusive ? this.lowerBound : this.lowerBound + 1;
    const upper = this.upperInclusive ? this.upperBound : this.upperBound - 1;
    if (lower > upper) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `intervalJoin(): the interval ${this.lowerInclusive ? '[' : '('}${this.lowerBound}, ${this.upperBound}${this.upperInclusive ? ']' : ')'} is empty`,
      );
    }
    const env = this.left.environment;
    const t = env.addPhysical({
      operator: 'interval-join',
      name: 'IntervalJoin',
      inputs: [[this.left.transformation], [this.right.transformation]],
      fn,
      config: {
        lowerBound: lower,
        upperBound: upper,
        leftLateTag: this.leftLateTag?.id ?? null,
        rightLateTag: this.rightLateTag?.id ?? null,
      },
    });
    t.keySelector = this.left.keySelector;
    t.keySelector2 = this.right.keySelector;
    return new DataStream<R>(env, t);
  }
}
