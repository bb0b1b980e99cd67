import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type BroadcastProcessContext,
  BroadcastProcessFunction,
  type BroadcastState,
  BroadcastStream,
  type Collector,
  DataStream,
  Duration,
  isWeirError,
  type JobClient,
  type KeyedBroadcastOnTimerContext,
  type KeyedBroadcastProcessContext,
  KeyedBroadcastProcessFunction,
  type KeyedReadOnlyBroadcastProcessContext,
  type ListState,
  ListStateDescriptor,
  type MapState,
  MapStateDescriptor,
  OutputTag,
  type ReadOnlyBroadcastProcessContext,
  StateTtlConfig,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from 'weir';
import { CollectSink, OperatorHarness } from 'weir/testing';
import { ControlledSource, groupBy, sorted, waitFor } from './helpers.ts';

/** Runs `body` with the job started; cancels the job if the body fails, so no test leaves it running. */
async function withJob(env: StreamExecutionEnvironment, body: (client: JobClient) => Promise<void>) {
  const client = await env.executeAsync();
  try {
    await body(client);
  } finally {
    await client.cancel();
  }
}

// ---- the classic pattern: shape rules broadcast to items keyed by color (Flink's docs example) ----

type Shape = 'square' | 'circle' | 'triangle';
interface Item {
  color: string;
  shape: Shape;
  seq: number;
}
/** Matches an item of shape `first` followed by one of shape `second`, of the same color. */
interface Rule {
  name: string;
  first: Shape;
  second: Shape;
}
type MatchOut =
  | { kind: 'rule'; name: string; subtask: number; rules: string[] }
  | { kind: 'match'; rule: string; color: string; first: number; second: number };

const rulesDescriptor = new MapStateDescriptor<string, Rule>('rules');

class MatchShapes extends KeyedBroadcastProcessFunction<string, Item, Rule, MatchOut> {
  /** Per color and rule, the items of the rule's first shape still waiting for the second. */
  private waiting!: MapState<string, number[]>;
  override open(): void {
    this.waiting = this.getRuntimeContext().getMapState(new MapStateDescriptor<string, number[]>('waiting'));
  }

  processElement(
    item: Item,
    ctx: KeyedReadOnlyBroadcastProcessContext<string>,
    out: Collector<MatchOut>,
  ): void {
    for (const [name, rule] of ctx.getBroadcastState(rulesDescriptor).entries()) {
      const stored = this.waiting.get(name) ?? [];
      if (item.shape === rule.second && stored.length > 0) {
        for (const first of stored) {
          out.collect({ kind: 'match', rule: name, color: ctx.getCurrentKey(), first, second: item.seq });
        }
        stored.length = 0;
      }
      if (item.shape === rule.first) stored.push(item.seq);
      if (stored.length === 0) this.waiting.remove(name);
      else this.waiting.put(name, stored);
    }
  }

  processBroadcastElement(
    rule: Rule,
    ctx: KeyedBroadcastProcessContext<string>,
    out: Collector<MatchOut>,
  ): void {
    const rules = ctx.getBroadcastState(rulesDescriptor);
    rules.put(rule.name, rule);
    out.collect({
      kind: 'rule',
      name: rule.name,
      subtask: this.getRuntimeContext().getIndexOfThisSubtask(),
      rules: [...rules.keys()],
    });
  }
}

const items: Item[] = (
  [
    ['red', 'square'],
    ['red', 'circle'],
    ['red', 'triangle'],
    ['red', 'square'],
    ['red', 'triangle'],
    ['blue', 'circle'],
    ['blue', 'square'],
    ['blue', 'triangle'],
    ['green', 'triangle'],
    ['green', 'square'],
  ] as const
).map(([color, shape], i) => ({ color, shape, seq: i + 1 }));

