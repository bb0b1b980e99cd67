import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Collector,
  CountTrigger,
  type DataStream,
  isWeirError,
  MapStateDescriptor,
  OutputTag,
  type ProcessJoinContext,
  ProcessJoinFunction,
  RichJoinFunction,
  SlidingEventTimeWindows,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from 'weir';
import { CollectSink, OperatorHarness } from 'weir/testing';
import { ControlledSource, sorted, waitFor } from './helpers.ts';

interface Ev {
  k: string;
  id: string;
  ts: number;
}

/** Watermark = timestamp − 1 after every element, so lateness is exact. */
const punctuated = () =>
  WatermarkStrategy.forGenerator<Ev>(() => ({
    onEvent(_e, ts, out) {
      out.emitWatermark(ts - 1);
    },
    onPeriodicEmit() {},
  })).withTimestampAssigner((e) => e.ts);

/** Deterministic events in timestamp order: `n` of them over `keys`, timestamps multiples of `step`. */
function events(side: string, n: number, keys: string[], seed: number, maxTs: number, step = 1): Ev[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out: Ev[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      k: keys[Math.floor(random() * keys.length)],
      id: `${side}${i}`,
      ts: Math.floor((random() * maxTs) / step) * step,
    });
  }
  return out.sort((a, b) => a.ts - b.ts);
}

function inputs(
  env: StreamExecutionEnvironment,
  lefts: Ev[],
  rights: Ev[],
): [DataStream<Ev>, DataStream<Ev>] {
  return [
    env.fromCollection(lefts).assignTimestampsAndWatermarks(punctuated()),
    env.fromCollection(rights).assignTimestampsAndWatermarks(punctuated()),
  ];
}

/** Appends the record's timestamp: `value@timestamp`. */
function withTimestamp(stream: DataStream<string>): DataStream<string> {
  return stream.process<string>((v, ctx, out) => out.collect(`${v}@${ctx.timestamp()}`));
}

/** Start times of the windows of `size` sliding by `slide` that contain `ts`. */
function windowStarts(ts: number, size: number, slide: number): number[] {
  const starts: number[] = [];
  for (let start = ts - (((ts % slide) + slide) % slide); start > ts - size; start -= slide)
    starts.push(start);
  return starts;
}

/** Brute force: per window and key, the cross product of both sides, as `key left right@maxTimestamp`. */
function expectedWindowJoin(lefts: Ev[], rights: Ev[], size: number, slide: number): string[] {
  const out: string[] = [];
  for (const l of lefts) {
    for (const r of rights) {
      if (l.k !== r.k) continue;
      const shared = windowStarts(l.ts, size, slide).filter((s) =>
        windowStarts(r.ts, size, slide).includes(s),
      );
      for (const start of shared) out.push(`${l.k} ${l.id} ${r.id}@${start + size - 1}`);
    }
  }
  return sorted(out);
}

const LEFT_KEYS = ['a', 'b', 'c', 'left-only'];
const RIGHT_KEYS = ['a', 'b', 'c', 'right-only'];

