import { WeirError } from '../core/errors.ts';
import type { Key } from '../core/key.ts';
import type {
  BroadcastProcessFunctionObject,
  KeyedBroadcastProcessFunctionObject,
} from './broadcast-process-function.ts';
import type { BroadcastStream } from './broadcast-stream.ts';
import { requireMethods } from './co-functions.ts';
import type { DataStreamClass } from './connected-streams.ts';
import type { DataStream } from './data-stream.ts';
import type { KeyedStream } from './keyed-stream.ts';
import type { StreamExecutionEnvironment } from './stream-execution-environment.ts';

/**
 * A stream connected to a {@link BroadcastStream} (`stream.connect(broadcastStream)`): every
 * subtask of the operator receives every broadcast element and keeps the broadcast state the
 * BroadcastStream declared. Process it with a BroadcastProcessFunction; when the stream is keyed,
 * the result is a {@link KeyedBroadcastConnectedStream} taking a KeyedBroadcastProcessFunction.
 *
 * @example
 * const config = new MapStateDescriptor<string, number>('config');
 * readings
 *   .connect(settings.broadcast(config))
 *   .process<Reading>({
 *     processElement(r, ctx, out) { if (r.value > (ctx.getBroadcastState(config).get('max') ?? Infinity)) out.collect(r); },
 *     processBroadcastElement([k, v], ctx) { ctx.getBroadcastState(config).put(k, v); },
 *   });
 */
export class BroadcastConnectedStream<IN1, IN2> {
  readonly environment: StreamExecutionEnvironment;
  protected readonly first: DataStream<IN1>;
  protected readonly broadcastStream: BroadcastStream<IN2>;
  /** @internal */
  protected readonly streamClass: DataStreamClass;

  /** @internal Created by `DataStream.connect(broadcastStream)`. */
  constructor(first: DataStream<IN1>, broadcastStream: BroadcastStream<IN2>, streamClass: DataStreamClass) {
    if (first.environment !== broadcastStream.environment) {
      throw new WeirError('INVALID_ARGUMENT', 'cannot connect streams of different environments');
    }
    this.environment = first.environment;
    this.first = first;
    this.broadcastStream = broadcastStream;
    this.streamClass = streamClass;
  }

  getExecutionEnvironment(): StreamExecutionEnvironment {
    return this.environment;
  }
  getFirstInput(): DataStream<IN1> {
    return this.first;
  }
  getSecondInput(): BroadcastStream<IN2> {
    return this.broadcastStream;
  }

  /**
   * Runs a BroadcastProcessFunction: `processBroadcastElement` may change the broadcast state,
   * `processElement` reads it.
   */
  process<R>(fn: BroadcastProcessFunctionObject<IN1, IN2, R>): DataStream<R> {
    return this.transform<R>('broadcast-process', 'Co-Process-Broadcast', fn);
  }

  /** @internal */
  protected transform<R>(
    operator: 'broadcast-process' | 'keyed-broadcast-process',
    name: string,
    fn: unknown,
  ): DataStream<R> {
    requireMethods(fn, 'connect(broadcastStream).process', 'processElement', 'processBroadcastElement');
    const descriptors = this.broadcastStream.getBroadcastStateDescriptors();
    const t = this.environment.addPhysical({
      operator,
      name,
      inputs: [[this.first.transformation], [this.broadcastStream.transformation]],
      fn,
      extra: { broadcastStateDescriptors: descriptors },
      // The plan shows which broadcast state the operator keeps (descriptors are not plain data).
      config: { broadcastStates: descriptors.map((d) => d.name) },
    });
    return new this.streamClass<R>(this.environment, t);
  }
}

/**
 * A keyed stream connected to a broadcast stream: the keyed side has keyed state, timers and the
 * current key; the broadcast side can reach the keyed state of every key of its subtask with
 * `applyToKeyedState`.
 *
 * @example
 * txs.keyBy((t) => t.user).connect(ruleUpdates.broadcast(rules)).process(new MatchRules());
 */
export class KeyedBroadcastConnectedStream<IN1, IN2, K extends Key> extends BroadcastConnectedStream<
  IN1,
  IN2
> {
  override getFirstInput(): KeyedStream<IN1, K> {
    return this.first as KeyedStream<IN1, K>;
  }

  /**
   * Runs a KeyedBroadcastProcessFunction: keyed state and timers in `processElement` and `onTimer`,
   * writable broadcast state and `applyToKeyedState` in `processBroadcastElement`.
   */
  override process<R>(fn: KeyedBroadcastProcessFunctionObject<K, IN1, IN2, R>): DataStream<R> {
    return this.transform<R>('keyed-broadcast-process', 'Co-Process-Broadcast-Keyed', fn);
  }
}
