import { WeirError } from '../../core/errors.ts';
import type { Boundedness, Source, SourceReaderContext } from '../../core/source.ts';
import { IndexRangeReader } from '../collection/index-range-reader.ts';
import { type IndexRangeSplit, splitRange } from '../collection/index-range-split.ts';
import { checkRate, RateLimiter } from './rate-limiter.ts';

export interface DataGeneratorOptions<T> {
  /**
   * Records per second over all subtasks, like Flink's `RateLimiterStrategy.perSecond`: each of the
   * p readers emits at `rateLimit / p` per second, measured with the job's clock.
   */
  readonly rateLimit?: number;
  /** Event time of a generated record; without it records carry no timestamp. */
  readonly timestamp?: (value: T, index: number) => number;
}

/**
 * Generates records from their index, like Flink's `DataGeneratorSource` with a
 * `GeneratorFunction`: record i is `generator(i)`, for i from 0 to `count - 1`, or without end when
 * `count` is `Infinity` (the source is then unbounded). For a parallelism p the indices are cut into
 * p contiguous ranges, one split each; a split's position is its next index, so output is
 * deterministic and a restore resumes exactly. The generator must depend only on the index.
 *
 * @example
 * ```ts
 * const orders = new DataGeneratorSource(
 *   (i) => ({ id: i, user: `user-${i % 100}`, amount: (i * 7919) % 500 }),
 *   Infinity,
 *   { rateLimit: 10_000, timestamp: (_order, i) => 1_700_000_000_000 + i },
 * );
 * env.fromSource(orders, WatermarkStrategy.forMonotonousTimestamps(), 'orders');
 * ```
 */
export class DataGeneratorSource<T> implements Source<T, IndexRangeSplit> {
  readonly boundedness: Boundedness;
  readonly count: number;
  private readonly generator: (index: number) => T;
  private readonly options: DataGeneratorOptions<T>;

  constructor(generator: (index: number) => T, count: number, options: DataGeneratorOptions<T> = {}) {
    if (count !== Number.POSITIVE_INFINITY && !(Number.isSafeInteger(count) && count >= 0)) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `generator count must be a non-negative integer or Infinity, got ${count}`,
      );
    }
    if (options.rateLimit !== undefined) checkRate(options.rateLimit);
    this.generator = generator;
    this.count = count;
    this.options = options;
    this.boundedness = count === Number.POSITIVE_INFINITY ? 'unbounded' : 'bounded';
  }

  createSplits(parallelism: number): IndexRangeSplit[] {
    // An unbounded generator still has contiguous ranges: indices stay safe integers "forever".
    const end = this.count === Number.POSITIVE_INFINITY ? Number.MAX_SAFE_INTEGER : this.count;
    return splitRange('generator', 0, end, parallelism);
  }

  createReader(context: SourceReaderContext): IndexRangeReader<T> {
    const { rateLimit, timestamp } = this.options;
    return new IndexRangeReader<T>({
      context,
      valueAt: this.generator,
      timestampOf: timestamp,
      describe: (index) => `generator index ${index}`,
      throttle:
        rateLimit === undefined ? undefined : new RateLimiter(rateLimit / Math.max(1, context.parallelism)),
    });
  }
}