describe('window join', () => {
  for (const parallelism of [1, 2]) {
    it(`tumbling windows: per window and key, the cross product of both sides, at the window's max timestamp (parallelism ${parallelism})`, async () => {
      const lefts = events('L', 120, LEFT_KEYS, 1, 60_000);
      const rights = events('R', 90, RIGHT_KEYS, 2, 60_000);
      const env = StreamExecutionEnvironment.createLocalEnvironment(parallelism);
      const sink = new CollectSink<string>();
      const [left, right] = inputs(env, lefts, rights);
      withTimestamp(
        left
          .join(right)
          .where((l) => l.k)
          .equalTo((r) => r.k)
          .window(TumblingEventTimeWindows.of(10_000))
          .apply((l, r) => `${l.k} ${l.id} ${r.id}`),
      ).sinkTo(sink);
      await env.execute();
      const expected = expectedWindowJoin(lefts, rights, 10_000, 10_000);
      assert.ok(expected.length > 100, 'the data gives many pairs');
      assert.deepEqual(sorted(sink.values), expected);
    });

    it(`sliding windows: a pair is joined once in each window both elements fall into (parallelism ${parallelism})`, async () => {
      const lefts = events('L', 80, LEFT_KEYS, 3, 40_000);
      const rights = events('R', 80, RIGHT_KEYS, 4, 40_000);
      const env = StreamExecutionEnvironment.createLocalEnvironment(parallelism);
      const sink = new CollectSink<string>();
      const [left, right] = inputs(env, lefts, rights);
      withTimestamp(
        left
          .join(right)
          .where((l) => l.k)
          .equalTo((r) => r.k)
          .window(SlidingEventTimeWindows.of(10_000, 4_000))
          .apply((l, r) => `${l.k} ${l.id} ${r.id}`),
      ).sinkTo(sink);
      await env.execute();
      const expected = expectedWindowJoin(lefts, rights, 10_000, 4_000);
      assert.ok(expected.length > 100);
      assert.deepEqual(sorted(sink.values), expected);
    });
  }

  it('a FlatJoinFunction (three parameters) emits any number of results per pair', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    const sink = new CollectSink<string>();
    const [left, right] = inputs(
      env,
      [
        { k: 'a', id: 'L0', ts: 1 },
        { k: 'a', id: 'L1', ts: 2 },
      ],
      [{ k: 'a', id: 'R0', ts: 3 }],
    );
    left
      .join(right)
      .where((l) => l.k)
      .equalTo((r) => r.k)
      .window(TumblingEventTimeWindows.of(10))
      .apply((l: Ev, r: Ev, out: Collector<string>) => {
        if (l.id === 'L1') return; // none for this pair
        out.collect(`${l.id}${r.id}`);
        out.collect(`${r.id}${l.id}`);
      })
      .sinkTo(sink);
    await env.execute();
    assert.deepEqual(sorted(sink.values), ['L0R0', 'R0L0']);
  });

  it('a RichJoinFunction is opened with its runtime context, once per subtask', async () => {
    class Tagged extends RichJoinFunction<Ev, Ev, string> {
      private subtask = -1;
      override open(): void {
        this.subtask = this.getRuntimeContext().getIndexOfThisSubtask();
      }
      join(l: Ev, r: Ev): string {
        return `${l.id}${r.id} on ${this.subtask}`;
      }
    }
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    const sink = new CollectSink<string>();
    const [left, right] = inputs(env, [{ k: 'a', id: 'L0', ts: 1 }], [{ k: 'a', id: 'R0', ts: 2 }]);
    left
      .join(right)
      .where((l) => l.k)
      .equalTo((r) => r.k)
      .window(TumblingEventTimeWindows.of(10))
      .apply(new Tagged())
      .sinkTo(sink);
    await env.execute();
    assert.equal(sink.values.length, 1);
    assert.match(sink.values[0], /^L0R0 on [01]$/);
  });

  it('a custom trigger fires the join early, with all elements of the window so far', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    const leftSource = new ControlledSource<Ev>(1);
    const rightSource = new ControlledSource<Ev>(1);
    const sink = new CollectSink<string>();
    env
      .fromSource(leftSource, punctuated(), 'left')
      .join(env.fromSource(rightSource, punctuated(), 'right'))
      .where((l) => l.k)
      .equalTo((r) => r.k)
      .window(TumblingEventTimeWindows.of(1_000))
      .trigger(CountTrigger.of(2))
      .apply((l, r) => `${l.id}${r.id}`)
      .sinkTo(sink);
    const client = await env.executeAsync();
    leftSource.push(0, { k: 'a', id: 'L0', ts: 1 });
    rightSource.push(0, { k: 'a', id: 'R0', ts: 2 });
    await waitFor(() => sink.values.length === 1, 'the first firing (2 elements)');
    leftSource.push(0, { k: 'a', id: 'L1', ts: 3 });
    rightSource.push(0, { k: 'a', id: 'R1', ts: 4 });
    leftSource.end();
    rightSource.end();
    await client.getJobExecutionResult();
    // The second firing (4 elements) joins all of them; the count trigger does not fire at the end.
    assert.deepEqual(sink.values.slice(0, 1), ['L0R0']);
    assert.deepEqual(sorted(sink.values.slice(1)), ['L0R0', 'L0R1', 'L1R0', 'L1R1']);
  });

  it('rejects misuse with INVALID_ARGUMENT', () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    const other = StreamExecutionEnvironment.createLocalEnvironment(1);
    const a = env.fromElements<Ev>({ k: 'a', id: 'x', ts: 0 });
    const b = env.fromElements<Ev>({ k: 'a', id: 'y', ts: 0 });
    const invalid = (e: unknown) => isWeirError(e, 'INVALID_ARGUMENT');
    assert.throws(() => a.join(other.fromElements(1)), invalid, 'streams of two environments');
    assert.throws(() => a.join(b).where('k' as never), invalid, 'where needs a function');
    assert.throws(
      () =>
        a
          .coGroup(b)
          .where((l) => l.k)
          .equalTo(null as never),
      invalid,
    );
    assert.throws(
      () =>
        a
          .join(b)
          .where((l) => l.k)
          .equalTo((r) => r.k)
          .window({} as never),
      invalid,
    );
    const windowed = a
      .join(b)
      .where((l) => l.k)
      .equalTo((r) => r.k)
      .window(TumblingEventTimeWindows.of(10));
    assert.throws(() => windowed.allowedLateness(-1), invalid);
    assert.throws(() => windowed.apply({} as never), invalid, 'apply needs a join function');
  });
});

