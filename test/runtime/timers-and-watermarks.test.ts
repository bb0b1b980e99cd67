import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Collector,
  DataGeneratorSource,
  Duration,
  type JobClient,
  type KeyedProcessContext,
  KeyedProcessFunction,
  MAX_WATERMARK,
  type OnTimerContext,
  StreamExecutionEnvironment,
  type TimeDomain,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from 'weir';
import { CollectSink, ManualClock } from 'weir/testing';
import { ControlledSource, groupBy, waitFor } from './helpers.ts';

interface Ev {
  key: string;
  ts: number;
  /** Event-time timers to register (default: the record's own timestamp). */
  timers?: number[];
  /** Timers to delete after registering. */
  deletes?: number[];
  /** A probe only reports what processElement sees. */
  probe?: boolean;
}

type Out =
  | { type: 'seen'; key: string; ts: number | undefined }
  | { type: 'probe'; key: string; watermark: number }
  | {
      type: 'fired';
      key: string;
      time: number;
      timestamp: number | undefined;
      domain: TimeDomain;
      watermark: number;
    };

/** Registers (and deletes) event-time timers as each record says; reports timers and probes. */
class EventTimers extends KeyedProcessFunction<string, Ev, Out> {
  processElement(e: Ev, ctx: KeyedProcessContext<string>, out: Collector<Out>): void {
    const timers = ctx.timerService();
    if (e.probe) {
      out.collect({ type: 'probe', key: ctx.getCurrentKey(), watermark: timers.currentWatermark() });
      return;
    }
    for (const t of e.timers ?? [e.ts]) timers.registerEventTimeTimer(t);
    for (const t of e.deletes ?? []) timers.deleteEventTimeTimer(t);
    out.collect({ type: 'seen', key: ctx.getCurrentKey(), ts: ctx.timestamp() });
  }

  override onTimer(time: number, ctx: OnTimerContext<string>, out: Collector<Out>): void {
    out.collect({
      type: 'fired',
      key: ctx.getCurrentKey(),
      time,
      timestamp: ctx.timestamp(),
      domain: ctx.timeDomain(),
      watermark: ctx.timerService().currentWatermark(),
    });
  }
}

const fired = <O extends Out>(values: O[]) =>
  values.filter((o): o is Extract<O, { type: 'fired' }> => o.type === 'fired');
const seen = (values: Out[]) => values.filter((o) => o.type === 'seen');
const probes = (values: Out[]) =>
  values.filter((o): o is Extract<Out, { type: 'probe' }> => o.type === 'probe');

/** Runs `body` with the job started; cancels the job if the body fails, so no test leaves it running. */
async function withJob(env: StreamExecutionEnvironment, body: (client: JobClient) => Promise<void>) {
  const client = await env.executeAsync();
  try {
    await body(client);
  } finally {
    await client.cancel();
  }
}

