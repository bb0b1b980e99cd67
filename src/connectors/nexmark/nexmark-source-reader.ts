import {
  type InputStatus,
  type ReaderOutput,
  releaseSplitOutput,
  type SourceReader,
  splitOutput,
} from '../../core/source.ts';
import type { NexmarkConfig } from './config.ts';
import { NexmarkGenerator } from './generator.ts';
import type { NexmarkEvent } from './model.ts';
import type { NexmarkSplit } from './nexmark-split.ts';

interface SplitProgress {
  readonly splitId: string;
  next: number;
  readonly end: number;
}

/**
 * Reads Nexmark splits in the order they were assigned: each poll generates the next events of the
 * current split, up to `maxRecords`, and emits each with its `dateTime` as timestamp. Generation is
 * synchronous and never waits, so the reader only reports 'nothing-available' while it has no split.
 * Each split's events go to the split's output (its own watermarks); a finished split is released.
 */
export class NexmarkSourceReader implements SourceReader<NexmarkEvent, NexmarkSplit> {
  private readonly generator: NexmarkGenerator;
  private readonly queue: SplitProgress[] = [];
  private current: SplitProgress | undefined;
  private noMore = false;
  /** Id of the event being emitted (or last emitted); -1 before the first. */
  private position = -1;
  private wakeUp: (() => void) | undefined;

  /** A reader generating events with `config` (that of its source). */
  constructor(config: Partial<NexmarkConfig>) {
    this.generator = new NexmarkGenerator(config);
  }

  pollNext(output: ReaderOutput<NexmarkEvent>, maxRecords: number): InputStatus {
    const generator = this.generator;
    let remaining = Math.max(1, maxRecords);
    while (remaining > 0) {
      const split = this.current ?? this.nextSplit(output);
      if (split === undefined) break;
      const out = splitOutput(output, split.splitId);
      const end = Math.min(split.end, split.next + remaining);
      remaining -= end - split.next;
      for (let id = split.next; id < end; id++) {
        this.position = id;
        // generateEvent leaves the event's time in lastTimestamp: the arguments are read in order.
        out.collect(generator.generateEvent(id), generator.lastTimestamp);
        split.next = id + 1;
      }
      if (split.next >= split.end) {
        this.current = undefined;
        releaseSplitOutput(output, split.splitId);
      }
    }
    if (this.current !== undefined || this.queue.length > 0) return 'more';
    return this.noMore ? 'end' : 'nothing-available';
  }

  isAvailable(): Promise<void> {
    if (this.current !== undefined || this.queue.length > 0 || this.noMore) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.wakeUp;
      this.wakeUp = () => {
        previous?.();
        resolve();
      };
    });
  }

  addSplits(splits: NexmarkSplit[]): void {
    for (const split of splits) {
      this.queue.push({ splitId: split.splitId, next: split.nextEventId, end: split.endEventId });
    }
    if (splits.length > 0) this.notify();
  }

  noMoreSplits(): void {
    this.noMore = true;
    this.notify();
  }

  snapshotState(_checkpointId: number): NexmarkSplit[] {
    const open = this.current === undefined ? this.queue : [this.current, ...this.queue];
    return open.map((s) => ({ splitId: s.splitId, nextEventId: s.next, endEventId: s.end }));
  }

  /** `nexmark event <id>` of the event being emitted, once one was. */
  currentPosition(): string | undefined {
    return this.position < 0 ? undefined : `nexmark event ${this.position}`;
  }

  /** The next split with events left, made current; finished splits are released. */
  private nextSplit(output: ReaderOutput<NexmarkEvent>): SplitProgress | undefined {
    let split = this.queue.shift();
    while (split !== undefined && split.next >= split.end) {
      releaseSplitOutput(output, split.splitId);
      split = this.queue.shift();
    }
    this.current = split;
    return split;
  }

  private notify(): void {
    const wakeUp = this.wakeUp;
    this.wakeUp = undefined;
    wakeUp?.();
  }
}