describe('window coGroup', () => {
  for (const parallelism of [1, 2]) {
    it(`calls the function for every key and window with elements on either side, the other side empty if none (parallelism ${parallelism})`, async () => {
      const lefts = events('L', 60, LEFT_KEYS, 5, 50_000);
      const rights = events('R', 60, RIGHT_KEYS, 6, 50_000);
      const env = StreamExecutionEnvironment.createLocalEnvironment(parallelism);
      const sink = new CollectSink<string>();
      const [left, right] = inputs(env, lefts, rights);
      withTimestamp(
        left
          .coGroup(right)
          .where((l) => l.k)
          .equalTo((r) => r.k)
          .window(TumblingEventTimeWindows.of(10_000))
          .apply((ls: Ev[], rs: Ev[], out: Collector<string>) => {
            const key = (ls[0] ?? rs[0]).k;
            out.collect(`${key} [${sorted(ls.map((e) => e.id))}] [${sorted(rs.map((e) => e.id))}]`);
          }),
      ).sinkTo(sink);
      await env.execute();

      const groups = new Map<string, { k: string; end: number; ls: string[]; rs: string[] }>();
      const group = (e: Ev) => {
        const start = e.ts - (e.ts % 10_000);
        const id = `${e.k}/${start}`;
        let g = groups.get(id);
        if (!g) groups.set(id, (g = { k: e.k, end: start + 10_000, ls: [], rs: [] }));
        return g;
      };
      for (const e of lefts) group(e).ls.push(e.id);
      for (const e of rights) group(e).rs.push(e.id);
      const expected = sorted(
        [...groups.values()].map((g) => `${g.k} [${sorted(g.ls)}] [${sorted(g.rs)}]@${g.end - 1}`),
      );
      assert.ok(expected.some((s) => s.startsWith('left-only') && s.includes('] []@')));
      assert.ok(expected.some((s) => s.startsWith('right-only') && s.includes(' [] [')));
      assert.deepEqual(sorted(sink.values), expected);
    });
  }
});

/** Brute force: pairs with equal keys and `l.ts + lower <= r.ts <= l.ts + upper` (bounds as given). */
function expectedIntervalJoin(
  lefts: Ev[],
  rights: Ev[],
  lower: number,
  upper: number,
  lowerExclusive: boolean,
  upperExclusive: boolean,
): string[] {
  const out: string[] = [];
  for (const l of lefts) {
    for (const r of rights) {
      if (l.k !== r.k) continue;
      const d = r.ts - l.ts;
      const aboveLower = lowerExclusive ? d > lower : d >= lower;
      const belowUpper = upperExclusive ? d < upper : d <= upper;
      if (aboveLower && belowUpper) out.push(`${l.id} ${r.id} ${l.ts} ${r.ts}@${Math.max(l.ts, r.ts)}`);
    }
  }
  return sorted(out);
}

