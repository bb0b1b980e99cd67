import { WeirError } from '../core/errors.ts';
import type { Key } from '../core/key.ts';
import type { PhysicalTransformation } from '../graph/transformation.ts';
import type { Evictor } from '../time/windows/evictor.ts';
import type { Trigger } from '../time/windows/trigger.ts';
import type { Window } from '../time/windows/window.ts';
import type { WindowAssigner } from '../time/windows/window-assigner.ts';
import { alignedTimeWindowSpec, windowAssignerToSpec } from '../time/windows/window-assigner-spec.ts';
import { CoGroupWindowFunction, type CoGroupWindowFunctionFactory } from './co-group-window-function.ts';
import type { DataStream } from './data-stream.ts';
import type { CoGroupFunction, TaggedUnion } from './join-functions.ts';

/**
 * Window coGroup, as Flink's `CoGroupedStreams`: for every key and window, a CoGroupFunction gets
 * all elements of that key from both streams — keys with elements on one side only too, with an
 * empty list for the other. As in Flink, it is built from the public window API: each input is
 * tagged with its side (a {@link TaggedUnion}), the two are unioned, keyed by the key selector of
 * each element's side, windowed, and a window function splits each window's elements by side.
 * Results of event-time windows carry the window's `maxTimestamp()`.
 *
 * @example
 * orders
 *   .coGroup(payments)
 *   .where((o) => o.orderId)
 *   .equalTo((p) => p.orderId)
 *   .window(TumblingEventTimeWindows.of(Time.minutes(1)))
 *   .apply((os: Order[], ps: Payment[], out: Collector<string>) => {
 *     if (ps.length === 0) for (const o of os) out.collect(`unpaid ${o.orderId}`);
 *   });
 */
export class CoGroupedStreams<A, B> {
  private readonly left: DataStream<A>;
  private readonly right: DataStream<B>;

  constructor(left: DataStream<A>, right: DataStream<B>) {
    checkInputs(left, right, 'coGroup');
    this.left = left;
    this.right = right;
  }

  /** The key of the left (first) stream's elements. */
  where<K extends Key>(keySelector: (value: A) => K): CoGroupedStreamsWhere<A, B, K> {
    checkKeySelector(keySelector, 'coGroup().where');
    return new CoGroupedStreamsWhere(this.left, this.right, keySelector);
  }
}

/** `a.coGroup(b).where(keyA)`: waits for the key of the right stream. */
export class CoGroupedStreamsWhere<A, B, K extends Key> {
  private readonly left: DataStream<A>;
  private readonly right: DataStream<B>;
  private readonly keyA: (value: A) => K;

  constructor(left: DataStream<A>, right: DataStream<B>, keyA: (value: A) => K) {
    this.left = left;
    this.right = right;
    this.keyA = keyA;
  }

  /** The key of the right (second) stream's elements: of the same type as the left's. */
  equalTo(keySelector: (value: B) => K): CoGroupedStreamsEqualTo<A, B, K> {
    checkKeySelector(keySelector, 'coGroup().equalTo');
    return new CoGroupedStreamsEqualTo(this.left, this.right, this.keyA, keySelector);
  }
}

/** `a.coGroup(b).where(keyA).equalTo(keyB)`: waits for the window assigner. */
export class CoGroupedStreamsEqualTo<A, B, K extends Key> {
  private readonly left: DataStream<A>;
  private readonly right: DataStream<B>;
  private readonly keyA: (value: A) => K;
  private readonly keyB: (value: B) => K;

  constructor(left: DataStream<A>, right: DataStream<B>, keyA: (value: A) => K, keyB: (value: B) => K) {
    this.left = left;
    this.right = right;
    this.keyA = keyA;
    this.keyB = keyB;
  }

  /** The windows both streams are cut into (tumbling, sliding, session...). */
  window<W extends Window>(
    assigner: WindowAssigner<TaggedUnion<A, B>, W>,
  ): CoGroupedStreamsWithWindow<A, B, K, W> {
    const spec = windowSpec(this.left, this.right, this.keyA, this.keyB, assigner, 'coGroup');
    return new CoGroupedStreamsWithWindow(spec);
  }
}

/** A windowed coGroup: optionally configure the trigger, evictor and lateness, then `apply`. */
export class CoGroupedStreamsWithWindow<A, B, K extends Key, W extends Window> {
  private readonly spec: TwoInputWindowSpec<A, B, K, W>;

  constructor(spec: TwoInputWindowSpec<A, B, K, W>) {
    this.spec = spec;
  }

  /** Replaces the assigner's default trigger. */
  trigger(trigger: Trigger<TaggedUnion<A, B>, W>): CoGroupedStreamsWithWindow<A, B, K, W> {
    return new CoGroupedStreamsWithWindow({ ...this.spec, trigger });
  }

  /** Removes elements of both sides before and/or after the function runs. */
  evictor(evictor: Evictor<TaggedUnion<A, B>, W>): CoGroupedStreamsWithWindow<A, B, K, W> {
    return new CoGroupedStreamsWithWindow({ ...this.spec, evictor });
  }

  /** Keeps windows `lateness` ms past their end: late elements fire them again, with all their elements. */
  allowedLateness(lateness: number): CoGroupedStreamsWithWindow<A, B, K, W> {
    return new CoGroupedStreamsWithWindow({ ...this.spec, lateness: checkLateness(lateness) });
  }