describe('event-time timers in a job', () => {
  it('fire in timestamp order per key when the watermark passes them, with the timer time as timestamp', async () => {
    const clock = new ManualClock(0);
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    env.getConfig().setClock(clock).setAutoWatermarkInterval(50);
    const source = new ControlledSource<Ev>(1);
    const sink = new CollectSink<Out & { outputTimestamp: number | undefined }>();
    env
      .fromSource(source, WatermarkStrategy.noWatermarks(), 'events')
      .assignTimestampsAndWatermarks(
        WatermarkStrategy.forBoundedOutOfOrderness<Ev>(Duration.ofMillis(100)).withTimestampAssigner(
          (e) => e.ts,
        ),
      )
      .keyBy((e) => e.key)
      .process(new EventTimers())
      // What the timer's output carries as its timestamp downstream.
      .process<Out & { outputTimestamp: number | undefined }>((o, ctx, out) =>
        out.collect({ ...o, outputTimestamp: ctx.timestamp() }),
      )
      .sinkTo(sink);

    await withJob(env, async (client) => {
      for (const [key, ts] of [
        ['a', 1000],
        ['b', 1200],
        ['a', 900],
        ['a', 1100],
        ['b', 950],
      ] as const) {
        source.push(0, { key, ts });
      }
      await waitFor(() => seen(sink.values).length === 5, 'five records');
      assert.deepEqual(fired(sink.values), [], 'no watermark yet, no timer');
      assert.deepEqual(
        seen(sink.values).map((o) => o.type === 'seen' && o.ts),
        [1000, 1200, 900, 1100, 950],
        'processElement sees the assigned timestamp',
      );

      // Periodic watermark: max timestamp 1200 - 100 - 1 = 1099.
      clock.advanceTo(50);
      await waitFor(() => fired(sink.values).length >= 3, 'timers up to 1099');
      source.push(0, { key: 'a', ts: 0, probe: true });
      await waitFor(() => probes(sink.values).length === 1, 'the probe');
      assert.equal(probes(sink.values)[0].watermark, 1099);
      assert.deepEqual(
        fired(sink.values).map((f) => [f.key, f.time]),
        [
          ['a', 900],
          ['b', 950],
          ['a', 1000],
        ],
      );

      source.push(0, { key: 'c', ts: 1400 });
      await waitFor(() => seen(sink.values).length === 6, 'the sixth record');
      clock.advanceTo(100); // watermark 1400 - 101 = 1299
      await waitFor(() => fired(sink.values).length >= 5, 'timers up to 1299');

      source.end();
      await client.getJobExecutionResult();
    });

    const all = fired(sink.values);
    assert.deepEqual(
      all.map((f) => [f.key, f.time]),
      [
        ['a', 900],
        ['b', 950],
        ['a', 1000],
        ['a', 1100],
        ['b', 1200],
        ['c', 1400],
      ],
    );
    for (const f of all) {
      assert.equal(f.timestamp, f.time, 'ctx.timestamp() in onTimer is the timer time');
      assert.equal(f.outputTimestamp, f.time, 'records emitted by onTimer carry the timer time');
      assert.equal(f.domain, 'EVENT_TIME');
      assert.ok(f.watermark >= f.time, 'a timer fires once the watermark reached it');
    }
    assert.equal(all[0].watermark, 1099);
    assert.equal(all[3].watermark, 1299);
    assert.equal(all[5].watermark, MAX_WATERMARK, 'the end of input fires the rest with the final watermark');
  });

  it('fire once per key and time however often registered, never when deleted, all at the end of input', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    // No periodic watermarks: everything fires with the final watermark.
    env.getConfig().setAutoWatermarkInterval(0);
    const events: Ev[] = [];
    for (let i = 0; i < 60; i++) {
      const key = `k${i % 4}`;
      const ts = 1_000 + ((i * 37) % 50) * 10;
      events.push({
        key,
        ts,
        // The own timestamp twice, a shared end-of-day timer, and one that is deleted at once.
        timers: [ts, ts, 100_000, ts + 1],
        deletes: [ts + 1],
      });
    }
    const sink = new CollectSink<Out>();
    env
      .fromCollection(events)
      .assignTimestampsAndWatermarks(
        WatermarkStrategy.forBoundedOutOfOrderness<Ev>(Duration.ofSeconds(1)).withTimestampAssigner(
          (e) => e.ts,
        ),
      )
      .keyBy((e) => e.key)
      .process(new EventTimers())
      .sinkTo(sink);
    await env.execute('timer registrations');

    const expected = new Map<string, number[]>();
    for (const e of events) {
      const times = new Set(expected.get(e.key) ?? []);
      times.add(e.ts);
      times.add(100_000);
      expected.set(e.key, [...times]);
    }
    const got = groupBy(fired(sink.values), (f) => f.key);
    assert.deepEqual([...got.keys()].sort(), [...expected.keys()].sort());
    for (const [key, times] of expected) {
      assert.deepEqual(
        got.get(key)!.map((f) => f.time),
        times.sort((a, b) => a - b),
        `timers of ${key}`,
      );
      for (const f of got.get(key)!) {
        assert.equal(f.timestamp, f.time);
        assert.equal(f.watermark, MAX_WATERMARK);
      }
    }
  });

  it('a deleted timer does not fire even when the watermark passes it', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    env.getConfig().setAutoWatermarkInterval(0);
    const sink = new CollectSink<Out>();
    env
      .fromElements<Ev>(
        { key: 'a', ts: 10, timers: [50, 60, 70] },
        { key: 'a', ts: 20, timers: [], deletes: [60] },
        { key: 'b', ts: 30, timers: [60], deletes: [70] }, // deleting another key's timer does nothing
      )
      .assignTimestampsAndWatermarks(
        WatermarkStrategy.forMonotonousTimestamps<Ev>().withTimestampAssigner((e) => e.ts),
      )
      .keyBy((e) => e.key)
      .process(new EventTimers())
      .sinkTo(sink);
    await env.execute();
    assert.deepEqual(
      fired(sink.values).map((f) => [f.key, f.time]),
      [
        ['a', 50],
        ['b', 60],
        ['a', 70],
      ],
    );
  });

  it('fromSource with a watermark strategy fires every remaining timer at the end of a bounded input', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    const N = 200;
    const event = (i: number): Ev => ({ key: `u${i % 5}`, ts: 1_000_000 + i * 10 });
    const sink = new CollectSink<Out>();
    env
      .fromSource(
        new DataGeneratorSource(event, N),
        WatermarkStrategy.forBoundedOutOfOrderness<Ev>(Duration.ofSeconds(1)).withTimestampAssigner(
          (e) => e.ts,
        ),
        'generated events',
      )
      .keyBy((e) => e.key)
      .process<Out>({
        processElement(e, ctx, out) {
          // Far beyond any periodic watermark of this input.
          ctx.timerService().registerEventTimeTimer(e.ts + Duration.ofHours(1));
          out.collect({ type: 'seen', key: e.key, ts: ctx.timestamp() });
        },
        onTimer(time, ctx, out) {
          out.collect({
            type: 'fired',
            key: ctx.getCurrentKey(),
            time,
            timestamp: ctx.timestamp(),
            domain: ctx.timeDomain(),
            watermark: ctx.timerService().currentWatermark(),
          });
        },
      })
      .sinkTo(sink);
    await env.execute('final watermark');

    assert.equal(seen(sink.values).length, N);
    const got = groupBy(fired(sink.values), (f) => f.key);
    const expected = groupBy(
      Array.from({ length: N }, (_, i) => event(i)),
      (e) => e.key,
    );
    assert.equal(got.size, 5);
    for (const [key, list] of expected) {
      assert.deepEqual(
        got.get(key)!.map((f) => f.time),
        list.map((e) => e.ts + Duration.ofHours(1)).sort((a, b) => a - b),
        `timers of ${key} fire once each, in time order`,
      );
      for (const f of got.get(key)!) {
        assert.equal(f.domain, 'EVENT_TIME');
        assert.equal(f.timestamp, f.time);
        assert.equal(f.watermark, MAX_WATERMARK);
      }
    }
  });
});

