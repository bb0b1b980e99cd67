import { OutputTag } from '../core/collector.ts';
import { describeSink } from '../core/connector-registry.ts';
import { WeirError } from '../core/errors.ts';
import type { Key } from '../core/key.ts';
import type { Sink } from '../core/sink.ts';
import type { PartitionerSpec } from '../graph/job-graph.ts';
import { KeySelectors } from '../graph/key-selector-spec.ts';
import type { OperatorKind } from '../graph/operator-spec.ts';
import type { PhysicalTransformation, Transformation } from '../graph/transformation.ts';
import type { MapStateDescriptor } from '../state/state-descriptor.ts';
import type { WatermarkStrategy } from '../time/watermark-strategy.ts';
import { watermarkStrategyNeedsObject } from '../time/watermark-strategy-spec.ts';
import type { Window } from '../time/windows/window.ts';
import type { WindowAssigner } from '../time/windows/window-assigner.ts';
import { AllWindowedStream } from './all-windowed-stream.ts';
import { BroadcastConnectedStream, KeyedBroadcastConnectedStream } from './broadcast-connected-stream.ts';
import { BroadcastStream } from './broadcast-stream.ts';
import { CoGroupedStreams } from './co-grouped-streams.ts';
import { collectStream } from './collect.ts';
import { type CollectSink, isCollectSink } from './collect-sink.ts';
// Registers the `blackhole` sink connector.
import './discarding-sink.ts';
import { ConnectedStreams, isKeyedStream, KeyedConnectedStreams } from './connected-streams.ts';
import type { FilterFunction, FlatMapFunction, MapFunction, ProcessFunctionLike } from './functions.ts';
import { JoinedStreams } from './joined-streams.ts';
import type { KeyedStream } from './keyed-stream.ts';
import { PrintSink } from './print-sink.ts';
import type { StreamExecutionEnvironment } from './stream-execution-environment.ts';

/**
 * A stream of records of type `T`. Every transformation returns a new stream whose type the
 * compiler infers from the function, so a pipeline needs no annotations:
 *
 * @example
 * env.fromElements({ a: 1, b: 'x' }).map((r) => r.b).keyBy((s) => s.length); // KeyedStream<string, number>
 */
export class DataStream<T> {
  readonly environment: StreamExecutionEnvironment;
  /** @internal */
  readonly transformation: Transformation;

  constructor(environment: StreamExecutionEnvironment, transformation: Transformation) {
    this.environment = environment;
    this.transformation = transformation;
  }

  getExecutionEnvironment(): StreamExecutionEnvironment {
    return this.environment;
  }

  /** Parallelism of this stream's operator (the environment's default until set). */
  getParallelism(): number {
    const t = this.transformation;
    return t.kind === 'physical'
      ? (t.parallelism ?? this.environment.getParallelism())
      : this.environment.getParallelism();
  }

  /**
   * One record out for each record in. The result must not be `undefined`: an operator that emits
   * `undefined` (here, a function without a `return`) fails the job with USER_FUNCTION_FAILED naming
   * the operator, at every parallelism; return `null` for an absent value, and drop records with
   * `filter` or `flatMap`. The same rule holds for what flatMap and process functions collect.
   *
   * @example
   * env.fromElements('1', 'x', '3')
   *   .map((s) => (Number.isNaN(Number(s)) ? null : Number(s)))  // not undefined
   *   .filter((n) => n !== null);
   */
  map<R>(fn: MapFunction<T, R>): DataStream<R> {
    return this.transform<R>('map', 'Map', fn);
  }

  filter(fn: FilterFunction<T>): DataStream<T> {
    return this.transform<T>('filter', 'Filter', fn);
  }

  flatMap<R>(fn: FlatMapFunction<T, R>): DataStream<R> {
    return this.transform<R>('flat-map', 'FlatMap', fn);
  }

  /** Runs a ProcessFunction: emit any number of records, to side outputs too (`ctx.output(tag, v)`). */
  process<R>(fn: ProcessFunctionLike<T, R>): DataStream<R> {
    return this.transform<R>('process', 'Process', fn);
  }

  /**
   * Partitions the stream by key: records with the same key go to the same subtask and share state.
   * A selector from {@link KeySelectors} (a field, a tuple of fields, a constant) is recorded in the
   * plan as data; any other function travels with the job module.
   */
  keyBy<K extends Key>(selector: (value: T) => K): KeyedStream<T, K> {
    if (typeof selector !== 'function')
      throw new WeirError('INVALID_ARGUMENT', 'keyBy expects a key selector function');
    const t: Transformation = {
      kind: 'partition',
      id: this.environment.nextTransformationId(),
      input: this.transformation,
      partitioner: { kind: 'hash' },
      keySelector: selector,
    };
    if (!keyedStreamFactory) throw new WeirError('INTERNAL', 'KeyedStream is not loaded');
    return keyedStreamFactory(this.environment, t, selector) as KeyedStream<T, K>;
  }