class Describe extends ProcessJoinFunction<Ev, Ev, string> {
  processElement(l: Ev, r: Ev, ctx: ProcessJoinContext, out: Collector<string>): void {
    out.collect(`${l.id} ${r.id} ${ctx.getLeftTimestamp()} ${ctx.getRightTimestamp()}`);
  }
}

describe('interval join', () => {
  const cases = [
    { lower: -3_000, upper: 2_000, lowerExclusive: false, upperExclusive: false },
    { lower: -3_000, upper: 2_000, lowerExclusive: true, upperExclusive: true },
    { lower: -5_000, upper: -1_000, lowerExclusive: false, upperExclusive: true },
    { lower: 1_000, upper: 4_000, lowerExclusive: true, upperExclusive: false },
    { lower: 0, upper: 0, lowerExclusive: false, upperExclusive: false },
  ];
  for (const parallelism of [1, 2]) {
    for (const c of cases) {
      const interval = `${c.lowerExclusive ? '(' : '['}${c.lower}, ${c.upper}${c.upperExclusive ? ')' : ']'}`;
      it(`joins the pairs with right.ts - left.ts in ${interval}, at the larger timestamp (parallelism ${parallelism})`, async () => {
        // Timestamps on a 500 ms grid, so that pairs fall exactly on the bounds.
        const lefts = events('L', 150, ['a', 'b', 'c'], 7, 40_000, 500);
        const rights = events('R', 150, ['a', 'b', 'c', 'd'], 8, 40_000, 500);
        const env = StreamExecutionEnvironment.createLocalEnvironment(parallelism);
        const sink = new CollectSink<string>();
        const [left, right] = inputs(env, lefts, rights);
        const joined = left
          .keyBy((l) => l.k)
          .intervalJoin(right.keyBy((r) => r.k))
          .between(c.lower, c.upper);
        if (c.lowerExclusive) joined.lowerBoundExclusive();
        if (c.upperExclusive) joined.upperBoundExclusive();
        withTimestamp(joined.process(new Describe())).sinkTo(sink);
        const result = await env.execute();
        const expected = expectedIntervalJoin(
          lefts,
          rights,
          c.lower,
          c.upper,
          c.lowerExclusive,
          c.upperExclusive,
        );
        assert.ok(expected.length > 20, 'the data gives pairs');
        const onBounds = expected.filter((s) => {
          const [, , lt, rt] = s.split(/[ @]/).map(Number);
          return rt - lt === c.lower || rt - lt === c.upper;
        });
        if (!c.lowerExclusive || !c.upperExclusive)
          assert.ok(onBounds.length > 0, 'some pairs lie on a bound');
        assert.deepEqual(sorted(sink.values), expected);
        assert.equal(result.getAccumulatorResult('numLateRecordsDropped'), 0);
      });
    }
  }

  it('drops late elements of either side (counted), or sends them to the side outputs', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    const leftSource = new ControlledSource<Ev>(1);
    const rightSource = new ControlledSource<Ev>(1);
    const sink = new CollectSink<string>();
    const lateLefts = new CollectSink<Ev>();
    const leftLate = new OutputTag<Ev>('late-left');
    const left = env.fromSource(leftSource, punctuated(), 'left');
    const right = env.fromSource(rightSource, punctuated(), 'right');
    const joined = left
      .keyBy((l) => l.k)
      .intervalJoin(right.keyBy((r) => r.k))
      .between(-5_000, 5_000)
      .sideOutputLeftLateData(leftLate)
      .process((l, r, _ctx, out: Collector<string>) => out.collect(`${l.id}${r.id}`));
    joined.sinkTo(sink);
    joined.getSideOutput(leftLate).sinkTo(lateLefts);
    const client = await env.executeAsync();
    leftSource.push(0, { k: 'a', id: 'L1', ts: 10_000 });
    rightSource.push(0, { k: 'a', id: 'R1', ts: 10_000 });
    await waitFor(() => sink.values.length === 1, 'the first pair');
    // The second pair is processed after both inputs' watermark 9_999: the join is at 9_999 at least.
    leftSource.push(0, { k: 'a', id: 'L2', ts: 10_001 });
    rightSource.push(0, { k: 'a', id: 'R2', ts: 10_001 });
    await waitFor(() => sink.values.length === 4, 'the pairs of the second elements');
    // Within the interval of each other and of L1/R1, but behind the watermark.
    leftSource.push(0, { k: 'a', id: 'Llate', ts: 6_000 });
    rightSource.push(0, { k: 'a', id: 'Rlate', ts: 6_000 });
    leftSource.end();
    rightSource.end();
    const result = await client.getJobExecutionResult();
    assert.deepEqual(sorted(sink.values), ['L1R1', 'L1R2', 'L2R1', 'L2R2']);
    assert.deepEqual(
      lateLefts.values.map((e) => e.id),
      ['Llate'],
    );
    assert.equal(result.getAccumulatorResult('numLateRecordsDropped'), 1, 'the late right element');
  });

  it('rejects misuse: bounds, an empty interval, processing time', () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    const a = env.fromElements<Ev>({ k: 'a', id: 'x', ts: 0 }).keyBy((e) => e.k);
    const b = env.fromElements<Ev>({ k: 'a', id: 'y', ts: 0 }).keyBy((e) => e.k);
    const invalid = (e: unknown) => isWeirError(e, 'INVALID_ARGUMENT');
    assert.throws(() => a.intervalJoin(b).between(5, -5), invalid, 'lower above upper');
    assert.throws(() => a.intervalJoin(b).between(0.5, 1), invalid, 'fractions of a millisecond');
    assert.throws(
      () =>
        a
          .intervalJoin(b)
          .between(0, 0)
          .lowerBoundExclusive()
          .process(() => {}),
      invalid,
      '(0, 0] is empty',
    );
    assert.throws(
      () =>
        a
          .intervalJoin(b)
          .between(0, 1)
          .process({} as never),
      invalid,
    );
    assert.throws(
      () => a.intervalJoin(b).inProcessingTime(),
      (e) => isWeirError(e, 'NOT_SUPPORTED'),
    );
  });
});

