import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AggregatingState,
  AggregatingStateDescriptor,
  type Collector,
  isWeirError,
  type KeyedProcessContext,
  KeyedProcessFunction,
  type ListState,
  ListStateDescriptor,
  type MapState,
  MapStateDescriptor,
  type ProcessContext,
  ProcessFunction,
  type ReducingState,
  ReducingStateDescriptor,
  RichFlatMapFunction,
  RichMapFunction,
  StreamExecutionEnvironment,
  type ValueState,
  ValueStateDescriptor,
} from 'weir';
import { CollectSink } from 'weir/testing';
import { groupBy, sorted } from './helpers.ts';

interface Ev {
  key: string;
  v: number;
  seq: number;
}

const KEYS = 23;
/** Deterministic input: 23 keys, values in [-10, 18], in a fixed order. */
const events: Ev[] = Array.from({ length: 400 }, (_, i) => ({
  key: `k${(i * 7 + Math.floor(i / 5)) % KEYS}`,
  v: ((i * 37) % 29) - 10,
  seq: i,
}));

/** Output records grouped by key, in the order each key's records were emitted. */
function byKey<T extends { key: string }>(values: T[]): Record<string, T[]> {
  const groups = groupBy(values, (v) => v.key);
  return Object.fromEntries(sorted(groups.keys()).map((k) => [k, groups.get(k)!]));
}

/** Runs `events` through `keyBy(key)` and `shape`, at the given parallelism, and collects the output. */
async function runKeyed<R>(
  parallelism: number,
  shape: (env: StreamExecutionEnvironment) => {
    sinkTo(s: CollectSink<R>): unknown;
  },
  maxParallelism?: number,
): Promise<CollectSink<R>> {
  const env = StreamExecutionEnvironment.createLocalEnvironment(parallelism);
  if (maxParallelism !== undefined) env.setMaxParallelism(maxParallelism);
  const sink = new CollectSink<R>();
  shape(env).sinkTo(sink);
  await env.execute(`keyed state at ${parallelism}`);
  return sink;
}

