import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  type Collector,
  DataGeneratorSource,
  type KeyedProcessContext,
  KeyedProcessFunction,
  type ListState,
  ListStateDescriptor,
  LmdbKeyedStateBackend,
  type MapState,
  MapStateDescriptor,
  RestartStrategies,
  SlidingEventTimeWindows,
  type StateBackendSpec,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from 'weir';
import { CollectSink } from 'weir/testing';
import { setExecutionContext } from '../../src/api/executor.ts';
import { isStreamedTaskState } from '../../src/checkpoint/streamed-task-state.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { sorted } from './helpers.ts';

interface Ev {
  key: string;
  v: number;
  seq: number;
  ts: number;
}

/** Deterministic input: 6,000 events over 1,500 keys, timestamps increasing. */
const events: Ev[] = Array.from({ length: 6_000 }, (_, i) => ({
  key: `user-${(i * 7919) % 1_500}`,
  v: (i * 37) % 29,
  seq: i,
  ts: i * 10,
}));

interface Out {
  key: string;
  count: number;
  slots: number[];
  recent: number[];
}

/** A running count per key, with map and list state besides: every state kind a job uses most. */
class CountPerKey extends KeyedProcessFunction<string, Ev, Out> {
  private count!: ValueState<number, number>;
  private slots!: MapState<number, number>;
  private recent!: ListState<number>;
  override open(): void {
    const ctx = this.getRuntimeContext();
    this.count = ctx.getState(new ValueStateDescriptor('count', 0));
    this.slots = ctx.getMapState(new MapStateDescriptor<number, number>('slots'));
    this.recent = ctx.getListState(new ListStateDescriptor<number>('recent'));
  }
  processElement(e: Ev, ctx: KeyedProcessContext<string>, out: Collector<Out>): void {
    const count = this.count.value() + 1;
    this.count.update(count);
    this.slots.put(e.v % 4, (this.slots.get(e.v % 4) ?? 0) + e.v);
    this.recent.add(e.seq);
    const recent = [...this.recent.get()];
    if (recent.length > 2) this.recent.update(recent.slice(-2));
    out.collect({
      key: ctx.getCurrentKey(),
      count,
      slots: [...this.slots.keys()].sort(),
      recent: [...this.recent.get()],
    });
  }
}

/** Small write batches: the job's state goes through LMDB many times, not only through the cache. */
const lmdb = (extra: Partial<Extract<StateBackendSpec, { kind: 'lmdb' }>> = {}): StateBackendSpec => ({
  kind: 'lmdb',
  writeBatchSize: 64,
  ...extra,
});

async function run<R>(
  parallelism: number,
  backend: StateBackendSpec,
  shape: (env: StreamExecutionEnvironment) => { sinkTo(s: CollectSink<R>): unknown },
): Promise<R[]> {
  const env = StreamExecutionEnvironment.createLocalEnvironment(parallelism);
  env.setStateBackend(backend);
  const sink = new CollectSink<R>();
  shape(env).sinkTo(sink);
  await env.execute(`lmdb state at ${parallelism}`);
  return sink.values;
}

const byValue = <T>(values: T[]) => sorted(values.map((v) => JSON.stringify(v)));

const punctuated = WatermarkStrategy.forGenerator<Ev>(() => ({
  onEvent(_e, ts, out) {
    out.emitWatermark(ts - 1);
  },
  onPeriodicEmit() {},
})).withTimestampAssigner((e) => e.ts);