describe('watermarks seen by processElement', () => {
  const variants = [
    {
      name: 'assignTimestampsAndWatermarks',
      build: (env: StreamExecutionEnvironment, source: ControlledSource<Ev>) =>
        env
          .fromSource(source, WatermarkStrategy.noWatermarks(), 'events')
          .assignTimestampsAndWatermarks(
            WatermarkStrategy.forBoundedOutOfOrderness<Ev>(Duration.ofMillis(500)).withTimestampAssigner(
              (e) => e.ts,
            ),
          ),
    },
    {
      name: 'fromSource(source, strategy, name)',
      build: (env: StreamExecutionEnvironment, source: ControlledSource<Ev>) =>
        env.fromSource(
          source,
          WatermarkStrategy.forBoundedOutOfOrderness<Ev>(Duration.ofMillis(500)).withTimestampAssigner(
            (e) => e.ts,
          ),
          'events',
        ),
    },
  ];
  for (const variant of variants) {
    it(`follow max timestamp - bound - 1 once a periodic watermark was emitted (${variant.name})`, async () => {
      const clock = new ManualClock(1_000);
      const env = StreamExecutionEnvironment.createLocalEnvironment(1);
      env.getConfig().setClock(clock).setAutoWatermarkInterval(100);
      const source = new ControlledSource<Ev>(1);
      const sink = new CollectSink<Out>();
      variant
        .build(env, source)
        .keyBy((e) => e.key)
        .process(new EventTimers())
        .sinkTo(sink);

      const probe = async () => {
        const before = probes(sink.values).length;
        source.push(0, { key: 'p', ts: 0, probe: true });
        await waitFor(() => probes(sink.values).length === before + 1, 'a probe');
        return probes(sink.values)[before].watermark;
      };
      await withJob(env, async (client) => {
        const initial = await probe();
        assert.ok(initial <= Number.MIN_SAFE_INTEGER, `no watermark yet, got ${initial}`);

        for (const ts of [10_000, 12_000, 11_000]) source.push(0, { key: 'a', ts, timers: [] });
        assert.ok((await probe()) <= Number.MIN_SAFE_INTEGER, 'records alone emit no periodic watermark');
        clock.advanceTo(1_100);
        assert.equal(await probe(), 12_000 - 500 - 1);

        source.push(0, { key: 'a', ts: 20_000, timers: [] });
        assert.equal(await probe(), 11_499, 'unchanged until the next periodic emit');
        clock.advanceTo(1_200);
        assert.equal(await probe(), 19_499);

        source.push(0, { key: 'a', ts: 15_000, timers: [] }); // out of order: no step back
        clock.advanceTo(1_300);
        assert.equal(await probe(), 19_499);

        source.end();
        await client.getJobExecutionResult();
      });
    });
  }
});

