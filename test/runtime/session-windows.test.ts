/**
 * Session windows: the session window operator (picked for a session assigner with its default
 * trigger and no evictor) must emit what the general window operator emits with its merging window
 * set (forced by an explicit trigger equal to the default). Equivalence runs compare, per key, the
 * records in order with their timestamps, the late side output, the ProcessWindowFunction's side
 * output and clear() calls, and the late-record counter; rule tests pin Flink's documented
 * behaviour on both operators; a job test restores sessions open across a failure.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  type AggregateFunction,
  type Collector,
  ContinuousEventTimeTrigger,
  DataGeneratorSource,
  type DataStream,
  EventTimeSessionWindows,
  EventTimeTrigger,
  OutputTag,
  ProcessingTimeSessionWindows,
  ProcessingTimeTrigger,
  type ProcessWindowContext,
  ProcessWindowFunction,
  RestartStrategies,
  StreamExecutionEnvironment,
  type TimeWindow,
  ValueStateDescriptor,
  WatermarkStrategy,
} from 'weir';
import { CollectSink, type OperatorHarness, windowHarness } from 'weir/testing';
import { SessionWindowOperator } from '../../src/runtime/operators/session-window-operator.ts';
import { WindowOperator } from '../../src/runtime/operators/window-operator.ts';
import { FaultAfterCheckpointSource } from '../faults/support.ts';

interface Ev {
  k: string;
  v: number;
  /** Gap of the dynamic-gap assigner. */
  gap: number;
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