describe('broadcast state: rules broadcast to a keyed stream', () => {
  for (const parallelism of [1, 2]) {
    it(`every subtask receives every rule and applies them to its keys (parallelism ${parallelism})`, async () => {
      const env = StreamExecutionEnvironment.createLocalEnvironment(parallelism);
      const itemSource = new ControlledSource<Item>(1);
      const ruleSource = new ControlledSource<Rule>(1);
      const ruleStream = env
        .fromSource(ruleSource, WatermarkStrategy.noWatermarks(), 'rules')
        .setParallelism(1)
        .broadcast(rulesDescriptor);
      const sink = new CollectSink<MatchOut>();
      env
        .fromSource(itemSource, WatermarkStrategy.noWatermarks(), 'items')
        .setParallelism(1)
        .keyBy((item) => item.color)
        .connect(ruleStream)
        .process(new MatchShapes())
        .sinkTo(sink);
      const of = <K extends MatchOut['kind']>(kind: K) =>
        sink.values.filter((o): o is Extract<MatchOut, { kind: K }> => o.kind === kind);

      await withJob(env, async (client) => {
        ruleSource.push(0, { name: 'square-triangle', first: 'square', second: 'triangle' });
        ruleSource.push(0, { name: 'circle-square', first: 'circle', second: 'square' });
        await waitFor(() => of('rule').length === 2 * parallelism, 'every rule in every subtask');
        for (const item of items) itemSource.push(0, item);
        itemSource.end();
        ruleSource.end();
        await client.getJobExecutionResult();
      });

      // Each subtask saw both rules, in order, and its broadcast state grew the same way.
      const bySubtask = groupBy(of('rule'), (r) => r.subtask);
      assert.deepEqual(
        sorted(bySubtask.keys()),
        Array.from({ length: parallelism }, (_, i) => i),
      );
      for (const acks of bySubtask.values()) {
        assert.deepEqual(
          acks.map((a) => a.rules),
          [['square-triangle'], ['square-triangle', 'circle-square']],
        );
      }
      const matches = of('match').map((m) => `${m.rule} ${m.color} ${m.first}->${m.second}`);
      assert.deepEqual(sorted(matches), [
        'circle-square blue 6->7',
        'circle-square red 2->4',
        'square-triangle blue 7->8',
        'square-triangle red 1->3',
        'square-triangle red 4->5',
      ]);
    });
  }
});

// ---- elements before the rules: buffered in keyed state, evaluated by applyToKeyedState ----

interface Tx {
  user: string;
  amount: number;
}
interface Limit {
  name: string;
  above: number;
}
type AlertOut =
  | { kind: 'buffered'; user: string }
  | { kind: 'applied'; subtask: number; keys: string[] }
  | { kind: 'alert'; user: string; amount: number; limit: string; late: boolean };

const limits = new MapStateDescriptor<string, number>('limits');
const pendingDescriptor = new ListStateDescriptor<Tx>('pending');

/** Holds transactions in keyed state until a limit is known, then checks them all. */
class LateRules extends KeyedBroadcastProcessFunction<string, Tx, Limit, AlertOut> {
  private pending!: ListState<Tx>;
  override open(): void {
    this.pending = this.getRuntimeContext().getListState(pendingDescriptor);
  }

  processElement(tx: Tx, ctx: KeyedReadOnlyBroadcastProcessContext<string>, out: Collector<AlertOut>): void {
    const known = ctx.getBroadcastState(limits);
    if (known.isEmpty()) {
      this.pending.add(tx);
      out.collect({ kind: 'buffered', user: ctx.getCurrentKey() });
      return;
    }
    check(tx, known.entries(), false, out);
  }

  processBroadcastElement(
    limit: Limit,
    ctx: KeyedBroadcastProcessContext<string>,
    out: Collector<AlertOut>,
  ): void {
    const known = ctx.getBroadcastState(limits);
    known.put(limit.name, limit.above);
    const keys: string[] = [];
    ctx.applyToKeyedState(pendingDescriptor, (user, pending) => {
      keys.push(user);
      for (const tx of pending.get()) {
        assert.equal(tx.user, user, 'the state is scoped to the key it comes with');
        check(tx, known.entries(), true, out);
      }
      pending.clear();
    });
    out.collect({ kind: 'applied', subtask: this.getRuntimeContext().getIndexOfThisSubtask(), keys });
  }
}