/** The interval join operator alone, in virtual time; bounds here are inclusive, as the API passes them. */
function intervalJoinHarness(lowerBound: number, upperBound: number, lateTags: { left?: string } = {}) {
  return new OperatorHarness<string>({
    kind: 'interval-join',
    fn: (l: Ev, r: Ev, _ctx: ProcessJoinContext, out: Collector<string>) => out.collect(`${l.id}${r.id}`),
    keySelector: (e: Ev) => e.k,
    keySelector2: (e: Ev) => e.k,
    config: { lowerBound, upperBound, leftLateTag: lateTags.left ?? null, rightLateTag: null },
  });
}

const records = (h: OperatorHarness<string>) =>
  h.getOutput().flatMap((o) => (o.kind === 'record' ? [`${o.value}@${o.timestamp}`] : []));

/** Timestamps buffered for key `k` on each side. */
function buffered(h: OperatorHarness<string>, k: string): { left: number[]; right: number[] } {
  const backend = h.stateBackend()!;
  backend.setCurrentKey(k);
  const keys = (name: string) =>
    [...backend.getMapState(new MapStateDescriptor<number, unknown[]>(name)).keys()].sort((x, y) => x - y);
  return { left: keys('_left-buffer'), right: keys('_right-buffer') };
}

describe('interval join operator', () => {
  it('joins each element with the buffered elements of the other side in its interval, whichever arrives last', () => {
    const h = intervalJoinHarness(-2, 1);
    h.processElement2({ k: 'a', id: 'R7', ts: 7 }, 7);
    h.processElement2({ k: 'a', id: 'R8', ts: 8 }, 8);
    h.processElement2({ k: 'b', id: 'Rb', ts: 10 }, 10);
    h.processElement({ k: 'a', id: 'L', ts: 10 }, 10); // [8, 11]: R8
    h.processElement2({ k: 'a', id: 'R10', ts: 10 }, 10);
    h.processElement2({ k: 'a', id: 'R11', ts: 11 }, 11);
    h.processElement2({ k: 'a', id: 'R12', ts: 12 }, 12);
    assert.deepEqual(records(h), ['LR8@10', 'LR10@10', 'LR11@11']);
  });

  it('drops buffered elements once the watermark passes the last time they can match, with their timers', () => {
    const h = intervalJoinHarness(-3, 5);
    // A left element at t matches rights up to t + 5: kept until the watermark reaches t + 5.
    // A right element at t matches lefts up to t + 3 (mirrored bounds [-5, 3]): kept until t + 3.
    h.processElement({ k: 'a', id: 'L10', ts: 10 }, 10);
    h.processElement({ k: 'a', id: 'L12', ts: 12 }, 12);
    h.processElement2({ k: 'a', id: 'R8', ts: 8 }, 8);
    h.processElement2({ k: 'a', id: 'R20', ts: 20 }, 20);
    assert.deepEqual(records(h), ['L10R8@10'], 'R8 is 4 ms before L12: outside [-3, 5]');
    assert.deepEqual(buffered(h, 'a'), { left: [10, 12], right: [8, 20] });
    assert.deepEqual(
      h.eventTimeTimers().map(([, t]) => t),
      [11, 15, 17, 23],
    );

    h.processWatermark1(14);
    h.processWatermark2(14);
    assert.deepEqual(buffered(h, 'a'), { left: [10, 12], right: [20] }, 'R8 (due at 11) dropped');
    // Still in time for L10: 15 <= 10 + 5.
    h.processElement2({ k: 'a', id: 'R15', ts: 15 }, 15);
    assert.deepEqual(records(h).slice(1), ['L10R15@15', 'L12R15@15']);

    h.processWatermark1(17);
    h.processWatermark2(17);
    assert.deepEqual(buffered(h, 'a'), { left: [], right: [15, 20] }, 'L10 (due at 15) and L12 (17) dropped');
    h.processWatermark1(23);
    h.processWatermark2(23);
    assert.deepEqual(buffered(h, 'a'), { left: [], right: [] });
    assert.equal(h.numEventTimeTimers(), 0);
    assert.equal(h.stateBackend()!.size(), 0, 'no state left for the key');
  });

  it('sends late elements to the side output, or counts them, and keeps no state for them', () => {
    const late = new OutputTag<Ev>('late');
    const h = intervalJoinHarness(-10, 10, { left: late.id });
    h.processWatermark1(100);
    h.processWatermark2(100);
    h.processElement({ k: 'a', id: 'L50', ts: 50 }, 50);
    h.processElement2({ k: 'a', id: 'R99', ts: 99 }, 99);
    assert.deepEqual(
      h.getSideOutput(late).map((e) => e.id),
      ['L50'],
    );
    assert.deepEqual(records(h), []);
    assert.equal(h.stateBackend()!.size(), 0);
    assert.equal(h.numEventTimeTimers(), 0);
    // At the watermark is not late.
    h.processElement({ k: 'a', id: 'L100', ts: 100 }, 100);
    h.processElement2({ k: 'a', id: 'R100', ts: 100 }, 100);
    assert.deepEqual(records(h), ['L100R100@100']);
  });

  it('fails with INVALID_ARGUMENT on an element without a timestamp', () => {
    const h = intervalJoinHarness(-1, 1);
    assert.throws(
      () => h.processElement({ k: 'a', id: 'L', ts: 0 }),
      (e) => isWeirError(e, 'INVALID_ARGUMENT') && /without a timestamp/.test(e.message),
    );
  });
});
