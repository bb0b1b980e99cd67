/**
 * Sliding windows by slices: the sliced operator must emit what the general window operator emits.
 * Each equivalence test runs the same input through both (the general one forced by an explicit
 * trigger equal to the default, which turns slicing off) and compares, per key, the records in
 * order with their timestamps, the late side output, the ProcessWindowFunction's side output,
 * window state and clear() calls, and the late-record counter.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AggregateFunction,
  type Collector,
  CountEvictor,
  type DataStream,
  EventTimeTrigger,
  OutputTag,
  ProcessingTimeTrigger,
  type ProcessWindowContext,
  ProcessWindowFunction,
  SlidingEventTimeWindows,
  SlidingProcessingTimeWindows,
  StreamExecutionEnvironment,
  type TimeWindow,
  TumblingEventTimeWindows,
  ValueStateDescriptor,
  WatermarkStrategy,
} from 'weir';
import { CollectSink, type OperatorHarness, windowHarness } from 'weir/testing';
import { SlicedWindowOperator } from '../../src/runtime/operators/sliced-window-operator.ts';
import { TimeWindowOperator } from '../../src/runtime/operators/time-window-operator.ts';
import { WindowOperator } from '../../src/runtime/operators/window-operator.ts';

interface Ev {
  k: string;
  v: number;
  /** Watermark to emit after this element (job tests). */
  wm?: number;
}

type Step = { kind: 'element'; e: Ev; ts: number } | { kind: 'watermark'; time: number };

/** mulberry32: a small seeded generator, so that failures replay. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mod(a: number, m: number): number {
  return ((a % m) + m) % m;
}

interface Shape {
  size: number;
  slide: number;
  offset: number;
}

/**
 * Elements of several keys with out-of-order timestamps (some a little late, some beyond any
 * lateness, some negative), and watermarks that often land exactly on a window's end − 1.
 */
function randomSteps(seed: number, { size, slide, offset }: Shape, n = 400): Step[] {
  const rnd = random(seed);
  const keys = ['a', 'b', 'c', 'd'];
  const steps: Step[] = [];
  let now = 0;
  let watermark = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    now += Math.floor(rnd() * slide);
    const r = rnd();
    const back = r < 0.6 ? rnd() * slide : r < 0.85 ? rnd() * size : rnd() * 3 * size;
    const k = keys[Math.floor(rnd() * keys.length)];
    steps.push({ kind: 'element', e: { k, v: 1 + Math.floor(rnd() * 100) }, ts: now - Math.floor(back) });
    if (rnd() < 0.3) {
      let w = now - Math.floor(rnd() * 2 * slide);
      // Often exactly a window's end − 1: windows fire there, late elements then fire them again.
      if (rnd() < 0.5) w -= mod(w + 1 - offset - size, slide);
      if (w > watermark) {
        watermark = w;
        steps.push({ kind: 'watermark', time: w });
      }
    }
  }
  steps.push({ kind: 'watermark', time: Number.POSITIVE_INFINITY });
  return steps;
}

const lateTag = new OutputTag<Ev>('late');
const firedTag = new OutputTag<string>('fired');

const sumReduce = (a: Ev, b: Ev): Ev => ({ k: a.k, v: a.v + b.v });

interface Acc {
  k: string;
  sum: number;
  n: number;
}

/** Adds and merges in place (as accumulators commonly do): merging into a slice's accumulator would show. */
const sumAggregate: AggregateFunction<Ev, Acc, string> = {
  createAccumulator: () => ({ k: '', sum: 0, n: 0 }),
  add(e, acc) {
    acc.k = e.k;
    acc.sum += e.v;
    acc.n++;
    return acc;
  },
  getResult: (acc) => `${acc.k}:${acc.sum}/${acc.n}`,
  merge(a, b) {
    if (b.n > 0) a.k = b.k;
    a.sum += b.sum;
    a.n += b.n;
    return a;
  },
};

