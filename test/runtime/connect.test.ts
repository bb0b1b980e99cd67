import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Collector,
  CoProcessFunction,
  Duration,
  isWeirError,
  type JobClient,
  KeyedCoProcessFunction,
  type KeyedProcessContext,
  type OnTimerContext,
  OutputTag,
  type ProcessContext,
  RichCoFlatMapFunction,
  RichCoMapFunction,
  StreamExecutionEnvironment,
  type TimeDomain,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from 'weir';
import { CollectSink, ManualClock, OperatorHarness } from 'weir/testing';
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

const numbers = Array.from({ length: 20 }, (_, i) => i);
const words = ['apple', 'kiwi', 'fig', 'banana', 'plum', 'pear', 'cherry', 'lime'];

describe('connect: map and flatMap', () => {
  for (const parallelism of [1, 2]) {
    it(`map applies map1 to the first input and map2 to the second (parallelism ${parallelism})`, async () => {
      const env = StreamExecutionEnvironment.createLocalEnvironment(parallelism);
      const sink = new CollectSink<string>();
      env
        .fromElements(...numbers)
        .connect(env.fromCollection(words))
        .map({ map1: (n) => `n${n * 10}`, map2: (w) => `w${w.length}` })
        .sinkTo(sink);
      await env.execute();
      assert.deepEqual(
        sorted(sink.values),
        sorted([...numbers.map((n) => `n${n * 10}`), ...words.map((w) => `w${w.length}`)]),
      );
      assert.equal(sink.bySubtask.size, parallelism, 'every subtask of the co-map got records');
    });
  }

  it('flatMap emits through the collector or returns an iterable, per input', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    const out = await env
      .fromElements(1, 2)
      .connect(env.fromElements('ab'))
      .flatMap({
        flatMap1: (n) => [n, -n],
        flatMap2: (s, collector) => {
          for (const c of s) collector.collect(c.charCodeAt(0));
        },
      })
      .executeAndCollect();
    assert.deepEqual(sorted(out), sorted([1, -1, 2, -2, 97, 98]));
  });

  it('rich co-functions are opened per subtask and know it', async () => {
    class Tag extends RichCoFlatMapFunction<number, string, string> {
      private subtask = -1;
      override open(): void {
        this.subtask = this.getRuntimeContext().getIndexOfThisSubtask();
      }
      flatMap1(n: number, out: Collector<string>): void {
        out.collect(`${this.subtask}:n${n}`);
      }
      flatMap2(w: string, out: Collector<string>): void {
        out.collect(`${this.subtask}:w${w}`);
      }
    }
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    const sink = new CollectSink<string>();
    env
      .fromElements(...numbers)
      .connect(env.fromCollection(words))
      .flatMap(new Tag())
      .sinkTo(sink);
    await env.execute();
    assert.equal(sink.values.length, numbers.length + words.length);
    for (const [subtask, values] of sink.bySubtask) {
      assert.ok(
        values.every((v) => v.startsWith(`${subtask}:`)),
        'each subtask has its own function instance',
      );
    }
  });
});

interface Tx {
  user: string;
  amount: number;
}
interface Click {
  user: string;
  page: string;
}
const txs: Tx[] = Array.from({ length: 30 }, (_, i) => ({ user: `u${i % 7}`, amount: i }));
const clicks: Click[] = Array.from({ length: 25 }, (_, i) => ({ user: `u${(i * 3) % 7}`, page: `p${i}` }));

/** Counts the records of both inputs per user in one keyed ValueState. */
class CountPerUser extends RichCoMapFunction<Tx, Click, { user: string; n: number }> {
  private count!: ValueState<number, number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor('count', 0));
  }
  map1(tx: Tx): { user: string; n: number } {
    return this.bump(tx.user);
  }
  map2(click: Click): { user: string; n: number } {
    return this.bump(click.user);
  }
  private bump(user: string): { user: string; n: number } {
    const n = this.count.value() + 1;
    this.count.update(n);
    return { user, n };
  }
}

