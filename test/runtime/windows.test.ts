import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Collector,
  CountTrigger,
  EventTimeSessionWindows,
  OutputTag,
  type ProcessWindowContext,
  ProcessWindowFunction,
  SlidingEventTimeWindows,
  StreamExecutionEnvironment,
  type TimeWindow,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from 'weir';
import { CollectSink } from 'weir/testing';

interface Event {
  k: string;
  v: number;
  ts: number;
}

/** Watermark = timestamp − 1 after every element: lateness is then exact and deterministic. */
const punctuated = WatermarkStrategy.forGenerator<Event>(() => ({
  onEvent(_e, ts, out) {
    out.emitWatermark(ts - 1);
  },
  onPeriodicEmit() {},
})).withTimestampAssigner((e) => e.ts);

/** Watermark = highest timestamp − lag − 1 after every element: windows stay open for `lag` ms. */
function laggingWatermarks(lag: number): WatermarkStrategy<Event> {
  let max = Number.NEGATIVE_INFINITY;
  return WatermarkStrategy.forGenerator<Event>(() => ({
    onEvent(_e, ts, out) {
      max = Math.max(max, ts);
      out.emitWatermark(max - lag - 1);
    },
    onPeriodicEmit() {},
  })).withTimestampAssigner((e) => e.ts);
}

const sum = {
  createAccumulator: () => 0,
  add: (e: Event, acc: number) => acc + e.v,
  getResult: (acc: number) => acc,
  merge: (a: number, b: number) => a + b,
};

function describeWindow(
  key: string,
  ctx: ProcessWindowContext<TimeWindow>,
  values: Iterable<number>,
  out: Collector<string>,
) {
  for (const v of values) out.collect(`${key} [${ctx.window().getStart()},${ctx.window().getEnd()}) ${v}`);
}

function source(env: StreamExecutionEnvironment, events: Event[]) {
  return env.fromCollection(events).assignTimestampsAndWatermarks(punctuated);
}