/** Uses what a ProcessWindowFunction can: window state, global state, a side output and clear(). */
function describeWindows(cleared: string[]) {
  return new (class extends ProcessWindowFunction<string, string, string, TimeWindow> {
    process(
      key: string,
      ctx: ProcessWindowContext<TimeWindow>,
      results: Iterable<string>,
      out: Collector<string>,
    ) {
      const w = ctx.window();
      const fires = ctx.windowState().getState(new ValueStateDescriptor<number>('fires', 0));
      fires.update(fires.value() + 1);
      const total = ctx.globalState().getState(new ValueStateDescriptor<number>('total', 0));
      total.update(total.value() + 1);
      for (const r of results) {
        out.collect(
          `${key} [${w.getStart()},${w.getEnd()}) ${r} fire ${fires.value()} of ${total.value()} at ${ctx.currentWatermark()}`,
        );
      }
      ctx.output(firedTag, `${key} ${w.getEnd()}`);
    }
    override clear(ctx: ProcessWindowContext<TimeWindow>): void {
      const fires = ctx.windowState().getState(new ValueStateDescriptor<number>('fires', 0)).value();
      cleared.push(`[${ctx.window().getStart()},${ctx.window().getEnd()}) after ${fires}`);
    }
  })();
}

type Fn = 'reduce' | 'aggregate' | 'aggregate+process';

interface Run {
  /** Per key: records in order, with their timestamps. */
  byKey: Map<string, string[]>;
  late: Ev[];
  fired: string[];
  cleared: string[];
}

/** Builds the windowed pipeline; `forceGeneral` adds the default trigger explicitly. */
function pipeline(
  shape: Shape,
  fn: Fn,
  lateness: number,
  forceGeneral: boolean,
  cleared: string[],
  processingTime = false,
) {
  return (input: DataStream<Ev>): DataStream<unknown> => {
    let w = input
      .keyBy((e) => e.k)
      .window(
        processingTime
          ? SlidingProcessingTimeWindows.of(shape.size, shape.slide, shape.offset)
          : SlidingEventTimeWindows.of(shape.size, shape.slide, shape.offset),
      );
    if (forceGeneral)
      w = processingTime ? w.trigger(ProcessingTimeTrigger.create()) : w.trigger(EventTimeTrigger.create());
    if (!processingTime) w = w.allowedLateness(lateness);
    w = w.sideOutputLateData(lateTag);
    switch (fn) {
      case 'reduce':
        return w.reduce(sumReduce) as DataStream<unknown>;
      case 'aggregate':
        return w.aggregate(sumAggregate) as DataStream<unknown>;
      case 'aggregate+process':
        return w.aggregate(sumAggregate, describeWindows(cleared)) as DataStream<unknown>;
    }
  };
}

function keyOf(value: unknown): string {
  if (typeof value === 'object' && value !== null) return (value as Ev).k;
  return String(value).split(/[: ]/)[0];
}

function text(value: unknown): string {
  return typeof value === 'object' && value !== null
    ? `${(value as Ev).k}:${(value as Ev).v}`
    : String(value);
}

function collect(h: OperatorHarness<unknown>, cleared: string[]): Run {
  const byKey = new Map<string, string[]>();
  for (const o of h.getOutput()) {
    if (o.kind !== 'record') continue;
    const k = keyOf(o.value);
    let list = byKey.get(k);
    if (!list) byKey.set(k, (list = []));
    list.push(`${text(o.value)} @${o.timestamp}`);
  }
  return { byKey, late: h.getSideOutput(lateTag), fired: h.getSideOutput(firedTag), cleared: [...cleared] };
}