function check(tx: Tx, known: Iterable<[string, number]>, late: boolean, out: Collector<AlertOut>): void {
  for (const [limit, above] of known) {
    if (tx.amount > above) out.collect({ kind: 'alert', user: tx.user, amount: tx.amount, limit, late });
  }
}

describe('broadcast state: elements arriving before the rules', () => {
  for (const parallelism of [1, 2]) {
    it(`are buffered in keyed state and checked through applyToKeyedState over this subtask's keys (parallelism ${parallelism})`, async () => {
      const env = StreamExecutionEnvironment.createLocalEnvironment(parallelism);
      const txSource = new ControlledSource<Tx>(1);
      const limitSource = new ControlledSource<Limit>(1);
      const sink = new CollectSink<AlertOut>();
      env
        .fromSource(txSource, WatermarkStrategy.noWatermarks(), 'transactions')
        .setParallelism(1)
        .keyBy((tx) => tx.user)
        .connect(
          env
            .fromSource(limitSource, WatermarkStrategy.noWatermarks(), 'limits')
            .setParallelism(1)
            .broadcast(limits),
        )
        .process(new LateRules())
        .sinkTo(sink);
      const of = <K extends AlertOut['kind']>(kind: K) =>
        sink.values.filter((o): o is Extract<AlertOut, { kind: K }> => o.kind === kind);
      const early: Tx[] = Array.from({ length: 12 }, (_, i) => ({ user: `u${i % 5}`, amount: i * 10 }));
      const later: Tx[] = [
        { user: 'u1', amount: 95 },
        { user: 'u9', amount: 5 },
      ];

      await withJob(env, async (client) => {
        for (const tx of early) txSource.push(0, tx);
        await waitFor(() => of('buffered').length === early.length, 'the early transactions buffered');
        limitSource.push(0, { name: 'over-70', above: 70 });
        await waitFor(() => of('applied').length === parallelism, 'the limit in every subtask');
        for (const tx of later) txSource.push(0, tx);
        txSource.end();
        limitSource.end();
        await client.getJobExecutionResult();
      });

      // Each subtask visited its own keys, once; together, every key with buffered transactions.
      const visited = of('applied').flatMap((a) => a.keys);
      assert.deepEqual(sorted(visited), ['u0', 'u1', 'u2', 'u3', 'u4']);
      if (parallelism === 2) {
        assert.ok(
          of('applied').every((a) => a.keys.length > 0),
          'both subtasks own some of the five keys',
        );
      }
      const alerts = of('alert').map((a) => `${a.user} ${a.amount} ${a.limit}${a.late ? ' late' : ''}`);
      assert.deepEqual(
        sorted(alerts),
        sorted([
          'u0 100 over-70 late',
          'u1 110 over-70 late',
          'u3 80 over-70 late',
          'u4 90 over-70 late',
          'u1 95 over-70',
        ]),
        'the early transactions checked late, the later ones directly',
      );
    });
  }
});

// ---- the read-only side, unregistered state, timers ----

