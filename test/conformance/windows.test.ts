/**
 * Window conformance: Flink's documented window semantics, one rule per test, checked on the real
 * window operator in virtual time (the test kit's `windowHarness`, which runs the operator exactly
 * as `keyBy(...).window(...)...` configures it), and at job level where the rule is about inputs
 * (idle inputs, the end of a bounded input, per-split watermarks). Unit tests of each assigner,
 * trigger and evictor live next to them in src/time/windows; here they run inside the operator.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Collector,
  ContinuousEventTimeTrigger,
  ContinuousProcessingTimeTrigger,
  CountEvictor,
  CountTrigger,
  type DataStream,
  DeltaEvictor,
  Duration,
  EventTimeSessionWindows,
  EventTimeTrigger,
  GlobalWindows,
  type InputStatus,
  type JobClient,
  MAX_WATERMARK,
  OutputTag,
  ProcessingTimeTrigger,
  type ProcessWindowContext,
  PurgingTrigger,
  type ReaderOutput,
  SlidingEventTimeWindows,
  type Source,
  type SourceReader,
  type SourceSplit,
  StreamExecutionEnvironment,
  TimeEvictor,
  type TimeWindow,
  type Trigger,
  type TriggerContext,
  TriggerResult,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  WatermarkStrategy,
  type Window,
} from 'weir';
import { CollectSink, ManualClock, type OperatorHarness, windowHarness } from 'weir/testing';
import { WatermarkValve } from '../../src/time/watermark-valve.ts';
import { ControlledSource, waitFor } from '../runtime/helpers.ts';
import { count, type Ev, show, sum } from './window-support.ts';

/** The elements' values of each firing of a global window. */
function values<W extends Window>(
  _key: string,
  _ctx: ProcessWindowContext<W>,
  xs: Iterable<Ev>,
  out: Collector<number[]>,
) {
  out.collect([...xs].map((x) => x.v));
}

const records = (h: OperatorHarness) =>
  h.getOutput().flatMap((o) => (o.kind === 'record' ? [{ value: o.value, timestamp: o.timestamp }] : []));

/** Mathematical modulo: the result has the sign of the divisor. */
const mod = (a: number, n: number) => ((a % n) + n) % n;

/** Timestamps around zero, window boundaries and offsets, negative ones included. */
const TIMESTAMPS = [
  -25_001, -10_000, -9_999, -7_001, -3_001, -1, 0, 1, 2_999, 3_000, 9_999, 10_000, 12_345, 29_999,
];

