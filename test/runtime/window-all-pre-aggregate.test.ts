/**
 * `windowAll(...).reduce` / `.aggregate` at input parallelism > 1 pre-aggregate per input subtask
 * (AllWindowedStream, WindowAllPreAggregateOperator): the output must be the single-phase plan's,
 * values, timestamps and late drops alike. The single-phase plan is forced here by an explicit
 * default trigger (any trigger keeps it), which fires exactly as the assigner's default one.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { setExecutionContext } from '../../src/api/executor.ts';
import {
  type AggregateFunction,
  type Collector,
  CountEvictor,
  DataGeneratorSource,
  type DataStream,
  EventTimeTrigger,
  OutputTag,
  type ProcessWindowContext,
  type Sink,
  SlidingEventTimeWindows,
  SlidingProcessingTimeWindows,
  type WatermarkStrategy as Strategy,
  StreamExecutionEnvironment,
  type TimeWindow,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from '../../src/index.ts';
import { CollectSink } from '../../src/testing/index.ts';
import { OperatorHarness } from '../../src/testing/operator-harness.ts';
import { ControlledSource, waitFor } from './helpers.ts';

interface Event {
  v: number;
  ts: number;
}

/** Watermark = highest timestamp − lag − 1 after every element: out of order within `lag`, never late. */
function lagging(lag: number): Strategy<Event> {
  return WatermarkStrategy.forGenerator<Event>(() => {
    let max = Number.NEGATIVE_INFINITY;
    return {
      onEvent(_e, ts, out) {
        max = Math.max(max, ts);
        out.emitWatermark(max - lag - 1);
      },
      onPeriodicEmit() {},
    };
  }).withTimestampAssigner((e) => e.ts);
}

/** Sum and count, as an accumulator object (it crosses the exchange as a record). */
const sumCount: AggregateFunction<number, { sum: number; n: number }, string> = {
  createAccumulator: () => ({ sum: 0, n: 0 }),
  add: (v, acc) => ({ sum: acc.sum + v, n: acc.n + 1 }),
  getResult: (acc) => `${acc.sum}/${acc.n}`,
  merge: (a, b) => ({ sum: a.sum + b.sum, n: a.n + b.n }),
};

function withWindow<V>(
  ctx: ProcessWindowContext<TimeWindow>,
  values: Iterable<V>,
  out: Collector<string>,
): void {
  for (const v of values) out.collect(`[${ctx.window().getStart()},${ctx.window().getEnd()}) ${v}`);
}

/** Each output value with its timestamp. */
function stamped<T>(s: DataStream<T>): DataStream<string> {
  return s.process((v: T, ctx, out: Collector<string>) => out.collect(`${v} @${ctx.timestamp()}`));
}

type Shape = { name: string; assigner: () => TumblingEventTimeWindows | SlidingEventTimeWindows };
const SHAPES: Shape[] = [
  { name: 'tumbling', assigner: () => TumblingEventTimeWindows.of(1_000) },
  { name: 'sliding 1000/400 (slices of 200)', assigner: () => SlidingEventTimeWindows.of(1_000, 400) },
];

/** 600 events, out of order within 150 ms, values 0..599. */
const EVENTS: Event[] = Array.from({ length: 600 }, (_, i) => ({ v: i, ts: i * 10 + ((i * 37) % 150) }));

/**
 * For each shape, four pipelines (reduce, reduce + window function, aggregate, aggregate + window
 * function), each twice: pre-aggregated where the API chooses (`auto`) and forced single-phase.
 */
