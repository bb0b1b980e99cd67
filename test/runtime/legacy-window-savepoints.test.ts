/**
 * Savepoints of the general window operator restored into the operators that now run its common
 * cases (src/runtime/operators/legacy-window-slots.ts): `time-window` (tumbling and sliding),
 * `session-window`, and `window-co-group` (window joins, which were a union of tagged inputs into the
 * general operator). The old savepoint is written by the general operator itself: an explicit
 * trigger equal to the default keeps it in the plan, so the first run of each test is the job as
 * the previous Weir planned it. That run stops with a savepoint while its windows are open (the
 * watermark, 100 ms out of order, stays behind them); the second run, planned with the new
 * operator under the same uid, restores it, receives more elements, and must emit every window
 * with the elements of both runs, on the heap and LMDB backends. Without the migration the first
 * run's elements are lost. What cannot be carried over fails the restore, naming uid and reason.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import {
  type Collector,
  CountTrigger,
  type DataStream,
  EventTimeSessionWindows,
  EventTimeTrigger,
  milliseconds,
  type ProcessWindowContext,
  RestartStrategies,
  SlidingEventTimeWindows,
  StreamExecutionEnvironment,
  type TimeWindow,
  type Trigger,
  TumblingEventTimeWindows,
  WatermarkStrategy,
  WeirError,
} from 'weir';
import { CollectSink } from 'weir/testing';
import { setExecutionContext } from '../../src/api/executor.ts';
import { ControlledSource, sorted, waitFor } from './helpers.ts';

interface Ev {
  k: string;
  t: number;
  /** Join side, for the join test. */
  side?: 'L' | 'R';
}

type Backend = 'heap' | 'lmdb';
/** Which plan a run gets: the general operator (as before the new operators) or the new one. */
type Plan = 'general' | 'new';

/** A window's output: key, window, and the element times in order. */
function describeWindow(key: string, ctx: ProcessWindowContext<TimeWindow>, items: Iterable<Ev>): string {
  const w = ctx.window();
  return `${key} [${w.getStart()},${w.getEnd()}) ${[...items]
    .map((e) => e.t)
    .sort((a, b) => a - b)
    .join(',')}`;
}

/** The windows of a job: `windows` builds them from the keyed, timestamped events. */
type Windows = (events: DataStream<Ev>, plan: Plan) => DataStream<string>;

interface Run {
  source: ControlledSource<Ev>;
  sink: CollectSink<string>;
  env: StreamExecutionEnvironment;
}

function build(backend: Backend, plan: Plan, windows: Windows): Run {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.setParallelism(1);
  // Short: a job's end waits for a final checkpoint.
  env.enableCheckpointing(50);
  env.setRestartStrategy(RestartStrategies.noRestart());
  if (backend === 'lmdb') env.setStateBackend('lmdb');
  const source = new ControlledSource<Ev>();
  const sink = new CollectSink<string>();
  const events = env
    .fromSource(source, WatermarkStrategy.forBoundedOutOfOrderness<Ev>(milliseconds(100)), 'events')
    .uid('events');
  windows(events, plan).sinkTo(sink).uid('sink');
  return { source, sink, env };
}

function kinds(env: StreamExecutionEnvironment): string[] {
  return env.getJobGraph().vertices.flatMap((v) => v.operators.map((o) => o.kind));
}

function push(source: ControlledSource<Ev>, events: Ev[]): void {
  for (const e of events) source.push(0, e, e.t);
}