describe('window assignment through the window operator', () => {
  for (const offset of [0, 3_000, -3_000]) {
    it(`tumbling windows are [t - (t - offset) mod size, + size), negative timestamps too (offset ${offset})`, async () => {
      const size = 10_000;
      const h = await windowHarness((s: DataStream<Ev>) =>
        s
          .keyBy((e) => e.k)
          .window(TumblingEventTimeWindows.of(size, offset))
          .aggregate(count, show),
      );
      for (const t of TIMESTAMPS) h.processElement({ k: String(t), v: 1 }, t);
      h.processWatermark(MAX_WATERMARK);
      const expected = TIMESTAMPS.map((t) => {
        const start = t - mod(t - offset, size);
        return `${t} [${start},${start + size}) 1`;
      });
      assert.deepEqual(h.extractOutputValues().sort(), expected.sort());
    });
  }

  /** The sliding-window pipelines to check: by slices (aggregate) and the general operator (process). */
  const slidingPipelines = (size: number, slide: number, offset: number) => ({
    'aggregate (by slices)': (s: DataStream<Ev>) =>
      s
        .keyBy((e) => e.k)
        .window(SlidingEventTimeWindows.of(size, slide, offset))
        .aggregate(count, show),
    'process (general operator)': (s: DataStream<Ev>) =>
      s
        .keyBy((e) => e.k)
        .window(SlidingEventTimeWindows.of(size, slide, offset))
        .process(
          (k: string, ctx: ProcessWindowContext<TimeWindow>, xs: Iterable<Ev>, out: Collector<string>) =>
            show(k, ctx, [[...xs].length], out),
        ),
  });

  for (const [size, slide, offset] of [
    [10_000, 2_000, 0],
    [10_000, 2_500, 1_000],
    [9_000, 3_000, -1_000],
  ]) {
    for (const [name, pipeline] of Object.entries(slidingPipelines(size, slide, offset))) {
      it(`an element is in exactly size/slide sliding windows, aligned to the epoch + offset (${size}, ${slide}, ${offset}; ${name})`, async () => {
        const h = await windowHarness(pipeline);
        for (const t of TIMESTAMPS) h.processElement({ k: String(t), v: 1 }, t);
        h.processWatermark(MAX_WATERMARK);
        const byKey = new Map<string, Array<[number, number]>>();
        for (const line of h.extractOutputValues()) {
          const m = /^(-?\d+) \[(-?\d+),(-?\d+)\) 1$/.exec(line);
          assert.ok(m, line);
          byKey.set(m[1], [...(byKey.get(m[1]) ?? []), [Number(m[2]), Number(m[3])]]);
        }
        for (const t of TIMESTAMPS) {
          const windows = byKey.get(String(t)) ?? [];
          assert.equal(windows.length, size / slide, `windows of ${t}`);
          for (const [start, end] of windows) {
            assert.equal(end - start, size);
            assert.ok(start <= t && t < end, `${t} in [${start},${end})`);
            assert.equal(mod(start - offset, slide), 0, `start ${start} aligned`);
          }
          assert.equal(new Set(windows.map(([s]) => s)).size, windows.length, 'distinct windows');
        }
      });
    }
  }

  it('sessions merge when an element bridges two, and fire once, at the merged end - 1', async () => {
    const h = await windowHarness((s: DataStream<Ev>) =>
      s
        .keyBy((e) => e.k)
        .window(EventTimeSessionWindows.withGap(10_000))
        .aggregate(sum, show),
    );
    h.processElement({ k: 'a', v: 1 }, 0); // [0, 10 000)
    h.processElement({ k: 'a', v: 2 }, 20_000); // [20 000, 30 000): apart
    h.processElement({ k: 'b', v: 100 }, 10_000); // another key: no merge across keys
    h.processWatermark(5_000);
    assert.deepEqual(h.extractOutputValues(), []);
    h.processElement({ k: 'a', v: 4 }, 10_000); // [10 000, 20 000) touches both: one session
    h.processWatermark(9_999); // the first session's old end - 1: nothing fires for a
    assert.deepEqual(h.extractOutputValues(), []);
    h.processWatermark(19_999);
    assert.deepEqual(h.extractOutputValues(), ['b [10000,20000) 100']);
    h.processWatermark(29_998);
    assert.deepEqual(h.extractOutputValues(), ['b [10000,20000) 100']);
    h.processWatermark(29_999);
    assert.deepEqual(h.extractOutputValues(), ['b [10000,20000) 100', 'a [0,30000) 7']);
    h.processWatermark(MAX_WATERMARK);
    assert.equal(h.extractOutputValues().length, 2, 'each session fired once');
    assert.equal(h.numEventTimeTimers(), 0);
  });
});