async function runEventTime(steps: Step[], shape: Shape, fn: Fn, lateness: number, forceGeneral: boolean) {
  const cleared: string[] = [];
  const h = (await windowHarness(
    pipeline(shape, fn, lateness, forceGeneral, cleared),
  )) as OperatorHarness<unknown>;
  assert.ok(
    h.operator instanceof (forceGeneral ? WindowOperator : SlicedWindowOperator),
    `expected the ${forceGeneral ? 'general' : 'sliced'} window operator`,
  );
  for (const s of steps) {
    if (s.kind === 'element') h.processElement(s.e, s.ts);
    else h.processWatermark(s.time);
  }
  return { run: collect(h, cleared), timers: h.numEventTimeTimers() };
}

function assertSameRuns(sliced: Run, general: Run, what: string): void {
  assert.deepEqual(
    [...sliced.byKey.keys()].sort(),
    [...general.byKey.keys()].sort(),
    `${what}: keys with output`,
  );
  for (const [k, records] of general.byKey)
    assert.deepEqual(sliced.byKey.get(k), records, `${what}: key ${k}`);
  assert.deepEqual(sliced.late, general.late, `${what}: late side output`);
  assert.deepEqual(sliced.fired.sort(), general.fired.sort(), `${what}: the window function's side output`);
  assert.deepEqual(sliced.cleared.sort(), general.cleared.sort(), `${what}: clear() calls`);
}

const shapes: Shape[] = [
  { size: 10, slide: 2, offset: 0 },
  { size: 10, slide: 2, offset: 1 },
  { size: 9, slide: 3, offset: 1 },
  { size: 10, slide: 4, offset: 0 }, // slices of gcd = 2: 2.5 windows per element
  { size: 10, slide: 4, offset: -3 },
  { size: 6, slide: 6, offset: 2 }, // sliding with slide = size: tumbling
  { size: 3, slide: 5, offset: 1 }, // slide > size: elements between windows are late
];

