/**
 * The aligned time window operators (issue 17): keyed tumbling and sliding time windows with the
 * default trigger and no evictor (`time-window`), and window joins and coGroups over such windows
 * (`window-co-group`). An explicit trigger equal to the default keeps the general window operator
 * (and, for joins and coGroups, the union of tagged inputs), long tested against Flink's semantics:
 * it is the reference. Differential runs feed both the same seeded, out-of-order events with a
 * bounded-out-of-orderness watermark (some elements late, within and beyond the allowed lateness)
 * and compare the outputs as sorted multisets, the late side outputs, the window function's side
 * output and clear() calls, numLateRecordsDropped, and the timers and state left at the end.
 * Operator runs (harness, one subtask, all key groups) pin exact lateness; job runs at parallelism
 * 1 and 2 (heap, and LMDB writing its cache out at every key) cover key group ranges, exchanges and
 * state off the heap; a manual clock drives processing time. Savepoints taken mid-window are
 * resumed at another parallelism, on the heap and LMDB backends. The plan tests pin which operator
 * the API picks.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import {
  type AggregateFunction,
  type Collector,
  CountEvictor,
  DataGeneratorSource,
  type DataStream,
  EventTimeSessionWindows,
  EventTimeTrigger,
  GlobalWindows,
  type Key,
  OutputTag,
  ProcessingTimeTrigger,
  type ProcessWindowContext,
  ProcessWindowFunction,
  RichJoinFunction,
  SlidingEventTimeWindows,
  SlidingProcessingTimeWindows,
  StreamExecutionEnvironment,
  type TimeWindow,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from 'weir';
import { CollectSink, ManualClock, OperatorHarness, windowHarness } from 'weir/testing';
import { setExecutionContext } from '../../src/api/executor.ts';
import { SlicedWindowOperator } from '../../src/runtime/operators/sliced-window-operator.ts';
import { TimeWindowOperator } from '../../src/runtime/operators/time-window-operator.ts';
import { WindowCoGroupOperator } from '../../src/runtime/operators/window-co-group-operator.ts';
import { WindowOperator } from '../../src/runtime/operators/window-operator.ts';
import { ControlledSource, sorted, waitFor } from './helpers.ts';

interface Ev {
  k: string;
  n: number;
  v: number;
  ts: number;
}

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

/**
 * `n` events over `keys`, mostly within `bound` of the newest timestamp, some further back (late
 * for a watermark that trails the newest timestamp by `bound`), a few far back (beyond lateness).
 */
function randomEvents(seed: number, n: number, bound: number, keys = ['a', 'b', 'c', 'd']): Ev[] {
  const rnd = random(seed);
  const out: Ev[] = [];
  let now = 0;
  for (let i = 0; i < n; i++) {
    now += Math.floor(rnd() * 4);
    const r = rnd();
    const back = r < 0.75 ? rnd() * bound : r < 0.93 ? rnd() * 3 * bound : rnd() * 8 * bound;
    out.push({
      k: keys[Math.floor(rnd() * keys.length)],
      n: i,
      v: 1 + Math.floor(rnd() * 100),
      ts: now - Math.floor(back),
    });
  }
  return out;
}

/** The watermark after each event: newest timestamp − bound − 1, emitted when it advances (exact lateness). */
function watermarkAfter(events: Ev[], bound: number): number[] {
  let max = Number.NEGATIVE_INFINITY;
  return events.map((e) => {
    max = Math.max(max, e.ts);
    return max - bound - 1;
  });
}

/** The same watermarks as a source's strategy: punctuated, so a job sees exactly the harness's lateness. */
function boundedPunctuated<T extends { ts: number }>(bound: number): WatermarkStrategy<T> {
  return WatermarkStrategy.forGenerator<T>(() => {
    let max = Number.NEGATIVE_INFINITY;
    return {
      onEvent(_e, ts, out) {
        if (ts > max) {
          max = ts;
          out.emitWatermark(max - bound - 1);
        }
      },
      onPeriodicEmit() {},
    };
  }).withTimestampAssigner((e) => e.ts);
}

const lateTag = new OutputTag<Ev>('late');
const firedTag = new OutputTag<string>('fired');

const show = (e: Ev) => `${e.k}#${e.n}:${e.v}`;
const text = (v: unknown) => (typeof v === 'object' ? show(v as Ev) : String(v));
/** Commutative and associative (the sliced operator combines slices in its own order). */
const sumReduce = (a: Ev, b: Ev): Ev => ({ k: a.k, n: Math.min(a.n, b.n), v: a.v + b.v, ts: 0 });

interface Acc {
  k: string;
  sum: number;
  n: number;
}

/** No merge: sliding windows with it are not sliced, so the aligned operator keeps them. */
const sumAggregate = {
  createAccumulator: () => ({ k: '', sum: 0, n: 0 }),
  add(e: Ev, acc: Acc) {
    acc.k = e.k;
    acc.sum += e.v;
    acc.n++;
    return acc;
  },
  getResult: (acc: Acc) => `${acc.k}:${acc.sum}/${acc.n}`,
} as unknown as AggregateFunction<Ev, Acc, string>;

/**
 * A ProcessWindowFunction using per-window state (the firings of each window, emitted with each
 * firing), global state, a side output and clear().
 */
function describeWindows<IN>(cleared: string[], text: (x: IN) => string) {
  return new (class extends ProcessWindowFunction<IN, string, Key, TimeWindow> {
    process(key: Key, ctx: ProcessWindowContext<TimeWindow>, items: Iterable<IN>, out: Collector<string>) {
      const w = ctx.window();
      const fires = ctx.windowState().getState(new ValueStateDescriptor<number>('fires', 0));
      fires.update(fires.value() + 1);
      const total = ctx.globalState().getState(new ValueStateDescriptor<number>('total', 0));
      total.update(total.value() + 1);
      const shown = [...items].map(text).join(',');
      out.collect(
        `${String(key)} [${w.getStart()},${w.getEnd()}) ${shown} fire ${fires.value()} of ${total.value()}`,
      );
      ctx.output(firedTag, `${String(key)} ${w.getEnd()}`);
    }
    override clear(ctx: ProcessWindowContext<TimeWindow>): void {
      const fires = ctx.windowState().getState(new ValueStateDescriptor<number>('fires', 0)).value();
      cleared.push(`[${ctx.window().getStart()},${ctx.window().getEnd()}) after ${fires}`);
    }
  })();
}

type Fn = 'reduce' | 'aggregate' | 'aggregate+process' | 'process';
const FNS: Fn[] = ['reduce', 'aggregate', 'aggregate+process', 'process'];

