import { WeirError } from '../core/errors.ts';
import type { Key } from '../core/key.ts';
import type { WindowCoGroupOperatorConfig } from '../graph/operator-spec.ts';
import {
  type CoFlatMapFunction,
  type CoMapFunction,
  type CoProcessFunctionObject,
  type KeyedCoProcessFunctionObject,
  requireMethods,
} from './co-functions.ts';
import type { DataStream } from './data-stream.ts';
import type { KeyedStream } from './keyed-stream.ts';
import type { StreamExecutionEnvironment } from './stream-execution-environment.ts';

/**
 * @internal How the classes of this module create DataStreams: data-stream.ts passes its class,
 * because this module cannot import it (data-stream.ts imports this one; no import cycles).
 */
export type DataStreamClass = typeof DataStream;

/** @internal True for a KeyedStream (checked by shape: this module cannot import the class). */
export function isKeyedStream(stream: object): boolean {
  return typeof (stream as { keySelector?: unknown }).keySelector === 'function';
}

/**
 * Two streams, possibly of different types, processed by one operator that sees the records of
 * both (`a.connect(b)`): a CoMapFunction, CoFlatMapFunction or CoProcessFunction has one method per
 * input. The order in which records of the two inputs arrive is not defined. The operator's
 * watermark is the minimum of both inputs'.
 *
 * Connected streams are keyed when both inputs are (`keyBy(key1, key2)`, or two KeyedStreams with
 * the same key type): then records of both inputs with the same key go to the same subtask and share
 * keyed state. With only one keyed input, records are still partitioned by it, but the operator has
 * no keyed state, as in Flink.
 *
 * @example
 * const labels = numbers.connect(words).map({
 *   map1: (n) => `number ${n}`,
 *   map2: (w) => `word ${w}`,
 * }); // DataStream<string>
 */
export class ConnectedStreams<IN1, IN2> {
  readonly environment: StreamExecutionEnvironment;
  protected readonly first: DataStream<IN1>;
  protected readonly second: DataStream<IN2>;
  /** @internal */
  protected readonly streamClass: DataStreamClass;

  /** @internal Created by `DataStream.connect`. */
  constructor(first: DataStream<IN1>, second: DataStream<IN2>, streamClass: DataStreamClass) {
    if (!(second instanceof streamClass)) {
      throw new WeirError('INVALID_ARGUMENT', 'connect expects a DataStream or a BroadcastStream');
    }
    if (first.environment !== second.environment) {
      throw new WeirError('INVALID_ARGUMENT', 'cannot connect streams of different environments');
    }
    this.environment = first.environment;
    this.first = first;
    this.second = second;
    this.streamClass = streamClass;
  }

  getExecutionEnvironment(): StreamExecutionEnvironment {
    return this.environment;
  }
  getFirstInput(): DataStream<IN1> {
    return this.first;
  }
  getSecondInput(): DataStream<IN2> {
    return this.second;
  }

  /**
   * Partitions both inputs by key, with one selector per input giving keys of the same type: records
   * with equal keys meet in one subtask and share keyed state and timers.
   */
  keyBy<K extends Key>(
    keySelector1: (value: IN1) => K,
    keySelector2: (value: IN2) => K,
  ): KeyedConnectedStreams<IN1, IN2, K> {
    if (typeof keySelector1 !== 'function' || typeof keySelector2 !== 'function') {
      throw new WeirError('INVALID_ARGUMENT', 'connect(...).keyBy expects a key selector function per input');
    }
    return new KeyedConnectedStreams<IN1, IN2, K>(
      this.first.keyBy(keySelector1),
      this.second.keyBy(keySelector2),
      this.streamClass,
    );
  }

  /** Maps the records of each input with `map1` and `map2` to one output type. */
  map<R>(fn: CoMapFunction<IN1, IN2, R>): DataStream<R> {
    requireMethods(fn, 'connect(...).map', 'map1', 'map2');
    return this.transform<R>('co-map', 'Co-Map', fn);
  }

  /** Emits any number of records per input record with `flatMap1` and `flatMap2`. */
  flatMap<R>(fn: CoFlatMapFunction<IN1, IN2, R>): DataStream<R> {
    requireMethods(fn, 'connect(...).flatMap', 'flatMap1', 'flatMap2');
    return this.transform<R>('co-flat-map', 'Co-Flat Map', fn);
  }

  /** Runs a CoProcessFunction: side outputs and timestamps; timers need keyed streams. */
  process<R>(fn: CoProcessFunctionObject<IN1, IN2, R>): DataStream<R> {
    requireMethods(fn, 'connect(...).process', 'processElement1', 'processElement2');
    return this.transform<R>('co-process', 'Co-Process', fn);
  }

  /** @internal */
  protected transform<R>(
    operator: 'co-map' | 'co-flat-map' | 'co-process' | 'keyed-co-process',
    name: string,
    fn: unknown,
  ): DataStream<R> {
    const t = this.environment.addPhysical({
      operator,
      name,
      inputs: [[this.first.transformation], [this.second.transformation]],
      fn,
      config: {},
    });
    return new this.streamClass<R>(this.environment, t);
  }
}

/**
 * Connected streams keyed on both inputs by keys of type `K`: keyed state is shared by the two
 * inputs for a key, and `process` takes a KeyedCoProcessFunction with timers.
 *
 * @example
 * control
 *   .connect(words)
 *   .keyBy((c) => c.word, (w) => w)
 *   .process(new BlockWords()); // KeyedCoProcessFunction<string, Control, string, string>
 */
export class KeyedConnectedStreams<IN1, IN2, K extends Key> extends ConnectedStreams<IN1, IN2> {
  /** @internal Created by `keyBy(key1, key2)` or by connecting two KeyedStreams. */
  constructor(first: KeyedStream<IN1, K>, second: KeyedStream<IN2, K>, streamClass: DataStreamClass) {
    super(first, second, streamClass);
  }

  override getFirstInput(): KeyedStream<IN1, K> {
    return this.first as KeyedStream<IN1, K>;
  }
  override getSecondInput(): KeyedStream<IN2, K> {
    return this.second as KeyedStream<IN2, K>;
  }

  /** Runs a KeyedCoProcessFunction: keyed state shared by both inputs, event- and processing-time timers. */
  override process<R>(fn: KeyedCoProcessFunctionObject<K, IN1, IN2, R>): DataStream<R> {
    requireMethods(fn, 'connect(...).process', 'processElement1', 'processElement2');
    return this.transform<R>('keyed-co-process', 'Co-Keyed-Process', fn);
  }

  /** @internal The window coGroup or join of these inputs (co-grouped-streams.ts builds it). */
  windowCoGroup<R>(
    name: string,
    windowFunction: unknown,
    config: WindowCoGroupOperatorConfig,
  ): DataStream<R> {
    const t = this.environment.addPhysical({
      operator: 'window-co-group',
      name,
      inputs: [[this.first.transformation], [this.second.transformation]],
      extra: { windowFunction },
      config,
    });
    return new this.streamClass<R>(this.environment, t);
  }
}