describe('keyed connected streams', () => {
  for (const [how, parallelism] of [
    ['keyBy(key1, key2)', 1],
    ['keyBy(key1, key2)', 2],
    ['two KeyedStreams', 2],
  ] as const) {
    it(`share keyed state between both inputs for a key: ${how}, parallelism ${parallelism}`, async () => {
      const env = StreamExecutionEnvironment.createLocalEnvironment(parallelism);
      const a = env.fromCollection(txs);
      const b = env.fromCollection(clicks);
      const connected =
        how === 'two KeyedStreams'
          ? a.keyBy((t) => t.user).connect(b.keyBy((c) => c.user))
          : a.connect(b).keyBy(
              (t) => t.user,
              (c) => c.user,
            );
      const out = await connected.map(new CountPerUser()).executeAndCollect();
      const expected = groupBy([...txs, ...clicks], (r) => r.user);
      const counts = groupBy(out, (o) => o.user);
      assert.deepEqual(sorted(counts.keys()), sorted(expected.keys()));
      for (const [user, records] of expected) {
        assert.deepEqual(
          counts
            .get(user)!
            .map((o) => o.n)
            .sort((x, y) => x - y),
          Array.from({ length: records.length }, (_, i) => i + 1),
          `one count for ${user} over both inputs`,
        );
      }
    });
  }

  it('with only one keyed input, records are partitioned by its key but the operator has no keyed state', async () => {
    class Route extends RichCoFlatMapFunction<string, string, string> {
      private subtask = -1;
      override open(): void {
        this.subtask = this.getRuntimeContext().getIndexOfThisSubtask();
      }
      flatMap1(word: string, out: Collector<string>): void {
        out.collect(`${word}@${this.subtask}`);
      }
      flatMap2(control: string, out: Collector<string>): void {
        out.collect(`${control}@${this.subtask}`);
      }
    }
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    const input = ['a', 'b', 'a', 'c', 'b', 'a', 'd', 'e', 'f', 'g'];
    const out = await env
      .fromCollection(input)
      .keyBy((w) => w)
      .connect(env.fromElements('STOP', 'GO').broadcast())
      .flatMap(new Route())
      .executeAndCollect();
    const controls = out.filter((o) => o === o.toUpperCase());
    assert.deepEqual(sorted(controls), ['GO@0', 'GO@1', 'STOP@0', 'STOP@1'], 'broadcast: every subtask');
    const placed = groupBy(
      out.filter((o) => o !== o.toUpperCase()),
      (o) => o.split('@')[0],
    );
    for (const [word, at] of placed) {
      assert.equal(at.length, input.filter((w) => w === word).length);
      assert.equal(new Set(at).size, 1, `every "${word}" in one subtask`);
    }
    assert.equal(
      new Set([...placed.values()].map((at) => at[0].split('@')[1])).size,
      2,
      'keys on both subtasks',
    );

    // The same operator alone: a key selector on one input only gives no keyed state.
    const h = new OperatorHarness({
      kind: 'co-map',
      keySelector: (w: string) => w,
      fn: new (class extends RichCoMapFunction<string, string, string> {
        override open(): void {
          this.getRuntimeContext().getState(new ValueStateDescriptor<number>('n'));
        }
        map1 = (w: string) => w;
        map2 = (w: string) => w;
      })(),
    });
    await assert.rejects(
      h.open(),
      (e) => isWeirError(e, 'STATE_ERROR') && /needs a keyed stream/.test(e.message),
    );
  });
});

const odd = new OutputTag<number>('odd');

describe('connect: CoProcessFunction', () => {
  it('sees each input with its timestamp and emits to side outputs; timers need keyed streams', async () => {
    class Split extends CoProcessFunction<number, string, string> {
      processElement1(n: number, ctx: ProcessContext, out: Collector<string>): void {
        if (n % 2 === 1) ctx.output(odd, n);
        else out.collect(`n${n}@${ctx.timestamp()}`);
      }
      processElement2(s: string, ctx: ProcessContext, out: Collector<string>): void {
        if (s === 'timer') ctx.timerService().registerEventTimeTimer(10);
        out.collect(`s${s}@${ctx.timestamp()} now=${ctx.timerService().currentProcessingTime()}`);
      }
    }
    const h = new OperatorHarness<string>({ kind: 'co-process', fn: new Split(), processingTime: 42 });
    await h.open();
    h.processElement(1, 100);
    h.processElement(2, 200);
    h.processElement2('x', 300);
    h.processElement2('y');
    assert.deepEqual(h.extractOutputValues(), ['n2@200', 'sx@300 now=42', 'sy@undefined now=42']);
    assert.deepEqual(h.getSideOutput(odd), [1]);
    assert.throws(
      () => h.processElement2('timer', 1),
      (e) => isWeirError(e, 'TIMER_ERROR') && /keyBy\(key1, key2\)/.test(e.message),
    );

    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    const main = env.fromElements(1, 2, 3, 4).connect(env.fromElements('a')).process(new Split());
    const sideSink = new CollectSink<number>();
    main.getSideOutput(odd).sinkTo(sideSink);
    const mainSink = new CollectSink<string>();
    main.sinkTo(mainSink);
    await env.execute();
    assert.deepEqual(sorted(mainSink.values.map((v) => v.split(' ')[0])), [
      'n2@undefined',
      'n4@undefined',
      'sa@undefined',
    ]);
    assert.deepEqual(sorted(sideSink.values), [1, 3]);
  });
});

