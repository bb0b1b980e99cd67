/**
 * User metrics: every rich function gets its operator instance's metric group from
 * `getRuntimeContext().getMetricGroup()`; the metrics it registers there are listed, with their
 * scope, by its task's registry; duplicates keep the first metric, as Flink does.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DescriptiveStatisticsHistogram,
  type Histogram,
  KeyedProcessFunction,
  type Meter,
  MeterView,
  type MetricCounter,
  type MetricGroup,
  RichFilterFunction,
  RichMapFunction,
  type RuntimeContext,
  SimpleCounter,
  StreamExecutionEnvironment,
  WeirError,
} from 'weir';
import { CollectSink, ManualClock, ProcessFunctionTestHarnesses } from 'weir/testing';
import { MetricRegistry, TaskMetricGroup } from '../../src/runtime/metrics/metric-registry.ts';

/** Groups seen by the functions of the job under test (the local cluster runs them in this thread). */
const seen: Array<{ fn: string; group: MetricGroup }> = [];

class CountingMap extends RichMapFunction<number, number> {
  private records: MetricCounter = new SimpleCounter();
  private values: Histogram = new DescriptiveStatisticsHistogram();
  private rate: Meter = new MeterView();
  override open(ctx: RuntimeContext): void {
    const group = ctx.getMetricGroup();
    seen.push({ fn: 'map', group });
    this.records = group.counter('records');
    this.values = group.histogram('values', new DescriptiveStatisticsHistogram(16));
    this.rate = group.meter('rate');
  }
  map(n: number): number {
    this.records.inc();
    this.values.update(n);
    this.rate.markEvent();
    return n;
  }
}

/** Chained after the map, in the same task: its metrics go to the same registry. */
class Passing extends RichFilterFunction<number> {
  private passed: MetricCounter = new SimpleCounter();
  override open(ctx: RuntimeContext): void {
    this.passed = ctx.getMetricGroup().counter('passed');
  }
  filter(): boolean {
    this.passed.inc();
    return true;
  }
}

class KeyedCounting extends KeyedProcessFunction<number, number, number> {
  private evens = new SimpleCounter();
  override open(ctx: RuntimeContext): void {
    const group = ctx.getMetricGroup().addGroup('parity', 'even');
    seen.push({ fn: 'keyed', group });
    this.evens = group.counter('evens', new SimpleCounter());
    ctx.getMetricGroup().gauge('constant', () => 42);
  }
  processElement(n: number, _ctx: unknown, out: { collect(v: number): void }): void {
    if (n % 2 === 0) this.evens.inc();
    out.collect(n);
  }
}

function registryOf(group: MetricGroup): MetricRegistry {
  assert.ok(group instanceof TaskMetricGroup, 'a task group');
  return group.registry;
}

/** The metric `name` of `group`, read from its task's registry. */
function metricOf<M>(group: MetricGroup, name: string): M {
  const entry = registryOf(group)
    .metrics()
    .find((e) => e.identifier === group.getMetricIdentifier(name));
  assert.ok(entry, `metric ${group.getMetricIdentifier(name)} is registered`);
  return entry.metric as M;
}