describe('processing-time timers in a job', () => {
  /** On the first record of each key: timers at now + 100 + 10 * key and now + 300; key 2 also 500, deleted. */
  class ProcessingTimers extends KeyedProcessFunction<number, number, string> {
    private registered!: ValueState<boolean>;
    override open(): void {
      this.registered = this.getRuntimeContext().getState(new ValueStateDescriptor<boolean>('registered'));
    }
    processElement(_n: number, ctx: KeyedProcessContext<number>, out: Collector<string>): void {
      if (this.registered.value()) return;
      this.registered.update(true);
      const key = ctx.getCurrentKey();
      const timers = ctx.timerService();
      const now = timers.currentProcessingTime();
      timers.registerProcessingTimeTimer(now + 100 + 10 * key);
      timers.registerProcessingTimeTimer(now + 300);
      timers.registerProcessingTimeTimer(now + 300);
      if (key === 2) {
        timers.registerProcessingTimeTimer(now + 500);
        timers.deleteProcessingTimeTimer(now + 500);
      }
      out.collect(`registered ${key} at ${now}`);
    }
    override onTimer(time: number, ctx: OnTimerContext<number>, out: Collector<string>): void {
      const now = ctx.timerService().currentProcessingTime();
      assert.ok(now >= time, `fired at ${now}, before its time ${time}`);
      out.collect(`fired ${ctx.getCurrentKey()} ${time} ${ctx.timeDomain()} ts=${ctx.timestamp()}`);
    }
  }

  for (const parallelism of [1, 2]) {
    it(`fire when the ManualClock reaches them while an unbounded source runs (parallelism ${parallelism})`, async () => {
      const clock = new ManualClock(0);
      const env = StreamExecutionEnvironment.createLocalEnvironment(parallelism);
      env.getConfig().setClock(clock);
      const sink = new CollectSink<string>();
      env
        .fromSource(
          new DataGeneratorSource((i) => i, Number.POSITIVE_INFINITY),
          WatermarkStrategy.noWatermarks(),
          'endless',
        )
        .keyBy((i) => i % 3)
        .process(new ProcessingTimers())
        .sinkTo(sink);

      const timersFired = () => sink.values.filter((v) => v.startsWith('fired'));
      await withJob(env, async (client) => {
        await waitFor(() => sink.values.length === 3, 'three keys registering timers');
        assert.deepEqual([...sink.values].sort(), [
          'registered 0 at 0',
          'registered 1 at 0',
          'registered 2 at 0',
        ]);
        // Due timers run synchronously inside advanceTo (they enqueue the firing): if none of the
        // clock's callbacks ran, nothing was due at 99. The timer at 100 then fires first (below),
        // and onTimer asserts that no timer fires before its time.
        const scheduled = clock.pending();
        assert.ok(scheduled > 0, 'the timers are on the clock');
        clock.advanceTo(99);
        assert.equal(clock.pending(), scheduled, 'nothing is due at 99');
        assert.deepEqual(timersFired(), []);
        clock.advanceTo(105);
        await waitFor(() => timersFired().length >= 1, 'the timer at 100');
        clock.advanceTo(125);
        await waitFor(() => timersFired().length >= 3, 'the timers at 110 and 120');
        clock.advanceTo(1_000);
        await waitFor(() => timersFired().length >= 6, 'the timers at 300');
        assert.equal(client.getJobStatus(), 'running');
      });

      const got = timersFired();
      assert.equal(got[0], 'fired 0 100 PROCESSING_TIME ts=undefined');
      assert.deepEqual(got.slice(0, 3).sort(), [
        'fired 0 100 PROCESSING_TIME ts=undefined',
        'fired 1 110 PROCESSING_TIME ts=undefined',
        'fired 2 120 PROCESSING_TIME ts=undefined',
      ]);
      assert.deepEqual(got.slice(3).sort(), [
        'fired 0 300 PROCESSING_TIME ts=undefined',
        'fired 1 300 PROCESSING_TIME ts=undefined',
        'fired 2 300 PROCESSING_TIME ts=undefined',
      ]);
      assert.equal(
        got.length,
        6,
        'the timer at 500 was deleted, and the one at 300 registered twice fires once',
      );
      assert.equal(clock.pending(), 0, 'a cancelled job leaves no timer on the clock');
    });
  }

  it('executeAndCollect({ iterator: true }) streams timer output and stops the job on break', async () => {
    const clock = new ManualClock(5_000);
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    env.getConfig().setClock(clock);
    const iterator = env
      .fromSource(
        new DataGeneratorSource((i) => i, Number.POSITIVE_INFINITY),
        WatermarkStrategy.noWatermarks(),
        'endless',
      )
      .keyBy((i) => i % 3)
      .process(new ProcessingTimers())
      .executeAndCollect({ iterator: true });
    const got: string[] = [];
    for await (const line of iterator) {
      got.push(line);
      if (got.length === 3) clock.advanceTo(5_105);
      if (line.startsWith('fired')) break;
    }
    assert.equal(got.at(-1), 'fired 0 5100 PROCESSING_TIME ts=undefined');
    assert.equal(clock.pending(), 0, 'breaking out of the loop cancels the job and its timers');
  });
});