  /** Merges streams of the same type. */
  union(...others: DataStream<T>[]): DataStream<T> {
    for (const o of others) {
      if (o.environment !== this.environment) {
        throw new WeirError('INVALID_ARGUMENT', 'cannot union streams of different environments');
      }
    }
    return new DataStream<T>(this.environment, {
      kind: 'union',
      id: this.environment.nextTransformationId(),
      inputs: [this.transformation, ...others.map((o) => o.transformation)],
    });
  }

  /**
   * Window join with another stream: pairs of elements with equal keys in the same window
   * (`where`, `equalTo`, `window`, then `apply`). See docs/joins.md.
   * @example
   * clicks.join(views).where((c) => c.ad).equalTo((v) => v.ad)
   *   .window(TumblingEventTimeWindows.of(Time.seconds(10)))
   *   .apply((click, view) => ({ ad: click.ad, delay: click.ts - view.ts }));
   */
  join<B>(other: DataStream<B>): JoinedStreams<T, B> {
    return new JoinedStreams<T, B>(this, other);
  }

  /**
   * Window coGroup with another stream: per key and window, all elements of both sides (one side
   * may be empty). See docs/joins.md.
   * @example
   * orders.coGroup(payments).where((o) => o.id).equalTo((p) => p.orderId)
   *   .window(TumblingEventTimeWindows.of(Time.minutes(1)))
   *   .apply((os: Order[], ps: Payment[], out: Collector<Order>) => { if (ps.length === 0) for (const o of os) out.collect(o); });
   */
  coGroup<B>(other: DataStream<B>): CoGroupedStreams<T, B> {
    return new CoGroupedStreams<T, B>(this, other);
  }

  /**
   * Connects another stream, of any type, to be processed by one operator with a function per input
   * (`map1`/`map2`, `flatMap1`/`flatMap2`, `processElement1`/`processElement2`). Two KeyedStreams
   * with the same key type give keyed connected streams; a BroadcastStream gives the broadcast
   * state pattern. See docs/connect-and-broadcast.md.
   * @example
   * numbers.connect(words).map({ map1: (n) => n, map2: (w) => w.length }); // DataStream<number>
   */
  connect<K extends Key, B>(
    this: KeyedStream<T, K>,
    other: BroadcastStream<B>,
  ): KeyedBroadcastConnectedStream<T, B, K>;
  connect<B>(other: BroadcastStream<B>): BroadcastConnectedStream<T, B>;
  connect<K extends Key, B>(
    this: KeyedStream<T, K>,
    other: KeyedStream<B, K>,
  ): KeyedConnectedStreams<T, B, K>;
  connect<B>(other: DataStream<B>): ConnectedStreams<T, B>;
  connect<B>(
    other: DataStream<B> | BroadcastStream<B>,
  ): ConnectedStreams<T, B> | BroadcastConnectedStream<T, B> {
    if (other instanceof BroadcastStream) {
      return isKeyedStream(this)
        ? new KeyedBroadcastConnectedStream<T, B, Key>(this, other, DataStream)
        : new BroadcastConnectedStream<T, B>(this, other, DataStream);
    }
    if (isKeyedStream(this) && other instanceof DataStream && isKeyedStream(other)) {
      return new KeyedConnectedStreams<T, B, Key>(
        this as unknown as KeyedStream<T, Key>,
        other as KeyedStream<B, Key>,
        DataStream,
      );
    }
    return new ConnectedStreams<T, B>(this, other, DataStream);
  }