describe('user metrics in a job', () => {
  it('a rich map counts its records per subtask; the task registry lists the metrics with their scope', async () => {
    seen.length = 0;
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    const sink = new CollectSink<number>();
    env
      .fromSequence(1, 100)
      .rebalance()
      .map(new CountingMap())
      .name('Counting map')
      .filter(new Passing())
      .name('Passing')
      .keyBy((n) => n % 4)
      .process(new KeyedCounting())
      .name('Keyed counting')
      .sinkTo(sink);
    await env.execute('metrics-job');
    assert.equal(sink.values.length, 100);

    const maps = seen.filter((s) => s.fn === 'map').map((s) => s.group);
    assert.equal(maps.length, 2, 'one group per subtask');
    const counts = maps.map((g) => metricOf<MetricCounter>(g, 'records').getCount());
    assert.equal(counts[0] + counts[1], 100, `counts ${counts}`);
    assert.ok(counts[0] > 0 && counts[1] > 0, `both subtasks counted: ${counts}`);
    assert.deepEqual(
      maps.map((g) => g.getAllVariables().subtask_index).sort(),
      ['0', '1'],
      'the subtask is in the scope',
    );

    const first = maps[0];
    const vars = first.getAllVariables();
    assert.equal(vars.job_name, 'metrics-job');
    assert.equal(vars.operator_name, 'Counting map');
    assert.equal(typeof vars.job_id, 'string');
    const [host, tm, tmId, job, operator, subtask] = first.getScopeComponents();
    assert.deepEqual(
      [host, tm, tmId, job, operator, subtask],
      [vars.host, 'taskmanager', vars.tm_id, 'metrics-job', 'Counting map', vars.subtask_index],
    );
    assert.equal(
      first.getMetricIdentifier('records'),
      `${vars.host}.taskmanager.${vars.tm_id}.metrics-job.Counting map.${vars.subtask_index}.records`,
    );

    const registry = registryOf(first);
    const entries = registry.metrics();
    assert.deepEqual(
      entries.map((e) => [e.kind, e.name, e.scope.operator_name]).sort(),
      [
        ['counter', 'passed', 'Passing'],
        ['counter', 'records', 'Counting map'],
        ['histogram', 'values', 'Counting map'],
        ['meter', 'rate', 'Counting map'],
      ],
      'the chained operators of one task share its registry',
    );
    const [records, values, rate, passed] = ['records', 'values', 'rate', 'passed'].map(
      (name) => entries.find((e) => e.name === name)!.metric,
    ) as [MetricCounter, Histogram, Meter, MetricCounter];
    assert.equal(passed.getCount(), records.getCount());
    const recordsEntry = entries.find((e) => e.name === 'records')!;
    assert.equal(recordsEntry.scope.job_name, 'metrics-job');
    assert.equal(recordsEntry.identifier, first.getMetricIdentifier('records'));
    assert.equal(values.getStatistics().size(), Math.min(16, records.getCount()));
    assert.equal(values.getCount(), records.getCount());
    assert.equal(rate.getCount(), records.getCount());

    // The keyed function runs in another task (after keyBy): its own registry, its own scope.
    const keyed = seen.filter((s) => s.fn === 'keyed').map((s) => s.group);
    assert.equal(keyed.length, 2);
    const evens = keyed.map((g) => metricOf<MetricCounter>(g, 'evens').getCount());
    assert.equal(evens[0] + evens[1], 50);
    const k = keyed[0];
    assert.equal(k.getAllVariables().operator_name, 'Keyed counting');
    assert.equal(k.getAllVariables().parity, 'even');
    assert.deepEqual(k.getScopeComponents().slice(-2), ['parity', 'even']);
    const kEntries = registryOf(k).metrics();
    assert.notEqual(registryOf(k), registry);
    assert.deepEqual(
      kEntries.map((e) => [e.kind, e.name, e.scope.parity]),
      [
        ['counter', 'evens', 'even'],
        ['gauge', 'constant', undefined],
      ],
    );
    const gauge = kEntries[1].metric as { getValue(): unknown };
    assert.equal(gauge.getValue(), 42);
  });

  it('a function run by the test harness gets a metric group too', async () => {
    const sum = new SimpleCounter();
    let group: MetricGroup | undefined;
    const h = await ProcessFunctionTestHarnesses.forProcessFunction<number, number>({
      open(ctx) {
        group = ctx.getMetricGroup();
        group.counter('sum', sum);
      },
      processElement(n, _ctx, out) {
        sum.inc(n);
        out.collect(n);
      },
    });
    h.processElement(3);
    h.processElement(4);
    assert.equal(metricOf<MetricCounter>(group!, 'sum').getCount(), 7);
    assert.equal(group!.getAllVariables().subtask_index, '0');
  });
});