describe('watermarks over parallel inputs', () => {
  it('a keyed operator after a parallelism-3 source follows the minimum of its inputs', async () => {
    const clock = new ManualClock(0);
    const env = StreamExecutionEnvironment.createLocalEnvironment(3);
    env.getConfig().setClock(clock).setAutoWatermarkInterval(10);
    const source = new ControlledSource<Ev>(3);
    const sink = new CollectSink<Out>();
    env
      .fromSource(
        source,
        WatermarkStrategy.forBoundedOutOfOrderness<Ev>(Duration.ZERO).withTimestampAssigner((e) => e.ts),
        'three lanes',
      )
      .keyBy((e) => e.key)
      .process(new EventTimers())
      .sinkTo(sink);
    const times = () => fired(sink.values).map((f) => f.time);
    const probe = async (lane: number) => {
      const before = probes(sink.values).length;
      source.push(lane, { key: 'k', ts: 0, probe: true });
      await waitFor(() => probes(sink.values).length === before + 1, 'a probe');
      return probes(sink.values)[before].watermark;
    };

    await withJob(env, async (client) => {
      source.push(0, { key: 'k', ts: 10_000 });
      source.push(1, { key: 'k', ts: 1_000, timers: [500, 1_000] });
      source.push(2, { key: 'k', ts: 5_000 });
      await waitFor(() => seen(sink.values).length === 3, 'one record per lane');
      // Lanes emit 9_999, 999 and 4_999: the keyed operator is at 999.
      clock.advanceTo(10);
      await waitFor(() => times().length >= 1, 'the timer at 500');
      assert.equal(await probe(1), 999);
      assert.deepEqual(times(), [500], 'only timers up to the slowest lane fire');

      source.push(1, { key: 'k', ts: 6_000 });
      await waitFor(() => seen(sink.values).length === 4, 'the slow lane catching up');
      // Lanes at 9_999, 5_999 and 4_999 now: the minimum moves to lane 2's 4_999.
      clock.advanceTo(20);
      await waitFor(() => times().length >= 2, 'the timer at 1_000');
      assert.equal(await probe(2), 4_999);
      assert.deepEqual(times(), [500, 1_000]);

      source.end();
      await client.getJobExecutionResult();
    });
    assert.deepEqual(times(), [500, 1_000, 5_000, 6_000, 10_000]);
  });

  it('withIdleness: a source subtask without records stops holding back the watermark after the timeout', {}, async () => {
    const clock = new ManualClock(0);
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    env.getConfig().setClock(clock).setAutoWatermarkInterval(10);
    const source = new ControlledSource<Ev>(2);
    const sink = new CollectSink<Out>();
    env
      .fromSource(
        source,
        WatermarkStrategy.forBoundedOutOfOrderness<Ev>(Duration.ZERO)
          .withTimestampAssigner((e) => e.ts)
          .withIdleness(Duration.ofMillis(50)),
        'one quiet lane',
      )
      .keyBy((e) => e.key)
      .process(new EventTimers())
      .sinkTo(sink);
    await withJob(env, async (client) => {
      source.push(0, { key: 'k', ts: 1_000, timers: [500, 2_000] });
      await waitFor(() => seen(sink.values).length === 1, 'the record');
      // Lane 1 never produces: once idle (50 ms of processing time), lane 0's 999 decides alone.
      // The clock moves in steps of the emit interval; each step waits for the event that the
      // subtasks handled it: their periodic emission, once run, is on the clock again.
      for (let t = 10; t <= 200; t += 10) {
        const scheduled = clock.pending();
        clock.advanceTo(t);
        await waitFor(() => clock.pending() >= scheduled, `the periodic emission at ${t}`, 60_000);
      }
      await waitFor(() => fired(sink.values).length >= 1, 'the timer at 500 despite the idle lane', 60_000);
      assert.deepEqual(
        fired(sink.values).map((f) => f.time),
        [500],
      );
      source.end();
      await client.getJobExecutionResult();
    });
  });
});