describe('event-time windows in a job', () => {
  it('tumbling windows aggregate per key and window, emitted with the key and the window', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    const sink = new CollectSink<string>();
    source(env, [
      { k: 'a', v: 1, ts: 1_000 },
      { k: 'b', v: 2, ts: 1_500 },
      { k: 'a', v: 3, ts: 9_999 },
      { k: 'a', v: 4, ts: 10_000 },
    ])
      .keyBy((e) => e.k)
      .window(TumblingEventTimeWindows.of(10_000))
      .aggregate(sum, describeWindow)
      .sinkTo(sink);
    await env.execute();
    assert.deepEqual(sink.values.sort(), ['a [0,10000) 4', 'a [10000,20000) 4', 'b [0,10000) 2']);
  });

  it('late elements within the allowed lateness fire the window again; later ones go to the side output', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    const sink = new CollectSink<string>();
    const lateSink = new CollectSink<Event>();
    const late = new OutputTag<Event>('late');
    const windowed = source(env, [
      { k: 'a', v: 1, ts: 1_000 },
      { k: 'a', v: 2, ts: 12_000 }, // watermark 11 999: [0, 10 000) fires with 1
      { k: 'a', v: 5, ts: 2_000 }, // late but within 5 s: fires again with 6
      { k: 'a', v: 7, ts: 30_000 }, // watermark 29 999: [0, 10 000) is gone for good
      { k: 'a', v: 9, ts: 3_000 }, // too late: side output
    ])
      .keyBy((e) => e.k)
      .window(TumblingEventTimeWindows.of(10_000))
      .allowedLateness(5_000)
      .sideOutputLateData(late)
      .aggregate(sum, describeWindow);
    windowed.sinkTo(sink);
    windowed.getSideOutput(late).sinkTo(lateSink);
    await env.execute();
    assert.deepEqual(sink.values, [
      'a [0,10000) 1',
      'a [0,10000) 6',
      'a [10000,20000) 2',
      'a [30000,40000) 7',
    ]);
    assert.deepEqual(lateSink.values, [{ k: 'a', v: 9, ts: 3_000 }]);
  });

  it('without a side output, late elements are dropped and counted in numLateRecordsDropped', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    source(env, [
      { k: 'a', v: 1, ts: 20_000 },
      { k: 'a', v: 1, ts: 1_000 },
      { k: 'b', v: 1, ts: 2_000 },
    ])
      .keyBy((e) => e.k)
      .window(TumblingEventTimeWindows.of(10_000))
      .aggregate(sum)
      .sinkTo(new CollectSink<number>());
    const result = await env.execute();
    assert.equal(result.getAccumulatorResult('numLateRecordsDropped'), 2);
  });

  it('an element belongs to size/slide sliding windows', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    const sink = new CollectSink<string>();
    source(env, [{ k: 'a', v: 1, ts: 12_345 }])
      .keyBy((e) => e.k)
      .window(SlidingEventTimeWindows.of(10_000, 2_000))
      .aggregate(sum, describeWindow)
      .sinkTo(sink);
    await env.execute();
    assert.deepEqual(
      sink.values.sort(),
      [
        'a [4000,14000) 1',
        'a [6000,16000) 1',
        'a [8000,18000) 1',
        'a [10000,20000) 1',
        'a [12000,22000) 1',
      ].sort(),
    );
  });

  it('session windows merge when an element bridges two sessions', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    const sink = new CollectSink<string>();
    // Watermarks lag 5 s behind the highest timestamp, so the first session is still open when
    // the bridging element arrives.
    const lagging = laggingWatermarks(5_000);
    env
      .fromCollection([
        { k: 'u', v: 1, ts: 1_000 },
        { k: 'u', v: 1, ts: 9_000 }, // a second session: [9 000, 14 000)
        { k: 'u', v: 1, ts: 5_500 }, // bridges [1 000, 6 000) and [9 000, 14 000)
        { k: 'u', v: 1, ts: 30_000 },
      ])
      .assignTimestampsAndWatermarks(lagging)
      .keyBy((e) => e.k)
      .window(EventTimeSessionWindows.withGap(5_000))
      .aggregate(sum, describeWindow)
      .sinkTo(sink);
    await env.execute();
    assert.deepEqual(sink.values, ['u [1000,14000) 3', 'u [30000,35000) 1']);
  });

  it('a ProcessWindowFunction class sees all elements; a count trigger fires every n elements', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    const sink = new CollectSink<string>();
    class Collect extends ProcessWindowFunction<Event, string, string, TimeWindow> {
      process(
        key: string,
        ctx: ProcessWindowContext<TimeWindow>,
        elements: Iterable<Event>,
        out: Collector<string>,
      ) {
        out.collect(`${key}@${ctx.window().getStart()}: ${[...elements].map((e) => e.v).join(',')}`);
      }
    }
    source(
      env,
      [1, 2, 3, 4, 5].map((v) => ({ k: 'a', v, ts: v * 100 })),
    )
      .keyBy((e) => e.k)
      .window(TumblingEventTimeWindows.of(10_000))
      .trigger(CountTrigger.of(2))
      .process(new Collect())
      .sinkTo(sink);
    await env.execute();
    assert.deepEqual(sink.values, ['a@0: 1,2', 'a@0: 1,2,3,4']);
  });

  it('countWindow(size) emits every size elements of a key; countWindow(size, slide) the last size every slide', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    const tumbling = new CollectSink<number>();
    const sliding = new CollectSink<number>();
    // One ordered source: each key sees its elements in order at any parallelism of the windows.
    const keyed = env
      .fromSequence(1, 10)
      .setParallelism(1)
      .keyBy((n) => n % 2);
    keyed
      .countWindow(2)
      .reduce((a, b) => a + b)
      .sinkTo(tumbling);
    keyed
      .countWindow(3, 2)
      .reduce((a, b) => a + b)
      .sinkTo(sliding);
    await env.execute();
    // odd: 1,3 | 5,7 | 9 (incomplete, never fires); even: 2,4 | 6,8 | 10
    assert.deepEqual(
      [...tumbling.values].sort((a, b) => a - b),
      [4, 6, 12, 14],
    );
    // odd: after 3 -> 1+3; after 7 -> 3+5+7; even: after 4 -> 2+4; after 8 -> 4+6+8
    assert.deepEqual(
      [...sliding.values].sort((a, b) => a - b),
      [4, 6, 15, 18],
    );
  });

  it('trigger state merges with session windows: a count trigger counts across merged sessions', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    const sink = new CollectSink<string>();
    const lagging = laggingWatermarks(5_000);
    env
      .fromCollection([
        { k: 'u', v: 1, ts: 1_000 },
        { k: 'u', v: 2, ts: 9_000 },
        { k: 'u', v: 4, ts: 5_500 }, // bridges the two sessions: their counts (1 + 1) merge, then 3
      ])
      .assignTimestampsAndWatermarks(lagging)
      .keyBy((e) => e.k)
      .window(EventTimeSessionWindows.withGap(5_000))
      .trigger(CountTrigger.of(3))
      .aggregate(sum, describeWindow)
      .sinkTo(sink);
    await env.execute();
    assert.deepEqual(sink.values, ['u [1000,14000) 7']);
  });

  it('windowAll windows the whole stream in one subtask, with reduce and with a ProcessAllWindowFunction', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    const sums = new CollectSink<number>();
    const described = new CollectSink<string>();
    const events = env
      .fromCollection(Array.from({ length: 30 }, (_, i) => ({ k: `k${i % 3}`, v: i, ts: i * 1_000 })))
      .assignTimestampsAndWatermarks(punctuated);
    events
      .map((e) => e.v)
      .windowAll(TumblingEventTimeWindows.of(10_000))
      .reduce((a, b) => a + b)
      .sinkTo(sums);
    events
      .windowAll(TumblingEventTimeWindows.of(15_000))
      .process((ctx: ProcessWindowContext<TimeWindow>, elements: Iterable<Event>, out: Collector<string>) => {
        out.collect(`${ctx.window().getStart()}: ${[...elements].length}`);
      })
      .sinkTo(described);
    const graph = env.getJobGraph();
    const windowKinds = new Set(['window', 'time-window', 'sliced-window']);
    const windows = graph.vertices.filter((v) => v.operators.some((o) => windowKinds.has(o.kind)));
    assert.deepEqual(
      windows.map((v) => v.parallelism),
      [1, 1],
      'windowAll is not parallel',
    );
    await env.execute();
    assert.deepEqual(sums.values, [45, 145, 245]);
    assert.deepEqual(described.values, ['0: 15', '15000: 15']);
  });
});