interface Shape {
  size: number;
  /** Sliding when given. */
  slide?: number;
  offset?: number;
  lateness: number;
  processingTime?: boolean;
  /** No late side output: late elements are dropped and counted. */
  dropLate?: boolean;
  /** Key by a tuple (key, n % 2) rather than the string. */
  tupleKey?: boolean;
}

function assignerOf(s: Shape) {
  const offset = s.offset ?? 0;
  if (s.processingTime) {
    return s.slide === undefined
      ? TumblingProcessingTimeWindows.of(s.size, offset)
      : SlidingProcessingTimeWindows.of(s.size, s.slide, offset);
  }
  return s.slide === undefined
    ? TumblingEventTimeWindows.of(s.size, offset)
    : SlidingEventTimeWindows.of(s.size, s.slide, offset);
}

function describeShape(s: Shape): string {
  const kind = s.slide === undefined ? `tumbling ${s.size}` : `sliding ${s.size}/${s.slide}`;
  return `${s.processingTime ? 'processing-time ' : ''}${kind}, offset ${s.offset ?? 0}, lateness ${s.lateness}${s.tupleKey ? ', tuple key' : ''}${s.dropLate ? ', late dropped' : ''}`;
}

/** The keyed window pipeline; `general` forces the general operator by an explicit default trigger. */
function pipeline(fn: Fn, s: Shape, general: boolean, cleared: string[]) {
  return (input: DataStream<Ev>): DataStream<unknown> => {
    const keyed = s.tupleKey ? input.keyBy((e): Key => [e.k, e.n % 2]) : input.keyBy((e): Key => e.k);
    let w = keyed.window(assignerOf(s));
    if (general)
      w = s.processingTime ? w.trigger(ProcessingTimeTrigger.create()) : w.trigger(EventTimeTrigger.create());
    if (s.lateness > 0) w = w.allowedLateness(s.lateness);
    if (!s.dropLate) w = w.sideOutputLateData(lateTag);
    switch (fn) {
      case 'reduce':
        return w.reduce(sumReduce) as DataStream<unknown>;
      case 'aggregate':
        return w.aggregate(sumAggregate) as DataStream<unknown>;
      case 'aggregate+process':
        return w.aggregate(sumAggregate, describeWindows<string>(cleared, String)) as DataStream<unknown>;
      case 'process':
        return w.process(describeWindows<Ev>(cleared, show)) as DataStream<unknown>;
    }
  };
}

interface Result {
  out: string[];
  late: string[];
  fired: string[];
  cleared: string[];
  lateDropped: number;
}

function assertSameResults(fast: Result, general: Result, label: string): void {
  assert.ok(general.out.length > 0, `${label}: something fired`);
  assert.deepEqual(fast.out, general.out, `${label}: output (sorted)`);
  assert.deepEqual(fast.late, general.late, `${label}: late side output`);
  assert.deepEqual(fast.fired, general.fired, `${label}: window function side output`);
  assert.deepEqual(fast.cleared, general.cleared, `${label}: clear() calls`);
  assert.equal(fast.lateDropped, general.lateDropped, `${label}: numLateRecordsDropped`);
}

// ---- one operator, in virtual time -------------------------------------------------------------

async function runHarness(events: Ev[], bound: number, fn: Fn, s: Shape, general: boolean) {
  const cleared: string[] = [];
  // The pipeline ends with a map for reduce: the harness takes the window before it.
  const h = await windowHarness<Ev, unknown>(pipeline(fn, s, general, cleared));
  const watermarks = watermarkAfter(events, bound);
  let watermark = Number.NEGATIVE_INFINITY;
  let clock = 0;
  for (const [i, e] of events.entries()) {
    if (s.processingTime) {
      if (e.ts > clock) h.setProcessingTime((clock = e.ts));
      h.processElement(e);
    } else {
      h.processElement(e, e.ts);
      if (watermarks[i] > watermark) h.processWatermark((watermark = watermarks[i]));
    }
  }
  if (s.processingTime) h.setProcessingTime(clock + 10 * s.size);
  else h.processWatermark(Number.POSITIVE_INFINITY);
  const result: Result = {
    out: sorted(
      h
        .getOutput()
        .filter((o) => o.kind === 'record')
        .map((o) => `${text((o as { value: unknown }).value)} @${(o as { timestamp: number }).timestamp}`),
    ),
    late: h.getSideOutput(lateTag).map(show),
    fired: sorted(h.getSideOutput(firedTag)),
    cleared: sorted(cleared),
    lateDropped: (h.operator as unknown as { lateRecordsDropped(): number }).lateRecordsDropped(),
  };
  return {
    result,
    operator: h.operator,
    timers: h.numEventTimeTimers() + h.numProcessingTimeTimers(),
    stateEntries: h.stateBackend()!.size(),
  };
}

async function assertSameOperator(events: Ev[], bound: number, fn: Fn, s: Shape, label: string) {
  const fast = await runHarness(events, bound, fn, s, false);
  const general = await runHarness(events, bound, fn, s, true);
  const sliced = fn === 'reduce' && s.slide !== undefined && !s.processingTime;
  assert.ok(
    sliced ? fast.operator instanceof SlicedWindowOperator : fast.operator instanceof TimeWindowOperator,
    `${label}: the aligned (or sliced) operator is picked`,
  );
  assert.ok(general.operator instanceof WindowOperator, `${label}: the general operator is forced`);
  assertSameResults(fast.result, general.result, label);
  assert.equal(fast.timers, 0, `${label}: no timer left behind`);
  // Every window is gone at the end: what is left is the same (the function's global state).
  assert.equal(fast.stateEntries, general.stateEntries, `${label}: state entries left`);
  if (s.dropLate) assert.ok(general.result.lateDropped > 0, `${label}: late elements dropped and counted`);
}