describe('metric groups', () => {
  const group = () =>
    new MetricRegistry({
      jobId: 'j1',
      jobName: 'orders',
      taskName: 'Map',
      subtaskIndex: 1,
      attemptNumber: 0,
      host: 'h1',
      taskManagerId: 'tm1',
    }).operatorGroup('map-uid', 'Map');

  it('registering a name twice returns the first metric and warns once', (t) => {
    const warn = t.mock.method(console, 'warn', () => {});
    const g = group();
    const c = g.counter('c');
    assert.equal(g.counter('c'), c);
    assert.equal(g.counter('c', new SimpleCounter()), c);
    const m = g.meter('m');
    assert.equal(g.meter('m'), m);
    assert.equal(warn.mock.callCount(), 2, 'one warning per duplicated name');
    assert.match(String(warn.mock.calls[0].arguments[0]), /h1\.taskmanager\.tm1\.orders\.Map\.1\.c/);
  });

  it('registering a name as another kind of metric throws', () => {
    const g = group();
    g.counter('x');
    assert.throws(
      () => g.gauge('x', () => 1),
      (e: unknown) =>
        e instanceof WeirError && e.code === 'INVALID_ARGUMENT' && /is a counter/.test(e.message),
    );
    assert.throws(() => g.counter(''), WeirError);
  });

  it('nested groups extend the scope; the same name gives the same group', () => {
    const g = group();
    const a = g.addGroup('sink').addGroup('topic', 'payments');
    assert.equal(g.addGroup('sink').addGroup('topic', 'payments'), a);
    assert.deepEqual(a.getScopeComponents(), [
      'h1',
      'taskmanager',
      'tm1',
      'orders',
      'Map',
      '1',
      'sink',
      'topic',
      'payments',
    ]);
    assert.equal(a.getAllVariables().topic, 'payments');
    assert.equal(a.getAllVariables().operator_id, 'map-uid');
    assert.equal(g.getAllVariables().topic, undefined, 'the parent is unchanged');
    assert.equal(a.getMetricIdentifier('sent'), 'h1.taskmanager.tm1.orders.Map.1.sink.topic.payments.sent');
    // A metric of the same name in another group is another metric.
    assert.notEqual(a.counter('n'), g.counter('n'));
  });
});

describe('metrics', () => {
  it('a counter goes up and down by one or by n', () => {
    const c = new SimpleCounter();
    c.inc();
    c.inc(5);
    c.dec();
    c.dec(2);
    assert.equal(c.getCount(), 3);
  });

  it('a histogram keeps the last values of its window and computes statistics over them', () => {
    const h = new DescriptiveStatisticsHistogram(1024);
    const empty = h.getStatistics();
    assert.equal(empty.size(), 0);
    assert.equal(empty.getMin(), 0);
    assert.ok(Number.isNaN(empty.getMean()));
    for (let v = 2000; v >= 1; v--) h.update(v);
    assert.equal(h.getCount(), 2000);
    const s = h.getStatistics();
    // The last 1024 values: 1024 down to 1.
    assert.equal(s.size(), 1024);
    assert.equal(s.getValues()[0], 1024, 'oldest first');
    assert.equal(s.getValues()[1023], 1);
    assert.equal(s.getMin(), 1);
    assert.equal(s.getMax(), 1024);
    assert.equal(s.getMean(), 512.5);
    // Sample standard deviation of 1..n: sqrt(n(n+1)/12).
    assert.ok(Math.abs(s.getStdDev() - Math.sqrt((1024 * 1025) / 12)) < 1e-9);
    assert.equal(s.getQuantile(0.5), 512.5);
    assert.equal(s.getQuantile(0), 1);
    assert.equal(s.getQuantile(1), 1024);
    assert.ok(Math.abs(s.getQuantile(0.99) - 1014.75) < 1e-9);
    assert.throws(() => s.getQuantile(1.5), RangeError);
  });

  it('a meter gives events per second over its time span, from its clock', () => {
    const clock = new ManualClock(0);
    const m = new MeterView({ timeSpanSeconds: 10, clock });
    for (let s = 0; s < 10; s++) {
      m.markEvent(50);
      clock.advanceTo((s + 1) * 1_000);
    }
    assert.equal(m.getCount(), 500);
    assert.equal(m.getRate(), 50, 'a full span at 50 events per second');
    for (let s = 10; s < 20; s++) {
      m.markEvent(10);
      clock.advanceTo((s + 1) * 1_000);
    }
    assert.equal(m.getRate(), 10, 'the span moved on: only the last 10 s count');
    clock.advanceTo(60_000);
    assert.equal(m.getRate(), 0, 'no events in the last span');
  });

  it('a meter over a counter counts with that counter', () => {
    const counter = new SimpleCounter();
    counter.inc(7);
    const clock = new ManualClock(0);
    const m = new MeterView({ counter, clock, timeSpanSeconds: 1 });
    m.markEvent(3);
    assert.equal(counter.getCount(), 10);
    clock.advanceTo(1_000);
    assert.equal(m.getRate(), 3, 'events before the meter existed are not in its rate');
  });
});
