/**
 * Flink conformance: a watermark that a generator emits from `onEvent` comes after the record that
 * caused it, in a source (per split and on the main output) and in `assignTimestampsAndWatermarks`.
 * With a punctuated generator that emits the record's own timestamp, the record is therefore never
 * behind its own watermark: it is not late, and the window that ends at its timestamp takes it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CollectionSource,
  type DataStream,
  type InputStatus,
  type KeyedProcessContext,
  type ReaderOutput,
  type Source,
  type SourceReader,
  type SourceSplit,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from 'weir';
import { CollectSink, OperatorHarness } from 'weir/testing';
import type { SourceOperator } from '../../../src/runtime/operators/source-operator.ts';

interface Ev {
  k: string;
  ts: number;
}

/** Punctuated: a watermark at each record's own timestamp, emitted from onEvent. */
const punctuated = () =>
  WatermarkStrategy.forGenerator<Ev>(() => ({
    onEvent: (_e, ts, out) => out.emitWatermark(ts),
    onPeriodicEmit() {},
  })).withTimestampAssigner((e) => e.ts);

/** What a harness emitted, as `record ts` and `watermark time` lines, without the initial watermark. */
function sequence(h: OperatorHarness): string[] {
  return h
    .getOutput()
    .filter((o) => o.kind !== 'watermark' || o.time > Number.MIN_SAFE_INTEGER)
    .map((o) =>
      o.kind === 'record' ? `record ${o.timestamp}` : o.kind === 'watermark' ? `watermark ${o.time}` : o.kind,
    );
}

/** Emits its records through the main output (`perSplit` false) or through a split's output. */
class ListReader implements SourceReader<Ev> {
  private readonly records: Ev[];
  private readonly perSplit: boolean;

  constructor(records: Ev[], perSplit: boolean) {
    this.records = records;
    this.perSplit = perSplit;
  }

  pollNext(output: ReaderOutput<Ev>): InputStatus {
    const out = this.perSplit ? output.createOutputForSplit!('s') : output;
    for (const r of this.records.splice(0)) out.collect(r);
    return 'nothing-available';
  }

  isAvailable(): Promise<void> {
    return new Promise(() => {});
  }

  addSplits(): void {}
  noMoreSplits(): void {}
  snapshotState(): SourceSplit[] {
    return [];
  }
}

async function sourceSequence(perSplit: boolean): Promise<string[]> {
  const reader = new ListReader(
    [
      { k: 'a', ts: 10 },
      { k: 'a', ts: 20 },
    ],
    perSplit,
  );
  const source: Source<Ev> = {
    boundedness: 'bounded',
    createSplits: () => [],
    createReader: () => reader,
  };
  const h = new OperatorHarness({ kind: 'source', fn: source, extra: { watermarkStrategy: punctuated() } });
  await h.open();
  (h.operator as SourceOperator).emitNext(100);
  return sequence(h);
}

/** A pipeline that reports, for each record, whether it arrived behind the current watermark. */
function lateness(input: DataStream<Ev>): CollectSink<string> {
  const sink = new CollectSink<string>();
  input
    .keyBy((e) => e.k)
    .process((e: Ev, ctx: KeyedProcessContext<string>, out) => {
      const wm = ctx.timerService().currentWatermark();
      out.collect(`${e.ts} ${e.ts <= wm ? 'late' : 'on time'}`);
    })
    .sinkTo(sink);
  return sink;
}

describe('Flink semantics: a watermark from onEvent follows its record', () => {
  it('a source emits the record before the watermark it caused (main output)', async () => {
    assert.deepEqual(await sourceSequence(false), ['record 10', 'watermark 10', 'record 20', 'watermark 20']);
  });

  it('a source emits the record before the watermark it caused (split output)', async () => {
    assert.deepEqual(await sourceSequence(true), ['record 10', 'watermark 10', 'record 20', 'watermark 20']);
  });

  it('assignTimestampsAndWatermarks emits the record before the watermark it caused', async () => {
    const h = new OperatorHarness({ kind: 'timestamps-watermarks', extra: { strategy: punctuated() } });
    await h.open();
    h.processElement({ k: 'a', ts: 10 });
    h.processElement({ k: 'a', ts: 20 });
    assert.deepEqual(sequence(h), ['record 10', 'watermark 10', 'record 20', 'watermark 20']);
  });

  for (const via of ['source', 'assignTimestampsAndWatermarks'] as const) {
    it(`with a punctuated generator at the record timestamp, a window ending at that timestamp takes the record (${via})`, async () => {
      const env = StreamExecutionEnvironment.createLocalEnvironment(1);
      const sink = new CollectSink<string>();
      const events: Ev[] = [
        { k: 'a', ts: 9 },
        { k: 'a', ts: 19 },
      ];
      const stamped =
        via === 'source'
          ? env.fromSource(new CollectionSource<Ev>(events), punctuated(), 'punctuated')
          : env.fromElements<Ev>(...events).assignTimestampsAndWatermarks(punctuated());
      stamped
        .keyBy((e) => e.k)
        .window(TumblingEventTimeWindows.of(10))
        .process((key, ctx, elements, out) => {
          out.collect(`${key} [${ctx.window().getStart()},${ctx.window().getEnd()}) ${[...elements].length}`);
        })
        .sinkTo(sink);
      const result = await env.execute();
      assert.deepEqual(sink.values, ['a [0,10) 1', 'a [10,20) 1']);
      assert.equal(result.getAccumulatorResult('numLateRecordsDropped') ?? 0, 0);
    });
  }

  it('a process function sees each record ahead of the watermark (source and assignTimestampsAndWatermarks)', async () => {
    const events: Ev[] = [
      { k: 'a', ts: 5 },
      { k: 'a', ts: 6 },
      { k: 'a', ts: 8 },
    ];
    for (const viaOperator of [false, true]) {
      const env = StreamExecutionEnvironment.createLocalEnvironment(1);
      const input = viaOperator
        ? env.fromElements(...events).assignTimestampsAndWatermarks(punctuated())
        : env.fromSource(new CollectionSource(events), punctuated(), 'punctuated');
      const sink = lateness(input);
      await env.execute();
      assert.deepEqual(
        sink.values,
        ['5 on time', '6 on time', '8 on time'],
        viaOperator ? 'operator' : 'source',
      );
    }
  });
});