for (const parallelism of [1, 3]) {
  describe(`keyed state at parallelism ${parallelism}`, () => {
    it('ValueState with a default starts at the default, without one at undefined; clear and update(undefined) reset', async () => {
      interface Out {
        key: string;
        seq: number;
        sum: number;
        previous: number | undefined;
      }
      class SumAndLast extends RichFlatMapFunction<Ev, Out> {
        private sum!: ValueState<number, number>;
        private last!: ValueState<number>;
        override open(): void {
          this.sum = this.getRuntimeContext().getState(new ValueStateDescriptor('sum', 0));
          this.last = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('last'));
        }
        flatMap(e: Ev, out: Collector<Out>): void {
          const sum = this.sum.value() + e.v;
          this.sum.update(sum);
          out.collect({ key: e.key, seq: e.seq, sum, previous: this.last.value() });
          if (e.v % 7 === 0) this.last.clear();
          else if (e.v % 5 === 0) this.last.update(undefined);
          else this.last.update(e.v);
        }
      }
      const sink = await runKeyed<Out>(parallelism, (env) =>
        env
          .fromCollection(events)
          .keyBy((e) => e.key)
          .flatMap(new SumAndLast()),
      );

      const expected: Out[] = [];
      const sums = new Map<string, number>();
      const lasts = new Map<string, number>();
      for (const e of events) {
        const sum = (sums.get(e.key) ?? 0) + e.v;
        sums.set(e.key, sum);
        expected.push({ key: e.key, seq: e.seq, sum, previous: lasts.get(e.key) });
        if (e.v % 7 === 0 || e.v % 5 === 0) lasts.delete(e.key);
        else lasts.set(e.key, e.v);
      }
      assert.deepEqual(byKey(sink.values), byKey(expected));
      if (parallelism > 1) {
        const busy = [...sink.bySubtask.values()].filter((list) => list.length > 0).length;
        assert.ok(busy >= 2, `keys should spread over subtasks, got ${busy} busy subtask(s)`);
      }
    });

    it('ListState add, get, update and clear keep the last three values of each key', async () => {
      interface Out {
        key: string;
        seq: number;
        window: number[];
      }
      class LastThree extends KeyedProcessFunction<string, Ev, Out> {
        private list!: ListState<number>;
        private count!: ValueState<number, number>;
        override open(): void {
          this.list = this.getRuntimeContext().getListState(new ListStateDescriptor<number>('last-three'));
          this.count = this.getRuntimeContext().getState(new ValueStateDescriptor('count', 0));
        }
        processElement(e: Ev, ctx: KeyedProcessContext<string>, out: Collector<Out>): void {
          const n = this.count.value() + 1;
          this.count.update(n);
          if (n % 10 === 0) this.list.clear();
          this.list.add(e.v);
          const all = [...this.list.get()];
          if (all.length > 3) this.list.update(all.slice(-3));
          out.collect({ key: ctx.getCurrentKey(), seq: e.seq, window: [...this.list.get()] });
        }
      }
      const sink = await runKeyed<Out>(parallelism, (env) =>
        env
          .fromCollection(events)
          .keyBy((e) => e.key)
          .process(new LastThree()),
      );

      const expected: Out[] = [];
      const lists = new Map<string, number[]>();
      const counts = new Map<string, number>();
      for (const e of events) {
        const n = (counts.get(e.key) ?? 0) + 1;
        counts.set(e.key, n);
        let list = n % 10 === 0 ? [] : (lists.get(e.key) ?? []);
        list = [...list, e.v].slice(-3);
        lists.set(e.key, list);
        expected.push({ key: e.key, seq: e.seq, window: list });
      }
      assert.deepEqual(byKey(sink.values), byKey(expected));
    });

    it('MapState put, get, contains, remove, entries and isEmpty count values per bucket', async () => {
      interface Out {
        key: string;
        seq: number;
        buckets: Array<[number, number]>;
        hasZero: boolean;
        empty: boolean;
      }
      class Buckets extends RichFlatMapFunction<Ev, Out> {
        private map!: MapState<number, number>;
        override open(): void {
          this.map = this.getRuntimeContext().getMapState(new MapStateDescriptor<number, number>('buckets'));
        }
        flatMap(e: Ev, out: Collector<Out>): void {
          const bucket = ((e.v % 4) + 4) % 4;
          const n = (this.map.get(bucket) ?? 0) + 1;
          // A bucket that reaches 3 is emptied; the key's map may become empty.
          if (n === 3) this.map.remove(bucket);
          else this.map.put(bucket, n);
          out.collect({
            key: e.key,
            seq: e.seq,
            buckets: [...this.map.entries()].sort((a, b) => a[0] - b[0]),
            hasZero: this.map.contains(0),
            empty: this.map.isEmpty(),
          });
        }
      }
      const sink = await runKeyed<Out>(parallelism, (env) =>
        env
          .fromCollection(events)
          .keyBy((e) => e.key)
          .flatMap(new Buckets()),
      );

      const expected: Out[] = [];
      const maps = new Map<string, Map<number, number>>();
      for (const e of events) {
        const map = maps.get(e.key) ?? new Map<number, number>();
        maps.set(e.key, map);
        const bucket = ((e.v % 4) + 4) % 4;
        const n = (map.get(bucket) ?? 0) + 1;
        if (n === 3) map.delete(bucket);
        else map.set(bucket, n);
        expected.push({
          key: e.key,
          seq: e.seq,
          buckets: [...map.entries()].sort((a, b) => a[0] - b[0]),
          hasZero: map.has(0),
          empty: map.size === 0,
        });
      }
      assert.deepEqual(byKey(sink.values), byKey(expected));
      assert.ok(
        sink.values.some((o) => o.empty),
        'the input should empty some map, to check isEmpty',
      );
    });

    it('ReducingState and AggregatingState give the running max and average of each key', async () => {
      interface Out {
        key: string;
        seq: number;
        max: number | undefined;
        average: number | undefined;
      }
      class Stats extends KeyedProcessFunction<string, Ev, Out> {
        private max!: ReducingState<number>;
        private average!: AggregatingState<number, number>;
        override open(): void {
          const ctx = this.getRuntimeContext();
          this.max = ctx.getReducingState(
            new ReducingStateDescriptor<number>('max', (a, b) => Math.max(a, b)),
          );
          this.average = ctx.getAggregatingState(
            new AggregatingStateDescriptor('average', {
              createAccumulator: () => ({ sum: 0, count: 0 }),
              add: (v: number, acc: { sum: number; count: number }) => ({
                sum: acc.sum + v,
                count: acc.count + 1,
              }),
              getResult: (acc: { sum: number; count: number }) => acc.sum / acc.count,
              merge: (a: { sum: number; count: number }, b: { sum: number; count: number }) => ({
                sum: a.sum + b.sum,
                count: a.count + b.count,
              }),
            }),
          );
        }
        processElement(e: Ev, ctx: KeyedProcessContext<string>, out: Collector<Out>): void {
          // Before the key's first add, both read undefined.
          const before = { max: this.max.get(), average: this.average.get() };
          this.max.add(e.v);
          this.average.add(e.v);
          out.collect({ key: ctx.getCurrentKey(), seq: e.seq, ...before });
          out.collect({
            key: ctx.getCurrentKey(),
            seq: e.seq,
            max: this.max.get(),
            average: this.average.get(),
          });
        }
      }
      const sink = await runKeyed<Out>(parallelism, (env) =>
        env
          .fromCollection(events)
          .keyBy((e) => e.key)
          .process(new Stats()),
      );

      const expected: Out[] = [];
      const acc = new Map<string, { max: number; sum: number; count: number }>();
      for (const e of events) {
        const a = acc.get(e.key);
        expected.push({ key: e.key, seq: e.seq, max: a?.max, average: a ? a.sum / a.count : undefined });
        const next = a
          ? { max: Math.max(a.max, e.v), sum: a.sum + e.v, count: a.count + 1 }
          : { max: e.v, sum: e.v, count: 1 };
        acc.set(e.key, next);
        expected.push({ key: e.key, seq: e.seq, max: next.max, average: next.sum / next.count });
      }
      assert.deepEqual(byKey(sink.values), byKey(expected));
    });

    it('keeps keys isolated, also when many keys share a key group', async () => {
      // maxParallelism 4: 23 keys over 4 key groups, so most key groups hold several keys.
      interface Out {
        key: string;
        seq: number;
        clean: boolean;
        count: number;
        sum: number;
      }
      class Isolated extends KeyedProcessFunction<string, Ev, Out> {
        private count!: ValueState<number>;
        private seen!: ListState<string>;
        private perKey!: MapState<string, number>;
        private sum!: ReducingState<number>;
        override open(): void {
          const ctx = this.getRuntimeContext();
          this.count = ctx.getState(new ValueStateDescriptor<number>('count'));
          this.seen = ctx.getListState(new ListStateDescriptor<string>('seen'));
          this.perKey = ctx.getMapState(new MapStateDescriptor<string, number>('per-key'));
          this.sum = ctx.getReducingState(new ReducingStateDescriptor<number>('sum', (a, b) => a + b));
        }
        processElement(e: Ev, ctx: KeyedProcessContext<string>, out: Collector<Out>): void {
          const key = ctx.getCurrentKey();
          const first = this.count.value() === undefined;
          // Every state of a new key is empty, and what a key stored only mentions that key.
          const clean = first
            ? [...this.seen.get()].length === 0 && this.perKey.isEmpty() && this.sum.get() === undefined
            : [...this.seen.get()].every((k) => k === key) && [...this.perKey.keys()].every((k) => k === key);
          const count = (this.count.value() ?? 0) + 1;
          this.count.update(count);
          this.seen.add(key);
          this.perKey.put(key, count);
          this.sum.add(e.v);
          out.collect({ key, seq: e.seq, clean, count, sum: this.sum.get()! });
        }
      }
      const sink = await runKeyed<Out>(
        parallelism,
        (env) =>
          env
            .fromCollection(events)
            .keyBy((e) => e.key)
            .process(new Isolated()),
        4,
      );
      assert.equal(sink.values.length, events.length);
      assert.deepEqual(
        sink.values.filter((o) => !o.clean),
        [],
      );
      const expected: Out[] = [];
      const counts = new Map<string, { count: number; sum: number }>();
      for (const e of events) {
        const c = counts.get(e.key) ?? { count: 0, sum: 0 };
        c.count++;
        c.sum += e.v;
        counts.set(e.key, c);
        expected.push({ key: e.key, seq: e.seq, clean: true, count: c.count, sum: c.sum });
      }
      assert.deepEqual(byKey(sink.values), byKey(expected));
    });

    interface Row {
      k: string;
      a: number;
      b: number;
      tag: string;
    }
    const rows: Row[] = [
      { k: 'x', a: 5, b: 1, tag: 'x1' },
      { k: 'y', a: 3, b: 9, tag: 'y1' },
      { k: 'x', a: 2, b: 7, tag: 'x2' },
      { k: 'x', a: 2, b: 3, tag: 'x3' },
      { k: 'y', a: 8, b: 2, tag: 'y2' },
      { k: 'x', a: 9, b: 0, tag: 'x4' },
      { k: 'y', a: 8, b: 5, tag: 'y3' },
      { k: 'x', a: 1, b: 4, tag: 'x5' },
      { k: 'y', a: 3, b: 6, tag: 'y4' },
    ];
    const keyed = (env: StreamExecutionEnvironment) => env.fromCollection(rows).keyBy((r) => r.k);
    const rolling = async (fn: (s: ReturnType<typeof keyed>) => { sinkTo(s: CollectSink<Row>): unknown }) => {
      const sink = await runKeyed<Row>(parallelism, (env) => fn(keyed(env)));
      return groupBy(sink.values, (r) => r.k);
    };
    const x = (...xs: Array<[number, number, string]>) => xs.map(([a, b, tag]) => ({ k: 'x', a, b, tag }));
    const y = (...ys: Array<[number, number, string]>) => ys.map(([a, b, tag]) => ({ k: 'y', a, b, tag }));

    it('sum(field) emits the running sum with the other fields of the key first record', async () => {
      const got = await rolling((s) => s.sum('a'));
      assert.deepEqual(
        got.get('x'),
        x([5, 1, 'x1'], [7, 1, 'x1'], [9, 1, 'x1'], [18, 1, 'x1'], [19, 1, 'x1']),
      );
      assert.deepEqual(got.get('y'), y([3, 9, 'y1'], [11, 9, 'y1'], [19, 9, 'y1'], [22, 9, 'y1']));
    });

    it('min(field) and max(field) emit the running extreme with the other fields of the key first record', async () => {
      const min = await rolling((s) => s.min('a'));
      assert.deepEqual(min.get('x'), x([5, 1, 'x1'], [2, 1, 'x1'], [2, 1, 'x1'], [2, 1, 'x1'], [1, 1, 'x1']));
      assert.deepEqual(min.get('y'), y([3, 9, 'y1'], [3, 9, 'y1'], [3, 9, 'y1'], [3, 9, 'y1']));
      const max = await rolling((s) => s.max('b'));
      assert.deepEqual(max.get('x'), x([5, 1, 'x1'], [5, 7, 'x1'], [5, 7, 'x1'], [5, 7, 'x1'], [5, 7, 'x1']));
      assert.deepEqual(max.get('y'), y([3, 9, 'y1'], [3, 9, 'y1'], [3, 9, 'y1'], [3, 9, 'y1']));
    });

    it('minBy(field) and maxBy(field) emit the whole record holding the extreme, the first one on ties', async () => {
      const minBy = await rolling((s) => s.minBy('a'));
      assert.deepEqual(
        minBy.get('x'),
        x([5, 1, 'x1'], [2, 7, 'x2'], [2, 7, 'x2'], [2, 7, 'x2'], [1, 4, 'x5']),
      );
      assert.deepEqual(minBy.get('y'), y([3, 9, 'y1'], [3, 9, 'y1'], [3, 9, 'y1'], [3, 9, 'y1']));
      const maxBy = await rolling((s) => s.maxBy('a'));
      assert.deepEqual(
        maxBy.get('x'),
        x([5, 1, 'x1'], [5, 1, 'x1'], [5, 1, 'x1'], [9, 0, 'x4'], [9, 0, 'x4']),
      );
      assert.deepEqual(maxBy.get('y'), y([3, 9, 'y1'], [8, 2, 'y2'], [8, 2, 'y2'], [8, 2, 'y2']));
    });

    it('rolling aggregations match a plain computation on a larger input', async () => {
      const data = events.map((e) => ({ key: e.key, v: e.v, w: (e.seq * 13) % 7, seq: e.seq }));
      type D = (typeof data)[number];
      const reference = (kind: 'sum' | 'min' | 'max' | 'minBy' | 'maxBy'): D[] => {
        const state = new Map<string, D>();
        return data.map((d) => {
          const c = state.get(d.key);
          let next: D;
          if (c === undefined) next = d;
          else if (kind === 'sum') next = { ...c, v: c.v + d.v };
          else if (kind === 'min') next = d.v < c.v ? { ...c, v: d.v } : c;
          else if (kind === 'max') next = d.v > c.v ? { ...c, v: d.v } : c;
          else if (kind === 'minBy') next = d.v < c.v ? d : c;
          else next = d.v > c.v ? d : c;
          state.set(d.key, next);
          return next;
        });
      };
      for (const kind of ['sum', 'min', 'max', 'minBy', 'maxBy'] as const) {
        const sink = await runKeyed<D>(parallelism, (env) =>
          env
            .fromCollection(data)
            .keyBy((d) => d.key)
            [kind]('v'),
        );
        assert.deepEqual(byKey(sink.values), byKey(reference(kind)), kind);
      }
    });

    it('aggregates a stream of numbers without a field', async () => {
      const numbers = [3, -1, 4, -1, 5, -9, 2, -6];
      const run = async (kind: 'sum' | 'min' | 'max') => {
        const sink = await runKeyed<number>(parallelism, (env) =>
          env
            .fromCollection(numbers)
            .keyBy((n) => n > 0)
            [kind](),
        );
        // Aggregates of positive numbers stay positive, of negative ones negative.
        return groupBy(sink.values, (n) => n > 0);
      };
      const sums = await run('sum');
      assert.deepEqual(sums.get(true), [3, 7, 12, 14]);
      assert.deepEqual(sums.get(false), [-1, -2, -11, -17]);
      const max = await run('max');
      assert.deepEqual(max.get(true), [3, 4, 5, 5]);
      assert.deepEqual(max.get(false), [-1, -1, -1, -1]);
      const min = await run('min');
      assert.deepEqual(min.get(true), [3, 3, 3, 2]);
      assert.deepEqual(min.get(false), [-1, -1, -9, -9]);
    });

    it('reduce emits the reduced value of the key after every record', async () => {
      // The reduced record keeps the key, sums v and carries the seq of the latest record.
      const sink = await runKeyed<Ev>(parallelism, (env) =>
        env
          .fromCollection(events)
          .keyBy((e) => e.key)
          .reduce((a, b) => ({ key: a.key, v: a.v + b.v, seq: b.seq })),
      );
      assert.equal(sink.values.length, events.length);
      const expected: Ev[] = [];
      const totals = new Map<string, Ev>();
      for (const e of events) {
        const c = totals.get(e.key);
        const next = c ? { key: e.key, v: c.v + e.v, seq: e.seq } : e;
        totals.set(e.key, next);
        expected.push(next);
      }
      assert.deepEqual(byKey(sink.values), byKey(expected));
    });
  });
}