describe('event-time firing', () => {
  it('a window fires when the watermark reaches end - 1, and not before; its result has timestamp end - 1', async () => {
    const h = await windowHarness((s: DataStream<Ev>) =>
      s
        .keyBy((e) => e.k)
        .window(TumblingEventTimeWindows.of(10_000))
        .aggregate(sum),
    );
    h.processElement({ k: 'a', v: 5 }, 1_000);
    h.processElement({ k: 'a', v: 7 }, 9_999);
    h.processElement({ k: 'a', v: 100 }, 10_000);
    h.processWatermark(9_998);
    assert.deepEqual(records(h), []);
    h.processWatermark(9_999);
    assert.deepEqual(records(h), [{ value: 12, timestamp: 9_999 }]);
    h.processWatermark(19_998);
    assert.equal(records(h).length, 1);
    h.processWatermark(19_999);
    assert.deepEqual(records(h)[1], { value: 100, timestamp: 19_999 });
  });

  it('a late element within the allowed lateness fires the window again with the updated result; after that it goes to the side output', async () => {
    const late = new OutputTag<Ev>('late');
    const h = await windowHarness((s: DataStream<Ev>) =>
      s
        .keyBy((e) => e.k)
        .window(TumblingEventTimeWindows.of(10_000))
        .allowedLateness(5_000)
        .sideOutputLateData(late)
        .aggregate(sum, show),
    );
    h.processElement({ k: 'a', v: 1 }, 1_000);
    h.processWatermark(9_999);
    assert.deepEqual(h.extractOutputValues(), ['a [0,10000) 1']);
    h.processElement({ k: 'a', v: 2 }, 2_000); // late, within lateness: fires again at once
    assert.deepEqual(h.extractOutputValues(), ['a [0,10000) 1', 'a [0,10000) 3']);
    h.processWatermark(14_998); // end - 1 + lateness - 1: the window is still kept
    h.processElement({ k: 'a', v: 4 }, 9_999);
    assert.deepEqual(h.extractOutputValues().at(-1), 'a [0,10000) 7');
    h.processWatermark(14_999); // end - 1 + lateness: the window is gone
    h.processElement({ k: 'a', v: 8 }, 5_000);
    h.processElement({ k: 'b', v: 16 }, 0); // any key: its window is past the lateness too
    assert.equal(h.extractOutputValues().length, 3, 'no more firings');
    assert.deepEqual(h.getSideOutput(late), [
      { k: 'a', v: 8 },
      { k: 'b', v: 16 },
    ]);
    assert.equal(h.numEventTimeTimers(), 0, 'the window and its timers are cleaned up');
  });

  // Random elements (out of order, negative timestamps too) and watermarks, checked step by step
  // against a model of the rules above: an element joins each of its windows not yet past
  // end - 1 + lateness; a window past end - 1 fires at once on each such element; a window fires
  // when the watermark first reaches its end - 1; an element with no window left is late.
  const models = [
    { name: 'tumbling 10 s, lateness 3 s', size: 10_000, slide: 10_000, offset: 0, lateness: 3_000 },
    {
      name: 'sliding 10 s / 2.5 s + 0.5 s, lateness 3 s',
      size: 10_000,
      slide: 2_500,
      offset: 500,
      lateness: 3_000,
    },
    {
      name: 'sliding 6 s / 4 s (slide not dividing size)',
      size: 6_000,
      slide: 4_000,
      offset: 0,
      lateness: 1_000,
    },
    { name: 'sliding 10 s / 5 s, no lateness', size: 10_000, slide: 5_000, offset: -2_000, lateness: 0 },
  ];
  for (const m of models) {
    const assigner = () =>
      m.size === m.slide
        ? TumblingEventTimeWindows.of(m.size, m.offset)
        : SlidingEventTimeWindows.of(m.size, m.slide, m.offset);
    const pipelines = {
      'aggregate (by slices for sliding windows)': (s: DataStream<Ev>, late: OutputTag<Ev>) =>
        s
          .keyBy((e) => e.k)
          .window(assigner())
          .allowedLateness(m.lateness)
          .sideOutputLateData(late)
          .aggregate(sum, show),
      'explicit EventTimeTrigger (general operator)': (s: DataStream<Ev>, late: OutputTag<Ev>) =>
        s
          .keyBy((e) => e.k)
          .window(assigner())
          .trigger(EventTimeTrigger.create())
          .allowedLateness(m.lateness)
          .sideOutputLateData(late)
          .aggregate(sum, show),
    };
    for (const [name, pipeline] of Object.entries(pipelines)) {
      it(`fires, refires and drops late elements as the model says: ${m.name}; ${name}`, async () => {
        for (const seed of [1, 2, 3]) {
          const late = new OutputTag<Ev>('late');
          const h = await windowHarness((s: DataStream<Ev>) => pipeline(s, late));
          const steps = randomSteps(seed, 400);
          const expected = modelOutput(steps, m);
          let seen = 0;
          steps.forEach((step, i) => {
            if (step.kind === 'element') h.processElement({ k: step.k, v: step.v }, step.ts);
            else h.processWatermark(step.time);
            const out = h.extractOutputValues();
            assert.deepEqual(
              out.slice(seen).sort(),
              expected.firings[i],
              `seed ${seed}, step ${i}: ${JSON.stringify(step)}`,
            );
            seen = out.length;
          });
          assert.deepEqual(h.getSideOutput(late), expected.late, `seed ${seed}: late elements`);
          assert.ok(
            expected.late.length > 0 && (m.lateness === 0 || expected.refirings > 0),
            'the data has late elements, and refirings when there is a lateness',
          );
        }
      });
    }
  }

  it('the end of a bounded input fires every pending event-time window, of every key', async () => {
    interface Click {
      user: string;
      ts: number;
    }
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    const tumbling = new CollectSink<string>();
    const sessions = new CollectSink<string>();
    const clicks = env
      .fromCollection<Click>([
        { user: 'a', ts: 1_000 },
        { user: 'b', ts: 61_000 },
        { user: 'a', ts: 125_000 },
        { user: 'c', ts: -5_000 },
      ])
      // No watermarks at all: only the final watermark of the end of input fires the windows.
      .assignTimestampsAndWatermarks(
        WatermarkStrategy.noWatermarks<Click>().withTimestampAssigner((c) => c.ts),
      );
    const byUser = clicks.keyBy((c) => c.user);
    byUser.window(TumblingEventTimeWindows.of(60_000)).aggregate(count, show).sinkTo(tumbling);
    byUser.window(EventTimeSessionWindows.withGap(30_000)).aggregate(count, show).sinkTo(sessions);
    await env.execute();
    assert.deepEqual(tumbling.values.sort(), [
      'a [0,60000) 1',
      'a [120000,180000) 1',
      'b [60000,120000) 1',
      'c [-60000,0) 1',
    ]);
    assert.deepEqual(sessions.values.sort(), [
      'a [1000,31000) 1',
      'a [125000,155000) 1',
      'b [61000,91000) 1',
      'c [-5000,25000) 1',
    ]);
  });
});