describe('sliding windows by slices: the same output as the general window operator', () => {
  for (const fn of ['reduce', 'aggregate', 'aggregate+process'] as const) {
    it(`${fn}: random out-of-order input, several keys, shapes and allowed lateness`, async () => {
      let seed = fn.length * 1000;
      let compared = 0;
      for (const shape of shapes) {
        for (const lateness of [0, 3, 8]) {
          for (let i = 0; i < 3; i++) {
            seed++;
            const steps = randomSteps(seed, shape);
            const what = `${fn} ${JSON.stringify(shape)} lateness ${lateness} seed ${seed}`;
            const sliced = await runEventTime(steps, shape, fn, lateness, false);
            const general = await runEventTime(steps, shape, fn, lateness, true);
            assertSameRuns(sliced.run, general.run, what);
            compared += [...general.run.byKey.values()].reduce((n, l) => n + l.length, 0);
            assert.ok(general.run.late.length > 0 || lateness > 0, `${what}: the input has late elements`);
          }
        }
      }
      assert.ok(compared > 10_000, `compared ${compared} records`);
    });
  }

  it('late elements within the allowed lateness fire every already fired window that contains them again', async () => {
    // Windows of 10 every 5: an element at 7 is in [0, 10) and [5, 15).
    const cleared: string[] = [];
    const h = await windowHarness(
      pipeline({ size: 10, slide: 5, offset: 0 }, 'aggregate+process', 6, false, cleared),
    );
    assert.ok(h.operator instanceof SlicedWindowOperator);
    h.processElement({ k: 'a', v: 1 }, 7);
    h.processElement({ k: 'a', v: 2 }, 12);
    h.processWatermark(14); // [0, 10) and [5, 15) fire
    h.processElement({ k: 'a', v: 4 }, 8); // late: both fire again, the newest first
    h.processWatermark(15); // [0, 10) is cleaned up (9 + 6 <= 15)
    h.processElement({ k: 'a', v: 8 }, 6); // only [5, 15) still takes it
    h.processWatermark(20); // [5, 15) is cleaned up; [10, 20) fires
    h.processElement({ k: 'a', v: 16 }, 9); // too late for every window
    assert.deepEqual(h.extractOutputValues(), [
      'a [0,10) a:1/1 fire 1 of 1 at 14',
      'a [5,15) a:3/2 fire 1 of 2 at 14',
      'a [5,15) a:7/3 fire 2 of 3 at 14',
      'a [0,10) a:5/2 fire 2 of 4 at 14',
      'a [5,15) a:15/4 fire 3 of 5 at 15',
      'a [10,20) a:2/1 fire 1 of 6 at 20',
    ]);
    assert.deepEqual(h.getSideOutput(lateTag), [{ k: 'a', v: 16 }]);
    assert.deepEqual(cleared, ['[0,10) after 2', '[5,15) after 3']);
  });

  it('drops a slice, and the window state, once no window that contains it can fire again', async () => {
    const h = await windowHarness(
      pipeline({ size: 10, slide: 2, offset: 0 }, 'aggregate+process', 4, false, []),
    );
    for (let t = 0; t < 30; t++) h.processElement({ k: 'a', v: 1 }, t);
    h.processWatermark(21);
    const slicesOf = () => {
      const state = h
        .stateBackend()!
        .snapshot()
        .states.find((s) => s.name === '_slices');
      const entries = state?.keyGroups.flatMap((g) => g.entries) ?? [];
      return entries.map(([, v]) => v as { starts: number[]; windowStates?: Map<number, unknown> });
    };
    // Windows ending at 20 or later, or cleaned up after 21 (end − 1 + 4 > 21): slices from 10.
    const [slices] = slicesOf();
    assert.deepEqual(slices.starts, [10, 12, 14, 16, 18, 20, 22, 24, 26, 28]);
    // Fired and not cleaned up yet: the windows ending at 20 and 22.
    assert.deepEqual(
      [...(slices.windowStates?.keys() ?? [])].sort((a, b) => a - b),
      [10, 12],
    );
    h.processWatermark(Number.POSITIVE_INFINITY);
    assert.deepEqual(slicesOf(), []);
    assert.equal(h.numEventTimeTimers(), 0);
  });

  it('counts late records in numLateRecordsDropped without a side output, as the general operator (a job)', async () => {
    const shape = { size: 10, slide: 4, offset: 1 };
    const steps = randomSteps(77, shape, 600);
    // The job's watermark generator emits the watermark an element carries, right after it.
    const events: Array<Ev & { ts: number }> = [];
    for (const s of steps) {
      if (s.kind === 'element') events.push({ ...s.e, ts: s.ts });
      else if (events.length > 0 && Number.isFinite(s.time)) events[events.length - 1].wm = s.time;
    }
    const run = async (forceGeneral: boolean) => {
      const env = StreamExecutionEnvironment.createLocalEnvironment(1);
      const sink = new CollectSink<string>();
      let w = env
        .fromCollection(events)
        .assignTimestampsAndWatermarks(
          WatermarkStrategy.forGenerator<Ev & { ts: number }>(() => ({
            onEvent(e, _ts, out) {
              if (e.wm !== undefined) out.emitWatermark(e.wm);
            },
            onPeriodicEmit() {},
          })).withTimestampAssigner((e) => e.ts),
        )
        .keyBy((e) => e.k)
        .window(SlidingEventTimeWindows.of(shape.size, shape.slide, shape.offset));
      if (forceGeneral) w = w.trigger(EventTimeTrigger.create());
      w.allowedLateness(3)
        .aggregate(sumAggregate)
        .process((v: string, ctx, out: Collector<string>) => out.collect(`${v} @${ctx.timestamp()}`))
        .sinkTo(sink);
      const kinds = env.getJobGraph().vertices.flatMap((v) => v.operators.map((o) => o.kind));
      assert.ok(kinds.includes(forceGeneral ? 'window' : 'sliced-window'), kinds.join(', '));
      const result = await env.execute();
      return { values: sink.values, dropped: result.getAccumulatorResult<number>('numLateRecordsDropped') };
    };
    const sliced = await run(false);
    const general = await run(true);
    assert.ok((general.dropped ?? 0) > 0, 'the input has records beyond the allowed lateness');
    assert.equal(sliced.dropped, general.dropped);
    const perKey = (values: string[]) =>
      ['a', 'b', 'c', 'd'].map((k) => values.filter((v) => v.startsWith(`${k}:`)));
    assert.deepEqual(perKey(sliced.values), perKey(general.values));
  });
});

