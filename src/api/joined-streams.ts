import type { Key } from '../core/key.ts';
import type { Evictor } from '../time/windows/evictor.ts';
import type { Trigger } from '../time/windows/trigger.ts';
import type { Window } from '../time/windows/window.ts';
import type { WindowAssigner } from '../time/windows/window-assigner.ts';
import { CoGroupWindowFunction } from './co-group-window-function.ts';
import {
  checkInputs,
  checkKeySelector,
  checkLateness,
  type TwoInputWindowSpec,
  windowedCoGroup,
  windowSpec,
} from './co-grouped-streams.ts';
import type { DataStream } from './data-stream.ts';
import type { JoinFunctionLike, TaggedUnion } from './join-functions.ts';

/**
 * Window join, as Flink's `JoinedStreams`: an inner join of two streams on a key within windows.
 * For every window and key, the join function is called for each pair of the cross product of
 * both sides' elements; a key with elements on one side only gives nothing. It is a window coGroup
 * underneath (see {@link CoGroupedStreams}); results of event-time windows carry the window's
 * `maxTimestamp()`.
 *
 * @example
 * const enriched = clicks
 *   .join(impressions)
 *   .where((c) => c.adId)
 *   .equalTo((i) => i.adId)
 *   .window(TumblingEventTimeWindows.of(Time.seconds(10)))
 *   .apply((click, impression) => ({ adId: click.adId, delay: click.time - impression.time }));
 *   // DataStream<{ adId: string; delay: number }>
 */
export class JoinedStreams<A, B> {
  private readonly left: DataStream<A>;
  private readonly right: DataStream<B>;

  constructor(left: DataStream<A>, right: DataStream<B>) {
    checkInputs(left, right, 'join');
    this.left = left;
    this.right = right;
  }

  /** The key of the left (first) stream's elements. */
  where<K extends Key>(keySelector: (value: A) => K): JoinedStreamsWhere<A, B, K> {
    checkKeySelector(keySelector, 'join().where');
    return new JoinedStreamsWhere(this.left, this.right, keySelector);
  }
}

/** `a.join(b).where(keyA)`: waits for the key of the right stream. */
export class JoinedStreamsWhere<A, B, K extends Key> {
  private readonly left: DataStream<A>;
  private readonly right: DataStream<B>;
  private readonly keyA: (value: A) => K;

  constructor(left: DataStream<A>, right: DataStream<B>, keyA: (value: A) => K) {
    this.left = left;
    this.right = right;
    this.keyA = keyA;
  }

  /** The key of the right (second) stream's elements: of the same type as the left's. */
  equalTo(keySelector: (value: B) => K): JoinedStreamsEqualTo<A, B, K> {
    checkKeySelector(keySelector, 'join().equalTo');
    return new JoinedStreamsEqualTo(this.left, this.right, this.keyA, keySelector);
  }
}

/** `a.join(b).where(keyA).equalTo(keyB)`: waits for the window assigner. */
export class JoinedStreamsEqualTo<A, B, K extends Key> {
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
  ): JoinedStreamsWithWindow<A, B, K, W> {
    return new JoinedStreamsWithWindow(
      windowSpec(this.left, this.right, this.keyA, this.keyB, assigner, 'join'),
    );
  }
}

/** A windowed join: optionally configure the trigger, evictor and lateness, then `apply`. */
export class JoinedStreamsWithWindow<A, B, K extends Key, W extends Window> {
  private readonly spec: TwoInputWindowSpec<A, B, K, W>;

  constructor(spec: TwoInputWindowSpec<A, B, K, W>) {
    this.spec = spec;
  }

  /** Replaces the assigner's default trigger: each firing joins all elements of the window so far. */
  trigger(trigger: Trigger<TaggedUnion<A, B>, W>): JoinedStreamsWithWindow<A, B, K, W> {
    return new JoinedStreamsWithWindow({ ...this.spec, trigger });
  }

  /** Removes elements of both sides before and/or after the join runs. */
  evictor(evictor: Evictor<TaggedUnion<A, B>, W>): JoinedStreamsWithWindow<A, B, K, W> {
    return new JoinedStreamsWithWindow({ ...this.spec, evictor });
  }

  /** Keeps windows `lateness` ms past their end: a late element fires the window's whole join again. */
  allowedLateness(lateness: number): JoinedStreamsWithWindow<A, B, K, W> {
    return new JoinedStreamsWithWindow({ ...this.spec, lateness: checkLateness(lateness) });
  }

  /**
   * Joins each pair of the window's elements with the same key: a JoinFunction `(left, right)`
   * returns one result per pair, a FlatJoinFunction `(left, right, out)` emits any number (told
   * apart at runtime by declaring three parameters, or by extending RichFlatJoinFunction).
   */
  apply<R>(fn: JoinFunctionLike<A, B, R>): DataStream<R> {
    return windowedCoGroup(this.spec, CoGroupWindowFunction.join<A, B, R, K, W>(fn), 'Join');
  }
}