  /** Round-robin over all downstream subtasks. */
  rebalance(): DataStream<T> {
    return this.partition({ kind: 'rebalance' });
  }
  /** Round-robin over a local subset of downstream subtasks. */
  rescale(): DataStream<T> {
    return this.partition({ kind: 'rescale' });
  }
  /** Uniformly random downstream subtask. */
  shuffle(): DataStream<T> {
    return this.partition({ kind: 'shuffle' });
  }
  /** Every record to every downstream subtask. */
  broadcast(): DataStream<T>;
  /**
   * The broadcast state pattern: every record to every subtask of the operator this stream is
   * connected to (`stream.connect(broadcastStream)`), which keeps the broadcast state described by
   * `descriptors`. See docs/connect-and-broadcast.md.
   * @example
   * const rules = new MapStateDescriptor<string, Rule>('rules');
   * txs.keyBy((t) => t.user).connect(ruleUpdates.broadcast(rules)).process(new MatchRules());
   */
  broadcast(
    ...descriptors: [MapStateDescriptor<any, any>, ...MapStateDescriptor<any, any>[]]
  ): BroadcastStream<T>;
  broadcast(...descriptors: MapStateDescriptor<any, any>[]): DataStream<T> | BroadcastStream<T> {
    const broadcast = this.partition({ kind: 'broadcast' });
    if (descriptors.length === 0) return broadcast;
    return new BroadcastStream<T>(this.environment, broadcast.transformation, descriptors);
  }
  /** Every record to the first downstream subtask. */
  global(): DataStream<T> {
    return this.partition({ kind: 'global' });
  }
  /** Subtask i to subtask i (needs equal parallelism). */
  forward(): DataStream<T> {
    return this.partition({ kind: 'forward' });
  }
  /** Chooses the downstream subtask with `partitioner(key, numPartitions)`. */
  partitionCustom<K>(
    partitioner: (key: K, numPartitions: number) => number,
    keySelector: (value: T) => K,
  ): DataStream<T> {
    return new DataStream<T>(this.environment, {
      kind: 'partition',
      id: this.environment.nextTransformationId(),
      input: this.transformation,
      partitioner: { kind: 'custom' },
      keySelector,
      customPartitioner: partitioner,
    });
  }

  /**
   * Windows over the whole stream, not keyed: one subtask computes every window (as in Flink).
   * `reduce` and `aggregate` over event-time tumbling or sliding windows are pre-aggregated per
   * input subtask where AllWindowedStream says, with identical output.
   * @example
   * events.windowAll(TumblingEventTimeWindows.of(Time.minutes(1))).aggregate(countAll);
   */
  windowAll<W extends Window>(assigner: WindowAssigner<T, W>): AllWindowedStream<T, W> {
    // A constant key with a data form: the plan holds it.
    return new AllWindowedStream<T, W>(this.keyBy(KeySelectors.constant(0 as const)).window(assigner));
  }

  /** Assigns event-time timestamps and generates watermarks. */
  assignTimestampsAndWatermarks(strategy: WatermarkStrategy<T>): DataStream<T> {
    const spec = strategy.toSpec();
    const t = this.environment.addPhysical({
      operator: 'timestamps-watermarks',
      name: 'Timestamps/Watermarks',
      inputs: [[this.transformation]],
      // The strategy object only when it has a user function; the plan holds its spec.
      extra: watermarkStrategyNeedsObject(spec) ? { strategy } : undefined,
      config: { watermarkStrategy: spec },
    });
    return new DataStream<T>(this.environment, t);
  }

  /** The records a ProcessFunction emitted to `tag`. */
  getSideOutput<X>(tag: OutputTag<X>): DataStream<X> {
    if (!(tag instanceof OutputTag))
      throw new WeirError('INVALID_ARGUMENT', 'getSideOutput expects an OutputTag');
    return new DataStream<X>(this.environment, {
      kind: 'side-output',
      id: this.environment.nextTransformationId(),
      input: this.physical('getSideOutput'),
      tag: tag.id,
    });
  }

  /** Names the operator (shown in errors, metrics and the plan). */
  name(name: string): this {
    this.physical('name').name = name;
    return this;
  }
  /** A stable operator id: state in savepoints is matched by it. */
  uid(uid: string): this {
    this.physical('uid').uid = uid;
    return this;
  }
  setParallelism(parallelism: number): this {
    checkParallelism(parallelism);
    this.physical('setParallelism').parallelism = parallelism;
    return this;
  }
  setMaxParallelism(maxParallelism: number): this {
    checkParallelism(maxParallelism);
    this.physical('setMaxParallelism').maxParallelism = maxParallelism;
    return this;
  }
  /** Keeps this operator out of any chain. */
  disableChaining(): this {
    this.physical('disableChaining').chainable = false;
    return this;
  }
  /** Starts a new chain at this operator. */
  startNewChain(): this {
    this.physical('startNewChain').startNewChain = true;
    return this;
  }

  /** Prints each record as `subtask> record` (just `record` at parallelism 1) to standard output. */
  print(identifier?: string): DataStreamSink<T> {
    return this.sinkTo(new PrintSink<T>(identifier, 'stdout')).name('Print to Std. Out');
  }
  printToErr(identifier?: string): DataStreamSink<T> {
    return this.sinkTo(new PrintSink<T>(identifier, 'stderr')).name('Print to Std. Err');
  }