let dir = '';
afterEach(() => {
  setExecutionContext(undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

/**
 * Runs the general-operator plan on `before`, stops it with a savepoint once it emitted
 * `firedBefore` rows (0: no window fired, the watermark is behind every window end), restores into
 * the new plan, runs `after` to the end, and returns both runs' output.
 */
async function upgrade(
  backend: Backend,
  windows: Windows,
  newKind: string,
  before: Ev[],
  after: Ev[],
  firedBefore = 0,
): Promise<{ first: string[]; second: string[] }> {
  dir = mkdtempSync(join(tmpdir(), 'weir-legacy-windows-'));
  const old = build(backend, 'general', windows);
  assert.ok(kinds(old.env).includes('window') && !kinds(old.env).includes(newKind), kinds(old.env).join());
  push(old.source, before);
  const client = await old.env.executeAsync('general window operator');
  await waitFor(() => old.source.emitted[0] === before.length, 'the first run to read its events');
  await waitFor(() => old.sink.values.length === firedBefore, 'the first run to fire its windows');
  const savepoint = await client.stopWithSavepoint!(join(dir, 'savepoints'));
  await client.getJobExecutionResult();

  setExecutionContext({ restore: { path: savepoint, kind: 'savepoint', allowNonRestoredState: false } });
  const next = build(backend, 'new', windows);
  assert.ok(kinds(next.env).includes(newKind) && !kinds(next.env).includes('window'), kinds(next.env).join());
  push(next.source, after);
  next.source.end();
  await (await next.env.executeAsync('new window operator')).getJobExecutionResult();
  return { first: old.sink.values, second: next.sink.values };
}

const events = (k: string, ...times: number[]): Ev[] => times.map((t) => ({ k, t }));

for (const backend of ['heap', 'lmdb'] as const) {
  describe(`a savepoint of the general window operator restores into the new operators (${backend})`, () => {
    it('tumbling windows (time-window): aggregate accumulators and timers carry over; no uid needed', async () => {
      // No uid on the window: its derived uid (window-<id>) is the same in both plans.
      const windows: Windows = (s, plan) => {
        let w = s.keyBy((e) => e.k).window(TumblingEventTimeWindows.of(10));
        if (plan === 'general') w = w.trigger(EventTimeTrigger.create());
        return w.aggregate(
          {
            createAccumulator: () => [] as number[],
            add: (e: Ev, acc: number[]) => [...acc, e.t],
            getResult: (acc: number[]) => acc,
            merge: (a: number[], b: number[]) => [...a, ...b],
          },
          (
            key: string,
            ctx: ProcessWindowContext<TimeWindow>,
            all: Iterable<number[]>,
            out: Collector<string>,
          ) => {
            for (const ts of all)
              out.collect(`${key} [${ctx.window().getStart()},${ctx.window().getEnd()}) ${ts.join(',')}`);
          },
        );
      };
      const { first, second } = await upgrade(
        backend,
        windows,
        'time-window',
        [...events('a', 1, 2, 11), ...events('b', 3, 12)],
        [...events('a', 13, 25), ...events('b', 14)],
      );
      assert.deepEqual(first, [], 'no window fired before the savepoint');
      assert.deepEqual(sorted(second), [
        'a [0,10) 1,2',
        'a [10,20) 11,13',
        'a [20,30) 25',
        'b [0,10) 3',
        'b [10,20) 12,14',
      ]);
    });

    it('a window that fired and waits out its allowed lateness carries over: a late element fires it again whole', async () => {
      const windows: Windows = (s, plan) => {
        let w = s
          .keyBy((e) => e.k)
          .window(TumblingEventTimeWindows.of(10))
          .allowedLateness(500);
        if (plan === 'general') w = w.trigger(EventTimeTrigger.create());
        return w
          .process(
            (
              key: string,
              ctx: ProcessWindowContext<TimeWindow>,
              items: Iterable<Ev>,
              out: Collector<string>,
            ) => out.collect(describeWindow(key, ctx, items)),
          )
          .uid('late');
      };
      // 120 moves the watermark to 19: [0, 10) fires before the savepoint and is kept until 509.
      const { first, second } = await upgrade(
        backend,
        windows,
        'time-window',
        events('a', 1, 2, 120),
        events('a', 5),
        1,
      );
      assert.deepEqual(first, ['a [0,10) 1,2']);
      assert.deepEqual(sorted(second), ['a [0,10) 1,2,5', 'a [120,130) 120']);
    });

    it('rescales: windows of a parallelism-2 savepoint restore at parallelism 3, by key group', async () => {
      const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
      const windows: Windows = (s, plan) => {
        let w = s.keyBy((e) => e.k).window(TumblingEventTimeWindows.of(10));
        if (plan === 'general') w = w.trigger(EventTimeTrigger.create());
        return w
          .process(
            (
              key: string,
              ctx: ProcessWindowContext<TimeWindow>,
              items: Iterable<Ev>,
              out: Collector<string>,
            ) => out.collect(describeWindow(key, ctx, items)),
          )
          .setParallelism(plan === 'general' ? 2 : 3)
          .uid('rescaled');
      };
      const { first, second } = await upgrade(
        backend,
        windows,
        'time-window',
        keys.flatMap((k) => events(k, 1, 12)),
        keys.flatMap((k) => events(k, 5, 15)),
      );
      assert.deepEqual(first, []);
      assert.deepEqual(
        sorted(second),
        sorted(keys.flatMap((k) => [`${k} [0,10) 1,5`, `${k} [10,20) 12,15`])),
      );
    });

    it('sliding windows (time-window): element lists carry over into every window of an element', async () => {
      const windows: Windows = (s, plan) => {
        let w = s.keyBy((e) => e.k).window(SlidingEventTimeWindows.of(10, 5));
        if (plan === 'general') w = w.trigger(EventTimeTrigger.create());
        return w
          .process(
            (
              key: string,
              ctx: ProcessWindowContext<TimeWindow>,
              items: Iterable<Ev>,
              out: Collector<string>,
            ) => out.collect(describeWindow(key, ctx, items)),
          )
          .uid('sliding');
      };
      const { first, second } = await upgrade(
        backend,
        windows,
        'time-window',
        [...events('a', 5, 6, 9), ...events('b', 7)],
        [...events('a', 12), ...events('b', 16)],
      );
      assert.deepEqual(first, []);
      assert.deepEqual(
        sorted(second),
        sorted([
          'a [0,10) 5,6,9',
          'a [5,15) 5,6,9,12',
          'a [10,20) 12',
          'b [0,10) 7',
          'b [5,15) 7',
          'b [10,20) 16',
          'b [15,25) 16',
        ]),
      );
    });

    it('session windows (session-window): merged sessions carry over and merge with new elements', async () => {
      const windows: Windows = (s, plan) => {
        let w = s.keyBy((e) => e.k).window(EventTimeSessionWindows.withGap(5));
        if (plan === 'general') w = w.trigger(EventTimeTrigger.create());
        return w
          .process(
            (
              key: string,
              ctx: ProcessWindowContext<TimeWindow>,
              items: Iterable<Ev>,
              out: Collector<string>,
            ) => out.collect(describeWindow(key, ctx, items)),
          )
          .uid('sessions');
      };
      const { first, second } = await upgrade(
        backend,
        windows,
        'session-window',
        // a's sessions [0, 8) (0 and 3 merged) and [20, 25); b's [1, 6).
        [...events('a', 0, 3, 20), ...events('b', 1)],
        // 6 and 9 extend a's [0, 8) to [0, 14); 22 extends [20, 25); b's [1, 6) stays; b at 30 is new.
        [...events('a', 6, 9, 22), ...events('b', 30)],
      );
      assert.deepEqual(first, []);
      assert.deepEqual(sorted(second), ['a [0,14) 0,3,6,9', 'a [20,27) 20,22', 'b [1,6) 1', 'b [30,35) 30']);
    });

    it('window join (window-co-group): the tagged union of both sides carries over, side by side', async () => {
      const windows: Windows = (s, plan) => {
        const lefts = s.filter((e) => e.side === 'L');
        const rights = s.filter((e) => e.side === 'R');
        let joined = lefts
          .join(rights)
          .where((l) => l.k)
          .equalTo((r) => r.k)
          .window(TumblingEventTimeWindows.of(10));
        if (plan === 'general') joined = joined.trigger(EventTimeTrigger.create());
        return joined.apply((l: Ev, r: Ev) => `${l.k} ${l.t}-${r.t}`).uid('join');
      };
      const side = (s: 'L' | 'R', k: string, ...times: number[]): Ev[] =>
        times.map((t) => ({ k, t, side: s }));
      const { first, second } = await upgrade(
        backend,
        windows,
        'window-co-group',
        [...side('L', 'a', 1, 2), ...side('R', 'a', 3), ...side('L', 'b', 4), ...side('R', 'c', 5)],
        [...side('R', 'a', 6), ...side('R', 'b', 7), ...side('L', 'a', 12), ...side('R', 'a', 15)],
      );
      assert.deepEqual(first, []);
      assert.deepEqual(sorted(second), ['a 1-3', 'a 1-6', 'a 12-15', 'a 2-3', 'a 2-6', 'b 4-7']);
    });

    /** The error of restoring the `general` plan's savepoint into the `restored` plan. */
    async function failedRestore(general: Windows, restored: Windows): Promise<WeirError> {
      dir = mkdtempSync(join(tmpdir(), 'weir-legacy-windows-'));
      const old = build(backend, 'general', general);
      push(old.source, events('a', 1, 2));
      const client = await old.env.executeAsync('general window operator');
      await waitFor(() => old.source.emitted[0] === 2, 'the first run to read its events');
      const savepoint = await client.stopWithSavepoint!(join(dir, 'savepoints'));
      await client.getJobExecutionResult();
      setExecutionContext({ restore: { path: savepoint, kind: 'savepoint', allowNonRestoredState: false } });
      const next = build(backend, 'new', restored);
      next.source.end();
      let found: WeirError | undefined;
      await assert.rejects(
        (await next.env.executeAsync('new window operator')).getJobExecutionResult(),
        (error: unknown) => {
          found = findWeirError(error);
          assert.ok(found, `a STATE_NOT_RESTORABLE WeirError in ${String(error)}`);
          return true;
        },
      );
      assert.deepEqual(next.sink.values, [], 'nothing emitted from a half-restored window');
      return found!;
    }

    const tumbling =
      (size: number, trigger?: Trigger<Ev, TimeWindow>): Windows =>
      (s, plan) => {
        let w = s.keyBy((e) => e.k).window(TumblingEventTimeWindows.of(size));
        if (plan === 'general') w = w.trigger(trigger ?? EventTimeTrigger.create());
        return w
          .process(
            (
              key: string,
              ctx: ProcessWindowContext<TimeWindow>,
              items: Iterable<Ev>,
              out: Collector<string>,
            ) => out.collect(describeWindow(key, ctx, items)),
          )
          .uid('w');
      };

    it('fails the restore, naming the uid and why, when the window size changed', async () => {
      // The restored job's windows are 20 ms: the savepoint's 10 ms windows are none of them.
      const error = await failedRestore(tumbling(10), tumbling(20));
      assert.match(error.message, /operator uid "w" \(time-window\)/);
      assert.match(error.message, /window \[0, 10\), which is not one of this operator's windows \(size 20/);
    });

    it("fails the restore when a window holds a custom trigger's state the default trigger cannot keep", async () => {
      const error = await failedRestore(tumbling(10, CountTrigger.of(100)), tumbling(10));
      assert.match(error.message, /operator uid "w" \(time-window\)/);
      assert.match(error.message, /the state of a custom trigger \(count\) for window \[0, 10\)/);
    });
  });
}

/** The WeirError of `error` or of its causes. */
function findWeirError(error: unknown): WeirError | undefined {
  for (let e = error; e !== undefined && e !== null; e = (e as { cause?: unknown }).cause) {
    if (e instanceof WeirError && e.code === 'STATE_NOT_RESTORABLE') return e;
    if (typeof e !== 'object') break;
  }
  return undefined;
}
