import type { Boundedness, Source, SourceReaderContext } from '../../core/source.ts';
import { IndexRangeReader } from './index-range-reader.ts';
import type { IndexRangeSplit } from './index-range-split.ts';

/**
 * A bounded source over an in-memory array, like Flink's `fromElements` / `fromCollection`. It is
 * not parallel (`maxParallelism` 1): one split holds the index of the next element, so a checkpoint
 * resumes exactly after the last element emitted. Errors name the 0-based index of the element,
 * as in `collection element 3`.
 *
 * The array is copied when the source is created. Every worker evaluates the job module and so
 * builds its own copy: the elements must be the same wherever the module runs.
 *
 * @example
 * ```ts
 * const source = new CollectionSource([{ user: 'a', amount: 5 }, { user: 'b', amount: 7 }]);
 * env.fromSource(source, WatermarkStrategy.noWatermarks(), 'payments');
 * ```
 */
export class CollectionSource<T> implements Source<T, IndexRangeSplit> {
  readonly boundedness: Boundedness = 'bounded';
  readonly maxParallelism = 1;
  readonly elements: readonly T[];

  constructor(elements: readonly T[]) {
    this.elements = elements.slice();
  }

  createSplits(_parallelism: number): IndexRangeSplit[] {
    return [{ splitId: 'collection', next: 0, end: this.elements.length }];
  }

  createReader(context: SourceReaderContext): IndexRangeReader<T> {
    const elements = this.elements;
    return new IndexRangeReader<T>({
      context,
      valueAt: (index) => elements[index] as T,
      describe: (index) => `collection element ${index}`,
    });
  }
}