describe('the LMDB state backend in jobs', () => {
  for (const parallelism of [1, 2]) {
    it(`a keyed count gives the same results as on the heap, at parallelism ${parallelism}`, async () => {
      const job = (env: StreamExecutionEnvironment) =>
        env
          .fromCollection(events)
          .keyBy((e) => e.key)
          .process(new CountPerKey());
      const onHeap = await run(parallelism, { kind: 'heap' }, job);
      const onLmdb = await run(parallelism, lmdb(), job);
      assert.equal(onLmdb.length, events.length);
      assert.deepEqual(byValue(onLmdb), byValue(onHeap));
      const last = onLmdb.filter((o) => o.key === 'user-0').at(-1)!;
      assert.equal(last.count, 4, 'each of the 1,500 keys is seen 4 times');
    });

    it(`built-in keyed operators (sum, windows) keep their state on LMDB, at parallelism ${parallelism}`, async () => {
      const sums = (env: StreamExecutionEnvironment) =>
        env
          .fromCollection(events)
          .keyBy((e) => e.key)
          .sum('v');
      assert.deepEqual(
        byValue(await run(parallelism, lmdb(), sums)),
        byValue(await run(parallelism, { kind: 'heap' }, sums)),
      );

      // Window results that do not depend on the order in which a window's records arrive.
      const windowed = (env: StreamExecutionEnvironment, prefix: number) =>
        env
          .fromCollection(events)
          .assignTimestampsAndWatermarks(punctuated)
          .map((e) => ({ key: e.key.slice(0, prefix), v: e.v, seq: e.seq, ts: e.ts }))
          .keyBy((e) => e.key);
      const max = (a: Ev, b: Ev) => ({
        key: a.key,
        v: a.v + b.v,
        seq: Math.max(a.seq, b.seq),
        ts: Math.max(a.ts, b.ts),
      });
      const tumbling = (env: StreamExecutionEnvironment) =>
        windowed(env, 7).window(TumblingEventTimeWindows.of(5_000)).reduce(max);
      const windowsOnLmdb = await run(parallelism, lmdb(), tumbling);
      assert.ok(windowsOnLmdb.length > 100);
      assert.deepEqual(byValue(windowsOnLmdb), byValue(await run(parallelism, { kind: 'heap' }, tumbling)));

      const sliding = (env: StreamExecutionEnvironment) =>
        windowed(env, 6).window(SlidingEventTimeWindows.of(4_000, 1_000)).reduce(max);
      assert.deepEqual(
        byValue(await run(parallelism, lmdb(), sliding)),
        byValue(await run(parallelism, { kind: 'heap' }, sliding)),
      );
    });
  }

  it('keeps one environment per operator and subtask under the configured path, and removes them at the end', async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-lmdb-job-'));
    try {
      const seen: string[] = [];
      class Look extends KeyedProcessFunction<string, Ev, number> {
        override open(): void {
          // Every subtask's backend exists by the time its function opens.
          for (const job of fs.readdirSync(base)) {
            for (const dir of fs.readdirSync(path.join(base, job))) seen.push(`${job.slice(0, 4)}/${dir}`);
          }
        }
        processElement(e: Ev, _ctx: KeyedProcessContext<string>, out: Collector<number>): void {
          out.collect(e.seq);
        }
      }
      const values = await run(2, lmdb({ path: base }), (env) =>
        env
          .fromCollection(events.slice(0, 100))
          .keyBy((e) => e.key)
          .process(new Look())
          .uid('look/at dirs'),
      );
      assert.equal(values.length, 100);
      for (const subtask of [0, 1]) {
        assert.ok(
          seen.includes(`job-/look%2Fat%20dirs-${subtask}-0`),
          `directories seen: ${seen.join(', ')}`,
        );
      }
      assert.deepEqual(fs.readdirSync(base), [], 'every environment, and the job directory, removed');
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });

  it('restores keyed state from checkpoints after failures, into fresh environments', async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-lmdb-job-'));
    try {
      const events = 20_000;
      const keys = 500;
      const faults = [4_000, 13_000];
      const injected = new Set<number>();
      const sink = new CollectSink<[number, number]>();
      const env = StreamExecutionEnvironment.createLocalEnvironment(1);
      env.setStateBackend(lmdb({ path: base }));
      env.enableCheckpointing(50);
      env.setRestartStrategy(RestartStrategies.fixedDelayRestart(5, 10));
      env
        .fromSource(
          new DataGeneratorSource((i) => i, events, { rateLimit: 40_000 }),
          WatermarkStrategy.noWatermarks(),
          'numbers',
        )
        .map((i) => {
          if (faults.includes(i) && !injected.has(i)) {
            injected.add(i);
            throw new Error(`injected fault at ${i}`);
          }
          return i;
        })
        .keyBy((i) => i % keys)
        .process(
          new (class extends KeyedProcessFunction<number, number, [number, number]> {
            private count!: ValueState<number, number>;
            override open(): void {
              this.count = this.getRuntimeContext().getState(new ValueStateDescriptor('count', 0));
            }
            processElement(
              _v: number,
              ctx: KeyedProcessContext<number>,
              out: Collector<[number, number]>,
            ): void {
              const n = this.count.value() + 1;
              this.count.update(n);
              out.collect([ctx.getCurrentKey(), n]);
            }
          })(),
        )
        .sinkTo(sink);
      const client = await env.executeAsync('lmdb keyed count with failures');
      await client.getJobExecutionResult();
      assert.equal(injected.size, 2);
      assert.equal(client.getCheckpointStatistics!().restarts, 2);
      const finals = new Map<number, number>();
      for (const [k, n] of sink.values) finals.set(k, Math.max(finals.get(k) ?? 0, n));
      assert.equal(finals.size, keys);
      for (const [k, n] of finals) assert.equal(n, events / keys, `final count of key ${k}`);
      assert.deepEqual(fs.readdirSync(base), [], 'the environments of every attempt are removed');
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });

  it('writes its snapshots as a stream to checkpoint files, which restore into the heap backend', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-lmdb-savepoint-'));
    try {
      const events = 60_000;
      const keys = 3_000;
      const job = (backend: StateBackendSpec, sink: CollectSink<[number, number]>, rate: number) => {
        const env = StreamExecutionEnvironment.createLocalEnvironment(1);
        env.setStateBackend(backend);
        env.enableCheckpointing(200);
        env.getCheckpointConfig().setCheckpointStorage(path.join(dir, 'checkpoints'));
        env
          .fromSource(
            new DataGeneratorSource((i) => i, events, { rateLimit: rate }),
            WatermarkStrategy.noWatermarks(),
            'numbers',
          )
          .keyBy((i) => i % keys)
          .process(
            new (class extends KeyedProcessFunction<number, number, [number, number]> {
              private count!: ValueState<number, number>;
              override open(): void {
                this.count = this.getRuntimeContext().getState(new ValueStateDescriptor('count', 0));
              }
              processElement(
                _v: number,
                ctx: KeyedProcessContext<number>,
                out: Collector<[number, number]>,
              ): void {
                const n = this.count.value() + 1;
                this.count.update(n);
                out.collect([ctx.getCurrentKey(), n]);
              }
            })(),
          )
          .uid('counts')
          .sinkTo(sink);
        return env;
      };
      const first = new CollectSink<[number, number]>();
      const client = await job(lmdb(), first, 50_000).executeAsync('lmdb counts');
      await new Promise<void>((resolve) => {
        const check = () => (first.values.length >= 2 * keys ? resolve() : setImmediate(check));
        check();
      });
      const savepoint = await client.stopWithSavepoint!(path.join(dir, 'savepoints'));
      await client.getJobExecutionResult();
      const files = fs.readdirSync(savepoint).filter((f) => f.endsWith('.state'));
      const streamed = files.filter((f) => isStreamedTaskState(fs.readFileSync(path.join(savepoint, f))));
      assert.ok(streamed.length >= 1, `the keyed operator's file is streamed (${files.join(', ')})`);

      setExecutionContext({ restore: { path: savepoint, kind: 'savepoint', allowNonRestoredState: false } });
      const second = new CollectSink<[number, number]>();
      try {
        await (
          await job({ kind: 'heap' }, second, 1_000_000).executeAsync('heap counts')
        ).getJobExecutionResult();
      } finally {
        setExecutionContext(undefined);
      }
      const last = new Map<number, number>();
      for (const [k, n] of first.values) last.set(k, Math.max(last.get(k) ?? 0, n));
      const counts = new Map<number, number[]>();
      for (const [k, n] of second.values) (counts.get(k) ?? counts.set(k, []).get(k)!).push(n);
      assert.equal(first.values.length + second.values.length, events, 'every record counted once');
      for (const [k, ns] of counts) {
        assert.equal(Math.min(...ns), (last.get(k) ?? 0) + 1, `the count of key ${k} continues`);
        assert.equal(Math.max(...ns), events / keys, `the final count of key ${k}`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('selects the backend by name, and refuses unknown ones', () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    assert.deepEqual(env.getStateBackend(), { kind: 'heap' });
    env.setStateBackend('lmdb');
    assert.deepEqual(env.getStateBackend(), { kind: 'lmdb' });
    env.fromElements(1).print();
    assert.deepEqual(env.getJobGraph().config.stateBackend, { kind: 'lmdb' });
    assert.throws(() => env.setStateBackend('rocksdb' as 'heap'), /unknown state backend "rocksdb"/);
    assert.throws(() => env.setStateBackend({ kind: 'lmdb', writeBatchSize: 0 }), /writeBatchSize/);
  });
});

/** A full garbage collection (the flag can be set at run time; `gc` is then found in a new context). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

describe('state larger than the heap would hold comfortably', () => {
  it('keeps a million keys with 100-byte values off the V8 heap, and reads them back', () => {
    const backend = new LmdbKeyedStateBackend({
      maxParallelism: 128,
      keyGroupRange: { start: 0, end: 127 },
      clock: new ManualClock(0),
      writeBatchSize: 65_536,
    });
    try {
      const profile = backend.getState(new ValueStateDescriptor<{ id: number; note: string }>('profile'));
      const note = 'n'.repeat(100);
      collectGarbage();
      const heapBefore = process.memoryUsage().heapUsed;
      const keys = 1_000_000;
      for (let i = 0; i < keys; i++) {
        backend.setCurrentKey(i);
        profile.update({ id: i, note });
      }
      backend.flush();
      collectGarbage(); // count what is still reachable, not garbage the collector has not reached yet
      const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
      // On the heap, a million such objects and their Map entries take well over 100 MB.
      assert.ok(heapGrowth < 64 * 2 ** 20, `the V8 heap grew by ${(heapGrowth / 2 ** 20).toFixed(0)} MiB`);
      assert.equal(backend.size(), keys);
      for (let i = 0; i < keys; i += 9_973) {
        backend.setCurrentKey(i);
        assert.deepEqual(profile.value(), { id: i, note });
      }
    } finally {
      backend.dispose();
    }
  });
});
