/**
 * A source for the examples that replays recorded traffic as it arrived: each partition is a list
 * of deliveries (records that arrive together, like one Kafka fetch), each after a pause of
 * processing time since the previous one. Pauses are what make event time progress the way it does
 * in production: the source's periodic watermark (every `autoWatermarkInterval`, 200 ms by default)
 * is emitted between deliveries, so data that arrives after a pause can really be late, and a
 * partition that pauses for long can really be idle. A delivery is emitted in one piece.
 *
 * One split per partition; a reader replays the splits assigned to it side by side, each on its
 * own timeline and through the split's own output, so each partition has its own watermark (and
 * idleness), as Kafka partitions do. The source is bounded: a partition ends after its last
 * delivery (an empty last delivery keeps a partition open, silent, for its pause).
 *
 * @example
 * ```ts
 * // Two partitions: the second delivers once, stays silent for 3 s, then ends.
 * const source = new ReplaySource<Click>([
 *   [{ after: 0, records: [a, b] }, { after: 500, records: [c] }],
 *   [{ after: 0, records: [d] }, { after: 3_000, records: [] }],
 * ]);
 * env.fromSource(source, strategy, 'clicks').setParallelism(source.partitions.length);
 * ```
 */
import type {
  Boundedness,
  InputStatus,
  ReaderOutput,
  Source,
  SourceReader,
  SourceReaderContext,
  SourceSplit,
} from 'weir';

export interface Delivery<T> {
  /** Milliseconds of processing time after the previous delivery of the partition (or the start). */
  readonly after: number;
  readonly records: readonly T[];
}

export interface ReplaySplit extends SourceSplit {
  readonly partition: number;
  /** Index of the next delivery. */
  readonly next: number;
}

export class ReplaySource<T> implements Source<T, ReplaySplit> {
  readonly boundedness: Boundedness = 'bounded';
  readonly partitions: ReadonlyArray<ReadonlyArray<Delivery<T>>>;
  /** At most one reader per partition. */
  readonly maxParallelism: number;

  constructor(partitions: ReadonlyArray<ReadonlyArray<Delivery<T>>>) {
    this.partitions = partitions;
    this.maxParallelism = partitions.length;
  }

  createSplits(): ReplaySplit[] {
    return this.partitions.map((_, partition) => ({ splitId: `partition-${partition}`, partition, next: 0 }));
  }

  createReader(context: SourceReaderContext): SourceReader<T, ReplaySplit> {
    return new ReplayReader(this.partitions, context);
  }
}

interface Progress {
  readonly splitId: string;
  partition: number;
  next: number;
  /** Processing time at which the next delivery is due (set when the previous one went out). */
  due: number | undefined;
  released: boolean;
}

class ReplayReader<T> implements SourceReader<T, ReplaySplit> {
  private readonly partitions: ReadonlyArray<ReadonlyArray<Delivery<T>>>;
  private readonly context: SourceReaderContext;
  private readonly splits: Progress[] = [];
  private noMore = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private wake: (() => void) | undefined;
  private waiting: Promise<void> | undefined;

  constructor(partitions: ReadonlyArray<ReadonlyArray<Delivery<T>>>, context: SourceReaderContext) {
    this.partitions = partitions;
    this.context = context;
  }

  pollNext(output: ReaderOutput<T>): InputStatus {
    const now = this.context.now();
    let nextDue = Number.POSITIVE_INFINITY;
    let emitted = false;
    for (const split of this.splits) {
      const deliveries = this.partitions[split.partition];
      if (split.next >= deliveries.length) {
        // Restored as done: its watermark no longer counts.
        if (!split.released) output.releaseOutputForSplit?.(split.splitId);
        split.released = true;
        continue;
      }
      split.due ??= now + deliveries[split.next].after;
      if (split.due <= now) {
        // One delivery per poll and split: the next one waits for its own pause.
        const out = output.createOutputForSplit?.(split.splitId) ?? output;
        for (const record of deliveries[split.next].records) out.collect(record);
        split.next++;
        split.due = split.next < deliveries.length ? now + deliveries[split.next].after : undefined;
        emitted = true;
        if (split.due === undefined) {
          output.releaseOutputForSplit?.(split.splitId);
          split.released = true;
        }
      }
      if (split.due !== undefined) nextDue = Math.min(nextDue, split.due);
    }
    if (emitted) return 'more';
    if (nextDue === Number.POSITIVE_INFINITY) {
      if (this.noMore) return 'end';
      this.waiting = new Promise((resolve) => (this.wake = resolve));
      return 'nothing-available';
    }
    this.waiting = new Promise((resolve) => {
      this.timer = setTimeout(resolve, Math.max(1, nextDue - now));
    });
    return 'nothing-available';
  }

  isAvailable(): Promise<void> {
    return this.waiting ?? Promise.resolve();
  }

  addSplits(splits: ReplaySplit[]): void {
    for (const s of splits) {
      this.splits.push({
        splitId: s.splitId,
        partition: s.partition,
        next: s.next,
        due: undefined,
        released: false,
      });
    }
    this.wake?.();
  }

  noMoreSplits(): void {
    this.noMore = true;
    this.wake?.();
  }

  snapshotState(): ReplaySplit[] {
    return this.splits.map((s) => ({
      splitId: s.splitId,
      partition: s.partition,
      next: s.next,
    }));
  }

  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
  }
}