describe('processing-time windows', () => {
  it('fire when the (manual) clock reaches end - 1, in virtual time, without waiting', async () => {
    const h = await windowHarness(
      (s: DataStream<Ev>) =>
        s
          .keyBy((e) => e.k)
          .window(TumblingProcessingTimeWindows.of(60_000))
          .aggregate(sum, show),
      { processingTime: 1_000 },
    );
    h.processElement({ k: 'a', v: 1 }); // no timestamp: the clock assigns the window
    h.setProcessingTime(59_000);
    h.processElement({ k: 'a', v: 2 });
    h.processElement({ k: 'b', v: 3 });
    h.processWatermark(MAX_WATERMARK); // event time has no say
    assert.deepEqual(h.extractOutputValues(), []);
    h.setProcessingTime(59_998);
    assert.deepEqual(h.extractOutputValues(), []);
    h.setProcessingTime(59_999);
    assert.deepEqual(h.extractOutputValues().sort(), ['a [0,60000) 3', 'b [0,60000) 3']);
    h.setProcessingTime(60_000);
    h.processElement({ k: 'a', v: 4 });
    h.setProcessingTime(10 * 60_000); // ten minutes of virtual time pass at once
    assert.deepEqual(h.extractOutputValues().at(-1), 'a [60000,120000) 4');
    assert.equal(h.numProcessingTimeTimers(), 0);
  });
});

