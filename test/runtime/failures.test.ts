import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  CollectionSource,
  CsvSource,
  DataGeneratorSource,
  Duration,
  isWeirError,
  JsonLinesSource,
  RichMapFunction,
  type Sink,
  StreamExecutionEnvironment,
  WatermarkStrategy,
  type WeirError,
} from 'weir';
import { CollectSink, ManualClock } from 'weir/testing';

const fixtures = join(import.meta.dirname, '../fixtures/files');
const repo = join(import.meta.dirname, '../..');

/** Asserts that `promise` rejects with a WeirError of `code` and returns it. */
async function failure(promise: Promise<unknown>, code: string): Promise<WeirError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isWeirError(error), `expected a WeirError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected the job to fail with ${code}`);
}

describe('a user function that throws', () => {
  it('fails execute() naming operator, subtask, record and generator index, with the error as cause', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    const boom = new Error('no 42 please');
    env
      .fromSource(
        new DataGeneratorSource((i) => ({ id: i, user: `u${i % 3}` }), 100),
        WatermarkStrategy.noWatermarks(),
        'orders',
      )
      .map((o) => {
        if (o.id === 42) throw boom;
        return o;
      })
      .name('picky-map')
      .sinkTo(new CollectSink());
    const error = await failure(env.execute(), 'USER_FUNCTION_FAILED');
    assert.match(error.message, /operator "picky-map"/);
    assert.match(error.message, /subtask 1\/1/);
    assert.ok(error.message.includes('{"id":42,"user":"u0"}'), error.message);
    assert.match(error.message, /generator index 42/);
    assert.match(error.message, /no 42 please/);
    assert.equal(error.cause, boom);
  });

  it('names the collection element a record came from', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    const boom = new TypeError('d is not allowed');
    env
      .fromElements('a', 'b', 'c', 'd', 'e')
      .filter((s) => s !== 'x')
      .map((s) => {
        if (s === 'd') throw boom;
        return s.toUpperCase();
      })
      .name('no-d')
      .sinkTo(new CollectSink<string>());
    const error = await failure(env.execute(), 'USER_FUNCTION_FAILED');
    assert.match(error.message, /operator "no-d"/);
    assert.match(error.message, /subtask 1\/1/);
    assert.match(error.message, /"d"/);
    assert.match(error.message, /collection element 3/);
    assert.equal(error.cause, boom);
  });

  it('after a rebalance at parallelism 2, names its own subtask and the upstream subtask the record came from', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    const boom = new RangeError('amount out of range');
    let failedIn = -1;
    class Checked extends RichMapFunction<{ id: number; amount: number }, number> {
      map(p: { id: number; amount: number }): number {
        if (p.amount > 100) {
          failedIn = this.getRuntimeContext().getIndexOfThisSubtask();
          throw boom;
        }
        return p.amount;
      }
    }
    const payments = Array.from({ length: 10 }, (_, id) => ({ id, amount: id === 6 ? 500 : id * 10 }));
    env
      .fromSource(new CollectionSource(payments), WatermarkStrategy.noWatermarks(), 'payments')
      .rebalance()
      .map(new Checked())
      .name('amount-check')
      .setParallelism(2)
      .sinkTo(new CollectSink<number>());
    const error = await failure(env.execute(), 'USER_FUNCTION_FAILED');
    assert.ok(failedIn === 0 || failedIn === 1);
    assert.match(error.message, /operator "amount-check"/);
    assert.ok(error.message.includes(`subtask ${failedIn + 1}/2`), error.message);
    assert.ok(error.message.includes('{"id":6,"amount":500}'), error.message);
    assert.ok(error.message.includes('from "payments" (subtask 1/1)'), error.message);
    assert.equal(error.cause, boom);
  });

  it('names the parallel source subtask a record came from', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    env
      .fromSequence(1, 100)
      .rebalance()
      .map((n) => {
        if (n === 42) throw new Error('the answer');
        return n;
      })
      .name('no-answers')
      .sinkTo(new CollectSink<number>());
    const error = await failure(env.execute(), 'USER_FUNCTION_FAILED');
    assert.match(error.message, /operator "no-answers"/);
    assert.match(error.message, /on record 42\b/);
    // 1..100 at parallelism 2: 1..50 is read by source subtask 1.
    assert.ok(error.message.includes('from "Sequence Source" (subtask 1/2)'), error.message);
    assert.match(error.message, /the answer/);
  });
});

