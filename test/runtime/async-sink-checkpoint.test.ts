/**
 * An asynchronous sink without snapshotState holds a checkpoint back until every invocation issued
 * before its barrier has settled: otherwise the checkpoint could complete with a record still in
 * flight, and a failure of that invocation would restart the job after the record, losing it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Boundedness,
  type InputStatus,
  type ReaderOutput,
  RestartStrategies,
  type Sink,
  type Source,
  type SourceReader,
  type SourceSplit,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from 'weir';
import { waitFor } from './helpers.ts';

interface PositionSplit extends SourceSplit {
  /** Index of the next record to read. */
  readonly position: number;
}

/**
 * One split over `records`, which the test appends to; the reader's position is its checkpointed
 * state, so a restore replays from the restored position. Records every snapshot's position by
 * checkpoint id, and the position each run of the reader starts from.
 */
class ReplayableSource implements Source<number, PositionSplit> {
  readonly boundedness: Boundedness = 'bounded';
  readonly records: number[] = [];
  readonly snapshots = new Map<number, number>();
  readonly startPositions: number[] = [];
  private ended = false;
  private wake: (() => void) | undefined;

  push(...values: number[]): void {
    this.records.push(...values);
    this.signal();
  }

  end(): void {
    this.ended = true;
    this.signal();
  }

  private signal(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  createSplits(): PositionSplit[] {
    return [{ splitId: 'only', position: 0 }];
  }

  createReader(): SourceReader<number, PositionSplit> {
    const source = this;
    let position = -1;
    let noMore = false;
    let waiting: Promise<void> | undefined;
    return {
      pollNext(output: ReaderOutput<number>, maxRecords: number): InputStatus {
        if (position < 0) return noMore ? 'end' : 'nothing-available';
        let budget = Math.max(1, maxRecords);
        while (budget-- > 0 && position < source.records.length) output.collect(source.records[position++]);
        if (position < source.records.length) return 'more';
        if (source.ended && noMore) return 'end';
        waiting = new Promise<void>((resolve) => {
          source.wake = resolve;
        });
        return 'nothing-available';
      },
      isAvailable: () => waiting ?? Promise.resolve(),
      addSplits(splits: PositionSplit[]): void {
        position = splits[0].position;
        source.startPositions.push(position);
      },
      noMoreSplits(): void {
        noMore = true;
      },
      snapshotState(checkpointId: number): PositionSplit[] {
        source.snapshots.set(checkpointId, position);
        return [{ splitId: 'only', position }];
      },
    };
  }
}

describe('asynchronous sink at a checkpoint', () => {
  it('a checkpoint waits for the invocations issued before its barrier, so a rejected one is replayed, not lost', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    env.enableCheckpointing(20);
    // A second checkpoint may start while the first waits for the sink: that start is the event
    // the test waits on when the first checkpoint (rightly) does not complete.
    env.getCheckpointConfig().setMaxConcurrentCheckpoints(2);
    env.setRestartStrategy(RestartStrategies.fixedDelayRestart(3, 10));

    const source = new ReplayableSource();
    const delivered: number[] = [];
    const HELD = 3;
    let held: { reject: (error: Error) => void } | undefined;
    let heldOnce = false;
    const sink: Sink<number> = {
      invoke(n: number): Promise<void> {
        if (n === HELD && !heldOnce) {
          heldOnce = true;
          return new Promise<void>((_resolve, reject) => {
            held = { reject };
          });
        }
        return Promise.resolve().then(() => {
          delivered.push(n);
        });
      },
    };
    env.fromSource(source, WatermarkStrategy.noWatermarks(), 'numbers').sinkTo(sink);
    const client = await env.executeAsync('async sink at a checkpoint');
    const stats = () => client.getCheckpointStatistics!();

    // A completed checkpoint before the record that will fail: the one to restore from.
    source.push(0, 1, 2);
    await waitFor(
      () => [...source.snapshots].some(([id, pos]) => pos === 3 && (stats().lastCompletedId ?? 0) >= id),
      'a completed checkpoint after records 0..2',
      30_000,
    );
    const before = stats().lastCompletedId!;

    // Record 3's invocation stays in flight while a barrier passes behind records 3..5.
    source.push(3, 4, 5);
    await waitFor(() => held !== undefined, 'the invocation of record 3', 30_000);
    const after = () => [...source.snapshots].filter(([, pos]) => pos === 6).map(([id]) => id);
    await waitFor(() => after().length > 0, 'a barrier behind record 5', 30_000);
    const behind = after()[0];
    // Either that checkpoint completes (the bug) or the next one starts while it waits.
    await waitFor(
      () => (stats().lastCompletedId ?? 0) >= behind || after().length > 1,
      `checkpoint ${behind} to complete or a later one to start`,
      30_000,
    );
    const completedWhileInFlight = (stats().lastCompletedId ?? 0) >= behind;
    held!.reject(new Error('injected: the write of record 3 failed'));

    await waitFor(() => source.startPositions.length === 2, 'the restart', 30_000);
    source.end();
    await client.getJobExecutionResult();

    assert.deepEqual(
      [...new Set(delivered)].sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5],
      'every record was delivered',
    );
    assert.equal(
      completedWhileInFlight,
      false,
      `checkpoint ${behind} (barrier after record 5) completed while record 3 was in flight`,
    );
    assert.equal(stats().restarts, 1);
    assert.equal(
      source.startPositions[1],
      HELD,
      `restored from checkpoint ${before} or a later one before record 3`,
    );
  });
});