interface Control {
  word: string;
  /** Blocks the word for this long (event time), or unblocks it when absent. */
  blockForMs?: number;
}
type ControlOut =
  | { kind: 'word'; word: string }
  | { kind: 'control'; word: string; blocked: boolean }
  | { kind: 'expired'; word: string; time: number; domain: TimeDomain; timestamp: number | undefined };
const dropped = new OutputTag<string>('dropped');

/**
 * Flink's "control stream" example, with state and timers: a control record blocks a word (for a
 * while, in event time) or unblocks it; words pass unless blocked. The block and the words share
 * the keyed state of the word.
 */
class BlockWords extends KeyedCoProcessFunction<string, Control, string, ControlOut> {
  private blockedUntil!: ValueState<number>;
  override open(): void {
    this.blockedUntil = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('blockedUntil'));
  }
  processElement1(control: Control, ctx: KeyedProcessContext<string>, out: Collector<ControlOut>): void {
    const timers = ctx.timerService();
    const previous = this.blockedUntil.value();
    if (previous !== undefined) timers.deleteEventTimeTimer(previous);
    if (control.blockForMs === undefined) {
      this.blockedUntil.clear();
    } else {
      const until = (ctx.timestamp() ?? 0) + control.blockForMs;
      this.blockedUntil.update(until);
      timers.registerEventTimeTimer(until);
    }
    out.collect({ kind: 'control', word: ctx.getCurrentKey(), blocked: control.blockForMs !== undefined });
  }
  processElement2(word: string, ctx: KeyedProcessContext<string>, out: Collector<ControlOut>): void {
    if (this.blockedUntil.value() !== undefined) ctx.output(dropped, word);
    else out.collect({ kind: 'word', word });
  }
  override onTimer(time: number, ctx: OnTimerContext<string>, out: Collector<ControlOut>): void {
    this.blockedUntil.clear();
    out.collect({
      kind: 'expired',
      word: ctx.getCurrentKey(),
      time,
      domain: ctx.timeDomain(),
      timestamp: ctx.timestamp(),
    });
  }
}

