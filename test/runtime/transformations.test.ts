import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Collector,
  OutputTag,
  type ProcessContext,
  ProcessFunction,
  StreamExecutionEnvironment,
} from 'weir';
import { CollectSink } from 'weir/testing';

const sorted = <T>(xs: T[]) => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

for (const parallelism of [1, 3]) {
  describe(`transformations at parallelism ${parallelism}`, () => {
    const env = () => StreamExecutionEnvironment.createLocalEnvironment(parallelism);

    it('map, filter and flatMap (collector and returned iterable) compose', async () => {
      const e = env();
      const sink = new CollectSink<string>();
      e.fromSequence(1, 20)
        .filter((n) => n % 2 === 0)
        .map((n) => n * 10)
        .flatMap<number>((n, out) => {
          out.collect(n);
          out.collect(n + 1);
        })
        .flatMap((n) => [`v${n}`])
        .sinkTo(sink);
      await e.execute();
      const expected: string[] = [];
      for (let n = 2; n <= 20; n += 2) expected.push(`v${n * 10}`, `v${n * 10 + 1}`);
      assert.deepEqual(sorted(sink.values), sorted(expected));
    });

    it('rich functions get open() with a runtime context and close() once per subtask', async () => {
      const e = env();
      const sink = new CollectSink<string>();
      const opened: number[] = [];
      let closed = 0;
      e.fromSequence(1, 30)
        .rebalance()
        .map({
          prefix: '',
          open(ctx) {
            this.prefix = `s${ctx.getIndexOfThisSubtask()}/${ctx.getNumberOfParallelSubtasks()}`;
            opened.push(ctx.getIndexOfThisSubtask());
          },
          map(n: number) {
            return `${this.prefix}:${n}`;
          },
          close() {
            closed++;
          },
        } as { prefix: string; open(c: any): void; map(n: number): string; close(): void })
        .sinkTo(sink);
      await e.execute();
      assert.deepEqual(
        sorted(opened),
        Array.from({ length: parallelism }, (_, i) => i),
      );
      assert.equal(closed, parallelism);
      assert.equal(sink.values.length, 30);
      for (const v of sink.values) assert.match(v, new RegExp(`^s\\d/${parallelism}:\\d+$`));
    });

    it('union merges streams of the same type', async () => {
      const e = env();
      const sink = new CollectSink<number>();
      const a = e.fromElements(1, 2, 3);
      const b = e.fromSequence(10, 12);
      const c = e.fromElements(100);
      a.union(b, c)
        .map((n) => n + 1)
        .sinkTo(sink);
      await e.execute();
      assert.deepEqual(sorted(sink.values), [2, 3, 4, 11, 12, 13, 101]);
    });

    it('a ProcessFunction emits to side outputs read with getSideOutput', async () => {
      const e = env();
      const negatives = new OutputTag<string>('negatives');
      const main = new CollectSink<number>();
      const side = new CollectSink<string>();
      class Split extends ProcessFunction<number, number> {
        processElement(n: number, ctx: ProcessContext, out: Collector<number>): void {
          if (n < 0) ctx.output(negatives, `neg ${n}`);
          else out.collect(n);
        }
      }
      const split = e.fromElements(3, -1, 4, -1, 5, -9).process(new Split());
      split.sinkTo(main);
      split.getSideOutput(negatives).sinkTo(side);
      await e.execute();
      assert.deepEqual(sorted(main.values), [3, 4, 5]);
      assert.deepEqual(sorted(side.values), ['neg -1', 'neg -1', 'neg -9']);
    });

    it('executeAndCollect returns all records of a bounded job, or the first n', async () => {
      const all = await env()
        .fromSequence(1, 100)
        .map((n) => n * n)
        .executeAndCollect();
      assert.equal(all.length, 100);
      assert.equal(
        all.reduce((a, b) => a + b, 0),
        (100 * 101 * 201) / 6,
      );
      const some = await env().fromSequence(1, 1_000_000).executeAndCollect(5);
      assert.equal(some.length, 5);
    });

    it('executeAndCollect iterates asynchronously and can stop an unbounded job early', async () => {
      const e = env();
      const { DataGeneratorSource, WatermarkStrategy } = await import('weir');
      const it = e
        .fromSource(
          new DataGeneratorSource((i) => i, Number.POSITIVE_INFINITY),
          WatermarkStrategy.noWatermarks(),
          'gen',
        )
        .executeAndCollect({ iterator: true });
      const got: number[] = [];
      for await (const v of it) {
        got.push(v);
        if (got.length === 50) break;
      }
      assert.equal(got.length, 50);
    });
  });
}

describe('job results', () => {
  it('execute() resolves to a JobExecutionResult with id, runtime and merged accumulators', async () => {
    const e = StreamExecutionEnvironment.createLocalEnvironment(2);
    const { Counter } = await import('weir');
    e.fromSequence(1, 1000)
      .rebalance()
      .map({
        counter: new Counter(),
        open(ctx) {
          this.counter = new Counter();
          ctx.addAccumulator('evens', this.counter);
        },
        map(n: number) {
          if (n % 2 === 0) this.counter.add(1);
          return n;
        },
      } as { counter: InstanceType<typeof Counter>; open(c: any): void; map(n: number): number })
      .sinkTo(new CollectSink<number>());
    const result = await e.execute('accumulating');
    assert.match(result.getJobID(), /^[0-9a-f-]{36}$/);
    assert.equal(result.jobName, 'accumulating');
    assert.ok(result.getNetRuntime() >= 0);
    assert.equal(result.getAccumulatorResult('evens'), 500);
  });

  it('a job without a sink is rejected with a clear error', async () => {
    const e = StreamExecutionEnvironment.createLocalEnvironment();
    e.fromElements(1).map((n) => n);
    await assert.rejects(e.execute(), { code: 'INVALID_GRAPH', message: /no sink/ });
  });
});
