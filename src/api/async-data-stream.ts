import type { Duration } from '../core/duration.ts';
import { WeirError } from '../core/errors.ts';
import type { AsyncFunction } from './async-function.ts';
import type { AsyncRetryStrategy } from './async-retry-strategies.ts';
import { DataStream } from './data-stream.ts';

/** Emission order of the Async I/O operator. */
export type AsyncOutputMode = 'ordered' | 'unordered';

/** Default number of requests in flight per subtask. */
export const DEFAULT_ASYNC_CAPACITY = 100;

/**
 * Async I/O (docs/async-io.md): calls an {@link AsyncFunction} per record and keeps up to `capacity`
 * requests in flight per subtask, so that a lookup's latency is paid once per `capacity` records,
 * not once per record. `timeout` (ms; `seconds(5)`, `Duration.ofSeconds(5)`) bounds each element,
 * over all its attempts; 0 means none. When `capacity` requests are in flight the operator
 * back-pressures its input.
 *
 * - `orderedWait`: results leave in the order of their inputs.
 * - `unorderedWait`: results leave as soon as their request completes, but never across a
 *   watermark: the records between two watermarks stay between them.
 *
 * @example
 * const enriched = AsyncDataStream.unorderedWait(
 *   clicks,
 *   async (click) => [{ ...click, user: await users.get(click.userId) }],
 *   seconds(1),
 *   100,
 * ); // DataStream<Click & { user: User }>
 */
export class AsyncDataStream {
  private constructor() {}

  /** Results in the order of their inputs. */
  static orderedWait<IN, OUT>(
    stream: DataStream<IN>,
    fn: AsyncFunction<NoInfer<IN>, OUT>,
    timeout: Duration,
    capacity: number = DEFAULT_ASYNC_CAPACITY,
  ): DataStream<OUT> {
    return addOperator(stream, fn, timeout, capacity, 'ordered', undefined);
  }

  /** Results as their requests complete, never across a watermark. */
  static unorderedWait<IN, OUT>(
    stream: DataStream<IN>,
    fn: AsyncFunction<NoInfer<IN>, OUT>,
    timeout: Duration,
    capacity: number = DEFAULT_ASYNC_CAPACITY,
  ): DataStream<OUT> {
    return addOperator(stream, fn, timeout, capacity, 'unordered', undefined);
  }

  /** {@link orderedWait} with retries (see {@link AsyncRetryStrategies}). */
  static orderedWaitWithRetry<IN, OUT>(
    stream: DataStream<IN>,
    fn: AsyncFunction<NoInfer<IN>, OUT>,
    timeout: Duration,
    capacity: number,
    retryStrategy: AsyncRetryStrategy<OUT>,
  ): DataStream<OUT> {
    return addOperator(stream, fn, timeout, capacity, 'ordered', retryStrategy);
  }

  /** {@link unorderedWait} with retries (see {@link AsyncRetryStrategies}). */
  static unorderedWaitWithRetry<IN, OUT>(
    stream: DataStream<IN>,
    fn: AsyncFunction<NoInfer<IN>, OUT>,
    timeout: Duration,
    capacity: number,
    retryStrategy: AsyncRetryStrategy<OUT>,
  ): DataStream<OUT> {
    return addOperator(stream, fn, timeout, capacity, 'unordered', retryStrategy);
  }
}

function addOperator<IN, OUT>(
  stream: DataStream<IN>,
  fn: AsyncFunction<IN, OUT>,
  timeout: Duration,
  capacity: number,
  mode: AsyncOutputMode,
  retryStrategy: AsyncRetryStrategy<OUT> | undefined,
): DataStream<OUT> {
  if (!(stream instanceof DataStream)) {
    throw new WeirError('INVALID_ARGUMENT', 'AsyncDataStream expects a DataStream as its first argument');
  }
  const isObject = typeof fn === 'object' && fn !== null && typeof fn.asyncInvoke === 'function';
  if (typeof fn !== 'function' && !isObject) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      'AsyncDataStream expects an async function: (input, resultFuture) => ..., or an object with asyncInvoke(input, resultFuture)',
    );
  }
  if (typeof timeout !== 'number' || !(timeout >= 0)) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `the timeout must be a number of ms >= 0 (0: none), got ${timeout}`,
    );
  }
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new WeirError('INVALID_ARGUMENT', `the capacity must be a positive integer, got ${capacity}`);
  }
  if (retryStrategy !== undefined && typeof retryStrategy.canRetry !== 'function') {
    throw new WeirError(
      'INVALID_ARGUMENT',
      'the retry strategy must be an AsyncRetryStrategy (AsyncRetryStrategies...build())',
    );
  }
  const env = stream.getExecutionEnvironment();
  const t = env.addPhysical({
    operator: 'async-wait',
    name: mode === 'ordered' ? 'Async Wait (ordered)' : 'Async Wait (unordered)',
    inputs: [[stream.transformation]],
    fn,
    extra: retryStrategy ? { retryStrategy } : undefined,
    config: {
      mode,
      timeout,
      capacity,
      ...(retryStrategy ? { retry: retryStrategy.describe?.() ?? { kind: 'custom' } } : {}),
    },
  });
  return new DataStream<OUT>(env, t);
}