describe('connect: KeyedCoProcessFunction', () => {
  for (const parallelism of [1, 2]) {
    it(`a control stream blocks and unblocks words, with shared state and event-time timers (parallelism ${parallelism})`, async () => {
      const env = StreamExecutionEnvironment.createLocalEnvironment(parallelism);
      const controlSource = new ControlledSource<Control>(1);
      const wordSource = new ControlledSource<string>(1);
      const control = env
        .fromSource(controlSource, WatermarkStrategy.noWatermarks(), 'control')
        .setParallelism(1);
      const wordStream = env
        .fromSource(wordSource, WatermarkStrategy.noWatermarks(), 'words')
        .setParallelism(1);
      const result = control
        .connect(wordStream)
        .keyBy(
          (c) => c.word,
          (w) => w,
        )
        .process(new BlockWords());
      const sink = new CollectSink<ControlOut>();
      const droppedSink = new CollectSink<string>();
      result.sinkTo(sink);
      result.getSideOutput(dropped).sinkTo(droppedSink);
      const of = <K extends ControlOut['kind']>(kind: K) =>
        sink.values.filter((o): o is Extract<ControlOut, { kind: K }> => o.kind === kind);

      await withJob(env, async (client) => {
        controlSource.push(0, { word: 'DROP', blockForMs: 5_000 }, 1_000);
        controlSource.push(0, { word: 'IGNORE', blockForMs: 5_000 }, 1_000);
        await waitFor(() => of('control').length === 2, 'both blocks');
        for (const [i, w] of ['Apache', 'DROP', 'Flink', 'IGNORE'].entries())
          wordSource.push(0, w, 1_100 + i);
        await waitFor(() => of('word').length === 2 && droppedSink.values.length === 2, 'four words');
        controlSource.push(0, { word: 'DROP' }, 1_200);
        await waitFor(() => of('control').length === 3, 'the unblock');
        wordSource.push(0, 'DROP', 1_300);
        await waitFor(() => of('word').length === 3, 'DROP passing');
        assert.deepEqual(of('expired'), [], 'no watermark yet: no timer fired');
        controlSource.end();
        wordSource.end();
        await client.getJobExecutionResult();
      });

      assert.deepEqual(sorted(of('word').map((o) => o.word)), ['Apache', 'DROP', 'Flink']);
      assert.deepEqual(sorted(droppedSink.values), ['DROP', 'IGNORE']);
      // The end of input fires the remaining timer (IGNORE's); DROP's was deleted by the unblock.
      assert.deepEqual(of('expired'), [
        { kind: 'expired', word: 'IGNORE', time: 6_000, domain: 'EVENT_TIME', timestamp: 6_000 },
      ]);
    });
  }

  it('harness: the watermark is the minimum of both inputs; timers of either input fire by key', async () => {
    interface Ev {
      key: string;
      n: number;
      eventTimer?: number;
      processingTimer?: number;
    }
    class Sum extends KeyedCoProcessFunction<string, Ev, Ev, string> {
      private sum!: ValueState<number, number>;
      override open(): void {
        this.sum = this.getRuntimeContext().getState(new ValueStateDescriptor('sum', 0));
      }
      processElement1(e: Ev, ctx: KeyedProcessContext<string>, out: Collector<string>): void {
        this.add(1, e, ctx, out);
      }
      processElement2(e: Ev, ctx: KeyedProcessContext<string>, out: Collector<string>): void {
        this.add(2, e, ctx, out);
      }
      private add(input: number, e: Ev, ctx: KeyedProcessContext<string>, out: Collector<string>): void {
        this.sum.update(this.sum.value() + e.n);
        if (e.eventTimer !== undefined) ctx.timerService().registerEventTimeTimer(e.eventTimer);
        if (e.processingTimer !== undefined)
          ctx.timerService().registerProcessingTimeTimer(e.processingTimer);
        out.collect(`in${input} ${ctx.getCurrentKey()} sum=${this.sum.value()} ts=${ctx.timestamp()}`);
      }
      override onTimer(time: number, ctx: OnTimerContext<string>, out: Collector<string>): void {
        out.collect(
          `${ctx.timeDomain()} ${ctx.getCurrentKey()}@${time} sum=${this.sum.value()} ts=${ctx.timestamp()}`,
        );
      }
    }
    const h = new OperatorHarness<string>({
      kind: 'keyed-co-process',
      fn: new Sum(),
      keySelector: (e: Ev) => e.key,
      keySelector2: (e: Ev) => e.key,
    });
    await h.open();
    h.processElement({ key: 'a', n: 1, eventTimer: 100 }, 50);
    h.processElement2({ key: 'a', n: 10 }, 60);
    h.processElement2({ key: 'b', n: 5, eventTimer: 150, processingTimer: 1_000 }, 70);
    assert.deepEqual(h.extractOutputValues(), [
      'in1 a sum=1 ts=50',
      'in2 a sum=11 ts=60',
      'in2 b sum=5 ts=70',
    ]);
    assert.equal(h.numEventTimeTimers(), 2);
    h.clearOutput();

    h.processWatermark1(200);
    assert.deepEqual(h.getOutput(), [], 'the second input has no watermark yet: nothing advances');
    h.processWatermark2(120);
    assert.deepEqual(h.getOutput(), [
      { kind: 'record', value: 'EVENT_TIME a@100 sum=11 ts=100', timestamp: 100 },
      { kind: 'watermark', time: 120 },
    ]);
    h.processWatermark2(300);
    assert.deepEqual(h.getWatermarks(), [120, 200], 'then the first input (200) is the minimum');
    assert.equal(h.extractOutputValues().at(-1), 'EVENT_TIME b@150 sum=5 ts=150');

    h.setProcessingTime(1_000);
    assert.equal(h.extractOutputValues().at(-1), 'PROCESSING_TIME b@1000 sum=5 ts=undefined');
    assert.equal(h.numEventTimeTimers() + h.numProcessingTimeTimers(), 0);
  });

  it('in a job, event time is the minimum of both inputs’ watermarks', async () => {
    interface Ev {
      key: string;
      ts: number;
      timer?: number;
      probe?: boolean;
    }
    type Out = { type: 'seen' } | { type: 'probe'; watermark: number } | { type: 'fired'; time: number };
    const fn = {
      handle(e: Ev, ctx: KeyedProcessContext<string>, out: Collector<Out>): void {
        if (e.probe) {
          out.collect({ type: 'probe', watermark: ctx.timerService().currentWatermark() });
          return;
        }
        if (e.timer !== undefined) ctx.timerService().registerEventTimeTimer(e.timer);
        out.collect({ type: 'seen' });
      },
      processElement1(e: Ev, ctx: KeyedProcessContext<string>, out: Collector<Out>): void {
        this.handle(e, ctx, out);
      },
      processElement2(e: Ev, ctx: KeyedProcessContext<string>, out: Collector<Out>): void {
        this.handle(e, ctx, out);
      },
      onTimer(time: number, _ctx: OnTimerContext<string>, out: Collector<Out>): void {
        out.collect({ type: 'fired', time });
      },
    };
    const clock = new ManualClock(0);
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    env.getConfig().setClock(clock).setAutoWatermarkInterval(10);
    const strategy = WatermarkStrategy.forBoundedOutOfOrderness<Ev>(Duration.ZERO).withTimestampAssigner(
      (e) => e.ts,
    );
    const source1 = new ControlledSource<Ev>(1);
    const source2 = new ControlledSource<Ev>(1);
    const sink = new CollectSink<Out>();
    env
      .fromSource(source1, strategy, 'fast')
      .connect(env.fromSource(source2, strategy, 'slow'))
      .keyBy(
        (e) => e.key,
        (e) => e.key,
      )
      .process(fn)
      .sinkTo(sink);
    const count = (type: Out['type']) => sink.values.filter((o) => o.type === type).length;
    const fired = () => sink.values.flatMap((o) => (o.type === 'fired' ? [o.time] : []));
    /** The operator's watermark once both inputs' latest watermarks have reached it. */
    const probe = async (): Promise<number> => {
      for (const source of [source1, source2]) {
        const before = count('probe');
        source.push(0, { key: 'k', ts: 0, probe: true });
        await waitFor(() => count('probe') === before + 1, 'a probe');
      }
      const last = sink.values.filter((o) => o.type === 'probe').at(-1)!;
      return (last as { watermark: number }).watermark;
    };

    await withJob(env, async (client) => {
      source1.push(0, { key: 'k', ts: 1_000, timer: 500 });
      source2.push(0, { key: 'k', ts: 100 });
      await waitFor(() => count('seen') === 2, 'one record per input');
      clock.advanceTo(10); // watermarks 999 and 99
      assert.equal(await probe(), 99);
      assert.deepEqual(fired(), [], 'the timer at 500 waits for the slow input');

      source2.push(0, { key: 'k', ts: 2_000, timer: 1_500 });
      await waitFor(() => count('seen') === 3, 'the slow input catching up');
      clock.advanceTo(20); // watermarks 999 and 1_999
      await waitFor(() => fired().length === 1, 'the timer at 500');
      assert.equal(await probe(), 999);
      assert.deepEqual(fired(), [500], 'now the first input holds back the timer at 1_500');

      source1.end();
      source2.end();
      await client.getJobExecutionResult();
    });
    assert.deepEqual(fired(), [500, 1_500]);
  });
});

