import {
  type InputStatus,
  type ReaderOutput,
  releaseSplitOutput,
  type SourceReader,
  type SourceReaderContext,
  splitOutput,
} from '../../core/source.ts';
import { Availability } from './availability.ts';
import type { IndexRangeSplit } from './index-range-split.ts';

/** Limits how fast a reader emits; time comes from the reader context's clock. */
export interface Throttle {
  /** How many of `wanted` records may be emitted at `now` (0 when the reader is ahead). */
  acquire(now: number, wanted: number): number;
  /** Milliseconds from `now` until `acquire` can grant a record again. */
  waitTime(now: number): number;
}

export interface IndexRangeReaderOptions<T> {
  readonly context: SourceReaderContext;
  /** The record at `index`. */
  readonly valueAt: (index: number) => T;
  /** The record's event time, if the source assigns one. */
  readonly timestampOf?: ((value: T, index: number) => number) | undefined;
  /** Names the record at `index` for error messages, e.g. `collection element 3`. */
  readonly describe: (index: number) => string;
  readonly throttle?: Throttle | undefined;
}

interface RangeState {
  splitId: string;
  next: number;
  end: number;
}

/**
 * Reads index ranges, split after split, emitting `valueAt(index)` for each index. Shared by the
 * collection, sequence and data generator sources: their records are a pure function of an index,
 * so a split's position is just the next index. Each split's records go to the split's output (its
 * own watermarks); a split read to its end is released.
 *
 * @example
 * ```ts
 * const reader = new IndexRangeReader<string>({
 *   context,
 *   valueAt: (i) => `row ${i}`,
 *   describe: (i) => `row index ${i}`,
 * });
 * reader.addSplits([{ splitId: 'rows-0', next: 0, end: 100 }]);
 * reader.pollNext(output, 10); // emits 'row 0' ... 'row 9', returns 'more'
 * ```
 */
export class IndexRangeReader<T> implements SourceReader<T, IndexRangeSplit> {
  private readonly options: IndexRangeReaderOptions<T>;
  private readonly queue: RangeState[] = [];
  private readonly availability = new Availability();
  private current: RangeState | undefined;
  private noMore = false;
  private emitting = -1;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: IndexRangeReaderOptions<T>) {
    this.options = options;
  }

  pollNext(output: ReaderOutput<T>, maxRecords: number): InputStatus {
    let split = this.current ?? this.nextSplit(output);
    if (split === undefined) return this.waitOrEnd();
    const { valueAt, timestampOf, throttle } = this.options;
    let budget = Math.max(1, maxRecords);
    if (throttle !== undefined) {
      const now = this.options.context.now();
      budget = throttle.acquire(now, budget);
      if (budget === 0) return this.waitFor(throttle.waitTime(now));
    }
    while (budget > 0 && split !== undefined) {
      const out = splitOutput(output, split.splitId);
      const limit = Math.min(split.end, split.next + budget);
      budget -= limit - split.next;
      for (let index = split.next; index < limit; index++) {
        this.emitting = index;
        split.next = index + 1;
        const value = valueAt(index);
        if (timestampOf === undefined) out.collect(value);
        else out.collect(value, timestampOf(value, index));
      }
      if (split.next >= split.end) {
        releaseSplitOutput(output, split.splitId);
        split = this.nextSplit(output);
      }
    }
    if (split === undefined && this.queue.length === 0 && this.noMore) return 'end';
    return 'more';
  }

  isAvailable(): Promise<void> {
    return this.availability.whenAvailable();
  }

  addSplits(splits: IndexRangeSplit[]): void {
    for (const s of splits) this.queue.push({ splitId: s.splitId, next: s.next, end: s.end });
    this.availability.notify();
  }

  noMoreSplits(): void {
    this.noMore = true;
    this.availability.notify();
  }

  snapshotState(_checkpointId: number): IndexRangeSplit[] {
    const open = this.current === undefined ? this.queue : [this.current, ...this.queue];
    return open.map((s) => ({ splitId: s.splitId, next: s.next, end: s.end }));
  }

  currentPosition(): string | undefined {
    return this.emitting < 0 ? undefined : this.options.describe(this.emitting);
  }

  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The next split with indexes left, made current; finished splits are released. */
  private nextSplit(output: ReaderOutput<T>): RangeState | undefined {
    let split = this.queue.shift();
    while (split !== undefined && split.next >= split.end) {
      releaseSplitOutput(output, split.splitId);
      split = this.queue.shift();
    }
    this.current = split;
    return split;
  }

  private waitOrEnd(): InputStatus {
    if (this.noMore) return 'end';
    this.availability.markWaiting();
    return 'nothing-available';
  }

  private waitFor(ms: number): InputStatus {
    this.availability.markWaiting();
    if (this.timer === undefined) {
      this.timer = setTimeout(
        () => {
          this.timer = undefined;
          this.availability.notify();
        },
        Math.max(1, Math.ceil(ms)),
      );
    }
    return 'nothing-available';
  }
}