/** Elements of a few keys, mostly in order, some late (within and beyond the lateness), bridging gaps. */
function randomSteps(seed: number, gap: number, n = 400): Step[] {
  const rnd = random(seed);
  const keys = ['a', 'b', 'c'];
  const steps: Step[] = [];
  let now = 0;
  let watermark = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    now += Math.floor(rnd() * gap * 0.8);
    const r = rnd();
    const back = r < 0.7 ? rnd() * gap : r < 0.9 ? rnd() * 3 * gap : rnd() * 8 * gap;
    const k = keys[Math.floor(rnd() * keys.length)];
    const e = { k, v: 1 + Math.floor(rnd() * 100), gap: 1 + Math.floor(rnd() * 2 * gap) };
    steps.push({ kind: 'element', e, ts: now - Math.floor(back) });
    if (rnd() < 0.25) {
      const w = now - Math.floor(rnd() * 2 * gap);
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

const sumReduce = (a: Ev, b: Ev): Ev => ({ k: a.k, v: a.v + b.v, gap: 0 });

interface Acc {
  k: string;
  sum: number;
  n: number;
}

/** Adds and merges in place, as accumulators commonly do. */
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
function describeWindows<IN>(cleared: string[], show: (x: IN) => string) {
  return new (class extends ProcessWindowFunction<IN, string, string, TimeWindow> {
    process(key: string, ctx: ProcessWindowContext<TimeWindow>, items: Iterable<IN>, out: Collector<string>) {
      const w = ctx.window();
      const fires = ctx.windowState().getState(new ValueStateDescriptor<number>('fires', 0));
      fires.update(fires.value() + 1);
      const total = ctx.globalState().getState(new ValueStateDescriptor<number>('total', 0));
      total.update(total.value() + 1);
      const shown = [...items].map(show).join(',');
      out.collect(
        `${key} [${w.getStart()},${w.getEnd()}) ${shown} fire ${fires.value()} of ${total.value()}`,
      );
      ctx.output(firedTag, `${key} ${w.getEnd()}`);
    }
    override clear(ctx: ProcessWindowContext<TimeWindow>): void {
      const fires = ctx.windowState().getState(new ValueStateDescriptor<number>('fires', 0)).value();
      cleared.push(`[${ctx.window().getStart()},${ctx.window().getEnd()}) after ${fires}`);
    }
  })();
}

type Fn = 'reduce' | 'aggregate' | 'aggregate+process' | 'process';

interface Options {
  gap: number;
  dynamic?: boolean;
  processingTime?: boolean;
  lateness: number;
}

function pipeline(fn: Fn, o: Options, forceGeneral: boolean, cleared: string[]) {
  return (input: DataStream<Ev>): DataStream<unknown> => {
    const assigner = o.processingTime
      ? o.dynamic
        ? ProcessingTimeSessionWindows.withDynamicGap((e: Ev) => e.gap)
        : ProcessingTimeSessionWindows.withGap(o.gap)
      : o.dynamic
        ? EventTimeSessionWindows.withDynamicGap((e: Ev) => e.gap)
        : EventTimeSessionWindows.withGap(o.gap);
    let w = input.keyBy((e) => e.k).window(assigner);
    if (forceGeneral)
      w = o.processingTime ? w.trigger(ProcessingTimeTrigger.create()) : w.trigger(EventTimeTrigger.create());
    if (!o.processingTime) w = w.allowedLateness(o.lateness);
    w = w.sideOutputLateData(lateTag);
    switch (fn) {
      case 'reduce':
        return w.reduce(sumReduce) as DataStream<unknown>;
      case 'aggregate':
        return w.aggregate(sumAggregate) as DataStream<unknown>;
      case 'aggregate+process':
        return w.aggregate(sumAggregate, describeWindows(cleared, String)) as DataStream<unknown>;
      case 'process':
        return w.process(describeWindows<Ev>(cleared, (e) => String(e.v))) as DataStream<unknown>;
    }
  };
}

function text(value: unknown): string {
  return typeof value === 'object' && value !== null
    ? `${(value as Ev).k}:${(value as Ev).v}`
    : String(value);
}

interface Run {
  byKey: Map<string, string[]>;
  late: string[];
  fired: string[];
  cleared: string[];
  lateDropped: number;
  timers: number;
  operator: unknown;
}

async function run(steps: Step[], fn: Fn, o: Options, forceGeneral: boolean): Promise<Run> {
  const cleared: string[] = [];
  const h: OperatorHarness<unknown> = await windowHarness<Ev, unknown>(
    pipeline(fn, o, forceGeneral, cleared),
  );
  let clock = 0;
  let timers = 0;
  for (const step of steps) {
    if (step.kind === 'element') {
      if (o.processingTime) {
        // The clock moves with the element times; firing happens on the clock.
        if (step.ts > clock) h.setProcessingTime((clock = step.ts));
        h.processElement(step.e);
      } else h.processElement(step.e, step.ts);
    } else if (!o.processingTime) h.processWatermark(step.time);
    timers = Math.max(timers, h.numEventTimeTimers() + h.numProcessingTimeTimers());
  }
  if (o.processingTime) h.setProcessingTime(clock + 100 * o.gap);
  const byKey = new Map<string, string[]>();
  for (const out of h.getOutput()) {
    if (out.kind !== 'record') continue;
    const t = text(out.value);
    const key = t.split(/[: ]/)[0];
    let list = byKey.get(key);
    if (!list) byKey.set(key, (list = []));
    list.push(`${t} @${out.timestamp}`);
  }
  const op = h.operator as unknown as { lateRecordsDropped(): number };
  return {
    byKey,
    late: h.getSideOutput(lateTag).map(text),
    fired: h.getSideOutput(firedTag).sort(),
    cleared: cleared.sort(),
    lateDropped: op.lateRecordsDropped(),
    timers,
    operator: h.operator,
  };
}

async function assertSame(steps: Step[], fn: Fn, o: Options, label: string): Promise<void> {
  const fast = await run(steps, fn, o, false);
  const general = await run(steps, fn, o, true);
  assert.ok(fast.operator instanceof SessionWindowOperator, `${label}: the session operator is picked`);
  assert.ok(general.operator instanceof WindowOperator, `${label}: the general operator is forced`);
  assert.ok(
    [...general.byKey.values()].some((l) => l.length > 0),
    `${label}: something fired`,
  );
  assert.deepEqual(fast.byKey, general.byKey, `${label}: records per key`);
  assert.deepEqual(fast.late, general.late, `${label}: late side output`);
  assert.deepEqual(fast.fired, general.fired, `${label}: window function side output`);
  assert.deepEqual(fast.cleared, general.cleared, `${label}: clear() calls`);
  assert.equal(fast.lateDropped, general.lateDropped, `${label}: numLateRecordsDropped`);
}

describe('session windows: the session operator emits what the general operator emits', () => {
  const fns: Fn[] = ['reduce', 'aggregate', 'aggregate+process', 'process'];
  for (const lateness of [0, 25]) {
    it(`event time, fixed gap, allowed lateness ${lateness}`, async () => {
      for (let seed = 1; seed <= 6; seed++) {
        const o = { gap: 10, lateness };
        const steps = randomSteps(seed, o.gap);
        for (const fn of fns) await assertSame(steps, fn, o, `seed ${seed} ${fn}`);
      }
    });
  }
  it('event time, dynamic gap, allowed lateness 15', async () => {
    for (let seed = 11; seed <= 14; seed++) {
      const o = { gap: 10, lateness: 15, dynamic: true };
      const steps = randomSteps(seed, o.gap);
      for (const fn of fns) await assertSame(steps, fn, o, `seed ${seed} ${fn}`);
    }
  });
  it('processing time, fixed and dynamic gaps', async () => {
    for (let seed = 21; seed <= 24; seed++) {
      for (const dynamic of [false, true]) {
        const o = { gap: 10, lateness: 0, processingTime: true, dynamic };
        // In processing time elements arrive in clock order.
        const steps = randomSteps(seed, o.gap).filter((s) => s.kind === 'element');
        for (const fn of fns) await assertSame(steps, fn, o, `seed ${seed} dynamic ${dynamic} ${fn}`);
      }
    }
  });
});

describe('session windows: Flink rules, on both operators', () => {
  const el = (k: string, v: number): Ev => ({ k, v, gap: 0 });
  for (const forceGeneral of [false, true]) {
    const name = forceGeneral ? 'general operator' : 'session operator';
    const harness = (lateness: number) =>
      windowHarness<Ev, unknown>(pipeline('reduce', { gap: 10, lateness }, forceGeneral, []));

    it(`${name}: an element bridging three sessions merges them into one, fired once at its end − 1`, async () => {
      const h = await harness(0);
      h.processElement(el('a', 1), 0); // [0, 10)
      h.processElement(el('a', 2), 15); // [15, 25)
      h.processElement(el('a', 4), 30); // [30, 40)
      h.processElement(el('a', 8), 9); // [9, 19) bridges the first two ...
      h.processElement(el('a', 16), 24); // ... and [24, 34) the rest
      h.processWatermark(38);
      assert.deepEqual(h.extractOutputValues(), []);
      h.processWatermark(39);
      assert.deepEqual(
        h.getOutput().filter((o) => o.kind === 'record'),
        [{ kind: 'record', value: { k: 'a', v: 31, gap: 0 }, timestamp: 39 }],
      );
      assert.equal(h.numEventTimeTimers(), 0, 'the merged sessions left no timer behind');
    });

    it(`${name}: a late element that joins a session still kept extends it; alone it is late`, async () => {
      const h = await harness(20);
      h.processElement(el('a', 1), 0); // [0, 10)
      h.processWatermark(12); // fires [0, 10), kept until 9 + 20
      assert.deepEqual(h.extractOutputValues(), [{ k: 'a', v: 1, gap: 0 }]);
      h.processElement(el('a', 2), 1); // [1, 11) joins: [0, 11) fires again at once
      h.processElement(el('a', 4), 8); // [8, 18) extends it past the watermark: fires at 17
      assert.deepEqual(h.extractOutputValues().length, 2);
      h.processWatermark(17);
      assert.deepEqual(h.extractOutputValues().slice(2), [{ k: 'a', v: 7, gap: 0 }]);
      h.processWatermark(40);
      h.processElement(el('a', 100), 1); // [1, 11): its session is gone, and 1 + 20 <= 40
      assert.deepEqual(h.getSideOutput(lateTag), [el('a', 100)]);
      assert.equal(h.numEventTimeTimers(), 0);
    });

    it(`${name}: within the allowed lateness each late element fires the session again`, async () => {
      const h = await harness(100);
      h.processElement(el('a', 1), 0);
      h.processWatermark(50);
      h.processElement(el('a', 2), 3);
      h.processElement(el('a', 4), 1);
      assert.deepEqual(
        h.getOutput().filter((o) => o.kind === 'record'),
        [
          { kind: 'record', value: { k: 'a', v: 1, gap: 0 }, timestamp: 9 },
          { kind: 'record', value: { k: 'a', v: 3, gap: 0 }, timestamp: 12 },
          { kind: 'record', value: { k: 'a', v: 7, gap: 0 }, timestamp: 12 },
        ],
      );
      h.processWatermark(112); // clean-up at 12 + 100
      h.processElement(el('a', 8), 2);
      assert.deepEqual(h.getSideOutput(lateTag), [el('a', 8)]);
    });
  }

  it('a window inside a kept session merges with nothing: the trigger sees no onMerge (Flink)', async () => {
    // ContinuousEventTimeTrigger.onMerge re-registers its pending fire time: called for a window
    // that changes nothing, it would fire the fired session once more.
    const h = await windowHarness<Ev, Ev>((s) =>
      s
        .keyBy((e) => e.k)
        .window(EventTimeSessionWindows.withGap(10))
        .trigger(ContinuousEventTimeTrigger.of(7))
        .allowedLateness(20)
        .reduce(sumReduce),
    );
    h.processElement(el('a', 1), 0); // [0, 10): fires at 7 and at 9
    h.processWatermark(12);
    h.processElement(el('a', 1), 0); // [0, 10) again, late but kept: fires at once
    h.processWatermark(13);
    assert.deepEqual(
      h.extractOutputValues().map((e) => e.v),
      [1, 1, 2],
    );
  });

  it('the session operator extends a session without touching its timer', async () => {
    const h = await windowHarness<Ev, unknown>(pipeline('reduce', { gap: 10, lateness: 0 }, false, []));
    for (let t = 0; t < 100; t += 3) h.processElement(el('a', 1), t);
    assert.equal(h.numEventTimeTimers(), 1);
    h.processWatermark(105);
    assert.deepEqual(h.extractOutputValues(), []);
    h.processWatermark(108); // the session [0, 109) is due at 108
    assert.deepEqual(
      h.getOutput().filter((o) => o.kind === 'record'),
      [{ kind: 'record', value: { k: 'a', v: 34, gap: 0 }, timestamp: 108 }],
    );
    assert.equal(h.numEventTimeTimers(), 0);
  });
});

describe('session windows across a failure', () => {
  for (const backend of ['heap', 'lmdb'] as const) {
    it(`sessions open at the checkpoint are restored (${backend} backend)`, async () => {
      const faultDir = mkdtempSync(join(tmpdir(), 'weir-sessions-'));
      try {
        const env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.enableCheckpointing(40);
        env.setRestartStrategy(RestartStrategies.fixedDelayRestart(3, 10));
        if (backend === 'lmdb') env.setStateBackend('lmdb');
        const sink = new CollectSink<string>();
        const items = 3_000;
        // Item i at time i * 10 for key i % 3; every 100th item leaves a gap that ends the sessions.
        const time = (i: number) => i * 10 + Math.floor(i / 100) * 1_000;
        env
          .fromSource(
            new FaultAfterCheckpointSource(
              new DataGeneratorSource((i) => i, items, { rateLimit: 6_000 }),
              [1_550],
              faultDir,
            ),
            WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((i) => time(i)),
            'items',
          )
          .keyBy((i) => i % 3)
          .window(EventTimeSessionWindows.withGap(500))
          .aggregate(
            {
              createAccumulator: () => 0,
              add: (_i: number, n: number) => n + 1,
              getResult: (n: number) => n,
              merge: (a: number, b: number) => a + b,
            },
            (
              key: number,
              ctx: ProcessWindowContext<TimeWindow>,
              counts: Iterable<number>,
              out: Collector<string>,
            ) => {
              for (const n of counts) out.collect(`${key} ${ctx.window().getStart()} ${n}`);
            },
          )
          .sinkTo(sink);
        const client = await env.executeAsync('sessions across a failure');
        await client.getJobExecutionResult();
        assert.equal(client.getCheckpointStatistics!().restarts, 1, 'one failure, one restore');
        // Sessions emitted before the failure may be emitted again after the restore; none differs.
        const expected: string[] = [];
        for (let block = 0; block < items / 100; block++)
          for (let k = 0; k < 3; k++) {
            const first = block * 100 + ((k - ((block * 100) % 3) + 3) % 3);
            let n = 0;
            for (let i = first; i < block * 100 + 100; i += 3) n++;
            expected.push(`${k} ${time(first)} ${n}`);
          }
        assert.deepEqual([...new Set(sink.values)].sort(), expected.sort());
      } finally {
        rmSync(faultDir, { recursive: true, force: true });
      }
    });
  }
});