describe('broadcast state: access rules', () => {
  it('processElement cannot write broadcast state: the job fails with STATE_ERROR naming the operator', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    env
      .fromElements({ user: 'u1', amount: 1 })
      .keyBy((tx) => tx.user)
      .connect(env.fromElements<Limit>().broadcast(limits))
      .process<string>({
        processElement(tx, ctx) {
          // A cast (or plain JavaScript) gets past the types; the runtime still refuses.
          (ctx.getBroadcastState(limits) as unknown as BroadcastState<string, number>).put(tx.user, 0);
        },
        processBroadcastElement() {},
      })
      .sinkTo(new CollectSink<string>());
    await assert.rejects(env.execute(), (e) => {
      assert.ok(isWeirError(e, 'STATE_ERROR'), String(e));
      assert.match(
        e.message,
        /operator "Co-Process-Broadcast-Keyed" .* failed on record \{"user":"u1","amount":1\}/,
      );
      assert.ok(isWeirError(e.cause, 'STATE_ERROR'));
      assert.match(
        e.cause.message,
        /broadcast state "limits" is read-only in processElement \(put\(\) refused\)/,
      );
      return true;
    });
  });

  it('a state not passed to broadcast(...) is refused on both sides', async () => {
    const other = new MapStateDescriptor<string, number>('other');
    const h = new OperatorHarness<string>({
      kind: 'broadcast-process',
      extra: { broadcastStateDescriptors: [limits] },
      fn: {
        processElement(_v: unknown, ctx: ReadOnlyBroadcastProcessContext) {
          ctx.getBroadcastState(other);
        },
        processBroadcastElement(_v: unknown, ctx: BroadcastProcessContext) {
          ctx.getBroadcastState(other);
        },
      },
    });
    await h.open();
    const unregistered = (e: unknown) =>
      isWeirError(e, 'STATE_ERROR') && /"other" is not registered.*registered: "limits"/.test(e.message);
    assert.throws(() => h.processElement(1), unregistered);
    assert.throws(() => h.processElement2(1), unregistered);
  });

  it('keyed side: event- and processing-time timers, onTimer with the key and read-only broadcast state', async () => {
    const late = new OutputTag<string>('late');
    class Remind extends KeyedBroadcastProcessFunction<string, Tx, Limit, string> {
      processElement(
        tx: Tx,
        ctx: KeyedReadOnlyBroadcastProcessContext<string>,
        out: Collector<string>,
      ): void {
        ctx.timerService().registerEventTimeTimer((ctx.timestamp() ?? 0) + 100);
        ctx.timerService().registerProcessingTimeTimer(ctx.currentProcessingTime() + 1_000);
        out.collect(`${ctx.getCurrentKey()} ${tx.amount} at ${ctx.timestamp()} wm=${ctx.currentWatermark()}`);
      }
      processBroadcastElement(limit: Limit, ctx: KeyedBroadcastProcessContext<string>): void {
        ctx.getBroadcastState(limits).put(limit.name, limit.above);
        if (ctx.timestamp() !== undefined) ctx.output(late, `${limit.name} at ${ctx.timestamp()}`);
      }
      override onTimer(
        time: number,
        ctx: KeyedBroadcastOnTimerContext<string>,
        out: Collector<string>,
      ): void {
        const state = ctx.getBroadcastState(limits);
        out.collect(`${ctx.timeDomain()} ${ctx.getCurrentKey()}@${time} limits=${[...state.keys()]}`);
        assert.throws(
          () => (state as unknown as BroadcastState<string, number>).remove('x'),
          (e) => isWeirError(e, 'STATE_ERROR'),
        );
      }
    }
    const h = new OperatorHarness<string>({
      kind: 'keyed-broadcast-process',
      fn: new Remind(),
      keySelector: (tx: Tx) => tx.user,
      extra: { broadcastStateDescriptors: [limits] },
      processingTime: 0,
    });
    await h.open();
    h.processElement({ user: 'a', amount: 1 }, 10);
    h.processElement2({ name: 'over-5', above: 5 }, 20);
    h.processElement({ user: 'b', amount: 2 }, 50);
    assert.deepEqual(h.eventTimeTimers(), [
      ['a', 110],
      ['b', 150],
    ]);
    h.processWatermark(120);
    h.setProcessingTime(1_000);
    assert.deepEqual(h.extractOutputValues(), [
      'a 1 at 10 wm=-Infinity',
      'b 2 at 50 wm=-Infinity',
      'EVENT_TIME a@110 limits=over-5',
      'PROCESSING_TIME a@1000 limits=over-5',
      'PROCESSING_TIME b@1000 limits=over-5',
    ]);
    assert.deepEqual(h.getSideOutput(late), ['over-5 at 20']);
    h.processWatermark(200);
    assert.equal(h.extractOutputValues().at(-1), 'EVENT_TIME b@150 limits=over-5');
  });
});

// ---- a non-keyed stream connected to a broadcast stream ----