describe('connect: errors', () => {
  it('refuses functions without both methods, and streams of different environments', () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    const a = env.fromElements(1);
    const b = env.fromElements('x');
    assert.throws(
      () => a.connect(b).map({ map1: (n: number) => n } as never),
      (e) =>
        isWeirError(e, 'INVALID_ARGUMENT') && /map1\(\) and map2\(\).*map2\(\) is missing/.test(e.message),
    );
    assert.throws(
      () => a.connect(b).process((() => {}) as never),
      (e) =>
        isWeirError(e, 'INVALID_ARGUMENT') && /processElement1\(\) and processElement2\(\)/.test(e.message),
    );
    assert.throws(
      () => a.connect(b).keyBy('x' as never, (s) => s),
      (e) => isWeirError(e, 'INVALID_ARGUMENT'),
    );
    const other = StreamExecutionEnvironment.createLocalEnvironment(1);
    assert.throws(
      () => a.connect(other.fromElements(2)),
      (e) => isWeirError(e, 'INVALID_ARGUMENT') && /different environments/.test(e.message),
    );
  });

  it('a function that throws fails the job naming the co-operator', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    env
      .fromElements(1)
      .connect(env.fromElements('boom'))
      .map({
        map1: (n) => String(n),
        map2: (s): string => {
          throw new Error(s);
        },
      })
      .sinkTo(new CollectSink<string>());
    await assert.rejects(
      env.execute(),
      (e) => isWeirError(e, 'USER_FUNCTION_FAILED') && /Co-Map/.test(e.message) && /"boom"/.test(e.message),
    );
  });
});
