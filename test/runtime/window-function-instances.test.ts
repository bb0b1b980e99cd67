/**
 * A ProcessWindowFunction given to `reduce` or `aggregate` under an evictor is wrapped by the API
 * (the evictor needs every element, so the reduce or aggregate runs when the window fires). The
 * wrapper must still give the user's function its runtime context before `open()`, and every
 * subtask its own instance of it, as any user function has.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AggregateFunction,
  type Collector,
  CountEvictor,
  CountTrigger,
  type DataStream,
  type GlobalWindow,
  GlobalWindows,
  type ProcessWindowContext,
  ProcessWindowFunction,
  StreamExecutionEnvironment,
  type WindowedStream,
} from 'weir';
import { CollectSink } from 'weir/testing';

const sum: AggregateFunction<number, number, number> = {
  createAccumulator: () => 0,
  add: (n, acc) => acc + n,
  getResult: (acc) => acc,
  merge: (a, b) => a + b,
};

/** Labels each result with the subtask its instance was opened in, read from the runtime context. */
class LabelBySubtask extends ProcessWindowFunction<number, string, string, GlobalWindow> {
  static readonly opened: LabelBySubtask[] = [];
  subtask = -1;
  override open(): void {
    this.subtask = this.getRuntimeContext().getIndexOfThisSubtask();
    LabelBySubtask.opened.push(this);
  }
  process(
    key: string,
    _ctx: ProcessWindowContext<GlobalWindow>,
    values: Iterable<number>,
    out: Collector<string>,
  ) {
    for (const v of values) out.collect(`${key}=${v}@${this.subtask}`);
  }
}

/** Keeps a count per instance and never reads its runtime context. */
class CountOpens extends ProcessWindowFunction<number, string, string, GlobalWindow> {
  static readonly opened: CountOpens[] = [];
  opens = 0;
  override open(): void {
    this.opens++;
    CountOpens.opened.push(this);
  }
  process(
    key: string,
    _ctx: ProcessWindowContext<GlobalWindow>,
    values: Iterable<number>,
    out: Collector<string>,
  ) {
    for (const v of values) out.collect(`${key}=${v}`);
  }
}

const KEYS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const keyOf = (n: number) => KEYS[n % KEYS.length];

/** Numbers 0..15, two per key (n and n + 8), in windows of two elements (the evictor keeps both). */
async function run(
  apply: (windowed: WindowedStream<number, string, GlobalWindow>) => DataStream<string>,
): Promise<string[]> {
  const env = StreamExecutionEnvironment.createLocalEnvironment(2);
  const sink = new CollectSink<string>();
  const input = env.fromSequence(0, 2 * KEYS.length - 1);
  apply(windowed(input)).sinkTo(sink);
  await env.execute('window function instances');
  return [...sink.values].sort();
}

const windowed = (input: DataStream<number>): WindowedStream<number, string, GlobalWindow> =>
  input.keyBy(keyOf).window(GlobalWindows.create()).trigger(CountTrigger.of(2)).evictor(CountEvictor.of(2));

const expected = KEYS.map((k, i) => `${k}=${2 * i + KEYS.length}`);

describe('window functions wrapped for an evictor', () => {
  for (const how of ['reduce', 'aggregate'] as const) {
    it(`a ProcessWindowFunction class that calls getRuntimeContext() in open() works with ${how} and an evictor`, async () => {
      LabelBySubtask.opened.length = 0;
      const out = await run((w) =>
        how === 'reduce'
          ? w.reduce((a, b) => a + b, new LabelBySubtask())
          : w.aggregate(sum, new LabelBySubtask()),
      );
      assert.deepEqual(
        out.map((s) => s.replace(/@\d$/, '')),
        expected,
      );
      assert.deepEqual(
        new Set(out.map((s) => s.slice(-1))),
        new Set(['0', '1']),
        'results of both subtasks, each labelled with its own',
      );
      assert.deepEqual(LabelBySubtask.opened.map((f) => f.subtask).sort(), [0, 1]);
    });

    it(`two subtasks in one thread get distinct instances of the ProcessWindowFunction (${how} and an evictor)`, async () => {
      CountOpens.opened.length = 0;
      const out = await run((w) =>
        how === 'reduce' ? w.reduce((a, b) => a + b, new CountOpens()) : w.aggregate(sum, new CountOpens()),
      );
      assert.deepEqual(out, expected);
      assert.equal(new Set(CountOpens.opened).size, 2, 'one instance per subtask');
      assert.deepEqual(
        CountOpens.opened.map((f) => f.opens),
        [1, 1],
        'each instance opened once',
      );
    });
  }
});