describe('sliding windows by slices: constant cost per record', () => {
  function counting() {
    const counts = { create: 0, add: 0, merge: 0, result: 0 };
    const fn: AggregateFunction<Ev, number, number> = {
      createAccumulator() {
        counts.create++;
        return 0;
      },
      add(e, acc) {
        counts.add++;
        return acc + e.v;
      },
      getResult(acc) {
        counts.result++;
        return acc;
      },
      merge(a, b) {
        counts.merge++;
        return a + b;
      },
    };
    return { counts, fn };
  }

  for (const [size, slide] of [
    [10, 2],
    [60, 1],
    [9, 3],
    [10, 4],
  ]) {
    it(`one add per record and one merge per slice of a firing window (size ${size}, slide ${slide})`, async () => {
      const sliced = counting();
      const general = counting();
      const hs = await windowHarness((s: DataStream<Ev>) =>
        s
          .keyBy((e) => e.k)
          .window(SlidingEventTimeWindows.of(size, slide))
          .aggregate(sliced.fn),
      );
      const hg = await windowHarness((s: DataStream<Ev>) =>
        s
          .keyBy((e) => e.k)
          .window(SlidingEventTimeWindows.of(size, slide))
          .trigger(EventTimeTrigger.create())
          .aggregate(general.fn),
      );
      const keys = ['a', 'b', 'c'];
      const end = 200;
      let records = 0;
      for (let t = 0; t < end; t++) {
        for (const k of keys) {
          hs.processElement({ k, v: t }, t);
          hg.processElement({ k, v: t }, t);
          records++;
        }
      }
      hs.processWatermark(Number.POSITIVE_INFINITY);
      hg.processWatermark(Number.POSITIVE_INFINITY);
      assert.deepEqual(hs.extractOutputValues().sort(), hg.extractOutputValues().sort());

      assert.equal(sliced.counts.add, records, 'exactly one add per record');
      const windowsPerRecord = Math.ceil(size / slide);
      assert.ok(
        general.counts.add >= records * Math.floor(size / slide),
        'the general operator adds per window',
      );
      assert.ok(general.counts.add <= records * windowsPerRecord);

      // At firing: a window of c >= 2 slices merges c accumulators into a fresh one; one of 1 slice merges none.
      const g = gcd(size, slide);
      let merges = 0;
      let creates = 0;
      let windows = 0;
      for (let start = -slide * Math.ceil(size / slide); start < end; start += slide) {
        const slices = [];
        for (let s = start; s < start + size; s += g) if (s + g > 0 && s < end) slices.push(s);
        if (slices.length === 0) continue;
        windows++;
        if (slices.length > 1) {
          merges += slices.length;
          creates++;
        }
      }
      assert.equal(sliced.counts.result, windows * keys.length, 'one result per window and key');
      assert.equal(sliced.counts.merge, merges * keys.length);
      assert.ok(sliced.counts.merge <= sliced.counts.result * (size / g));
      // One accumulator per slice, one per merged window.
      assert.equal(sliced.counts.create, (Math.ceil(end / g) + creates) * keys.length);
    });
  }

  it('keeps one pending timer per key, not one per window', async () => {
    const h = await windowHarness((s: DataStream<Ev>) =>
      s
        .keyBy((e) => e.k)
        .window(SlidingEventTimeWindows.of(60, 1))
        .reduce(sumReduce),
    );
    const g = await windowHarness((s: DataStream<Ev>) =>
      s
        .keyBy((e) => e.k)
        .window(SlidingEventTimeWindows.of(60, 1))
        .trigger(EventTimeTrigger.create())
        .reduce(sumReduce),
    );
    for (let t = 0; t < 30; t++) {
      for (let k = 0; k < 10; k++) {
        h.processElement({ k: `k${k}`, v: 1 }, t);
        g.processElement({ k: `k${k}`, v: 1 }, t);
      }
    }
    assert.equal(h.numEventTimeTimers(), 10);
    assert.equal(g.numEventTimeTimers(), 10 * (30 + 59));
    h.processWatermark(40);
    g.processWatermark(40);
    assert.equal(h.numEventTimeTimers(), 10);
    assert.deepEqual(h.extractOutputValues().map(text).sort(), g.extractOutputValues().map(text).sort());
  });
});