function buildAll(env: StreamExecutionEnvironment): Map<string, CollectSink<string>> {
  const events = env.fromCollection(EVENTS).assignTimestampsAndWatermarks(lagging(150));
  const sinks = new Map<string, CollectSink<string>>();
  const sink = (name: string) => {
    const s = new CollectSink<string>();
    sinks.set(name, s);
    return s;
  };
  for (const shape of SHAPES) {
    for (const plan of ['auto', 'single'] as const) {
      const windows = () => {
        const w = events.map((e) => e.v).windowAll(shape.assigner());
        return plan === 'single' ? w.trigger(EventTimeTrigger.create()) : w;
      };
      const tag = `${shape.name} ${plan}`;
      stamped(windows().reduce((a, b) => a + b)).sinkTo(sink(`${tag} reduce`));
      stamped(windows().reduce((a, b) => Math.max(a, b), withWindow)).sinkTo(sink(`${tag} reduce+wf`));
      stamped(windows().aggregate(sumCount)).sinkTo(sink(`${tag} aggregate`));
      stamped(windows().aggregate(sumCount, withWindow)).sinkTo(sink(`${tag} aggregate+wf`));
    }
  }
  return sinks;
}

/** The expected sums per window, with the window's max timestamp. */
function expectedSums(shape: Shape): string[] {
  const assigner = shape.assigner();
  const sums = new Map<number, number>();
  for (const e of EVENTS) {
    for (const w of assigner.assignWindows(e, e.ts, undefined as never)) {
      sums.set(w.maxTimestamp(), (sums.get(w.maxTimestamp()) ?? 0) + e.v);
    }
  }
  return [...sums].sort((a, b) => a[0] - b[0]).map(([t, s]) => `${s} @${t}`);
}

function operatorKinds(env: StreamExecutionEnvironment): Array<{ kind: string; parallelism: number }> {
  return env
    .getJobGraph()
    .vertices.flatMap((v) => v.operators.map((o) => ({ kind: o.kind, parallelism: v.parallelism })));
}

const sorted = (values: string[]) => [...values].sort();

afterEach(() => setExecutionContext(undefined));

