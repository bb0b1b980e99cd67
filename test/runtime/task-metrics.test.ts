/**
 * The metrics of a subtask beyond its counts (core/task-metrics.ts): rates, bytes across threads,
 * watermarks per task, channel and operator, late records dropped by windows, state, the operators
 * of the chain with their user metrics, and sinks' pending commits. Jobs run through the public API;
 * metrics are read from the job client, live (slots in this thread) or as the slots last reported.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Collector,
  Duration,
  type Histogram,
  KeyedProcessFunction,
  type Meter,
  type MetricCounter,
  OutputTag,
  RichMapFunction,
  type RuntimeContext,
  runJob,
  SimpleCounter,
  type Sink,
  type SinkContext,
  StreamExecutionEnvironment,
  type TaskMetrics,
  TumblingEventTimeWindows,
  TwoPhaseCommitSink,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from 'weir';
import { CollectSink } from 'weir/testing';
import { END_OF_INPUT_WATERMARK, RATE_WINDOW_MS } from '../../src/core/task-metrics.ts';
import { TaskRateMeter, type TaskTotals } from '../../src/runtime/metrics/task-rate-meter.ts';
import { ControlledSource, waitFor } from './helpers.ts';

const job = (name: string) => new URL(`../jobs/${name}.ts`, import.meta.url);

const totals = (t: Partial<TaskTotals>): TaskTotals => ({
  recordsIn: 0,
  recordsOut: 0,
  bytesIn: 0,
  bytesOut: 0,
  busyMs: 0,
  idleMs: 0,
  backPressuredMs: 0,
  ...t,
});

function only(metrics: TaskMetrics[], vertex: (name: string) => boolean): TaskMetrics {
  const found = metrics.filter((m) => vertex(m.vertex));
  assert.equal(found.length, 1, `one task among ${metrics.map((m) => m.vertex).join(', ')}`);
  return found[0];
}

describe('task metrics: rates', () => {
  it('computes rates over the window from samples taken at most once a second', () => {
    assert.equal(RATE_WINDOW_MS, 5_000);
    const meter = new TaskRateMeter(0);
    // One second in: 100 records, 250 ms busy, 750 ms idle.
    let r = meter.rates(
      1_000,
      totals({ recordsIn: 100, recordsOut: 50, bytesOut: 4096, busyMs: 250, idleMs: 750 }),
    );
    assert.equal(r.recordsInPerSecond, 100);
    assert.equal(r.recordsOutPerSecond, 50);
    assert.equal(r.bytesOutPerSecond, 4096);
    assert.equal(r.busyTimeMsPerSecond, 250);
    assert.equal(r.idleTimeMsPerSecond, 750);
    assert.equal(r.backPressuredTimeMsPerSecond, 0);
    // Half a second later: no new sample (the last is not a second old), the rate is still from t=0.
    r = meter.rates(1_500, totals({ recordsIn: 150 }));
    assert.equal(r.recordsInPerSecond, 100);
    r = meter.rates(2_000, totals({ recordsIn: 300, backPressuredMs: 2_000 }));
    assert.equal(r.recordsInPerSecond, 150, '300 records in 2 s');
    assert.equal(r.backPressuredTimeMsPerSecond, 1_000, 'capped at 1000 ms per second');
    // Seven seconds in: the window starts at 2 s, whose sample had 300 records.
    r = meter.rates(7_000, totals({ recordsIn: 1_300 }));
    assert.equal(r.recordsInPerSecond, 200, '1000 records in the last 5 s');
    // Not read for a long time: the rate is since the newest sample.
    r = meter.rates(60_000, totals({ recordsIn: 1_830 }));
    assert.equal(r.recordsInPerSecond, 10, '530 records in 53 s');
  });

  it('reports rates, totals and the timestamp of a running job', async () => {
    const source = new ControlledSource<number>(1);
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(1);
    const sink = new CollectSink<number>();
    env
      .fromSource(source, WatermarkStrategy.noWatermarks(), 'numbers')
      .rebalance()
      .map((n) => n + 1)
      .name('plus-one')
      .sinkTo(sink);
    const client = await env.executeAsync('rates');
    const before = Date.now();
    for (let i = 0; i < 1_000; i++) source.push(0, i);
    await waitFor(() => sink.values.length === 1_000, 'the first 1000 records', 30_000);
    const m = only(client.getMetrics(), (v) => v.startsWith('numbers'));
    assert.ok((m.timestamp ?? 0) >= before && (m.timestamp ?? 0) <= Date.now(), 'snapshot time');
    assert.equal(m.recordsOut, 1_000);
    assert.ok((m.recordsOutPerSecond ?? 0) > 0, `records out per second: ${m.recordsOutPerSecond}`);
    for (const rate of [m.busyTimeMsPerSecond, m.idleTimeMsPerSecond, m.backPressuredTimeMsPerSecond]) {
      assert.ok(rate !== undefined && rate >= 0 && rate <= 1_000, `a time per second: ${rate}`);
    }
    // The source waits for the test now: that wait counts as idle time already, before its next step.
    const idle = m.idleMs;
    await waitFor(
      () => only(client.getMetrics(), (v) => v.startsWith('numbers')).idleMs > idle + 20,
      'idle time',
    );
    // In one thread, no batch is encoded: no bytes (Flink counts network buffers only).
    assert.equal(m.bytesOut, 0);
    source.end();
    await client.getJobExecutionResult();
  });
});

describe('task metrics: bytes across worker threads', () => {
  it('counts the encoded bytes each side of the exchanges between threads, at parallelism 2', async () => {
    const { clients } = await runJob(job('keyed-timers'), { parallelism: 2, taskSlots: 2 });
    const metrics = clients[0].getMetrics();
    const sources = metrics.filter((m) => m.vertex === 'orders');
    const keyed = metrics.filter((m) => m.vertex.startsWith('totals'));
    assert.equal(sources.length, 2);
    assert.equal(keyed.length, 2);
    const sent = sources.reduce((a, m) => a + (m.bytesOut ?? 0), 0);
    const received = keyed.reduce((a, m) => a + (m.bytesIn ?? 0), 0);
    // About half of the 5000 orders cross to the other thread: a few bytes each at least.
    assert.ok(sent > 2_000 * 8, `bytes sent across threads: ${sent}`);
    assert.equal(received, sent, 'every byte sent was received');
    for (const m of sources) assert.equal(m.bytesIn, 0, 'a source reads no channel');
    // Watermarks: the sources' last was the end of input, as every channel of the keyed tasks.
    for (const m of keyed) {
      assert.equal(m.currentInputWatermark, END_OF_INPUT_WATERMARK);
      assert.deepEqual(
        m.inputChannelWatermarks?.map((c) => c.watermark),
        [END_OF_INPUT_WATERMARK, END_OF_INPUT_WATERMARK],
      );
    }
  });
});

describe('task metrics: watermarks', () => {
  it('shows the input watermark of a task as the minimum of its channels, the slowest one included', async () => {
    const source = new ControlledSource<number>(2);
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(2);
    const sink = new CollectSink<number>();
    env
      .fromSource(source, WatermarkStrategy.forMonotonousTimestamps<number>(), 'lanes')
      .rebalance()
      .map((n) => n)
      .name('merge')
      .setParallelism(1)
      .sinkTo(sink)
      .setParallelism(1);
    const client = await env.executeAsync('watermarks');
    source.push(0, 1, 10_000);
    source.push(1, 2, 3_000);
    const merge = () => only(client.getMetrics(), (v) => v.startsWith('merge'));
    await waitFor(
      () => merge().inputChannelWatermarks?.every((c) => c.watermark !== null) === true,
      'a watermark on both channels',
      30_000,
    );
    const m = merge();
    assert.equal(m.currentInputWatermark, 2_999, 'the slowest channel holds the task back');
    assert.deepEqual(
      m.inputChannelWatermarks?.map((c) => c.watermark).sort((a, b) => (a ?? 0) - (b ?? 0)),
      [2_999, 9_999],
    );
    for (const c of m.inputChannelWatermarks ?? []) {
      assert.equal(c.input, 0);
      assert.equal(c.idle, false);
    }
    // The chain: the map forwards the watermark; the sink's output watermark is its input's.
    assert.deepEqual(
      m.operators?.map((o) => [o.name, o.currentInputWatermark, o.currentOutputWatermark]),
      [
        ['merge', 2_999, 2_999],
        [m.operators?.[1].name, 2_999, 2_999],
      ],
    );
    assert.equal(m.currentOutputWatermark, 2_999);
    const sources = client.getMetrics().filter((x) => x.vertex.startsWith('lanes'));
    assert.deepEqual(
      sources.map((x) => x.currentInputWatermark),
      [null, null],
      'a source has no input',
    );
    assert.deepEqual(
      sources.map((x) => x.currentOutputWatermark).sort((a, b) => (a ?? 0) - (b ?? 0)),
      [2_999, 9_999],
    );
    // The slow lane catches up: the task's watermark follows.
    source.push(1, 3, 12_000);
    await waitFor(() => merge().currentInputWatermark === 9_999, 'the watermark at 9999', 30_000);
    source.end();
    await client.getJobExecutionResult();
    assert.equal(merge().currentInputWatermark, END_OF_INPUT_WATERMARK);
  });
});

describe('task metrics: late records', () => {
  async function runLate(sideOutput: boolean) {
    const source = new ControlledSource<number>(1);
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(1);
    const sums = new CollectSink<number>();
    const lateSink = new CollectSink<number>();
    const lateTag = new OutputTag<number>('late');
    let windowed = env
      .fromSource(source, WatermarkStrategy.forMonotonousTimestamps<number>(), 'events')
      .keyBy(() => 'k')
      .window(TumblingEventTimeWindows.of(Duration.ofMillis(1_000)))
      .allowedLateness(2_000);
    if (sideOutput) windowed = windowed.sideOutputLateData(lateTag);
    const result = windowed.reduce((a, b) => a + b).name('sums');
    result.sinkTo(sums);
    if (sideOutput) result.getSideOutput(lateTag).sinkTo(lateSink);
    const client = await env.executeAsync(`late records ${sideOutput ? 'to a side output' : 'dropped'}`);
    source.push(0, 1, 1_000);
    source.push(0, 10, 5_000);
    const windowTask = () => only(client.getMetrics(), (v) => v.startsWith('sums'));
    await waitFor(() => (windowTask().currentInputWatermark ?? 0) >= 4_999, 'the watermark at 4999', 30_000);
    // 2500: its window [2000, 3000) was cleaned up at 4999: too late. 3500: within the lateness.
    source.push(0, 100, 2_500);
    source.push(0, 1_000, 3_500);
    source.end();
    await client.getJobExecutionResult();
    return { metrics: windowTask(), sums: sums.values, late: lateSink.values };
  }

  it('counts records dropped past the allowed lateness (numLateRecordsDropped), per task and operator', async () => {
    const { metrics, sums } = await runLate(false);
    assert.equal(metrics.lateRecordsDropped, 1);
    const window = metrics.operators?.find((o) => o.lateRecordsDropped !== undefined);
    assert.equal(window?.lateRecordsDropped, 1, JSON.stringify(metrics.operators));
    assert.ok(sums.includes(1_000), 'the record within the lateness fired its window');
    assert.ok(!sums.includes(100), 'the late one was dropped');
  });

  it('does not count records sent to the late side output', async () => {
    const { metrics, late } = await runLate(true);
    assert.equal(metrics.lateRecordsDropped, 0);
    assert.deepEqual(late, [100]);
  });
});

class Instrumented extends RichMapFunction<number, number> {
  private records: MetricCounter = new SimpleCounter();
  private values!: Histogram;
  private rate!: Meter;
  override open(ctx: RuntimeContext): void {
    const group = ctx.getMetricGroup();
    this.records = group.counter('records');
    this.values = group.histogram('values');
    this.rate = group.meter('rate');
    group.gauge('constant', () => 42);
    group.gauge('label', () => 'ready');
    group.gauge('broken', () => {
      throw new Error('no value');
    });
  }
  map(n: number): number {
    this.records.inc();
    this.values.update(n);
    this.rate.markEvent();
    return n;
  }
}

describe('task metrics: operators and user metrics', () => {
  it('lists the chain head first with counts at its ends, and snapshots user metrics per operator', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(1);
    const sink = new CollectSink<number>();
    env
      .fromElements(...Array.from({ length: 100 }, (_, i) => i + 1))
      .uid('numbers')
      .map(new Instrumented())
      .uid('instrumented')
      .name('instrumented')
      .keyBy((n) => n % 3)
      .map((n) => n)
      .name('after-keyby')
      .sinkTo(sink);
    const client = await env.executeAsync('operators');
    await client.getJobExecutionResult();
    const metrics = client.getMetrics();
    const head = only(metrics, (v) => v.includes('instrumented'));
    const ops = head.operators ?? [];
    assert.deepEqual(
      ops.map((o) => o.uid),
      ['numbers', 'instrumented'],
    );
    assert.equal(ops[0].recordsIn, 100, 'head: records in');
    assert.equal(ops[1].recordsOut, 100, 'tail: records sent over the keyBy');
    assert.equal(ops[0].user, undefined, 'no user metrics in the source');
    const user = new Map((ops[1].user ?? []).map((u) => [u.name, u]));
    assert.deepEqual([...user.keys()].sort(), ['broken', 'constant', 'label', 'rate', 'records', 'values']);
    assert.deepEqual(user.get('records'), {
      kind: 'counter',
      name: 'records',
      scope: user.get('records')?.scope,
      count: 100,
    });
    assert.equal(user.get('records')?.scope.operator_id, 'instrumented');
    assert.equal(user.get('records')?.scope.operator_name, 'instrumented');
    assert.deepEqual(
      ['constant', 'label', 'broken'].map((n) => {
        const g = user.get(n);
        return g?.kind === 'gauge' ? g.value : 'not a gauge';
      }),
      [42, 'ready', null],
    );
    const rate = user.get('rate');
    assert.ok(rate?.kind === 'meter' && rate.count === 100 && rate.rate >= 0);
    const values = user.get('values');
    assert.ok(values?.kind === 'histogram');
    assert.deepEqual(
      Object.fromEntries(Object.entries(values.statistics).map(([k, v]) => [k, Math.round(v * 1000) / 1000])),
      {
        count: 100,
        min: 1,
        max: 100,
        mean: 50.5,
        stddev: 29.011,
        p50: 50.5,
        p75: 75.75,
        p95: 95.95,
        p98: 98.98,
        p99: 99.99,
        p999: 100,
      },
    );
    // The snapshot is plain data that JSON carries whole: no NaN or Infinity (JSON would make them null).
    JSON.stringify(head, (key, value) => {
      if (typeof value === 'number') assert.ok(Number.isFinite(value), `${key} is ${value}`);
      return value;
    });
  });
});

class Counting extends KeyedProcessFunction<number, number, number> {
  private count!: ValueState<number, number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor('count', 0));
  }
  processElement(n: number, _ctx: unknown, out: Collector<number>): void {
    this.count.update(this.count.value() + 1);
    out.collect(n);
  }
}

describe('task metrics: state', () => {
  it('shows the keyed state entries held and the state size of the last completed checkpoint', async () => {
    const source = new ControlledSource<number>(1);
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(1);
    env.enableCheckpointing(Duration.ofMillis(50));
    const sink = new CollectSink<number>();
    env
      .fromSource(source, WatermarkStrategy.noWatermarks(), 'keys')
      .keyBy((n) => n % 10)
      .process(new Counting())
      .name('counting')
      .sinkTo(sink);
    const client = await env.executeAsync('state');
    for (let i = 0; i < 100; i++) source.push(0, i);
    await waitFor(() => sink.values.length === 100, 'every record', 30_000);
    const counting = () => only(client.getMetrics(), (v) => v.startsWith('counting'));
    assert.equal(counting().stateEntries, 10, 'one count per key');
    // Once a checkpoint after the last record has completed and reached the tasks, their sizes add
    // up to the checkpoint's (nothing changes any more, so every later one has the same size).
    const stats = () => client.getCheckpointStatistics?.();
    await waitFor(
      () => {
        const total = client.getMetrics().reduce((a, m) => a + (m.stateSize ?? 0), 0);
        return total > 0 && total === stats()?.lastSizeBytes;
      },
      'the state size of the last checkpoint in the tasks',
      30_000,
    );
    assert.ok((counting().stateSize ?? 0) > 0);
    assert.equal(only(client.getMetrics(), (v) => v.startsWith('keys')).stateEntries, 0, 'no keyed state');
    source.end();
    await client.getJobExecutionResult();
  });
});

describe('task metrics: pending commits of sinks', () => {
  it('counts the invocations of an asynchronous sink not settled yet', async () => {
    const source = new ControlledSource<number>(1);
    const held: Array<() => void> = [];
    const sink: Sink<number> = {
      invoke: () => new Promise<void>((resolve) => held.push(resolve)),
    };
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(1);
    env
      .fromSource(source, WatermarkStrategy.noWatermarks(), 'writes')
      .rebalance()
      .sinkTo(sink)
      .name('slow-sink');
    const client = await env.executeAsync('pending writes');
    const sinkTask = () => only(client.getMetrics(), (v) => v.startsWith('slow-sink'));
    for (let i = 0; i < 5; i++) source.push(0, i);
    await waitFor(() => held.length === 5, 'five invocations', 30_000);
    assert.equal(sinkTask().pendingCommits, 5);
    for (const resolve of held.splice(0)) resolve();
    await waitFor(() => sinkTask().pendingCommits === 0, 'the invocations settled', 30_000);
    assert.equal(only(client.getMetrics(), (v) => v.startsWith('writes')).pendingCommits, undefined);
    source.end();
    await client.getJobExecutionResult();
  });

  it('counts the transactions of a two-phase commit sink pre-committed and not committed yet', async () => {
    const commits: Array<() => void> = [];
    class HeldCommits extends TwoPhaseCommitSink<number, number[]> {
      protected beginTransaction(): number[] {
        return [];
      }
      protected write(txn: number[], value: number): void {
        txn.push(value);
      }
      protected preCommit(): void {}
      protected commit(): Promise<void> {
        return new Promise((resolve) => commits.push(resolve));
      }
      protected abort(): void {}
    }
    const sink = new HeldCommits();
    const context = { subtaskIndex: 0, parallelism: 1, checkpointing: true } as SinkContext;
    sink.open(context);
    assert.equal(sink.pendingCommits(), 0);
    sink.invoke(1, { timestamp: undefined, currentWatermark: 0 });
    sink.snapshotState(1);
    sink.snapshotState(2);
    assert.equal(sink.pendingCommits(), 2, 'two pre-committed');
    const first = sink.notifyCheckpointComplete(1);
    assert.equal(sink.pendingCommits(), 2, 'one committing, one waiting for its checkpoint');
    await waitFor(() => commits.length === 1, 'the commit of checkpoint 1');
    commits[0]();
    await first;
    assert.equal(sink.pendingCommits(), 1);
    const second = sink.notifyCheckpointComplete(2);
    await waitFor(() => commits.length === 2, 'the commit of checkpoint 2');
    commits[1]();
    await second;
    assert.equal(sink.pendingCommits(), 0);
  });
});