describe('sliding windows by slices: when they apply', () => {
  const kindOf = async <R>(build: (s: DataStream<Ev>) => DataStream<R>) =>
    (await windowHarness(build)).operator;
  const keyed = (s: DataStream<Ev>) => s.keyBy((e) => e.k);

  it('sliding event-time windows with reduce or aggregate (with merge) are sliced', async () => {
    assert.ok(
      (await kindOf((s) => keyed(s).window(SlidingEventTimeWindows.of(10, 2)).reduce(sumReduce))) instanceof
        SlicedWindowOperator,
    );
    assert.ok(
      (await kindOf((s) =>
        keyed(s).window(SlidingEventTimeWindows.of(10, 2)).aggregate(sumAggregate, describeWindows([])),
      )) instanceof SlicedWindowOperator,
    );
  });

  it('processing-time windows, an aggregate without merge, process() and tumbling windows take the aligned operator', async () => {
    const { merge: _, ...noMerge } = sumAggregate;
    const aligned = [
      await kindOf((s) =>
        keyed(s).window(SlidingProcessingTimeWindows.of(10, 2)).aggregate(sumAggregate, describeWindows([])),
      ),
      await kindOf((s) =>
        keyed(s)
          .window(SlidingEventTimeWindows.of(10, 2))
          .aggregate(noMerge as unknown as AggregateFunction<Ev, Acc, string>),
      ),
      await kindOf((s) =>
        keyed(s)
          .window(SlidingEventTimeWindows.of(10, 2))
          .process(
            (_k: string, _c: ProcessWindowContext<TimeWindow>, es: Iterable<Ev>, out: Collector<number>) =>
              out.collect([...es].length),
          ),
      ),
      await kindOf((s) => keyed(s).window(TumblingEventTimeWindows.of(10)).reduce(sumReduce)),
    ];
    for (const operator of aligned) assert.ok(operator instanceof TimeWindowOperator);
  });

  it('a trigger or an evictor keeps the general operator', async () => {
    const general = [
      await kindOf((s) =>
        keyed(s)
          .window(SlidingEventTimeWindows.of(10, 2))
          .trigger(EventTimeTrigger.create())
          .reduce(sumReduce),
      ),
      await kindOf((s) =>
        keyed(s).window(SlidingEventTimeWindows.of(10, 2)).evictor(CountEvictor.of(2)).reduce(sumReduce),
      ),
    ];
    for (const operator of general) assert.ok(operator instanceof WindowOperator);
  });
});