describe('windowAll pre-aggregation: the plan', () => {
  it('pre-aggregates at input parallelism > 1, chained to the input, and not at parallelism 1', () => {
    for (const p of [1, 2]) {
      const env = StreamExecutionEnvironment.createLocalEnvironment(p);
      env
        .fromCollection(EVENTS)
        .assignTimestampsAndWatermarks(lagging(0))
        .map((e) => e.v)
        .windowAll(TumblingEventTimeWindows.of(1_000))
        .reduce((a, b) => a + b)
        .print();
      const graph = env.getJobGraph();
      const local = graph.vertices.find((v) =>
        v.operators.some((o) => o.kind === 'window-all-pre-aggregate'),
      );
      // The window operator of the API's choice ('window', 'time-window'...).
      const window = graph.vertices.find((v) => v.operators.some((o) => /(^|-)window$/.test(o.kind)));
      assert.equal(window?.parallelism, 1, 'the window operator is not parallel');
      if (p === 1) {
        assert.equal(local, undefined, 'no local phase at parallelism 1');
      } else {
        assert.equal(local?.parallelism, p);
        assert.deepEqual(
          local?.operators.map((o) => o.kind),
          ['timestamps-watermarks', 'map', 'window-all-pre-aggregate'],
          'chained after the input',
        );
      }
    }
  });

  it('keeps the uids of the window operator and of what follows, so savepoints restore across the two plans', () => {
    const uids = (p: number) => {
      const env = StreamExecutionEnvironment.createLocalEnvironment(p);
      env
        .fromCollection(EVENTS)
        .assignTimestampsAndWatermarks(lagging(0))
        .map((e) => e.v)
        .windowAll(TumblingEventTimeWindows.of(1_000))
        .aggregate(sumCount)
        .map((s) => s.length)
        .print();
      return env
        .getJobGraph()
        .vertices.flatMap((v) => v.operators)
        .filter((o) => o.kind !== 'window-all-pre-aggregate')
        .map((o) => o.uid);
    };
    assert.deepEqual(uids(2), uids(1));
  });

  it('keeps the single-phase plan with a trigger, an evictor, allowed lateness, a late side output, processing time, process(), or an aggregate without merge', () => {
    const cases: Array<[string, (s: DataStream<number>) => { print(): unknown }]> = [
      [
        'trigger',
        (s) =>
          s
            .windowAll(TumblingEventTimeWindows.of(10))
            .trigger(EventTimeTrigger.create())
            .reduce((a, b) => a + b),
      ],
      [
        'evictor',
        (s) =>
          s
            .windowAll(TumblingEventTimeWindows.of(10))
            .evictor(CountEvictor.of(2))
            .reduce((a, b) => a + b),
      ],
      [
        'lateness',
        (s) =>
          s
            .windowAll(TumblingEventTimeWindows.of(10))
            .allowedLateness(5)
            .reduce((a, b) => a + b),
      ],
      [
        'side output',
        (s) =>
          s
            .windowAll(TumblingEventTimeWindows.of(10))
            .sideOutputLateData(new OutputTag<number>('late'))
            .reduce((a, b) => a + b),
      ],
      ['processing time', (s) => s.windowAll(SlidingProcessingTimeWindows.of(10, 5)).reduce((a, b) => a + b)],
      [
        'process',
        (s) =>
          s
            .windowAll(TumblingEventTimeWindows.of(10))
            .process((_c: ProcessWindowContext<TimeWindow>, e: Iterable<number>, out: Collector<number>) =>
              out.collect([...e].length),
            ),
      ],
      [
        'no merge',
        (s) =>
          s.windowAll(TumblingEventTimeWindows.of(10)).aggregate({
            createAccumulator: () => 0,
            add: (v: number, a: number) => a + v,
            getResult: (a: number) => a,
          } as unknown as AggregateFunction<number, number, number>),
      ],
    ];
    for (const [name, build] of cases) {
      const env = StreamExecutionEnvironment.createLocalEnvironment(2);
      build(env.fromCollection([1, 2, 3]).map((n) => n)).print();
      assert.ok(!operatorKinds(env).some((o) => o.kind === 'window-all-pre-aggregate'), name);
    }
    // An explicit allowed lateness of 0 is the default: still pre-aggregated.
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    env
      .fromCollection([1, 2, 3])
      .map((n) => n)
      .windowAll(TumblingEventTimeWindows.of(10))
      .allowedLateness(0)
      .reduce((a, b) => a + b)
      .print();
    assert.ok(operatorKinds(env).some((o) => o.kind === 'window-all-pre-aggregate'));
  });
});

describe('windowAll pre-aggregation: same output as the single-phase plan', () => {
  for (const p of [1, 2, 3]) {
    it(`at parallelism ${p}: tumbling and sliding, reduce and aggregate, with and without a window function`, async () => {
      const env = StreamExecutionEnvironment.createLocalEnvironment(p);
      const sinks = buildAll(env);
      const locals = operatorKinds(env).filter((o) => o.kind === 'window-all-pre-aggregate');
      assert.equal(locals.length, p > 1 ? 8 : 0, 'the auto pipelines pre-aggregate at parallelism > 1');
      await env.execute();
      for (const shape of SHAPES) {
        const auto = (what: string) => sinks.get(`${shape.name} auto ${what}`)!.values;
        const single = (what: string) => sinks.get(`${shape.name} single ${what}`)!.values;
        for (const what of ['reduce', 'reduce+wf', 'aggregate', 'aggregate+wf']) {
          assert.ok(single(what).length > 0, `${shape.name} ${what} has output`);
          assert.deepEqual(sorted(auto(what)), sorted(single(what)), `${shape.name} ${what}`);
        }
        // Values and timestamps (the window's max timestamp), against a sum computed here.
        assert.deepEqual(sorted(auto('reduce')), sorted(expectedSums(shape)), `${shape.name} sums`);
      }
    });
  }
});

