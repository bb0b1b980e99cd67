import { WeirError } from '../../core/errors.ts';
import type { Boundedness, Source, SourceReaderContext } from '../../core/source.ts';
import { IndexRangeReader } from './index-range-reader.ts';
import { type IndexRangeSplit, splitRange } from './index-range-split.ts';

/**
 * A bounded, parallel source of the integers `from` to `to`, both inclusive, like Flink's
 * `fromSequence`. For a parallelism p the range is cut into p contiguous sub-ranges (fewer when it
 * has fewer than p numbers), so each subtask emits its numbers in ascending order and a split's
 * position is the next number. Bounds must be safe integers with `from <= to`, and the range must
 * hold at most `Number.MAX_SAFE_INTEGER` numbers.
 *
 * @example
 * ```ts
 * // 1, 2, ..., 1_000_000 across 4 subtasks: 1..250_000, 250_001..500_000, ...
 * env.fromSource(new NumberSequenceSource(1, 1_000_000), WatermarkStrategy.noWatermarks(), 'numbers')
 *   .setParallelism(4);
 * ```
 */
export class NumberSequenceSource implements Source<number, IndexRangeSplit> {
  readonly boundedness: Boundedness = 'bounded';
  readonly from: number;
  readonly to: number;

  constructor(from: number, to: number) {
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to)) {
      throw new WeirError('INVALID_ARGUMENT', `sequence bounds must be safe integers, got ${from} and ${to}`);
    }
    if (from > to) {
      throw new WeirError('INVALID_ARGUMENT', `sequence 'to' (${to}) must be >= 'from' (${from})`);
    }
    if (!Number.isSafeInteger(to - from + 1)) {
      throw new WeirError('INVALID_ARGUMENT', `sequence ${from}..${to} has more than 2^53 - 1 numbers`);
    }
    this.from = from;
    this.to = to;
  }

  createSplits(parallelism: number): IndexRangeSplit[] {
    return splitRange('sequence', this.from, this.to + 1, parallelism);
  }

  createReader(context: SourceReaderContext): IndexRangeReader<number> {
    return new IndexRangeReader<number>({
      context,
      valueAt: (value) => value,
      describe: (value) => `sequence value ${value}`,
    });
  }
}