describe('failures on the source side of a task', () => {
  it('a generator that throws names the generator index', {}, async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    env
      .fromSource(
        new DataGeneratorSource((i) => {
          if (i === 9) throw new Error('cannot generate 9');
          return i;
        }, 100),
        WatermarkStrategy.noWatermarks(),
        'numbers',
      )
      .sinkTo(new CollectSink<number>());
    const error = await failure(env.execute(), 'USER_FUNCTION_FAILED');
    assert.match(error.message, /cannot generate 9/);
    assert.match(error.message, /generator index 9/);
  });

  it("a source's timestamp assigner that throws names the record and its position", {}, async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    env
      .fromSource(
        new DataGeneratorSource((i) => ({ i }), 100),
        WatermarkStrategy.forMonotonousTimestamps<{ i: number }>().withTimestampAssigner((e) => {
          if (e.i === 9) throw new Error('no time for 9');
          return e.i;
        }),
        'numbers',
      )
      .sinkTo(new CollectSink<{ i: number }>());
    const error = await failure(env.execute(), 'USER_FUNCTION_FAILED');
    assert.match(error.message, /no time for 9/);
    assert.match(error.message, /generator index 9/);
    assert.ok(error.message.includes('{"i":9}'), error.message);
  });

  it('a key selector that throws names the record and where it came from', {}, async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    env
      .fromSequence(1, 100)
      .keyBy((n) => {
        if (n === 7) throw new Error('no key for 7');
        return n % 3;
      })
      .map((n) => n)
      .sinkTo(new CollectSink<number>());
    const error = await failure(env.execute(), 'USER_FUNCTION_FAILED');
    assert.match(error.message, /no key for 7/);
    assert.match(error.message, /on record 7\b/);
    assert.match(error.message, /sequence value 7/);
  });
});

describe('bad input', () => {
  const badCsv = join(fixtures, 'tx-bad.csv');

  it('a CSV row that cannot be parsed fails the job with DESERIALIZATION_FAILED naming file and line', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    env
      .fromSource(
        new CsvSource(badCsv, { types: { amount: 'number' } }),
        WatermarkStrategy.noWatermarks(),
        'tx',
      )
      .sinkTo(new CollectSink());
    const error = await failure(env.execute(), 'DESERIALIZATION_FAILED');
    assert.ok(error.message.includes(`"${badCsv}"`), error.message);
    assert.match(error.message, /line 3\b/);
    assert.match(error.message, /expected 3 fields, found 4/);
  });

  it("a CSV source with onError 'skip' skips bad rows and the job succeeds", async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    const sink = new CollectSink<{ id: string; user: string; amount: number }>();
    env
      .fromSource(
        new CsvSource<{ id: string; user: string; amount: number }>(badCsv, {
          types: { amount: 'number' },
          onError: 'skip',
        }),
        WatermarkStrategy.noWatermarks(),
        'tx',
      )
      .sinkTo(sink);
    await env.execute();
    assert.deepEqual(sink.values.map((r) => [r.id, r.user, r.amount]).sort(), [
      ['1', 'a', 10],
      ['4', 'd', 4],
    ]);
  });

  it('a JSON line that cannot be parsed fails the job with DESERIALIZATION_FAILED naming file and line', async () => {
    const path = join(fixtures, 'payments-bad.jsonl');
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    env
      .fromSource(new JsonLinesSource(path), WatermarkStrategy.noWatermarks(), 'payments')
      .sinkTo(new CollectSink());
    const error = await failure(env.execute(), 'DESERIALIZATION_FAILED');
    assert.ok(error.message.includes(`"${path}"`), error.message);
    assert.match(error.message, /line 2\b/);
  });
});

