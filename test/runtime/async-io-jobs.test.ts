/**
 * Async I/O in running jobs: a checkpoint taken with requests in flight restores and requests them
 * again with exactly-once results; rich functions open and close with their runtime context; the
 * end of input waits for requests in flight; capacity holds in a job.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AsyncDataStream,
  type Boundedness,
  type InputStatus,
  type ReaderOutput,
  RestartStrategies,
  type ResultFuture,
  RichAsyncFunction,
  type Sink,
  type Source,
  type SourceReader,
  type SourceSplit,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from 'weir';
import { waitFor } from './helpers.ts';

interface PositionSplit extends SourceSplit {
  readonly position: number;
}

/** One split over `records` (the test appends); its position is checkpointed and replayed. */
class ReplayableSource implements Source<number, PositionSplit> {
  readonly boundedness: Boundedness = 'bounded';
  readonly records: number[] = [];
  readonly snapshots = new Map<number, number>();
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

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('Async I/O in jobs', () => {
  it('a checkpoint with 100 requests in flight restores them and requests them again: every result exactly once', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    env.enableCheckpointing(20);
    env.setRestartStrategy(RestartStrategies.fixedDelayRestart(3, 10));
    const source = new ReplayableSource();
    const delivered: number[] = [];
    const held: Array<ResultFuture<number>> = [];
    const requests: number[][] = [];

    /** First run: answers below 100 at once and holds the rest; later runs answer everything. */
    class Lookup extends RichAsyncFunction<number, number> {
      private run = 0;
      override open(): void {
        requests.push([]);
        this.run = requests.length;
      }
      asyncInvoke(n: number, future: ResultFuture<number>): void | Promise<number[]> {
        requests[this.run - 1].push(n);
        if (this.run === 1 && n >= 100) {
          held.push(future);
          return;
        }
        return Promise.resolve([n]);
      }
    }
    const sink: Sink<number> = { invoke: (n) => void delivered.push(n) };
    const numbers = env.fromSource(source, WatermarkStrategy.noWatermarks(), 'numbers');
    AsyncDataStream.orderedWait(numbers, new Lookup(), 0, 100).sinkTo(sink);
    const client = await env.executeAsync('async i/o across a restore');
    const stats = () => client.getCheckpointStatistics!();

    source.push(...range(0, 200));
    await waitFor(() => held.length === 100 && delivered.length === 100, '100 answers and 100 held', 30_000);
    // A checkpoint taken from now on has records 100..199 in flight.
    const mark = Math.max(0, ...source.snapshots.keys());
    await waitFor(() => (stats().lastCompletedId ?? 0) > mark, `a checkpoint after ${mark}`, 30_000);
    held[0].completeExceptionally(new Error('injected failure'));

    await waitFor(() => requests.length === 2, 'the restart', 30_000);
    source.push(...range(200, 250));
    source.end();
    await client.getJobExecutionResult();

    assert.equal(stats().restarts, 1);
    assert.deepEqual(requests[1].slice(0, 100), range(100, 200), 'the restored requests, in order, first');
    assert.deepEqual(delivered, range(0, 250), 'every result once, in order');
  });

  it('a RichAsyncFunction opens with its runtime context in every subtask and closes at the end', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    const opened: string[] = [];
    const closed: number[] = [];
    class Tag extends RichAsyncFunction<number, string> {
      private prefix = '';
      override open(): void {
        const ctx = this.getRuntimeContext();
        this.prefix = `${ctx.getIndexOfThisSubtask()}/${ctx.getNumberOfParallelSubtasks()}`;
        opened.push(this.prefix);
      }
      async asyncInvoke(n: number): Promise<string[]> {
        await new Promise((resolve) => setImmediate(resolve));
        return [`${this.prefix}:${n}`];
      }
      override close(): void {
        closed.push(1);
      }
    }
    const out = await AsyncDataStream.unorderedWait(
      env.fromElements(...range(0, 40)).rebalance(),
      new Tag(),
      10_000,
    ).executeAndCollect();
    assert.deepEqual(opened.sort(), ['0/2', '1/2']);
    assert.equal(closed.length, 2);
    assert.equal(out.length, 40);
    assert.deepEqual(
      out.map((s) => Number(s.split(':')[1])).sort((a, b) => a - b),
      range(0, 40),
    );
    assert.deepEqual([...new Set(out.map((s) => s.split(':')[0]))].sort(), ['0/2', '1/2']);
  });

  it('capacity holds in a job, and the end of input waits for the requests in flight', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    let inFlight = 0;
    let maxInFlight = 0;
    const lookup = (n: number): Promise<number[]> => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      return new Promise((resolve) =>
        setImmediate(() => {
          inFlight--;
          resolve([n, -n]);
        }),
      );
    };
    const out = await AsyncDataStream.orderedWait(
      env.fromSequence(1, 5_000),
      lookup,
      0,
      7,
    ).executeAndCollect();
    assert.equal(maxInFlight, 7);
    assert.equal(out.length, 10_000);
    assert.deepEqual(out.slice(0, 4), [1, -1, 2, -2]);
    assert.deepEqual(out.slice(-2), [5_000, -5_000]);
  });

  it('a request that times out fails the job with an error naming the operator and the record', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    const stream = AsyncDataStream.unorderedWait(
      env.fromElements({ id: 'a' }, { id: 'never' }),
      (r: { id: string }) => (r.id === 'never' ? new Promise<string[]>(() => {}) : Promise.resolve([r.id])),
      50,
    ).name('profiles');
    await assert.rejects(stream.executeAndCollect(), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'USER_FUNCTION_FAILED');
      assert.match(error.message, /"profiles".*record \{"id":"never"\} timed out after 50 ms/);
      return true;
    });
  });
});