describe('windowAll pre-aggregation: late data', () => {
  it('drops an element behind the global watermark as the single-phase plan does, and counts it', async () => {
    const run = async (single: boolean) => {
      const env = StreamExecutionEnvironment.createLocalEnvironment(2);
      const source = new ControlledSource<Event>(2);
      const sink = new CollectSink<string>();
      const punctuated = WatermarkStrategy.forGenerator<Event>(() => ({
        onEvent(_e, ts, out) {
          out.emitWatermark(ts - 1);
        },
        onPeriodicEmit() {},
      })).withTimestampAssigner((e) => e.ts);
      let windows = env
        .fromSource(source, punctuated, 'lanes')
        .map((e) => e.v)
        .windowAll(TumblingEventTimeWindows.of(10_000));
      if (single) windows = windows.trigger(EventTimeTrigger.create());
      stamped(windows.reduce((a, b) => a + b)).sinkTo(sink);
      assert.equal(
        operatorKinds(env).some((o) => o.kind === 'window-all-pre-aggregate'),
        !single,
      );
      const client = await env.executeAsync();
      source.push(0, { v: 1, ts: 1_000 });
      source.push(0, { v: 2, ts: 12_000 });
      source.push(1, { v: 4, ts: 2_000 });
      source.push(1, { v: 8, ts: 15_000 });
      // Both lanes passed 9 999: the window [0, 10 000) fires.
      await waitFor(() => sink.values.length === 1, 'the first window');
      // Behind every watermark: late in both plans (on lane 0, its window was emitted there already).
      source.push(0, { v: 16, ts: 3_000 });
      source.push(1, { v: 32, ts: 9_999 });
      source.push(0, { v: 64, ts: 11_000 });
      source.end();
      const result = await client.getJobExecutionResult();
      return { values: sink.values, dropped: result.getAccumulatorResult<number>('numLateRecordsDropped') };
    };
    const auto = await run(false);
    const single = await run(true);
    assert.deepEqual(single, { values: ['5 @9999', '74 @19999'], dropped: 2 });
    assert.deepEqual(auto, single);
  });
});

describe('windowAll pre-aggregation: the local operator', () => {
  const harness = async (
    contents: 'reduce' | 'aggregate',
    assigner: Record<string, unknown>,
    fn: unknown,
  ) => {
    const h = new OperatorHarness<unknown>({
      kind: 'window-all-pre-aggregate',
      fn,
      config: { contents, assigner },
    });
    await h.open();
    return h;
  };

  it('emits a window’s partial when the watermark reaches its end − 1, before the watermark; an element behind the watermark alone, at once; all at a snapshot and at end of input', async () => {
    const h = await harness(
      'reduce',
      { kind: 'tumbling-event-time', size: 10_000, offset: 0 },
      (a: number, b: number) => a + b,
    );
    h.processElement(1, 1_000);
    h.processElement(2, 2_000);
    h.processElement(4, 12_000);
    h.processWatermark(9_998);
    assert.deepEqual(h.getOutput(), [{ kind: 'watermark', time: 9_998 }]);
    h.clearOutput();
    h.processWatermark(9_999);
    assert.deepEqual(h.getOutput(), [
      { kind: 'record', value: 3, timestamp: 9_999 },
      { kind: 'watermark', time: 9_999 },
    ]);
    h.clearOutput();
    // Behind this subtask's watermark: the global operator decides, on its own watermark.
    h.processElement(8, 5_000);
    assert.deepEqual(h.getOutput(), [{ kind: 'record', value: 8, timestamp: 5_000 }]);
    h.clearOutput();
    await h.operator.snapshotState?.(1);
    assert.deepEqual(h.getOutput(), [{ kind: 'record', value: 4, timestamp: 19_999 }]);
    h.clearOutput();
    h.processElement(16, 15_000);
    h.processElement(32, 25_000);
    await h.endInput();
    assert.deepEqual(h.getOutput(), [
      { kind: 'record', value: 16, timestamp: 19_999 },
      { kind: 'record', value: 32, timestamp: 29_999 },
    ]);
  });

  it('emits every partial before its input turns idle (the global watermark may then pass them)', async () => {
    const h = await harness(
      'reduce',
      { kind: 'tumbling-event-time', size: 10_000, offset: 0 },
      (a: number, b: number) => a + b,
    );
    h.processElement(1, 1_000);
    h.processElement(2, 12_000);
    h.operator.processWatermarkStatus?.(true);
    assert.deepEqual(h.getOutput(), [
      { kind: 'record', value: 1, timestamp: 9_999 },
      { kind: 'record', value: 2, timestamp: 19_999 },
      { kind: 'watermark-status', idle: true },
    ]);
  });

  it('keeps one accumulator per slice of sliding windows (gcd of size and slide), with the offset', async () => {
    const count: AggregateFunction<string, number, number> = {
      createAccumulator: () => 0,
      add: (_v, acc) => acc + 1,
      getResult: (acc) => acc,
      merge: (a, b) => a + b,
    };
    // Windows of 10 every 4, offset 1: slices of 2 starting at odd times.
    const h = await harness(
      'aggregate',
      { kind: 'sliding-event-time', size: 10, slide: 4, offset: 1 },
      count,
    );
    for (const ts of [1, 2, 3, 3, 4, 8]) h.processElement('x', ts);
    h.processWatermark(4);
    assert.deepEqual(h.extractOutputValues(), [2, 3]);
    assert.deepEqual(
      h.getOutput().flatMap((o) => (o.kind === 'record' ? [o.timestamp] : [])),
      [2, 4],
    );
    h.clearOutput();
    await h.endInput();
    assert.deepEqual(h.getOutput(), [{ kind: 'record', value: 1, timestamp: 8 }]);
  });
});