describe('keyed state on a non-keyed stream', () => {
  it('getState in open() fails the job with STATE_ERROR naming the operator', async () => {
    class Unkeyed extends RichMapFunction<number, number> {
      override open(): void {
        this.getRuntimeContext().getState(new ValueStateDescriptor('count', 0));
      }
      map(n: number): number {
        return n;
      }
    }
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    env.fromElements(1, 2, 3).map(new Unkeyed()).name('unkeyed-counter').sinkTo(new CollectSink<number>());
    await assert.rejects(env.execute(), (error: unknown) => {
      assert.ok(isWeirError(error, 'STATE_ERROR'), `expected STATE_ERROR, got ${String(error)}`);
      assert.match(error.message, /unkeyed-counter/);
      assert.match(error.message, /keyed stream|keyBy/);
      return true;
    });
  });

  it('getListState while processing a record fails the job with STATE_ERROR naming the operator', async () => {
    class Lazy extends ProcessFunction<number, number> {
      processElement(n: number, _ctx: ProcessContext, out: Collector<number>): void {
        this.getRuntimeContext().getListState(new ListStateDescriptor<number>('seen')).add(n);
        out.collect(n);
      }
    }
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    env.fromSequence(1, 10).process(new Lazy()).name('lazy-lister').sinkTo(new CollectSink<number>());
    await assert.rejects(env.execute(), (error: unknown) => {
      assert.ok(isWeirError(error, 'STATE_ERROR'), `expected STATE_ERROR, got ${String(error)}`);
      assert.match(error.message, /lazy-lister/);
      return true;
    });
  });
});