describe('triggers', () => {
  it('EventTimeTrigger: fires at end - 1 of event time and ignores the clock', async () => {
    const h = await windowHarness((s: DataStream<Ev>) =>
      s
        .keyBy((e) => e.k)
        .window(TumblingEventTimeWindows.of(10_000))
        .trigger(EventTimeTrigger.create())
        .aggregate(sum, show),
    );
    h.processElement({ k: 'a', v: 1 }, 500);
    h.setProcessingTime(1_000_000);
    assert.deepEqual(h.extractOutputValues(), []);
    h.processWatermark(9_999);
    assert.deepEqual(h.extractOutputValues(), ['a [0,10000) 1']);
  });

  it('ProcessingTimeTrigger: an event-time window fires when the clock reaches its end - 1, whatever the watermark', async () => {
    const h = await windowHarness((s: DataStream<Ev>) =>
      s
        .keyBy((e) => e.k)
        .window(TumblingEventTimeWindows.of(10_000))
        .trigger(ProcessingTimeTrigger.create())
        .aggregate(sum, show),
    );
    h.processElement({ k: 'a', v: 1 }, 500);
    h.processWatermark(9_998);
    h.setProcessingTime(9_998);
    assert.deepEqual(h.extractOutputValues(), []);
    h.setProcessingTime(9_999);
    assert.deepEqual(h.extractOutputValues(), ['a [0,10000) 1']);
    // The window is still cleaned up in event time (end - 1 + lateness): it does not fire then.
    h.processWatermark(9_999);
    assert.equal(h.extractOutputValues().length, 1);
    assert.equal(h.numEventTimeTimers(), 0);
  });

  it('CountTrigger: fires every n elements with all of the window so far (it does not purge)', async () => {
    const h = await windowHarness((s: DataStream<Ev>) =>
      s
        .keyBy((e) => e.k)
        .window(GlobalWindows.create())
        .trigger(CountTrigger.of(3))
        .process(values),
    );
    for (let v = 1; v <= 7; v++) h.processElement({ k: 'a', v });
    h.processElement({ k: 'b', v: 100 }); // counts are per key
    assert.deepEqual(h.extractOutputValues(), [
      [1, 2, 3],
      [1, 2, 3, 4, 5, 6],
    ]);
  });

  it('PurgingTrigger: turns every firing into FIRE_AND_PURGE, so each firing has only what came since the last', async () => {
    const h = await windowHarness((s: DataStream<Ev>) =>
      s
        .keyBy((e) => e.k)
        .window(GlobalWindows.create())
        .trigger(PurgingTrigger.of(CountTrigger.of(3)))
        .process(values),
    );
    for (let v = 1; v <= 7; v++) h.processElement({ k: 'a', v });
    h.processWatermark(MAX_WATERMARK); // a global window never fires by time
    assert.deepEqual(h.extractOutputValues(), [
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('ContinuousEventTimeTrigger: fires every interval of event time from the first element, then once at end - 1', async () => {
    const h = await windowHarness((s: DataStream<Ev>) =>
      s
        .keyBy((e) => e.k)
        .window(TumblingEventTimeWindows.of(10_000))
        .trigger(ContinuousEventTimeTrigger.of(3_000))
        .aggregate(sum, show),
    );
    h.processElement({ k: 'a', v: 1 }, 1_000); // first firing at 3 000, the next multiple of 3 000
    h.processWatermark(2_999);
    assert.deepEqual(h.extractOutputValues(), []);
    h.processWatermark(3_000);
    assert.deepEqual(h.extractOutputValues(), ['a [0,10000) 1']);
    h.processElement({ k: 'a', v: 2 }, 4_000);
    h.processWatermark(9_000); // 6 000 and 9 000
    assert.deepEqual(h.extractOutputValues(), ['a [0,10000) 1', 'a [0,10000) 3', 'a [0,10000) 3']);
    h.processWatermark(MAX_WATERMARK); // the next, 12 000, is capped at end - 1 = 9 999: one firing
    assert.deepEqual(h.extractOutputValues(), [
      'a [0,10000) 1',
      'a [0,10000) 3',
      'a [0,10000) 3',
      'a [0,10000) 3',
    ]);
    assert.equal(h.numEventTimeTimers(), 0);
  });

  it('ContinuousProcessingTimeTrigger: fires every interval of processing time, the last time at end - 1', async () => {
    const h = await windowHarness(
      (s: DataStream<Ev>) =>
        s
          .keyBy((e) => e.k)
          .window(TumblingProcessingTimeWindows.of(10_000))
          .trigger(ContinuousProcessingTimeTrigger.of(3_000))
          .aggregate(sum, show),
      { processingTime: 1_000 },
    );
    h.processElement({ k: 'a', v: 1 });
    h.setProcessingTime(2_999);
    assert.deepEqual(h.extractOutputValues(), []);
    h.setProcessingTime(3_000);
    assert.deepEqual(h.extractOutputValues(), ['a [0,10000) 1']);
    h.setProcessingTime(4_000);
    h.processElement({ k: 'a', v: 2 });
    h.setProcessingTime(100_000); // 6 000, 9 000 and 9 999, then the window is gone
    assert.deepEqual(h.extractOutputValues(), [
      'a [0,10000) 1',
      'a [0,10000) 3',
      'a [0,10000) 3',
      'a [0,10000) 3',
    ]);
    assert.equal(h.numProcessingTimeTimers(), 0);
  });

  it('a custom trigger: FIRE emits and keeps, PURGE drops silently, FIRE_AND_PURGE emits and drops; clear() at cleanup', async () => {
    type Cmd = { k: string; v: number; cmd: 'fire' | 'purge' | 'both' | 'timer' | 'none' };
    const calls: string[] = [];
    const byCommand: Trigger<Cmd, TimeWindow> = {
      onElement(e: Cmd, timestamp: number, _w: TimeWindow, ctx: TriggerContext): TriggerResult {
        if (e.cmd === 'timer') ctx.registerEventTimeTimer(timestamp + 100);
        if (e.cmd === 'fire') return TriggerResult.FIRE;
        if (e.cmd === 'purge') return TriggerResult.PURGE;
        if (e.cmd === 'both') return TriggerResult.FIRE_AND_PURGE;
        return TriggerResult.CONTINUE;
      },
      onEventTime(time: number, w: TimeWindow): TriggerResult {
        calls.push(`onEventTime ${time}`);
        // At the window's cleanup time it does not fire: what is left is dropped with the window.
        return time === w.maxTimestamp() ? TriggerResult.CONTINUE : TriggerResult.FIRE_AND_PURGE;
      },
      onProcessingTime: () => TriggerResult.CONTINUE,
      clear(w: TimeWindow): void {
        calls.push(`clear [${w.getStart()},${w.getEnd()})`);
      },
    };
    const late = new OutputTag<Cmd>('late');
    const h = await windowHarness((s: DataStream<Cmd>) =>
      s
        .keyBy((e) => e.k)
        .window(TumblingEventTimeWindows.of(10_000))
        .trigger(byCommand)
        .sideOutputLateData(late)
        .process(
          (_k: string, _ctx: ProcessWindowContext<TimeWindow>, xs: Iterable<Cmd>, out: Collector<number[]>) =>
            out.collect([...xs].map((x) => x.v)),
        ),
    );
    const cmds: Array<Cmd['cmd']> = ['none', 'fire', 'purge', 'none', 'both', 'none', 'fire', 'timer'];
    cmds.forEach((cmd, i) => h.processElement({ k: 'a', v: i, cmd }, i));
    assert.deepEqual(h.extractOutputValues(), [
      [0, 1], // FIRE
      // PURGE (element 2): nothing emitted, 0..2 dropped
      [3, 4], // FIRE_AND_PURGE
      [5, 6], // FIRE: only what came after the purge
    ]);
    h.processWatermark(107); // the trigger's timer at 7 + 100
    assert.deepEqual(h.extractOutputValues().at(-1), [5, 6, 7]);
    h.processElement({ k: 'a', v: 8, cmd: 'none' }, 200);
    h.processWatermark(9_999); // cleanup: onEventTime says CONTINUE, the window and element 8 go
    h.processElement({ k: 'a', v: 9, cmd: 'fire' }, 300);
    assert.equal(h.extractOutputValues().length, 4);
    assert.deepEqual(calls, ['onEventTime 107', 'onEventTime 9999', 'clear [0,10000)']);
    assert.deepEqual(h.getSideOutput(late), [{ k: 'a', v: 9, cmd: 'fire' }]);
  });
});

describe('evictors', () => {
  const countWindow = (evictor: CountEvictor | TimeEvictor | DeltaEvictor<Ev>, every: number) =>
    windowHarness((s: DataStream<Ev>) =>
      s
        .keyBy((e) => e.k)
        .window(GlobalWindows.create())
        .trigger(CountTrigger.of(every))
        .evictor(evictor)
        .process(values),
    );

  it('CountEvictor keeps the last n elements before the function (countWindow(size, slide)), or after it', async () => {
    const before = await countWindow(CountEvictor.of(2), 3);
    for (let v = 1; v <= 6; v++) before.processElement({ k: 'a', v });
    assert.deepEqual(before.extractOutputValues(), [
      [2, 3],
      [5, 6],
    ]);

    const after = await countWindow(CountEvictor.of(2, true), 3);
    for (let v = 1; v <= 6; v++) after.processElement({ k: 'a', v });
    // The function sees everything; then only the last 2 stay for the next firing.
    assert.deepEqual(after.extractOutputValues(), [
      [1, 2, 3],
      [2, 3, 4, 5, 6],
    ]);
  });

  it('TimeEvictor keeps the elements with timestamp > newest - length (by element time), before or after the function', async () => {
    const timestamps = [1_000, 2_000, 5_000, 4_000];
    const before = await countWindow(TimeEvictor.of(3_000), 4);
    timestamps.forEach((ts, i) => before.processElement({ k: 'a', v: i }, ts));
    // Newest 5 000: 2 000 is at the cutoff and goes, 1 000 too.
    assert.deepEqual(before.extractOutputValues(), [[2, 3]]);

    const after = await countWindow(TimeEvictor.of(3_000, true), 4);
    timestamps.forEach((ts, i) => after.processElement({ k: 'a', v: i }, ts));
    for (const [i, ts] of [1_000, 6_500, 7_000, 7_500].entries())
      after.processElement({ k: 'a', v: 10 + i }, ts);
    assert.deepEqual(after.extractOutputValues(), [
      [0, 1, 2, 3],
      [2, 3, 10, 11, 12, 13], // 5 000 and 4 000 were kept; 1 000 (v 10) is new
    ]);
  });

  it('DeltaEvictor removes the elements whose delta to the last one is >= threshold, before or after the function', async () => {
    const delta = (a: Ev, b: Ev) => Math.abs(a.v - b.v);
    const before = await countWindow(DeltaEvictor.of(5, delta), 4);
    for (const v of [10, 26, 30, 31]) before.processElement({ k: 'a', v });
    // Deltas to 31: 21, 5 (= threshold: evicted), 1, 0.
    assert.deepEqual(before.extractOutputValues(), [[30, 31]]);

    const after = await countWindow(DeltaEvictor.of(5, delta, true), 2);
    for (const v of [10, 26, 30, 31]) after.processElement({ k: 'a', v });
    assert.deepEqual(after.extractOutputValues(), [
      [10, 26], // then 10 goes (delta 16)
      [26, 30, 31], // then 26 goes
    ]);
  });

  it('with an evictor, reduce and aggregate see only the elements the evictor keeps', async () => {
    const h = await windowHarness((s: DataStream<Ev>) =>
      s
        .keyBy((e) => e.k)
        .window(TumblingEventTimeWindows.of(10_000))
        .evictor(CountEvictor.of(2))
        .aggregate(sum, show),
    );
    for (const v of [1, 2, 4, 8]) h.processElement({ k: 'a', v }, v);
    h.processWatermark(9_999);
    assert.deepEqual(h.extractOutputValues(), ['a [0,10000) 12']);

    const r = await windowHarness((s: DataStream<Ev>) =>
      s
        .keyBy((e) => e.k)
        .window(TumblingEventTimeWindows.of(10_000))
        .evictor(TimeEvictor.of(3))
        .reduce((a, b) => ({ k: a.k, v: a.v + b.v })),
    );
    for (const v of [1, 2, 4, 8]) r.processElement({ k: 'a', v }, v);
    r.processWatermark(9_999);
    assert.deepEqual(r.extractOutputValues(), [{ k: 'a', v: 8 }]); // only 8 > 8 - 3
  });
});

interface Timed {
  k: string;
  ts: number;
}

describe('watermarks from several inputs', () => {
  /**
   * Two source lanes. Lane 1 has one early record, then nothing until the test ends the input; lane
   * 0 keeps producing at every step of the (manual) clock, so it never goes idle itself.
   */
  async function runWithQuietLane(idleness: boolean) {
    const clock = new ManualClock(0);
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    env.getConfig().setClock(clock).setAutoWatermarkInterval(10);
    const source = new ControlledSource<Timed>(2);
    const sink = new CollectSink<string>();
    const strategy = WatermarkStrategy.forBoundedOutOfOrderness<Timed>(Duration.ZERO).withTimestampAssigner(
      (e) => e.ts,
    );
    env
      .fromSource(source, idleness ? strategy.withIdleness(Duration.ofMillis(50)) : strategy, 'two lanes')
      .keyBy((e) => e.k)
      .window(TumblingEventTimeWindows.of(10_000))
      .aggregate(count, show)
      .sinkTo(sink);
    const client: JobClient = await env.executeAsync();
    let whileRunning: string[];
    try {
      source.push(1, { k: 'quiet', ts: 500 });
      for (const ts of [1_000, 2_000, 11_000]) source.push(0, { k: 'busy', ts });
      // 200 ms of processing time in steps of the watermark interval; lane 0 produces at each.
      for (let t = 10; t <= 200; t += 10) {
        source.push(0, { k: 'busy', ts: 20_000 + t * 10 });
        await waitFor(() => source.drained(), 'the records to be read');
        // Each step waits for the event that the subtasks handled it: their periodic emission, once
        // run, is on the clock again.
        const scheduled = clock.pending();
        clock.advanceTo(t);
        await waitFor(() => clock.pending() >= scheduled, `the periodic emission at ${t}`, 60_000);
      }
      if (idleness)
        await waitFor(() => sink.values.length >= 3, 'windows to fire while the input runs', 60_000);
      whileRunning = [...sink.values].sort();
      source.end();
      await client.getJobExecutionResult();
    } finally {
      await client.cancel();
    }
    return { whileRunning, atEnd: [...sink.values].sort() };
  }

  it('an idle input does not stall event time: with withIdleness, windows fire while it stays silent', async () => {
    const { whileRunning, atEnd } = await runWithQuietLane(true);
    // Lane 0 is at 21 999 when lane 1 goes idle: [0, 10 000) and [10 000, 20 000) are complete.
    assert.deepEqual(whileRunning, ['busy [0,10000) 2', 'busy [10000,20000) 1', 'quiet [0,10000) 1']);
    assert.deepEqual(atEnd, [...whileRunning, 'busy [20000,30000) 20'].sort());
  });

  it('without idleness, a silent input holds every window back until the end of input', async () => {
    const { whileRunning, atEnd } = await runWithQuietLane(false);
    assert.deepEqual(whileRunning, []);
    assert.deepEqual(atEnd, [
      'busy [0,10000) 2',
      'busy [10000,20000) 1',
      'busy [20000,30000) 20',
      'quiet [0,10000) 1',
    ]);
  });

  it('when every input is idle, the watermark advances to the highest input watermark (Flink flushes it)', () => {
    const valve = new WatermarkValve(2);
    valve.inputWatermark(0, 24_999);
    assert.equal(valve.inputWatermark(1, 499), 499);
    assert.equal(valve.inputIdle(0, true), undefined, 'the channel ahead goes idle: the minimum stays');
    // The last active channel goes idle: Flink's StatusWatermarkValve emits the maximum over all
    // channels, since no channel can hold the watermark back any more.
    assert.equal(valve.inputIdle(1, true), 24_999);
  });

  it("a source reading several splits in one subtask emits the minimum of the splits' watermarks", async () => {
    // One subtask reads two splits in turns: "ahead" from 100 000 on, "behind" from 0 on.
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    const sink = new CollectSink<string>();
    const ahead = [100_000, 101_000, 102_000, 103_000].map((ts) => ({ k: 'ahead', ts }));
    const behind = [0, 1_000, 2_000, 3_000].map((ts) => ({ k: 'behind', ts }));
    const punctuated = WatermarkStrategy.forGenerator<Timed>(() => ({
      onEvent: (_e, ts, out) => out.emitWatermark(ts - 1),
      onPeriodicEmit() {},
    })).withTimestampAssigner((e) => e.ts);
    env
      .fromSource(new AlternatingSplitsSource([ahead, behind]), punctuated, 'two splits')
      .keyBy((e) => e.k)
      .window(TumblingEventTimeWindows.of(10_000))
      .aggregate(count, show)
      .sinkTo(sink);
    const result = await env.execute();
    assert.equal(result.getAccumulatorResult('numLateRecordsDropped') ?? 0, 0, 'no record is late');
    assert.deepEqual(sink.values.sort(), ['ahead [100000,110000) 4', 'behind [0,10000) 4']);
  });
});

type Step = { kind: 'element'; k: string; v: number; ts: number } | { kind: 'watermark'; time: number };

/** A deterministic pseudo-random sequence of elements and (increasing) watermarks. */
function randomSteps(seed: number, n: number): Step[] {
  let state = seed;
  const next = (below: number) => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return (state >>> 8) % below;
  };
  const steps: Step[] = [];
  let maxTs = -30_000;
  let watermark = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    if (next(4) === 0) {
      const time = maxTs - next(8_000);
      if (time > watermark) {
        watermark = time;
        steps.push({ kind: 'watermark', time });
      }
      continue;
    }
    // Mostly forward, sometimes far behind.
    const ts = maxTs - 15_000 + next(20_000);
    maxTs = Math.max(maxTs, ts);
    steps.push({ kind: 'element', k: 'abc'[next(3)], v: 1 + next(9), ts });
  }
  return steps;
}

interface WindowModel {
  size: number;
  slide: number;
  offset: number;
  lateness: number;
}

/** What each step emits (sorted), and the late elements, by the rules (not by the operator). */
function modelOutput(steps: Step[], m: WindowModel) {
  const windows = new Map<string, { k: string; start: number; end: number; sum: number }>();
  const firings: string[][] = [];
  const late: Ev[] = [];
  let refirings = 0;
  let watermark = Number.NEGATIVE_INFINITY;
  const line = (w: { k: string; start: number; end: number; sum: number }) =>
    `${w.k} [${w.start},${w.end}) ${w.sum}`;
  for (const step of steps) {
    const out: string[] = [];
    if (step.kind === 'element') {
      let kept = false;
      // Every window [start, start + size) with start = offset + j * slide that contains ts.
      for (
        let start = step.ts - mod(step.ts - m.offset, m.slide);
        start > step.ts - m.size;
        start -= m.slide
      ) {
        const end = start + m.size;
        if (end - 1 + m.lateness <= watermark) continue;
        kept = true;
        const id = `${step.k}|${start}`;
        const w = windows.get(id) ?? { k: step.k, start, end, sum: 0 };
        windows.set(id, w);
        w.sum += step.v;
        if (end - 1 <= watermark) {
          out.push(line(w));
          refirings++;
        }
      }
      if (!kept) late.push({ k: step.k, v: step.v });
    } else {
      for (const [id, w] of windows) {
        if (w.end - 1 > watermark && w.end - 1 <= step.time) out.push(line(w));
        if (w.end - 1 + m.lateness <= step.time) windows.delete(id);
      }
      watermark = step.time;
    }
    firings.push(out.sort());
  }
  return { firings, late, refirings };
}

interface ArraySplit extends SourceSplit {
  readonly next: number;
}

/**
 * One split per array; a single subtask reads all of them, one record of each in turn, each split's
 * through its own output (per-split watermarks), releasing a split once it is read.
 */
class AlternatingSplitsSource<T> implements Source<T, ArraySplit> {
  readonly boundedness = 'bounded' as const;
  readonly maxParallelism = 1;
  private readonly splits: ReadonlyArray<readonly T[]>;

  constructor(splits: ReadonlyArray<readonly T[]>) {
    this.splits = splits;
  }

  createSplits(): ArraySplit[] {
    return this.splits.map((_, i) => ({ splitId: String(i), next: 0 }));
  }

  createReader(): SourceReader<T, ArraySplit> {
    return new AlternatingReader(this.splits);
  }
}

class AlternatingReader<T> implements SourceReader<T, ArraySplit> {
  private readonly data: ReadonlyArray<readonly T[]>;
  private readonly positions = new Map<number, number>();

  constructor(data: ReadonlyArray<readonly T[]>) {
    this.data = data;
  }

  pollNext(output: ReaderOutput<T>): InputStatus {
    let emitted = false;
    for (const [split, next] of this.positions) {
      if (next >= this.data[split].length) continue;
      output.createOutputForSplit!(String(split)).collect(this.data[split][next]);
      this.positions.set(split, next + 1);
      if (next + 1 >= this.data[split].length) output.releaseOutputForSplit!(String(split));
      emitted = true;
    }
    return emitted ? 'more' : 'end';
  }

  isAvailable(): Promise<void> {
    return Promise.resolve();
  }

  addSplits(splits: ArraySplit[]): void {
    for (const s of splits) this.positions.set(Number(s.splitId), s.next);
  }

  noMoreSplits(): void {}

  snapshotState(): ArraySplit[] {
    return [...this.positions].map(([split, next]) => ({ splitId: String(split), next }));
  }
}
