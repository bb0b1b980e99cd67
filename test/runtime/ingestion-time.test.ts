import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, StreamExecutionEnvironment, WatermarkStrategy } from '../../src/index.ts';
import { CollectSink, OperatorHarness } from '../../src/testing/index.ts';

describe('ingestion time', () => {
  it('assignTimestampsAndWatermarks(forIngestionTime()) stamps records with the clock at ingestion', () => {
    const h = new OperatorHarness({
      kind: 'timestamps-watermarks',
      extra: { strategy: WatermarkStrategy.forIngestionTime() },
      processingTime: 5_000,
    });
    h.processElement('a', 123);
    h.setProcessingTime(7_000);
    h.processElement('b');
    const records = h.getOutput().filter((o) => o.kind === 'record');
    assert.deepEqual(
      records.map((r) => (r.kind === 'record' ? [r.value, r.timestamp] : [])),
      [
        ['a', 5_000],
        ['b', 7_000],
      ],
    );
  });

  it('a source with forIngestionTime() stamps records with the job clock', async () => {
    const clock = new ManualClock(42_000);
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(1);
    env.getConfig().setClock(clock);
    const sink = new CollectSink<number>();
    env
      .fromElements(1, 2, 3)
      .assignTimestampsAndWatermarks(WatermarkStrategy.forIngestionTime<number>())
      .process<number>((_v, ctx, out) => out.collect(ctx.timestamp() ?? -1))
      .sinkTo(sink);
    await env.execute('ingestion time');
    assert.deepEqual(sink.values, [42_000, 42_000, 42_000]);
  });
});