describe('a failing sink', () => {
  it('an async sink whose promise rejects fails the job with SINK_FAILED', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    const boom = new Error('disk on fire');
    const written: number[] = [];
    const sink: Sink<number> = {
      maxInFlight: 2,
      invoke(n) {
        return new Promise<void>((resolve, reject) =>
          setImmediate(() => {
            if (n === 5) reject(boom);
            else {
              written.push(n);
              resolve();
            }
          }),
        );
      },
    };
    env.fromSequence(1, 50).sinkTo(sink).name('fragile-sink');
    const error = await failure(env.execute(), 'SINK_FAILED');
    assert.match(error.message, /fragile-sink/);
    assert.match(error.message, /disk on fire/);
    assert.equal(error.cause, boom);
    assert.ok(!written.includes(5));
  });

  it('a sink failing after the input ended (while finishing) still fails the job', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    const sink: Sink<number> = {
      invoke: () => Promise.resolve(),
      finish: () => Promise.reject(new Error('flush failed')),
    };
    env.fromElements(1, 2, 3).sinkTo(sink).name('flushing-sink');
    await assert.rejects(env.execute(), (error: unknown) => {
      assert.ok(isWeirError(error), String(error));
      assert.match(error.message, /flush failed/);
      return true;
    });
  });
});

describe('after a failure', () => {
  it('no timer of the failed job stays on the clock', async () => {
    const clock = new ManualClock(0);
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    env.getConfig().setClock(clock).setAutoWatermarkInterval(10);
    let pendingWhileRunning = 0;
    env
      .fromSequence(1, 200)
      .assignTimestampsAndWatermarks(
        WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((n) => n),
      )
      .keyBy((n) => n % 7)
      .process<number>((n, ctx, out) => {
        ctx.timerService().registerProcessingTimeTimer(1_000 + n);
        ctx.timerService().registerEventTimeTimer(10_000 + n);
        pendingWhileRunning = Math.max(pendingWhileRunning, clock.pending());
        out.collect(n);
      })
      .map((n) => {
        if (n === 150) throw new Error('stop here');
        return n;
      })
      .name('stopper')
      .sinkTo(new CollectSink<number>());
    await failure(env.execute(), 'USER_FUNCTION_FAILED');
    assert.ok(pendingWhileRunning > 0, 'the job had timers on the clock while it ran');
    assert.equal(clock.pending(), 0, 'the failed job cancelled its timers');
  });

  it('a process whose job failed exits on its own', { timeout: 180_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weir-failed-job-'));
    try {
      const job = join(dir, 'failing-job.ts');
      const weir = pathToFileURL(join(repo, 'src/index.ts')).href;
      await writeFile(
        job,
        `import { DataGeneratorSource, StreamExecutionEnvironment, WatermarkStrategy } from ${JSON.stringify(weir)};
const env = StreamExecutionEnvironment.createLocalEnvironment(2);
env.getConfig().setAutoWatermarkInterval(5);
env
  .fromSource(
    new DataGeneratorSource((i) => ({ i, ts: Date.UTC(2026, 0, 1) + i }), Number.POSITIVE_INFINITY, { rateLimit: 2000 }),
    WatermarkStrategy.forBoundedOutOfOrderness<{ i: number; ts: number }>(${Duration.ofSeconds(1)}).withTimestampAssigner((e) => e.ts),
    'endless',
  )
  .keyBy((e) => e.i % 5)
  .process<number>((e, ctx, out) => {
    ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 3_600_000);
    if (e.i === 40) throw new Error('give up');
    out.collect(e.i);
  })
  .print();
await env.execute('failing');
`,
      );
      const result = await new Promise<{ code: number | null; signal: string | null; stderr: string }>(
        (resolve) => {
          const child = execFile(
            process.execPath,
            [job],
            // Only bounds the wait: the source is endless and a timer is an hour away, so a process that
            // does not exit on its own never would.
            { timeout: 150_000, cwd: dir },
            (error, _stdout, stderr) =>
              resolve({
                code: child.exitCode,
                signal: (error as { signal?: string } | null)?.signal ?? null,
                stderr,
              }),
          );
        },
      );
      assert.equal(result.signal, null, `the process did not exit on its own: ${result.stderr}`);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /give up/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
