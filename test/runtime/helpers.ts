/**
 * Helpers shared by the runtime integration tests: a source the test drives record by record, and
 * a bounded wait for something the job does asynchronously.
 *
 * The ControlledSource hands records from the test to the job through shared memory, so it relies
 * on the local mini-cluster running the job's subtasks in the test's own thread (as it does today).
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

interface ControlledSplit extends SourceSplit {
  readonly index: number;
}

interface Lane<T> {
  records: Array<{ value: T; timestamp: number | undefined }>;
  ended: boolean;
  /** Wakes the reader that waits on this lane. */
  wake: (() => void) | undefined;
}

/**
 * A source with one lane per subtask: `push(lane, value)` hands a record to the reader of that lane
 * and `end(lane)` finishes it. Readers return 'nothing-available' while their lane is empty, so the
 * job waits for the test, as it would for a quiet Kafka partition.
 */
export class ControlledSource<T> implements Source<T, ControlledSplit> {
  readonly boundedness: Boundedness = 'bounded';
  private readonly lanes: Lane<T>[];
  /** Records handed to the job so far, per lane. */
  readonly emitted: number[];

  constructor(lanes = 1) {
    this.lanes = Array.from({ length: lanes }, () => ({ records: [], ended: false, wake: undefined }));
    this.emitted = new Array<number>(lanes).fill(0);
  }

  push(lane: number, value: T, timestamp?: number): void {
    const l = this.lanes[lane];
    if (l.ended) throw new Error(`lane ${lane} has ended`);
    l.records.push({ value, timestamp });
    this.wake(l);
  }

  end(lane?: number): void {
    for (const [i, l] of this.lanes.entries()) {
      if (lane === undefined || lane === i) {
        l.ended = true;
        this.wake(l);
      }
    }
  }

  /** True once every pushed record was polled by its reader. */
  drained(): boolean {
    return this.lanes.every((l) => l.records.length === 0);
  }

  private wake(l: Lane<T>): void {
    const w = l.wake;
    l.wake = undefined;
    w?.();
  }

  createSplits(parallelism: number): ControlledSplit[] {
    if (parallelism !== this.lanes.length) {
      throw new Error(`ControlledSource has ${this.lanes.length} lanes, the job runs it at ${parallelism}`);
    }
    return this.lanes.map((_, index) => ({ splitId: `lane-${index}`, index }));
  }

  createReader(_context: SourceReaderContext): SourceReader<T, ControlledSplit> {
    const source = this;
    const lanes = this.lanes;
    const mine: number[] = [];
    let noMore = false;
    let waiting: Promise<void> | undefined;
    return {
      pollNext(output: ReaderOutput<T>, maxRecords: number): InputStatus {
        let budget = Math.max(1, maxRecords);
        for (const i of mine) {
          const lane = lanes[i];
          while (budget > 0 && lane.records.length > 0) {
            const { value, timestamp } = lane.records.shift()!;
            source.emitted[i]++;
            budget--;
            if (timestamp === undefined) output.collect(value);
            else output.collect(value, timestamp);
          }
        }
        if (mine.some((i) => lanes[i].records.length > 0)) return 'more';
        if (noMore && mine.every((i) => lanes[i].ended)) return 'end';
        waiting = new Promise<void>((resolve) => {
          for (const i of mine) lanes[i].wake = resolve;
        });
        return 'nothing-available';
      },
      isAvailable(): Promise<void> {
        return waiting ?? Promise.resolve();
      },
      addSplits(splits: ControlledSplit[]): void {
        for (const s of splits) mine.push(s.index);
      },
      noMoreSplits(): void {
        noMore = true;
      },
      snapshotState(): ControlledSplit[] {
        return mine.map((index) => ({ splitId: `lane-${index}`, index }));
      },
    };
  }
}

/** Waits (polling every millisecond) until `condition()` holds; fails after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Lets the event loop (and so the job's task loop) run for a few turns. */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Groups values by a key, keeping their order. */
export function groupBy<T, K>(values: Iterable<T>, key: (v: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const v of values) {
    const k = key(v);
    const list = out.get(k);
    if (list) list.push(v);
    else out.set(k, [v]);
  }
  return out;
}

export const sorted = <T>(xs: Iterable<T>): T[] => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