describe('sliding processing-time windows (the aligned operator), in virtual time', () => {
  it('fires when the clock reaches a window end − 1, with the merge of its slices', async () => {
    const h = await windowHarness((s: DataStream<Ev>) =>
      s
        .keyBy((e) => e.k)
        .window(SlidingProcessingTimeWindows.of(10, 5))
        .aggregate(sumAggregate),
    );
    h.setProcessingTime(3);
    h.processElement({ k: 'a', v: 1 }); // in [-5, 5) and [0, 10)
    h.setProcessingTime(7); // [-5, 5) fired at 4
    h.processElement({ k: 'a', v: 2 }); // in [0, 10) and [5, 15)
    h.setProcessingTime(8);
    assert.deepEqual(h.extractOutputValues(), ['a:1/1']);
    h.setProcessingTime(9); // [0, 10)
    assert.deepEqual(h.extractOutputValues(), ['a:1/1', 'a:3/2']);
    assert.equal(h.numProcessingTimeTimers(), 1);
    h.setProcessingTime(100); // [5, 15)
    assert.deepEqual(h.extractOutputValues(), ['a:1/1', 'a:3/2', 'a:2/1']);
    assert.equal(h.numProcessingTimeTimers(), 0);
  });

  it('an element in the millisecond in which its first window fired fires that window again, alone (ProcessingTimeTrigger)', async () => {
    const harness = (size: number, slide: number) =>
      windowHarness((s: DataStream<Ev>) =>
        s
          .keyBy((e) => e.k)
          .window(SlidingProcessingTimeWindows.of(size, slide))
          .aggregate(sumAggregate),
      );
    const h = await harness(10, 5);
    h.setProcessingTime(3);
    h.processElement({ k: 'a', v: 1 }); // in [-5, 5) and [0, 10)
    h.setProcessingTime(9); // both fired
    h.processElement({ k: 'a', v: 2 }); // in [0, 10), fired a moment ago, and [5, 15)
    h.setProcessingTime(100);
    // Its timer at 9 is due at once: [0, 10) fires again with the new element only, then [5, 15).
    assert.deepEqual(h.extractOutputValues(), ['a:1/1', 'a:1/1', 'a:2/1', 'a:2/1']);
    const t = await harness(5, 5);
    t.setProcessingTime(3);
    t.processElement({ k: 'a', v: 1 });
    t.setProcessingTime(4); // [0, 5) fired
    t.processElement({ k: 'a', v: 2 });
    t.setProcessingTime(100);
    assert.deepEqual(t.extractOutputValues(), ['a:1/1', 'a:2/1']);
  });

  for (const fn of ['reduce', 'aggregate', 'aggregate+process'] as const) {
    it(`${fn}: the same output as the general operator for random arrivals`, async () => {
      for (const shape of shapes) {
        for (let seed = 1; seed <= 3; seed++) {
          const rnd = random(seed * 31 + shape.size);
          const arrivals: Array<{ at: number; e: Ev }> = [];
          let now = 1_000;
          for (let i = 0; i < 300; i++) {
            now += Math.floor(rnd() * 3);
            // Arrivals fall on window ends − 1 too: a window that fired in that millisecond fires
            // again with the late arrivals alone, in both operators.
            arrivals.push({ at: now, e: { k: 'abc'[Math.floor(rnd() * 3)], v: 1 + Math.floor(rnd() * 9) } });
          }
          const run = async (forceGeneral: boolean) => {
            const cleared: string[] = [];
            const h = (await windowHarness(pipeline(shape, fn, 0, forceGeneral, cleared, true), {
              processingTime: 1_000,
            })) as OperatorHarness<unknown>;
            assert.ok(h.operator instanceof (forceGeneral ? WindowOperator : TimeWindowOperator));
            for (const { at, e } of arrivals) {
              h.setProcessingTime(at);
              h.processElement(e);
            }
            h.setProcessingTime(now + 100);
            return { run: collect(h, cleared), timers: h.numProcessingTimeTimers() };
          };
          const sliced = await run(false);
          const general = await run(true);
          assertSameRuns(sliced.run, general.run, `${fn} ${JSON.stringify(shape)} seed ${seed}`);
          assert.ok(general.run.byKey.size === 3, 'every key has windows');
          assert.equal(sliced.timers, 0);
        }
      }
    });
  }
});

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