describe('aligned time windows: the time-window operator emits what the general operator emits', () => {
  const BOUND = 8;
  const shapes: Shape[] = [
    { size: 10, lateness: 0 },
    { size: 10, lateness: 15, dropLate: true },
    { size: 10, offset: 3, lateness: 7, tupleKey: true },
    { size: 10, slide: 4, lateness: 0 },
    { size: 10, slide: 4, lateness: 12, tupleKey: true, dropLate: true },
    { size: 12, slide: 5, offset: 2, lateness: 9 },
    // slide > size: gaps between windows; elements in a gap are in no window.
    { size: 5, slide: 8, lateness: 0 },
    { size: 5, slide: 8, offset: 6, lateness: 20, tupleKey: true },
  ];
  for (const s of shapes) {
    it(`event time, ${describeShape(s)}: reduce, aggregate, aggregate + process, process`, async () => {
      for (let seed = 1; seed <= 3; seed++) {
        const events = randomEvents(seed * 31 + s.size, 400, BOUND);
        for (const fn of FNS) await assertSameOperator(events, BOUND, fn, s, `seed ${seed} ${fn}`);
      }
    });
  }

  it('late elements are sent to the side output, and within the lateness fire their windows again', async () => {
    // Pins that the random data exercises both rules.
    const events = randomEvents(7, 400, BOUND);
    const s: Shape = { size: 10, lateness: 15 };
    const { result } = await runHarness(events, BOUND, 'process', s, false);
    assert.ok(result.late.length > 5, `late elements (${result.late.length})`);
    assert.ok(
      result.out.some((o) => / fire [2-9] /.test(o)),
      'some window fired more than once',
    );
  });

  it('processing time, tumbling and sliding (incl. gaps): a manual clock', async () => {
    const shapes: Shape[] = [
      { size: 10, lateness: 0, processingTime: true },
      { size: 10, offset: 4, lateness: 0, processingTime: true, tupleKey: true },
      { size: 10, slide: 3, lateness: 0, processingTime: true },
      { size: 4, slide: 7, offset: 1, lateness: 0, processingTime: true },
    ];
    for (const s of shapes) {
      for (let seed = 1; seed <= 2; seed++) {
        // On a processing-time clock elements come in clock order.
        const events = randomEvents(seed + 100, 300, 0);
        for (const fn of FNS) {
          await assertSameOperator(events, 0, fn, s, `${describeShape(s)} seed ${seed} ${fn}`);
        }
      }
    }
  });
});

/**
 * Processing-time sliding windows used to go to the sliced operator, which counted an element that
 * came at the clock time of a window's last millisecond, after that time's timers had fired for
 * another key, only in the later windows. Flink's ProcessingTimeTrigger registers a timer at the
 * window's maxTimestamp, which is due at once, and the window (already purged) fires again with
 * the new element; so do the general and the aligned operators, and WindowedStream now gives
 * processing-time sliding windows to the aligned operator.
 */
describe('sliding processing-time windows', () => {
  it("an element at the clock time of a window's last millisecond, after that time's timers fired, is emitted with that window", async () => {
    const results: string[][] = [];
    for (const general of [false, true]) {
      const h = await windowHarness<Ev, unknown>(
        pipeline('reduce', { size: 10, slide: 3, lateness: 0, processingTime: true }, general, []),
      );
      h.setProcessingTime(2);
      h.processElement({ k: 'b', n: 0, v: 1, ts: 2 });
      h.setProcessingTime(3); // fires b's window [-6, 4)
      h.processElement({ k: 'a', n: 1, v: 1, ts: 3 });
      h.setProcessingTime(100);
      results.push(
        sorted(
          h.getOutput().flatMap((o) => (o.kind === 'record' ? [`${text(o.value)} @${o.timestamp}`] : [])),
        ),
      );
    }
    // The general operator: a's windows [-6, 4), [-3, 7), [0, 10), [3, 13), the first at once.
    assert.deepEqual(
      results[1].filter((r) => r.startsWith('a')),
      ['a#1:1 @12', 'a#1:1 @3', 'a#1:1 @6', 'a#1:1 @9'],
    );
    assert.deepEqual(results[0], results[1]);
  });
});

type Backend = 'heap' | 'lmdb';
/** Jobs run at parallelism 1 and 2 on the heap backend, and at 2 on LMDB (state off the heap). */
const JOB_RUNS: Array<[number, Backend]> = [
  [1, 'heap'],
  [2, 'heap'],
  [2, 'lmdb'],
];

/**
 * LMDB writing its cache out at every key change: a value the backend handed out and the operator
 * changed without writing it back is lost at once, as it would be in a large job.
 */
const LMDB_EVERY_KEY = { kind: 'lmdb', writeBatchSize: 1 } as const;

// ---- jobs, at parallelism 1 and 2 --------------------------------------------------------------

/**
 * The source runs at parallelism 1 with punctuated watermarks, so each window subtask sees the
 * events and watermarks in one order whatever the parallelism: which elements are late is exact.
 */
async function runJob(
  events: Ev[],
  bound: number,
  parallelism: number,
  backend: Backend,
  build: (input: DataStream<Ev>) => DataStream<unknown>,
  late?: OutputTag<Ev>,
): Promise<{ out: string[]; late: string[]; lateDropped: number }> {
  const env = StreamExecutionEnvironment.createLocalEnvironment(parallelism);
  if (backend === 'lmdb') env.setStateBackend(LMDB_EVERY_KEY);
  const sink = new CollectSink<string>();
  const lateSink = new CollectSink<string>();
  const input = env
    .fromCollection(events)
    .setParallelism(1)
    .assignTimestampsAndWatermarks(boundedPunctuated<Ev>(bound))
    .setParallelism(1);
  const out = build(input);
  out.process<string>((v, ctx, o) => o.collect(`${text(v)} @${ctx.timestamp()}`)).sinkTo(sink);
  if (late !== undefined) out.getSideOutput(late).map(show).sinkTo(lateSink);
  const result = await env.execute();
  return {
    out: sorted(sink.values),
    late: sorted(lateSink.values),
    lateDropped: Number(result.getAccumulatorResult('numLateRecordsDropped') ?? 0),
  };
}

describe('aligned time windows in jobs: the same output as the general operator', () => {
  const BOUND = 8;
  const cases: Array<{ fn: Fn; s: Shape }> = [
    { fn: 'reduce', s: { size: 10, lateness: 0 } },
    { fn: 'aggregate', s: { size: 10, slide: 4, lateness: 12, tupleKey: true, dropLate: true } },
    { fn: 'aggregate+process', s: { size: 10, offset: 3, lateness: 15 } },
    { fn: 'process', s: { size: 10, slide: 4, offset: 1, lateness: 10, tupleKey: true } },
    { fn: 'process', s: { size: 5, slide: 8, lateness: 0, dropLate: true } },
  ];
  for (const [parallelism, backend] of JOB_RUNS) {
    it(`tumbling and sliding, reduce/aggregate/process, late side output or dropped (parallelism ${parallelism}, ${backend} backend)`, async () => {
      // LMDB writing at every key change is slow: fewer events there.
      const n = backend === 'lmdb' ? 600 : 1_500;
      const events = randomEvents(parallelism * 7, n, BOUND, ['a', 'b', 'c', 'd', 'e', 'f']);
      for (const c of cases) {
        const label = `${c.fn} ${describeShape(c.s)}`;
        const results = [];
        for (const general of [false, true]) {
          const cleared: string[] = [];
          const build = pipeline(c.fn, c.s, general, cleared);
          results.push({
            run: await runJob(events, BOUND, parallelism, backend, build, c.s.dropLate ? undefined : lateTag),
            cleared: sorted(cleared),
          });
        }
        const [fast, general] = results;
        assert.ok(general.run.out.length > 100, `${label}: windows fired`);
        assert.deepEqual(fast.run.out, general.run.out, `${label}: output (sorted)`);
        assert.deepEqual(fast.run.late, general.run.late, `${label}: late side output`);
        if (c.s.dropLate) assert.ok(general.run.lateDropped > 0, `${label}: some elements were dropped`);
        else assert.ok(general.run.late.length > 0, `${label}: some elements were late`);
        assert.equal(fast.run.lateDropped, general.run.lateDropped, `${label}: numLateRecordsDropped`);
        if (c.fn === 'process' || c.fn === 'aggregate+process')
          assert.ok(general.cleared.length > 0, `${label}: clear() was called`);
        assert.deepEqual(fast.cleared, general.cleared, `${label}: clear() calls`);
      }
    });
  }
});