describe('broadcast state: BroadcastProcessFunction on a non-keyed stream', () => {
  it('at parallelism 2, each subtask applies every broadcast element and filters its share', async () => {
    const config = new MapStateDescriptor<string, number>('config');
    class Threshold extends BroadcastProcessFunction<number, [string, number], string> {
      processElement(n: number, ctx: ReadOnlyBroadcastProcessContext, out: Collector<string>): void {
        if (n > (ctx.getBroadcastState(config).get('max') ?? Number.POSITIVE_INFINITY)) out.collect(`${n}`);
      }
      processBroadcastElement(
        [key, value]: [string, number],
        ctx: BroadcastProcessContext,
        out: Collector<string>,
      ): void {
        const state = ctx.getBroadcastState(config);
        state.put(key, value);
        const subtask = this.getRuntimeContext().getIndexOfThisSubtask();
        out.collect(`config@${subtask} ${JSON.stringify([...state.entries()])}`);
      }
    }
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    const numbers = new ControlledSource<number>(1);
    const settings = new ControlledSource<[string, number]>(1);
    const sink = new CollectSink<string>();
    env
      .fromSource(numbers, WatermarkStrategy.noWatermarks(), 'numbers')
      .setParallelism(1)
      .connect(
        env
          .fromSource(settings, WatermarkStrategy.noWatermarks(), 'settings')
          .setParallelism(1)
          .broadcast(config),
      )
      .process(new Threshold())
      .sinkTo(sink);
    const configs = () => sink.values.filter((v) => v.startsWith('config'));

    await withJob(env, async (client) => {
      settings.push(0, ['max', 50]);
      settings.push(0, ['min', 0]);
      await waitFor(() => configs().length === 4, 'both settings in both subtasks');
      for (let n = 0; n < 100; n += 7) numbers.push(0, n);
      numbers.end();
      settings.end();
      await client.getJobExecutionResult();
    });

    assert.deepEqual(sorted(configs()), [
      'config@0 [["max",50],["min",0]]',
      'config@0 [["max",50]]',
      'config@1 [["max",50],["min",0]]',
      'config@1 [["max",50]]',
    ]);
    const passed = sink.values.filter((v) => !v.startsWith('config'));
    assert.deepEqual(
      passed.map(Number).sort((a, b) => a - b),
      [56, 63, 70, 77, 84, 91, 98],
    );
    for (const [subtask, values] of sink.bySubtask) {
      assert.ok(
        values.some((v) => !v.startsWith('config')),
        `subtask ${subtask} filtered part of the rebalanced stream`,
      );
    }
  });
});

describe('broadcast state: API', () => {
  it('broadcast() without descriptors stays a partitioning; with descriptors it is a BroadcastStream', () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    const stream = env.fromElements(1, 2);
    assert.ok(stream.broadcast() instanceof DataStream);
    const b = stream.broadcast(limits, rulesDescriptor);
    assert.ok(b instanceof BroadcastStream);
    assert.deepEqual(
      b.getBroadcastStateDescriptors().map((d) => d.name),
      ['limits', 'rules'],
    );
  });

  it('refuses descriptors that are not map state, repeated names and TTL', () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    const stream = env.fromElements(1);
    assert.throws(
      () => stream.broadcast(new ListStateDescriptor<number>('list') as never),
      (e) => isWeirError(e, 'INVALID_ARGUMENT') && /MapStateDescriptor/.test(e.message),
    );
    assert.throws(
      () => stream.broadcast(limits, new MapStateDescriptor<string, string>('limits')),
      (e) => isWeirError(e, 'INVALID_ARGUMENT') && /two state descriptors named "limits"/.test(e.message),
    );
    const withTtl = new MapStateDescriptor<string, number>('ttl').enableTimeToLive(
      StateTtlConfig.newBuilder(Duration.ofMinutes(1)).build(),
    );
    assert.throws(
      () => stream.broadcast(withTtl),
      (e) => isWeirError(e, 'NOT_SUPPORTED'),
    );
    assert.throws(
      () => stream.connect(stream.broadcast(limits)).process({ processElement() {} } as never),
      (e) => isWeirError(e, 'INVALID_ARGUMENT') && /processBroadcastElement\(\) is missing/.test(e.message),
    );
  });
});
