/**
 * A generator source held at an index, so a test can stop a job in the middle of its input without
 * the job finishing first, however fast or slow the machine.
 */
import type {
  Boundedness,
  InputStatus,
  ReaderOutput,
  Source,
  SourceReader,
  SourceReaderContext,
  SourceSplit,
} from '../../src/index.ts';

/** A range of record indices `[next, end)`, as the generator source's splits are. */
interface RangeSplit extends SourceSplit {
  readonly next: number;
  readonly end: number;
}

/**
 * Wraps a generator source (`DataGeneratorSource`, record i is i) and never emits index `at` or
 * later: a reader that gets there emits nothing more (it still takes part in checkpoints and
 * savepoints) and counts itself in `held`. The job therefore never ends on its own; the test
 * stops or cancels it. Runs in the test's own thread (the count is in memory).
 */
export class HoldAtSource implements Source<number, RangeSplit> {
  readonly boundedness: Boundedness;
  /** Readers that have emitted everything below `at` in their splits. */
  held = 0;
  private readonly inner: Source<number, RangeSplit>;
  private readonly at: number;

  constructor(inner: Source<number, RangeSplit>, at: number) {
    this.inner = inner;
    this.boundedness = inner.boundedness;
    this.at = at;
  }

  createSplits(parallelism: number): RangeSplit[] | Promise<RangeSplit[]> {
    return this.inner.createSplits(parallelism);
  }

  createReader(context: SourceReaderContext): SourceReader<number, RangeSplit> {
    const reader = this.inner.createReader(context);
    const at = this.at;
    let held = false;
    /** Records this reader may still emit below `at`, splits read in order (0: hold). */
    const allowed = (): number => {
      let total = 0;
      for (const s of reader.snapshotState(0)) {
        if (s.next >= s.end) continue;
        if (s.next >= at) return total;
        if (s.end > at) return total + (at - s.next);
        total += s.end - s.next;
      }
      return Number.POSITIVE_INFINITY;
    };
    return {
      start: () => reader.start?.(),
      pollNext: (output: ReaderOutput<number>, maxRecords: number): InputStatus => {
        const room = allowed();
        if (room > 0) return reader.pollNext(output, Math.min(maxRecords, room));
        if (!held) {
          held = true;
          this.held++;
        }
        return 'nothing-available';
      },
      // While held, the task looks again every 20 ms (it stays responsive to barriers meanwhile).
      isAvailable: () => (held ? new Promise<void>((r) => setTimeout(r, 20)) : reader.isAvailable()),
      addSplits: (splits) => reader.addSplits(splits),
      noMoreSplits: () => reader.noMoreSplits(),
      snapshotState: (checkpointId) => reader.snapshotState(checkpointId),
      notifyCheckpointComplete: (checkpointId) => reader.notifyCheckpointComplete?.(checkpointId),
      currentPosition: () => reader.currentPosition?.(),
      close: () => reader.close?.(),
    };
  }
}