/**
 * Processing time in a job, under a manual clock: batches of elements at known clock times between
 * window ends; after each window end the test waits for that window's rows, and after each batch
 * for the window operator to have taken it, so both runs see the same elements in the same windows.
 */
describe('aligned time windows in jobs: processing time under a manual clock', () => {
  for (const parallelism of [1, 2]) {
    it(`tumbling processing-time windows, aggregate + process with window state: the general operator's rows (parallelism ${parallelism})`, async () => {
      const SIZE = 10_000;
      const BATCHES = 40;
      const start = 1_000 * SIZE; // a window start: batch j is at start + j * 1 000 + 500
      const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
      const rnd = random(parallelism + 90);
      const batches = Array.from({ length: BATCHES }, (_, j) =>
        Array.from({ length: 1 + Math.floor(rnd() * 12) }, (_, i) => ({
          k: keys[Math.floor(rnd() * keys.length)],
          n: j * 100 + i,
          v: 1 + Math.floor(rnd() * 50),
          ts: 0,
        })),
      );
      /** Rows of the windows up to and including window `w` (by index): one per key with elements. */
      const rowsUpTo = (w: number) => {
        let rows = 0;
        for (let x = 0; x <= w; x++) {
          const inWindow = batches.slice(x * 10, x * 10 + 10).flat();
          rows += new Set(inWindow.map((e) => e.k)).size;
        }
        return rows;
      };
      const runs: string[][] = [];
      for (const general of [false, true]) {
        const clock = new ManualClock(start);
        const env = StreamExecutionEnvironment.createLocalEnvironment(parallelism);
        env.getConfig().setClock(clock);
        const source = new ControlledSource<Ev>(1);
        const sink = new CollectSink<string>();
        const cleared: string[] = [];
        const s: Shape = { size: SIZE, lateness: 0, processingTime: true };
        const out = pipeline(
          'aggregate+process',
          s,
          general,
          cleared,
        )(env.fromSource(source, WatermarkStrategy.noWatermarks(), 'events').setParallelism(1));
        out.process<string>((v, ctx, o) => o.collect(`${text(v)} @${ctx.timestamp()}`)).sinkTo(sink);
        const kinds = env.getJobGraph().vertices.flatMap((v) => v.operators.map((o) => o.kind));
        assert.equal(kinds.includes('time-window'), !general, 'plan');
        const client = await env.executeAsync();
        try {
          const windowRecordsIn = () =>
            client
              .getMetrics()
              .filter((t) => t.vertex.includes('Window'))
              .reduce((n, t) => n + t.recordsIn, 0);
          let total = 0;
          for (let j = 0; j < BATCHES; j++) {
            if (j > 0 && j % 10 === 0) {
              clock.advanceTo(start + j * 1_000);
              const rows = rowsUpTo(j / 10 - 1);
              await waitFor(() => sink.values.length >= rows, `window ${j / 10 - 1} to fire`);
            }
            clock.advanceTo(start + j * 1_000 + 500);
            for (const e of batches[j]) source.push(0, e);
            total += batches[j].length;
            const want = total;
            await waitFor(() => windowRecordsIn() === want, `batch ${j} at the window operator`);
          }
          clock.advanceTo(start + BATCHES * 1_000);
          const rows = rowsUpTo(BATCHES / 10 - 1);
          await waitFor(() => sink.values.length >= rows, 'the last window to fire');
          source.end();
          await client.getJobExecutionResult();
        } finally {
          await client.cancel();
        }
        runs.push(sorted(sink.values));
      }
      assert.equal(runs[1].length, rowsUpTo(BATCHES / 10 - 1));
      assert.ok(
        runs[1].every((r) => r.includes(' fire 1 of ')),
        'each window fired once',
      );
      assert.deepEqual(runs[0], runs[1]);
    });
  }
});

// ---- window joins and coGroups -----------------------------------------------------------------

interface Side {
  k: string;
  id: string;
  ts: number;
}

function sideEvents(events: Ev[], side: string, keys: (e: Ev) => string): Side[] {
  return events.map((e) => ({ k: keys(e), id: `${side}${e.n}`, ts: e.ts }));
}

type TwoInputFn = 'join' | 'coGroup' | 'rich-join';

/** A join function counting each key's pairs in keyed state, through its runtime context. */
class CountingJoin extends RichJoinFunction<Side, Side, string> {
  private pairs!: ValueState<number, number>;
  override open(): void {
    this.pairs = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('pairs', 0));
  }
  join(l: Side, r: Side): string {
    const n = this.pairs.value() + 1;
    this.pairs.update(n);
    return `${l.k} ${l.id} ${r.id} #${n}`;
  }
}

function twoInput(fn: TwoInputFn, s: Shape, general: boolean) {
  return (left: DataStream<Side>, right: DataStream<Side>): DataStream<string> => {
    const assigner = assignerOf(s);
    if (fn === 'coGroup') {
      let w = left
        .coGroup(right)
        .where((l) => l.k)
        .equalTo((r) => r.k)
        .window(assigner);
      if (general)
        w = w.trigger(s.processingTime ? ProcessingTimeTrigger.create() : EventTimeTrigger.create());
      if (s.lateness > 0) w = w.allowedLateness(s.lateness);
      return w.apply((ls: Iterable<Side>, rs: Iterable<Side>, out: Collector<string>) => {
        const a = [...ls];
        const b = [...rs];
        const k = a[0]?.k ?? b[0]!.k;
        out.collect(`${k} [${a.map((x) => x.id).join(',')}] [${b.map((x) => x.id).join(',')}]`);
      });
    }
    let w = left
      .join(right)
      .where((l) => l.k)
      .equalTo((r) => r.k)
      .window(assigner);
    if (general) w = w.trigger(s.processingTime ? ProcessingTimeTrigger.create() : EventTimeTrigger.create());
    if (s.lateness > 0) w = w.allowedLateness(s.lateness);
    return fn === 'join'
      ? w.apply((l: Side, r: Side) => `${l.k} ${l.id} ${r.id}`)
      : w.apply(new CountingJoin());
  };
}