  /** Calls `fn` for every key and window with elements on either side. */
  apply<R>(fn: CoGroupFunction<A, B, R>): DataStream<R> {
    return windowedCoGroup(this.spec, CoGroupWindowFunction.coGroup<A, B, R, K, W>(fn), 'CoGroup');
  }
}

/** What a window join or coGroup has learned once its window is known. @internal */
export interface TwoInputWindowSpec<A, B, K extends Key, W extends Window> {
  readonly left: DataStream<A>;
  readonly right: DataStream<B>;
  readonly keyA: (value: A) => K;
  readonly keyB: (value: B) => K;
  readonly assigner: WindowAssigner<TaggedUnion<A, B>, W>;
  readonly trigger?: Trigger<TaggedUnion<A, B>, W>;
  readonly evictor?: Evictor<TaggedUnion<A, B>, W>;
  readonly lateness: number;
}

/** @internal */
export function windowSpec<A, B, K extends Key, W extends Window>(
  left: DataStream<A>,
  right: DataStream<B>,
  keyA: (value: A) => K,
  keyB: (value: B) => K,
  assigner: WindowAssigner<TaggedUnion<A, B>, W>,
  what: string,
): TwoInputWindowSpec<A, B, K, W> {
  if (!assigner || typeof assigner.assignWindows !== 'function') {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `${what}().window expects a WindowAssigner (TumblingEventTimeWindows.of(...), ...)`,
    );
  }
  return { left, right, keyA, keyB, assigner, lateness: 0 };
}

/** @internal */
export function checkInputs<A, B>(left: DataStream<A>, right: DataStream<B>, what: string): void {
  if (!right || typeof right !== 'object' || !('transformation' in right)) {
    throw new WeirError('INVALID_ARGUMENT', `${what}() expects a DataStream`);
  }
  if (left.environment !== right.environment) {
    throw new WeirError('INVALID_ARGUMENT', `cannot ${what} streams of different environments`);
  }
}

/** @internal */
export function checkKeySelector(selector: unknown, where: string): void {
  if (typeof selector !== 'function')
    throw new WeirError('INVALID_ARGUMENT', `${where} expects a key selector function`);
}

/** @internal */
export function checkLateness(lateness: number): number {
  if (!(Number.isSafeInteger(lateness) && lateness >= 0)) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `allowed lateness must be a whole number of milliseconds >= 0, got ${String(lateness)}`,
    );
  }
  return lateness;
}

const tagLeft = (value: unknown): TaggedUnion<unknown, unknown> => ({ input: 1, value });
const tagRight = (value: unknown): TaggedUnion<unknown, unknown> => ({ input: 2, value });

/**
 * Builds the window coGroup: both inputs tagged with their side, unioned, keyed by the key of
 * each element's side and windowed; `fn` gets each key's window. @internal
 */
export function windowedCoGroup<A, B, K extends Key, W extends Window, R>(
  spec: TwoInputWindowSpec<A, B, K, W>,
  fn: CoGroupWindowFunctionFactory<A, B, R, K, W>,
  name: string,
): DataStream<R> {
  const { keyA, keyB } = spec;
  const assignerName = spec.assigner.constructor?.name ?? 'assigner';
  const aligned = alignedTimeWindowSpec(
    windowAssignerToSpec(spec.assigner),
    spec.trigger ?? null,
    spec.evictor ?? null,
  );
  if (aligned !== undefined) {
    // Tumbling or sliding windows with the default trigger: a two-input operator keeps each side
    // in state of its own (window-co-group-operator.ts), with no tagging and no union.
    return spec.left.connect(spec.right).keyBy(keyA, keyB).windowCoGroup<R>(`${name}(${assignerName})`, fn, {
      assigner: aligned,
      allowedLateness: spec.lateness,
    });
  }
  const left = tagInput(spec.left, tagLeft as (v: A) => TaggedUnion<A, B>, `${name}: tag input 1`);
  const right = tagInput(spec.right, tagRight as (v: B) => TaggedUnion<A, B>, `${name}: tag input 2`);
  let windowed = left
    .union(right)
    .keyBy((u: TaggedUnion<A, B>): K => (u.input === 1 ? keyA(u.value) : keyB(u.value)))
    .window(spec.assigner);
  if (spec.trigger) windowed = windowed.trigger(spec.trigger);
  if (spec.evictor) windowed = windowed.evictor(spec.evictor);
  if (spec.lateness > 0) windowed = windowed.allowedLateness(spec.lateness);
  return windowed.process(fn.asWindowFunction()).name(`${name}(${assignerName})`);
}

/**
 * Tags where the input is, as Flink does: the tagger takes its input's parallelism so that it chains
 * to it instead of adding an exchange before the one of the key.
 */
function tagInput<T, U>(input: DataStream<T>, tagger: (value: T) => U, name: string): DataStream<U> {
  const tagged = input.map(tagger).name(name);
  const from = input.transformation;
  if (from.kind === 'physical') {
    const t = tagged.transformation as PhysicalTransformation;
    if (from.parallelism !== undefined) t.parallelism = from.parallelism;
    if (from.parallelismLimit !== undefined) t.parallelismLimit = from.parallelismLimit;
  }
  return tagged;
}
