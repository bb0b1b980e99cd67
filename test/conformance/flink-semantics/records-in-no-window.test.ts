/**
 * Flink conformance: a record that falls into no window (sliding windows whose slide is larger than
 * their size, the record between two windows) is not a late record. The late-data side output
 * (and `numLateRecordsDropped`) only takes records that are late: event time, and timestamp +
 * allowed lateness <= the watermark. A record in no window that is not late is dropped, as in Flink,
 * and counted in the `numRecordsInNoWindow` accumulator so that nothing disappears uncounted.
 * Checked on both window operators: the general one and sliding windows by slices.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type DataStream,
  EventTimeTrigger,
  OutputTag,
  ProcessingTimeTrigger,
  SlidingEventTimeWindows,
  SlidingProcessingTimeWindows,
  StreamExecutionEnvironment,
  type TimeWindow,
  WatermarkStrategy,
  type WindowedStream,
} from 'weir';
import { CollectSink, windowHarness } from 'weir/testing';
import { show, sum } from '../window-support.ts';

interface Ev {
  k: string;
  v: number;
  ts: number;
}

/** Punctuated: a watermark at each record's timestamp, so which records are late is deterministic. */
const punctuated = WatermarkStrategy.forGenerator<Ev>(() => ({
  onEvent: (_e, ts, out) => out.emitWatermark(ts),
  onPeriodicEmit() {},
})).withTimestampAssigner((e) => e.ts);

type Windowed = WindowedStream<Ev, string, TimeWindow>;
/** The default trigger runs sliding windows by slices; an explicit one, the general operator. */
const operators: Record<string, (w: Windowed, eventTime: boolean) => Windowed> = {
  'sliding windows by slices': (w) => w,
  'general window operator': (w, eventTime) =>
    w.trigger(eventTime ? EventTimeTrigger.create() : ProcessingTimeTrigger.create()),
};

// Sliding windows of 5 every 10: [0,5), [10,15), [20,25)... Timestamps 7 and 27 are in none.
const input: Ev[] = [
  { k: 'a', v: 1, ts: 3 }, // [0, 5)
  { k: 'a', v: 2, ts: 7 }, // no window; not late (watermark 3)
  { k: 'a', v: 4, ts: 20 }, // [20, 25)
  { k: 'a', v: 8, ts: 7 }, // no window; late (watermark 20)
  { k: 'a', v: 16, ts: 27 }, // no window; not late (watermark 20)
];

async function run(pick: (w: Windowed, eventTime: boolean) => Windowed, withSideOutput: boolean) {
  const env = StreamExecutionEnvironment.createLocalEnvironment(1);
  const late = new OutputTag<Ev>('late');
  const sink = new CollectSink<string>();
  const lateSink = new CollectSink<Ev>();
  let windowed = pick(
    env
      .fromElements(...input)
      .assignTimestampsAndWatermarks(punctuated)
      .keyBy((e) => e.k)
      .window(SlidingEventTimeWindows.of(5, 10)),
    true,
  );
  if (withSideOutput) windowed = windowed.sideOutputLateData(late);
  const results = windowed.aggregate(sum, show);
  results.sinkTo(sink);
  if (withSideOutput) results.getSideOutput(late).sinkTo(lateSink);
  const result = await env.execute();
  return {
    results: sink.values,
    late: lateSink.values.map((e) => e.v),
    lateDropped: result.getAccumulatorResult<number>('numLateRecordsDropped') ?? 0,
    inNoWindow: result.getAccumulatorResult<number>('numRecordsInNoWindow'),
  };
}

describe('Flink semantics: a record in no window is not late', () => {
  for (const [name, pick] of Object.entries(operators)) {
    it(`the late side output takes only the late record in no window; the others are counted in numRecordsInNoWindow (${name})`, async () => {
      const got = await run(pick, true);
      assert.deepEqual(got.results, ['a [0,5) 1', 'a [20,25) 4']);
      assert.deepEqual(got.late, [8], 'only the record behind the watermark is late');
      assert.equal(got.lateDropped, 0);
      assert.equal(got.inNoWindow, 2, 'the two records in no window that are not late');
    });

    it(`without a side output, only the late record in no window counts in numLateRecordsDropped (${name})`, async () => {
      const got = await run(pick, false);
      assert.deepEqual(got.results, ['a [0,5) 1', 'a [20,25) 4']);
      assert.equal(got.lateDropped, 1);
      assert.equal(got.inNoWindow, 2);
    });

    it(`processing time: a record between two windows is never late (${name})`, async () => {
      const late = new OutputTag<Ev>('late');
      const h = await windowHarness((s: DataStream<Ev>) =>
        pick(s.keyBy((e) => e.k).window(SlidingProcessingTimeWindows.of(5, 10)), false)
          .sideOutputLateData(late)
          .aggregate(sum, show),
      );
      h.setProcessingTime(7); // between [0, 5) and [10, 15)
      h.processElement({ k: 'a', v: 1, ts: 0 });
      h.setProcessingTime(12);
      h.processElement({ k: 'a', v: 2, ts: 0 });
      h.setProcessingTime(14);
      assert.deepEqual(h.extractOutputValues(), ['a [10,15) 2']);
      assert.deepEqual(h.getSideOutput(late), [], 'no late record in processing time');
    });
  }
});