describe('windowAll pre-aggregation: savepoints at one parallelism, restored at another', () => {
  const COUNT = 24_000;
  /** Each tumbling window of 1 000 ms: the sum of the indices in it (timestamp = index). */
  const expected = Array.from({ length: COUNT / 1_000 }, (_, w) => {
    let sum = 0;
    for (let i = w * 1_000; i < (w + 1) * 1_000; i++) sum += i;
    return `${sum} @${w * 1_000 + 999}`;
  });
  const written: string[] = [];

  /** Appends to `written` (module state: the sink instance is copied per subtask). */
  class ListSink implements Sink<string> {
    invoke(line: string): void {
      written.push(line);
    }
  }

  function build(p: number, rate: number): StreamExecutionEnvironment {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(p);
    env.enableCheckpointing(50);
    stamped(
      env
        .fromSource(
          new DataGeneratorSource((i) => i, COUNT, { rateLimit: rate, timestamp: (_v, i) => i }),
          WatermarkStrategy.forMonotonousTimestamps<number>(),
          'numbers',
        )
        .uid('numbers')
        .windowAll(TumblingEventTimeWindows.of(1_000))
        // No uid: the window's derived uid is the same in both plans.
        .reduce((a, b) => a + b),
    )
      .sinkTo(new ListSink())
      .uid('sink');
    return env;
  }

  let dir = '';
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const [from, to] of [
    [2, 3],
    [1, 2],
    [3, 1],
  ]) {
    it(`stopped with a savepoint at parallelism ${from}, resumed at ${to}: every window once, with its full sum`, async () => {
      dir = mkdtempSync(join(tmpdir(), 'weir-window-all-'));
      written.length = 0;
      const client = await build(from, 30_000).executeAsync('first');
      await waitFor(() => written.length >= 2, 'two windows');
      const savepoint = await client.stopWithSavepoint!(join(dir, 'savepoints'));
      await client.getJobExecutionResult();
      const before = written.length;
      assert.ok(before < expected.length, `stopped before the end (${before} windows)`);
      setExecutionContext({ restore: { path: savepoint, kind: 'savepoint', allowNonRestoredState: false } });
      await (await build(to, 1_000_000).executeAsync('restored')).getJobExecutionResult();
      assert.deepEqual(sorted(written), sorted(expected));
    });
  }
});
