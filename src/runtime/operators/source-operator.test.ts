import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// The job-level test runs through the public API, as a user's job would.
import { StreamExecutionEnvironment, TumblingEventTimeWindows } from 'weir';
import { CollectSink } from 'weir/testing';
import { IndexRangeReader } from '../../connectors/collection/index-range-reader.ts';
import type { IndexRangeSplit } from '../../connectors/collection/index-range-split.ts';
import { Duration } from '../../core/duration.ts';
import type { InputStatus, ReaderOutput, Source, SourceReader, SourceSplit } from '../../core/source.ts';
import { MAX_WATERMARK } from '../../core/stream-element.ts';
import { OperatorHarness } from '../../testing/operator-harness.ts';
import { WatermarkStrategy } from '../../time/watermark-strategy.ts';
import type { SourceOperator } from './source-operator.ts';

interface Ev {
  split: string;
  ts: number;
}

/**
 * A reader the test scripts: `push(split, ts)` queues a record of a split, `finish(split)` ends the
 * split (its output is released at the next poll). With `perSplit` false it emits everything
 * through the main output, as readers that do not know about splits do.
 */
class ScriptedReader implements SourceReader<Ev> {
  private readonly queues = new Map<string, Ev[]>();
  private readonly finishing = new Set<string>();
  private readonly perSplit: boolean;

  constructor(perSplit: boolean) {
    this.perSplit = perSplit;
  }

  push(split: string, ...timestamps: number[]): void {
    const queue = this.queues.get(split);
    if (queue === undefined) throw new Error(`split ${split} is not assigned`);
    for (const ts of timestamps) queue.push({ split, ts });
  }

  finish(split: string): void {
    this.finishing.add(split);
  }

  pollNext(output: ReaderOutput<Ev>): InputStatus {
    for (const [split, queue] of this.queues) {
      const out = this.perSplit ? output.createOutputForSplit!(split) : output;
      for (const ev of queue.splice(0)) out.collect(ev);
      if (this.finishing.delete(split)) {
        this.queues.delete(split);
        if (this.perSplit) output.releaseOutputForSplit!(split);
      }
    }
    return this.queues.size === 0 ? 'end' : 'nothing-available';
  }

  isAvailable(): Promise<void> {
    return new Promise(() => {});
  }

  addSplits(splits: SourceSplit[]): void {
    for (const s of splits) this.queues.set(s.splitId, []);
  }

  noMoreSplits(): void {}

  snapshotState(): SourceSplit[] {
    return [...this.queues.keys()].map((splitId) => ({ splitId }));
  }
}

class ScriptedSource implements Source<Ev> {
  readonly boundedness = 'bounded' as const;
  readonly reader: ScriptedReader;

  constructor(perSplit: boolean) {
    this.reader = new ScriptedReader(perSplit);
  }

  createSplits(): SourceSplit[] {
    return [];
  }

  createReader(): ScriptedReader {
    return this.reader;
  }
}

const byTs = WatermarkStrategy.forBoundedOutOfOrderness<Ev>(Duration.ZERO).withTimestampAssigner((e) => e.ts);

/** A source operator in virtual time (watermark interval 200 ms) reading splits `a` and `b`. */
async function sourceHarness(strategy: WatermarkStrategy<Ev>, perSplit = true) {
  const source = new ScriptedSource(perSplit);
  const h = new OperatorHarness({ kind: 'source', fn: source, extra: { watermarkStrategy: strategy } });
  const operator = h.operator as SourceOperator;
  operator.assignSplits([{ splitId: 'a' }, { splitId: 'b' }]);
  await h.open();
  const reader = source.reader;
  let now = 0;
  return {
    h,
    reader,
    /** Polls the reader, then lets one watermark interval of processing time pass. */
    step(): void {
      operator.emitNext(100);
      now += 200;
      h.setProcessingTime(now);
    },
    poll: () => operator.emitNext(100),
    /** Watermarks emitted, without the generators' initial one (before any record). */
    watermarks: () => h.getWatermarks().filter((w) => w > Number.MIN_SAFE_INTEGER),
    statuses: () => h.getOutput().flatMap((o) => (o.kind === 'watermark-status' ? [o.idle] : [])),
  };
}