/** A partition's key selector (the input of a keyed operator). */
function keySelectorOf(t: unknown): ((v: unknown) => Key) | undefined {
  const p = t as { kind: string; keySelector?: (v: unknown) => Key };
  return p.kind === 'partition' ? p.keySelector : undefined;
}

/**
 * Runs the join or coGroup operator alone: the window-co-group operator with its two inputs, or the
 * general window operator over the tagged union, fed `{ input, value }` as the taggers make them.
 */
async function runTwoInputHarness(
  lefts: Side[],
  rights: Side[],
  order: number[],
  bound: number,
  fn: TwoInputFn,
  s: Shape,
  general: boolean,
) {
  const env = new StreamExecutionEnvironment({ parallelism: 1 });
  const stream = twoInput(fn, s, general)(env.fromCollection<Side>([]), env.fromCollection<Side>([]));
  const t = stream.transformation as unknown as {
    operator: string;
    name: string;
    config: Record<string, unknown>;
    extra: Record<string, unknown>;
    inputs: unknown[][];
  };
  const twoInputs = t.operator === 'window-co-group';
  const h = new OperatorHarness<string>({
    kind: t.operator as 'window',
    name: t.name,
    keySelector: keySelectorOf(t.inputs[0][0]),
    keySelector2: twoInputs ? keySelectorOf(t.inputs[1][0]) : undefined,
    config: t.config,
    extra: t.extra,
  });
  await h.open();
  let max = Number.NEGATIVE_INFINITY;
  let watermark = Number.NEGATIVE_INFINITY;
  let li = 0;
  let ri = 0;
  let clock = 0;
  for (const side of order) {
    const e = side === 1 ? lefts[li++] : rights[ri++];
    // Processing time: the clock moves with the (ascending) element times.
    if (s.processingTime && e.ts > clock) h.setProcessingTime((clock = e.ts));
    if (twoInputs) {
      if (side === 1) h.processElement(e, e.ts);
      else h.processElement2(e, e.ts);
    } else h.processElement({ input: side, value: e }, e.ts);
    max = Math.max(max, e.ts);
    if (!s.processingTime && max - bound - 1 > watermark) h.processWatermark((watermark = max - bound - 1));
  }
  if (s.processingTime) h.setProcessingTime(clock + 10 * s.size);
  else h.processWatermark(Number.POSITIVE_INFINITY);
  return {
    out: sorted(h.getOutput().flatMap((o) => (o.kind === 'record' ? [`${o.value} @${o.timestamp}`] : []))),
    lateDropped: (h.operator as unknown as { lateRecordsDropped(): number }).lateRecordsDropped(),
    operator: h.operator,
    timers: h.numEventTimeTimers() + h.numProcessingTimeTimers(),
    stateEntries: h.stateBackend()!.size(),
  };
}

interface Marked extends Side {
  /** A phase's end: carries the watermark, filtered out before the join. */
  marker?: boolean;
}

/** Watermarks from markers only: a marker's timestamp is the watermark. */
const markerWatermarks = () =>
  WatermarkStrategy.forGenerator<Marked>(() => ({
    onEvent(e, ts, out) {
      if (e.marker) out.emitWatermark(ts);
    },
    onPeriodicEmit() {},
  })).withTimestampAssigner((e) => e.ts);