  /** Writes the stream to a sink (open / invoke / close; `invoke` may be async). */
  sinkTo(sink: Sink<T> | CollectSink<T>): DataStreamSink<T> {
    if (isCollectSink(sink)) {
      const c = this.environment.addPhysical({
        operator: 'collect',
        name: 'Collect Sink',
        inputs: [[this.transformation]],
        fn: sink,
        config: {},
      });
      this.environment.addSink(c);
      return new DataStreamSink<T>(c);
    }
    if (!sink || typeof sink.invoke !== 'function') {
      throw new WeirError('INVALID_ARGUMENT', 'sinkTo expects a sink with an invoke(value, context) method');
    }
    const spec = describeSink(sink);
    const t = this.environment.addPhysical({
      operator: 'sink',
      name: sink.constructor?.name && sink.constructor.name !== 'Object' ? sink.constructor.name : 'Sink',
      inputs: [[this.transformation]],
      // A connector sink is built from the plan in each slot; any other is the job module's object.
      fn: spec.kind === 'custom' ? sink : undefined,
      config: { maxInFlight: sink.maxInFlight ?? 16, sink: spec },
    });
    this.environment.addSink(t);
    return new DataStreamSink<T>(t);
  }
  /** Flink's older name for {@link sinkTo}. */
  addSink(sink: Sink<T> | CollectSink<T>): DataStreamSink<T> {
    return this.sinkTo(sink);
  }

  /** Runs the job and returns the first `limit` records (or all of a bounded stream). */
  executeAndCollect(limit?: number): Promise<T[]>;
  executeAndCollect(options: { iterator: true; jobName?: string }): AsyncIterableIterator<T>;
  executeAndCollect(
    arg?: number | { iterator: true; jobName?: string },
  ): Promise<T[]> | AsyncIterableIterator<T> {
    const iterator = collectStream<T>(this, typeof arg === 'object' ? arg.jobName : undefined);
    if (typeof arg === 'object') return iterator;
    return (async () => {
      const out: T[] = [];
      if (arg === 0) {
        await iterator.return?.();
        return out;
      }
      for await (const v of iterator) {
        out.push(v);
        if (arg !== undefined && out.length >= arg) {
          await iterator.return?.();
          break;
        }
      }
      return out;
    })();
  }

  /** @internal */
  protected transform<R>(
    operator: FunctionOperatorKind,
    name: string,
    fn: unknown,
    extra?: Record<string, unknown>,
  ): DataStream<R> {
    if (fn !== undefined && typeof fn !== 'function' && (typeof fn !== 'object' || fn === null)) {
      throw new WeirError('INVALID_ARGUMENT', `${operator} expects a function or a function object`);
    }
    const t = this.environment.addPhysical({
      operator,
      name,
      inputs: [[this.transformation]],
      fn,
      extra,
      config: {},
    });
    return new DataStream<R>(this.environment, t);
  }

  private partition(partitioner: PartitionerSpec): DataStream<T> {
    return new DataStream<T>(this.environment, {
      kind: 'partition',
      id: this.environment.nextTransformationId(),
      input: this.transformation,
      partitioner,
    });
  }

  private physical(method: string): PhysicalTransformation {
    if (this.transformation.kind !== 'physical') {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `${method}() applies to an operator, not to a ${this.transformation.kind} of streams`,
      );
    }
    return this.transformation;
  }
}

/** Kinds of the operators `transform` adds: a user function and no configuration. */
type FunctionOperatorKind = Extract<
  OperatorKind,
  'map' | 'filter' | 'flat-map' | 'process' | 'keyed-process' | 'reduce'
>;

type KeyedStreamFactory = (
  env: StreamExecutionEnvironment,
  t: Transformation,
  selector: (v: any) => Key,
) => unknown;
let keyedStreamFactory: KeyedStreamFactory | undefined;
/** @internal KeyedStream extends DataStream; it registers itself here to avoid an import cycle. */
export function registerKeyedStream(factory: KeyedStreamFactory): void {
  keyedStreamFactory = factory;
}

/** The end of a stream: a sink. */
export class DataStreamSink<T> {
  /** @internal */
  readonly transformation: PhysicalTransformation;
  declare readonly __type?: T;

  constructor(transformation: PhysicalTransformation) {
    this.transformation = transformation;
  }
  name(name: string): this {
    this.transformation.name = name;
    return this;
  }
  uid(uid: string): this {
    this.transformation.uid = uid;
    return this;
  }
  setParallelism(parallelism: number): this {
    checkParallelism(parallelism);
    this.transformation.parallelism = parallelism;
    return this;
  }
  disableChaining(): this {
    this.transformation.chainable = false;
    return this;
  }
}

export function checkParallelism(p: number): void {
  if (!Number.isInteger(p) || p < 1)
    throw new WeirError('INVALID_ARGUMENT', `parallelism must be a positive integer, got ${p}`);
}