describe('SourceOperator: per-split watermarks', () => {
  it("emits the minimum of the splits' watermarks when one split is ahead of the other", async () => {
    const s = await sourceHarness(byTs);
    s.reader.push('a', 100_000, 101_000);
    s.reader.push('b', 0, 1_000);
    s.step();
    assert.deepEqual(s.watermarks(), [999]);
    s.reader.push('a', 102_000);
    s.reader.push('b', 5_000);
    s.step();
    assert.deepEqual(s.watermarks(), [999, 4_999]);
    assert.deepEqual(
      s.h.extractOutputValues().map((e) => (e as Ev).ts),
      [100_000, 101_000, 0, 1_000, 102_000, 5_000],
    );
  });

  it('a split not read yet holds the watermark back from the start', async () => {
    const s = await sourceHarness(byTs);
    s.reader.push('a', 100_000);
    s.step();
    s.step();
    assert.deepEqual(s.watermarks(), [], 'split b has no watermark yet');
    s.reader.push('b', 3_000);
    s.step();
    assert.deepEqual(s.watermarks(), [2_999]);
  });

  it('releases a split that ends: it no longer holds the watermark back', async () => {
    const s = await sourceHarness(byTs);
    s.reader.push('a', 100_000);
    s.reader.push('b', 1_000);
    s.step();
    assert.deepEqual(s.watermarks(), [999]);
    s.reader.finish('b');
    s.poll();
    assert.deepEqual(s.watermarks(), [999, 99_999], 'at once, not at the next interval');
    s.reader.push('a', 120_000);
    s.step();
    assert.deepEqual(s.watermarks(), [999, 99_999, 119_999]);
  });

  it('an idle split (withIdleness) does not hold the watermark back; when all are, the source is idle', async () => {
    const s = await sourceHarness(byTs.withIdleness(Duration.ofMillis(500)));
    s.reader.push('a', 10_000);
    s.reader.push('b', 500);
    s.step(); // t = 200
    assert.deepEqual(s.watermarks(), [499]);
    // Split a keeps producing, b stays silent: at t = 800, 500 ms or more after the interval that
    // saw its last record, b is idle and a alone decides.
    for (let i = 1; i <= 4; i++) {
      s.reader.push('a', 10_000 + i * 1_000);
      s.step(); // t = 400, 600, 800, 1 000
    }
    assert.deepEqual(s.watermarks(), [499, 12_999, 13_999]);
    assert.deepEqual(s.statuses(), [], 'the source stays active: split a is');
    s.reader.push('a', 15_000);
    s.step();
    assert.deepEqual(s.watermarks(), [499, 12_999, 13_999, 14_999]);

    // Now a falls silent too: once it is idle as well, the whole source is idle.
    for (let i = 0; i < 3; i++) s.step();
    assert.deepEqual(s.statuses(), [true]);

    // b comes back, below the watermark: the source is active again, the watermark does not go back.
    s.reader.push('b', 600);
    s.step();
    assert.deepEqual(s.statuses(), [true, false]);
    assert.deepEqual(s.watermarks(), [499, 12_999, 13_999, 14_999]);
    s.reader.push('b', 20_000);
    s.step();
    assert.deepEqual(s.watermarks(), [499, 12_999, 13_999, 14_999, 19_999], 'a is idle: b alone decides');
  });

  it('records collected on the main output keep one watermark generator for the subtask', async () => {
    const s = await sourceHarness(byTs, false);
    s.reader.push('a', 100_000);
    s.reader.push('b', 1_000);
    s.step();
    // One generator over all records: the highest timestamp decides, as before per-split watermarks.
    assert.deepEqual(s.watermarks(), [99_999]);
  });

  it('gives records of a split output their event time from the assigner, and ends with the final watermark', async () => {
    const s = await sourceHarness(byTs);
    s.reader.push('a', 7);
    s.poll();
    s.reader.finish('a');
    s.reader.finish('b');
    assert.equal(s.poll(), 'end');
    await s.h.endInput();
    assert.deepEqual(s.h.getOutput().at(0), { kind: 'record', value: { split: 'a', ts: 7 }, timestamp: 7 });
    assert.equal(s.h.getWatermarks().at(-1), MAX_WATERMARK);
  });
});

describe('SourceOperator: per-split watermarks in a job', () => {
  it('a subtask reading a split ahead, then a split behind, makes no record of the slower split late', async () => {
    // One subtask reads two ranges one after the other: "ahead" (from 100 000) first, "behind" (from 0).
    const timestamps = [100_000, 101_000, 102_000, 103_000, 0, 1_000, 2_000, 3_000];
    const source: Source<Ev, IndexRangeSplit> = {
      boundedness: 'bounded',
      maxParallelism: 1,
      createSplits: () => [
        { splitId: 'ahead', next: 0, end: 4 },
        { splitId: 'behind', next: 4, end: 8 },
      ],
      createReader: (context) =>
        new IndexRangeReader<Ev>({
          context,
          valueAt: (i) => ({ split: i < 4 ? 'ahead' : 'behind', ts: timestamps[i] }),
          describe: (i) => `record ${i}`,
        }),
    };
    // Punctuated (a watermark with every record), so that the job's speed does not matter.
    const punctuated = WatermarkStrategy.forGenerator<Ev>(() => ({
      onEvent: (_e, ts, out) => out.emitWatermark(ts - 1),
      onPeriodicEmit() {},
    })).withTimestampAssigner((e) => e.ts);
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    const sink = new CollectSink<string>();
    env
      .fromSource(source, punctuated, 'ahead and behind')
      .keyBy((e) => e.split)
      .window(TumblingEventTimeWindows.of(10_000))
      .aggregate(
        {
          createAccumulator: () => 0,
          add: (_e: Ev, n: number) => n + 1,
          getResult: (n: number) => n,
          merge: (a: number, b: number) => a + b,
        },
        (key, ctx, counts, out) => {
          for (const n of counts) out.collect(`${key} ${ctx.window().getStart()} ${n}`);
        },
      )
      .sinkTo(sink);
    const result = await env.execute();
    assert.equal(result.getAccumulatorResult('numLateRecordsDropped') ?? 0, 0, 'no record is late');
    assert.deepEqual(sink.values.sort(), ['ahead 100000 4', 'behind 0 4']);
  });
});