/** Runs join, coGroup and the keyed-state join in one job, phase by phase (see the test). */
async function runPhasedJoins(
  phases: Array<{ lefts: Side[]; rights: Side[]; watermark: number }>,
  parallelism: number,
  backend: Backend,
  s: Shape,
  general: boolean,
): Promise<{ out: string[]; lateDropped: number }> {
  const env = StreamExecutionEnvironment.createLocalEnvironment(parallelism);
  if (backend === 'lmdb') env.setStateBackend(LMDB_EVERY_KEY);
  const leftSource = new ControlledSource<Marked>(1);
  const rightSource = new ControlledSource<Marked>(1);
  const side = (source: ControlledSource<Marked>, name: string) =>
    env
      .fromSource(source, markerWatermarks(), name)
      .setParallelism(1)
      .filter((e) => !e.marker)
      .setParallelism(1) as DataStream<Side>;
  const l = side(leftSource, 'left');
  const r = side(rightSource, 'right');
  const sink = new CollectSink<string>();
  for (const fn of ['join', 'coGroup', 'rich-join'] as const) {
    twoInput(
      fn,
      s,
      general,
    )(l, r)
      .process<string>((v, ctx, o) => o.collect(`${fn} ${v} @${ctx.timestamp()}`))
      .sinkTo(sink);
  }
  const kinds = env.getJobGraph().vertices.flatMap((v) => v.operators.map((o) => o.kind));
  assert.equal(kinds.filter((k) => k === 'window-co-group').length, general ? 0 : 3, 'plan');
  const client = await env.executeAsync();
  try {
    const joinTasks = () => client.getMetrics().filter((t) => /^(Join|CoGroup)\(/.test(t.vertex));
    let pushed = 0;
    for (const phase of phases) {
      for (const e of phase.lefts) leftSource.push(0, e);
      for (const e of phase.rights) rightSource.push(0, e);
      leftSource.push(0, { k: '', id: 'marker', ts: phase.watermark, marker: true });
      rightSource.push(0, { k: '', id: 'marker', ts: phase.watermark, marker: true });
      pushed += phase.lefts.length + phase.rights.length;
      const want = pushed * 3; // each of the three operators takes every element
      await waitFor(() => {
        const tasks = joinTasks();
        return (
          tasks.length === 3 * parallelism &&
          tasks.reduce((n, t) => n + t.recordsIn, 0) === want &&
          tasks.every((t) => t.currentInputWatermark === phase.watermark)
        );
      }, `the phase up to watermark ${phase.watermark}`);
    }
    leftSource.end();
    rightSource.end();
    const result = await client.getJobExecutionResult();
    return {
      out: sorted(sink.values),
      lateDropped: Number(result.getAccumulatorResult('numLateRecordsDropped') ?? 0),
    };
  } finally {
    await client.cancel();
  }
}

/** Left keys a..c and left-only, right keys a..c and right-only: coGroup emits one-sided keys too. */
const leftKey = (e: Ev) => ['a', 'b', 'c', 'left-only', 'a'][e.v % 5];
const rightKey = (e: Ev) => ['a', 'b', 'c', 'right-only', 'b'][e.v % 5];

describe('window joins and coGroups: the window-co-group operator emits what the tagged union emits', () => {
  const BOUND = 8;
  const shapes: Shape[] = [
    { size: 10, lateness: 0 },
    { size: 10, offset: 2, lateness: 14 },
    { size: 10, slide: 4, lateness: 0 },
    { size: 12, slide: 5, lateness: 9 },
    { size: 5, slide: 8, lateness: 6 },
    { size: 10, lateness: 0, processingTime: true },
    { size: 10, slide: 3, offset: 1, lateness: 0, processingTime: true },
  ];
  for (const s of shapes) {
    it(`operator alone, ${describeShape(s)}: join, coGroup, a join reading keyed state`, async () => {
      for (let seed = 1; seed <= 3; seed++) {
        // On a processing-time clock elements come in clock order.
        const events = randomEvents(seed * 17 + s.size, 400, s.processingTime ? 0 : BOUND);
        const rnd = random(seed);
        const order = events.map(() => (rnd() < 0.5 ? 1 : 2));
        const lefts = sideEvents(
          events.filter((_, i) => order[i] === 1),
          'L',
          leftKey,
        );
        const rights = sideEvents(
          events.filter((_, i) => order[i] === 2),
          'R',
          rightKey,
        );
        for (const fn of ['join', 'coGroup', 'rich-join'] as const) {
          const label = `seed ${seed} ${fn}`;
          const fast = await runTwoInputHarness(lefts, rights, order, BOUND, fn, s, false);
          const general = await runTwoInputHarness(lefts, rights, order, BOUND, fn, s, true);
          assert.ok(fast.operator instanceof WindowCoGroupOperator, `${label}: window-co-group picked`);
          assert.ok(general.operator instanceof WindowOperator, `${label}: general operator forced`);
          assert.ok(general.out.length > 20, `${label}: something fired`);
          if (fn === 'coGroup') {
            assert.ok(
              general.out.some((o) => o.startsWith('left-only')) &&
                general.out.some((o) => o.startsWith('right-only')),
              `${label}: one-sided keys are emitted`,
            );
          }
          assert.deepEqual(fast.out, general.out, `${label}: output (sorted)`);
          assert.equal(fast.lateDropped, general.lateDropped, `${label}: numLateRecordsDropped`);
          assert.equal(fast.timers, 0, `${label}: no timer left behind`);
          assert.equal(fast.stateEntries, general.stateEntries, `${label}: state entries left`);
        }
      }
    });
  }

  /**
   * In a job the two inputs of a join interleave as their exchanges deliver, and the operator's
   * watermark is the minimum of both: which element is behind it depends on that interleaving, so
   * these runs (sources read at full speed) keep every element within the watermark's bound; late
   * elements are compared on the operator alone above and in phased jobs below (also on LMDB).
   */
  for (const [parallelism, backend] of JOB_RUNS.filter(([, b]) => b === 'heap')) {
    it(`jobs: join, coGroup and a join reading keyed state, tumbling and sliding, lateness 0 and > 0 (parallelism ${parallelism}, ${backend} backend)`, async () => {
      const BOUND_JOB = 50;
      const events = randomEvents(parallelism + 40, 1_200, BOUND_JOB - 1).filter((e) => e.ts >= 0);
      // Not late: every element is within the bound of the newest before it.
      let max = Number.NEGATIVE_INFINITY;
      const inBound = events.filter((e) => {
        if (e.ts < max - BOUND_JOB + 1) return false;
        max = Math.max(max, e.ts);
        return true;
      });
      const lefts = sideEvents(
        inBound.filter((e) => e.n % 2 === 0),
        'L',
        leftKey,
      );
      const rights = sideEvents(
        inBound.filter((e) => e.n % 2 === 1),
        'R',
        rightKey,
      );
      const jobShapes: Shape[] = [
        { size: 20, lateness: 0 },
        { size: 20, slide: 8, lateness: 30 },
      ];
      for (const s of jobShapes) {
        for (const fn of ['join', 'coGroup', 'rich-join'] as const) {
          const label = `${fn} ${describeShape(s)}`;
          const runs = [];
          for (const general of [false, true]) {
            const env = StreamExecutionEnvironment.createLocalEnvironment(parallelism);
            if (backend === 'lmdb') env.setStateBackend(LMDB_EVERY_KEY);
            const sink = new CollectSink<string>();
            const l = env
              .fromCollection(lefts)
              .assignTimestampsAndWatermarks(boundedPunctuated<Side>(BOUND_JOB));
            const r = env
              .fromCollection(rights)
              .assignTimestampsAndWatermarks(boundedPunctuated<Side>(BOUND_JOB));
            twoInput(
              fn,
              s,
              general,
            )(l, r)
              .process<string>((v, ctx, o) => o.collect(`${v} @${ctx.timestamp()}`))
              .sinkTo(sink);
            const kinds = env.getJobGraph().vertices.flatMap((v) => v.operators.map((o) => o.kind));
            assert.equal(kinds.includes('window-co-group'), !general, `${label}: plan`);
            const result = await env.execute();
            runs.push({
              out: sorted(sink.values),
              lateDropped: Number(result.getAccumulatorResult('numLateRecordsDropped') ?? 0),
            });
          }
          const [fast, general] = runs;
          assert.ok(general.out.length > 50, `${label}: something fired`);
          assert.deepEqual(fast.out, general.out, `${label}: output (sorted)`);
          assert.equal(fast.lateDropped, 0, `${label}: nothing late`);
          assert.equal(general.lateDropped, 0, `${label}: nothing late`);
        }
      }
    });
  }

  /**
   * Late elements in a job, made exact: the sources emit watermarks only at the end of each phase
   * (a marker element, filtered out before the join, carries it), and the test pushes the next
   * phase only once every join subtask has taken the phase's records and both markers. So every
   * element of a phase meets the watermark of the phase before, whatever the interleaving of the
   * two inputs, and both runs see the same late elements and re-firings.
   */
  for (const [parallelism, backend] of JOB_RUNS) {
    it(`jobs with late elements (phased watermarks): join, coGroup, a join reading keyed state, lateness 0 and > 0 (parallelism ${parallelism}, ${backend} backend)`, async () => {
      const BOUND_JOB = 8;
      const events = randomEvents(parallelism + 60, 360, BOUND_JOB);
      const rnd = random(parallelism + 61);
      const PHASE = 6;
      const phases: Array<{ lefts: Side[]; rights: Side[]; watermark: number }> = [];
      let max = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < events.length; i += PHASE) {
        const phase = events.slice(i, i + PHASE);
        const left = phase.filter(() => rnd() < 0.5);
        for (const e of phase) max = Math.max(max, e.ts);
        phases.push({
          lefts: sideEvents(left, 'L', leftKey),
          rights: sideEvents(
            phase.filter((e) => !left.includes(e)),
            'R',
            rightKey,
          ),
          watermark: max - BOUND_JOB - 1,
        });
      }
      for (const s of [
        { size: 10, lateness: 0 },
        { size: 10, slide: 4, lateness: 12 },
      ] satisfies Shape[]) {
        const runs: Array<{ out: string[]; lateDropped: number }> = [];
        for (const general of [false, true]) {
          runs.push(await runPhasedJoins(phases, parallelism, backend, s, general));
        }
        const [fast, general] = runs;
        const label = describeShape(s);
        assert.ok(general.out.length > 100, `${label}: something fired`);
        assert.ok(general.lateDropped > 0, `${label}: some elements were late and dropped`);
        if (s.lateness > 0) {
          // A re-firing: the same coGroup key and window emitted twice (with more elements).
          const coGroups = general.out.filter((o) => o.startsWith('coGroup'));
          const windows = coGroups.map((o) => `${o.split(' ')[1]} ${o.split(' @')[1]}`);
          assert.ok(new Set(windows).size < windows.length, `${label}: late elements fired windows again`);
        }
        assert.deepEqual(fast.out, general.out, `${label}: output (sorted)`);
        assert.equal(fast.lateDropped, general.lateDropped, `${label}: numLateRecordsDropped`);
      }
    });
  }
});

