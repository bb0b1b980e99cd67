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
} from '../../src/index.ts';
import { type RangeSplit, wrapReader } from '../faults/support.ts';

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
    return wrapReader(reader, {
      pollNext: (output: ReaderOutput<number>, maxRecords: number): InputStatus => {
        const room = allowed();
        if (room > 0) return reader.pollNext(output, Math.min(maxRecords, room));
        if (!held) {
          held = true;
          this.held++;
        }
        return 'nothing-available';
      },
      // A held reader stays held until the test stops or cancels the job: nothing to wait for, and
      // barriers and cancellation reach the task as mails, not through availability.
      isAvailable: () => (held ? new Promise<void>(() => {}) : reader.isAvailable()),
    });
  }
}