// ---- savepoints, resumed at another parallelism ------------------------------------------------

describe('aligned time windows: stopped with a savepoint mid-window, resumed at another parallelism', () => {
  const COUNT = 24_000;
  const SIZE = 1_000;
  const isLeft = (i: number) => i % 50 === 0;
  const isRight = (i: number) => i % 30 === 7;
  const expected = (() => {
    const out: string[] = [];
    for (let w = 0; w < COUNT; w += SIZE) {
      for (let l = w; l < w + SIZE; l++) {
        if (!isLeft(l)) continue;
        for (let r = w; r < w + SIZE; r++)
          if (isRight(r) && l % 3 === r % 3) out.push(`join ${l} ${r} @${w + SIZE - 1}`);
      }
      for (let k = 0; k < 5; k++) {
        let n = 0;
        let sum = 0;
        for (let i = w; i < w + SIZE; i++) {
          if (i % 5 === k) {
            n++;
            sum += i;
          }
        }
        out.push(`window k${k} ${w} ${n} ${sum} @${w + SIZE - 1}`);
      }
    }
    return sorted(out);
  })();

  function build(
    p: number,
    rate: number,
    backend: Backend,
    lateness: number,
    sink: CollectSink<string>,
    seen: CollectSink<number>,
  ) {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(p);
    env.enableCheckpointing(50);
    if (backend === 'lmdb') env.setStateBackend('lmdb');
    const numbers = env
      .fromSource(
        new DataGeneratorSource((i) => i, COUNT, { rateLimit: rate, timestamp: (_v, i) => i }),
        WatermarkStrategy.forMonotonousTimestamps<number>(),
        'numbers',
      )
      .uid('numbers');
    // What the sources emitted: with a stop, exactly the records before the savepoint's barrier.
    numbers
      .map((i) => i)
      .uid('seen')
      .sinkTo(seen)
      .uid('seen-sink');
    const stamp = (s: DataStream<string>) =>
      s.process<string>((v, ctx, o) => o.collect(`${v} @${ctx.timestamp()}`));
    stamp(
      numbers
        .filter(isLeft)
        .uid('lefts')
        .join(numbers.filter(isRight).uid('rights'))
        .where((l) => l % 3)
        .equalTo((r) => r % 3)
        .window(TumblingEventTimeWindows.of(SIZE))
        .allowedLateness(lateness)
        .apply((l: number, r: number) => `join ${l} ${r}`)
        .uid('join'),
    )
      .uid('join-stamp')
      .sinkTo(sink)
      .uid('join-sink');
    stamp(
      numbers
        .keyBy((i) => `k${i % 5}`)
        .window(TumblingEventTimeWindows.of(SIZE))
        .process(
          (
            key: string,
            ctx: ProcessWindowContext<TimeWindow>,
            items: Iterable<number>,
            out: Collector<string>,
          ) => {
            let n = 0;
            let sum = 0;
            for (const i of items) {
              n++;
              sum += i;
            }
            out.collect(`window ${key} ${ctx.window().getStart()} ${n} ${sum}`);
          },
        )
        .uid('window'),
    )
      .uid('window-stamp')
      .sinkTo(sink)
      .uid('window-sink');
    const kinds = env.getJobGraph().vertices.flatMap((v) => v.operators.map((o) => o.kind));
    assert.ok(
      kinds.includes('window-co-group') && kinds.includes('time-window'),
      `plan: ${kinds.join(', ')}`,
    );
    return env;
  }

  let dir = '';
  afterEach(() => {
    setExecutionContext(undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = '';
  });

  // Heap without lateness keeps a join's sides per key group; with lateness, and on LMDB, per key.
  for (const [backend, from, to, lateness] of [
    ['heap', 1, 2, 0],
    ['heap', 2, 1, 0],
    ['heap', 1, 2, 300],
    ['lmdb', 1, 2, 0],
    ['lmdb', 2, 1, 0],
  ] as const) {
    it(`${backend} backend, join lateness ${lateness}, parallelism ${from} → ${to}: every window and pair once, as in an uninterrupted run`, async () => {
      dir = mkdtempSync(join(tmpdir(), 'weir-aligned-windows-'));
      const sink = new CollectSink<string>();
      const seen = new CollectSink<number>();
      const client = await build(from, 30_000, backend, lateness, sink, seen).executeAsync('first');
      // Two windows of each kind out: later windows are open, with elements buffered.
      await waitFor(
        () =>
          sink.values.filter((v) => v.startsWith('window')).length >= 10 &&
          sink.values.some((v) => v.startsWith('join')),
        'the first windows',
      );
      const savepoint = await client.stopWithSavepoint!(join(dir, 'savepoints'));
      await client.getJobExecutionResult();
      const before = sink.values.length;
      assert.ok(before < expected.length, `stopped before the end (${before} of ${expected.length} rows)`);
      // Mid-window: some element in the savepoint belongs to a window the stopped run did not emit.
      const emitted = new Set(
        sink.values.filter((v) => v.startsWith('window')).map((v) => v.split(' ').slice(1, 3).join(' ')),
      );
      assert.ok(
        seen.values.some((i) => !emitted.has(`k${i % 5} ${i - (i % SIZE)}`)),
        'the savepoint holds elements of open windows',
      );
      setExecutionContext({ restore: { path: savepoint, kind: 'savepoint', allowNonRestoredState: false } });
      const resumed = new CollectSink<string>();
      await (
        await build(to, 1_000_000, backend, lateness, resumed, new CollectSink<number>()).executeAsync(
          'restored',
        )
      ).getJobExecutionResult();
      assert.ok(resumed.values.length > 0, 'the resumed run emitted the rest');
      assert.deepEqual(sorted([...sink.values, ...resumed.values]), expected);
    });
  }
});

// ---- the plan ----------------------------------------------------------------------------------

describe('aligned time windows: the plan', () => {
  function kinds(build: (env: StreamExecutionEnvironment) => void): string[] {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    build(env);
    return env.getJobGraph().vertices.flatMap((v) => v.operators.map((o) => o.kind));
  }
  const events = (env: StreamExecutionEnvironment) =>
    env
      .fromElements<Ev>({ k: 'a', n: 0, v: 1, ts: 0 })
      .assignTimestampsAndWatermarks(boundedPunctuated<Ev>(0));
  const sink = <T>(): CollectSink<T> => new CollectSink<T>();

  it('keyed tumbling and sliding windows with the default trigger and no evictor: time-window', () => {
    for (const assigner of [
      TumblingEventTimeWindows.of(10),
      SlidingEventTimeWindows.of(10, 4),
      TumblingProcessingTimeWindows.of(10),
      SlidingProcessingTimeWindows.of(10, 4, 1),
    ]) {
      const k = kinds((env) =>
        events(env)
          .keyBy((e) => e.k)
          .window(assigner)
          .process((_k, _c, items: Iterable<Ev>, out: Collector<number>) => out.collect([...items].length))
          .sinkTo(sink()),
      );
      assert.ok(
        k.includes('time-window') && !k.includes('window'),
        `${assigner.constructor.name}: ${k.join(', ')}`,
      );
    }
    const tumblingReduce = kinds((env) =>
      events(env)
        .keyBy((e) => e.k)
        .window(TumblingEventTimeWindows.of(10))
        .reduce(sumReduce)
        .sinkTo(sink()),
    );
    assert.ok(tumblingReduce.includes('time-window'), tumblingReduce.join(', '));
  });

  it('an explicit trigger, an evictor, or a global assigner: the general window operator; sessions: not time-window', () => {
    const keyed = (env: StreamExecutionEnvironment) => events(env).keyBy((e) => e.k);
    const count = (_k: string, _c: unknown, items: Iterable<Ev>, out: Collector<number>) =>
      out.collect([...items].length);
    const variants: Array<[string, (env: StreamExecutionEnvironment) => void]> = [
      [
        'explicit EventTimeTrigger',
        (env) =>
          keyed(env)
            .window(TumblingEventTimeWindows.of(10))
            .trigger(EventTimeTrigger.create())
            .process(count)
            .sinkTo(sink()),
      ],
      [
        'explicit ProcessingTimeTrigger',
        (env) =>
          keyed(env)
            .window(TumblingProcessingTimeWindows.of(10))
            .trigger(ProcessingTimeTrigger.create())
            .process(count)
            .sinkTo(sink()),
      ],
      [
        'evictor',
        (env) =>
          keyed(env)
            .window(SlidingEventTimeWindows.of(10, 5))
            .evictor(CountEvictor.of(2))
            .process(count)
            .sinkTo(sink()),
      ],
      [
        'session with an explicit trigger',
        (env) =>
          keyed(env)
            .window(EventTimeSessionWindows.withGap(10))
            .trigger(EventTimeTrigger.create())
            .process(count)
            .sinkTo(sink()),
      ],
      [
        'global',
        (env) =>
          keyed(env)
            .window(GlobalWindows.create())
            .trigger(EventTimeTrigger.create() as never)
            .process(count as never)
            .sinkTo(sink()),
      ],
    ];
    for (const [name, build] of variants) {
      const k = kinds(build);
      assert.ok(k.includes('window') && !k.includes('time-window'), `${name}: ${k.join(', ')}`);
    }
    // Sessions with their default trigger have an operator of their own: not the aligned one.
    const session = kinds((env) =>
      keyed(env).window(EventTimeSessionWindows.withGap(10)).process(count).sinkTo(sink()),
    );
    assert.ok(session.includes('session-window') && !session.includes('time-window'), session.join(', '));
  });

  it('joins and coGroups: window-co-group with the default trigger; the tagged union with an explicit trigger, an evictor or sessions', () => {
    const sides = (env: StreamExecutionEnvironment) => [events(env), events(env)] as const;
    for (const assigner of [TumblingEventTimeWindows.of(10), SlidingEventTimeWindows.of(10, 4)]) {
      const k = kinds((env) => {
        const [a, b] = sides(env);
        a.join(b)
          .where((e) => e.k)
          .equalTo((e) => e.k)
          .window(assigner)
          .apply((x: Ev, y: Ev) => x.v + y.v)
          .sinkTo(sink());
        a.coGroup(b)
          .where((e) => e.k)
          .equalTo((e) => e.k)
          .window(assigner)
          .apply((xs: Iterable<Ev>, ys: Iterable<Ev>, out: Collector<number>) =>
            out.collect([...xs, ...ys].length),
          )
          .sinkTo(sink());
      });
      assert.equal(k.filter((x) => x === 'window-co-group').length, 2, k.join(', '));
      assert.ok(!k.includes('window'), k.join(', '));
    }
    const general = kinds((env) => {
      const [a, b] = sides(env);
      a.join(b)
        .where((e) => e.k)
        .equalTo((e) => e.k)
        .window(TumblingEventTimeWindows.of(10))
        .trigger(EventTimeTrigger.create())
        .apply((x: Ev, y: Ev) => x.v + y.v)
        .sinkTo(sink());
      a.coGroup(b)
        .where((e) => e.k)
        .equalTo((e) => e.k)
        .window(TumblingEventTimeWindows.of(10))
        .evictor(CountEvictor.of(3))
        .apply((xs: Iterable<Ev>, ys: Iterable<Ev>, out: Collector<number>) =>
          out.collect([...xs, ...ys].length),
        )
        .sinkTo(sink());
      a.join(b)
        .where((e) => e.k)
        .equalTo((e) => e.k)
        .window(EventTimeSessionWindows.withGap(10))
        .apply((x: Ev, y: Ev) => x.v + y.v)
        .sinkTo(sink());
    });
    assert.ok(!general.includes('window-co-group'), general.join(', '));
    assert.equal(general.filter((x) => x === 'window').length, 2, general.join(', '));
    assert.equal(general.filter((x) => x === 'session-window').length, 1, general.join(', '));
  });
});
