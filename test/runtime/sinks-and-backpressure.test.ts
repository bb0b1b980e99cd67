import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { JsonLinesFileSink, type Sink, type SinkContext, StreamExecutionEnvironment } from 'weir';
import { sorted } from './helpers.ts';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Resolves on the next turn of the event loop, or after a millisecond for every fifth record. */
const later = (n: number) =>
  new Promise<void>((resolve) => (n % 5 === 0 ? setTimeout(resolve, 1) : setImmediate(resolve)));

describe('asynchronous sinks', () => {
  for (const parallelism of [1, 2]) {
    it(`keep at most maxInFlight invocations pending and deliver every record in order (parallelism ${parallelism})`, async () => {
      const env = StreamExecutionEnvironment.createLocalEnvironment(parallelism);
      const pending = new Map<number, number>();
      const maxPending = new Map<number, number>();
      const invoked = new Map<number, number[]>();
      const completed: number[] = [];
      const sink: Sink<number> & { subtask: number } = {
        maxInFlight: 4,
        subtask: -1,
        open(context: SinkContext) {
          this.subtask = context.subtaskIndex;
          pending.set(this.subtask, 0);
          invoked.set(this.subtask, []);
        },
        async invoke(n: number) {
          const s = this.subtask;
          invoked.get(s)!.push(n);
          pending.set(s, pending.get(s)! + 1);
          maxPending.set(s, Math.max(maxPending.get(s) ?? 0, pending.get(s)!));
          await later(n);
          pending.set(s, pending.get(s)! - 1);
          completed.push(n);
        },
      };
      env.fromSequence(1, 400).setParallelism(1).rebalance().sinkTo(sink).setParallelism(parallelism);
      await env.execute('in flight');

      assert.deepEqual(sorted(completed), sorted(range(1, 400)), 'every record was delivered once');
      assert.deepEqual([...invoked.keys()].sort(), range(0, parallelism - 1));
      for (const [s, list] of invoked) {
        assert.deepEqual(
          list,
          [...list].sort((a, b) => a - b),
          `subtask ${s} invoked in record order`,
        );
        assert.equal(maxPending.get(s), 4, `subtask ${s} used, and never exceeded, 4 invocations in flight`);
        assert.equal(pending.get(s), 0, `subtask ${s} finished with nothing pending`);
      }
      assert.notDeepEqual(completed, sorted(completed), 'completions may come in any order');
    });
  }

  it('are opened, finished and closed once per subtask, around their invocations', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(3);
    const logs = new Map<number, string[]>();
    const opened: number[] = [];
    const sink: Sink<number> & { log: string[] } = {
      log: [],
      open(context: SinkContext) {
        assert.equal(context.parallelism, 3);
        opened.push(context.subtaskIndex);
        this.log = [`open ${context.subtaskIndex}`];
        logs.set(context.subtaskIndex, this.log);
      },
      invoke(_n: number) {
        this.log.push('invoke');
        return later(1);
      },
      async finish() {
        await later(1);
        this.log.push('finish');
      },
      close() {
        this.log.push('close');
      },
    };
    env.fromSequence(1, 90).setParallelism(1).rebalance().sinkTo(sink).setParallelism(3);
    await env.execute('lifecycle');
    assert.deepEqual(opened.sort(), [0, 1, 2], 'each subtask opened its sink once');
    let invocations = 0;
    for (const [s, log] of logs) {
      const calls = log.filter((c) => c === 'invoke').length;
      invocations += calls;
      assert.deepEqual(log, [`open ${s}`, ...new Array(calls).fill('invoke'), 'finish', 'close']);
    }
    assert.equal(invocations, 90);
  });
});

describe('backpressure', () => {
  it('a slow sink keeps the records between a fast source and itself bounded', async () => {
    const batchSize = 16;
    const channelCapacity = 2;
    const parallelism = 2;
    const maxInFlight = 1;
    const records = 4_000;
    const env = StreamExecutionEnvironment.createLocalEnvironment(parallelism);
    env.getConfig().setBatchSize(batchSize).setChannelCapacity(channelCapacity);
    let emitted = 0;
    let sunk = 0;
    let maxBacklog = 0;
    env
      .fromSequence(1, records)
      .setParallelism(1)
      .map((n) => {
        emitted++;
        maxBacklog = Math.max(maxBacklog, emitted - sunk);
        return n;
      })
      .setParallelism(1) // chained to the source: one exchange between the count and the sink
      .rebalance()
      .sinkTo({
        maxInFlight,
        invoke: () =>
          new Promise<void>((resolve) =>
            setImmediate(() => {
              sunk++;
              resolve();
            }),
          ),
      })
      .setParallelism(parallelism);
    await env.execute('backpressure');
    assert.equal(sunk, records);
    // Queued in the channels (their capacity, plus the batch one unit of work may overdraw), then
    // waiting in each sink subtask (one batch) or in flight.
    const bound = (channelCapacity + 1) * batchSize * parallelism + (batchSize + maxInFlight) * parallelism;
    assert.ok(maxBacklog <= bound, `backlog reached ${maxBacklog} records, bound ${bound}`);
    assert.ok(maxBacklog >= batchSize, `the source ran ahead of the sink by ${maxBacklog} only`);
  });
});

/** Runs `body` while capturing what is written to process.stdout (or stderr) as text. */
async function capture(stream: 'stdout' | 'stderr', body: () => Promise<void>): Promise<string[]> {
  const target = process[stream];
  const original = target.write;
  const chunks: string[] = [];
  target.write = ((chunk: unknown, ...rest: unknown[]) => {
    // Text is the job's; the test runner's own reports are binary and pass through.
    if (typeof chunk === 'string') {
      chunks.push(chunk);
      return true;
    }
    return (original as (...args: unknown[]) => boolean).call(target, chunk, ...rest);
  }) as typeof target.write;
  try {
    await body();
  } finally {
    target.write = original;
  }
  return chunks
    .join('')
    .split('\n')
    .filter((line) => line.length > 0);
}

describe('print()', () => {
  it('prints each record as it is at parallelism 1: strings raw, other values as JSON', async () => {
    const lines = await capture('stdout', async () => {
      const env = StreamExecutionEnvironment.createLocalEnvironment(1);
      env.fromElements<unknown>('alpha', { x: 1, y: 'z' }, 42, [1, 2], null).print();
      await env.execute();
    });
    assert.deepEqual(lines, ['alpha', '{"x":1,"y":"z"}', '42', '[1,2]', 'null']);
  });

  it('prefixes "N> " with the subtask counted from 1 at parallelism 2', async () => {
    const lines = await capture('stdout', async () => {
      const env = StreamExecutionEnvironment.createLocalEnvironment(2);
      env.fromSequence(1, 10).print();
      await env.execute();
    });
    // 1..10 at parallelism 2: subtask 1 reads 1..5, subtask 2 reads 6..10, each in order.
    assert.deepEqual(
      lines.filter((l) => l.startsWith('1> ')),
      range(1, 5).map((n) => `1> ${n}`),
    );
    assert.deepEqual(
      lines.filter((l) => l.startsWith('2> ')),
      range(6, 10).map((n) => `2> ${n}`),
    );
    assert.equal(lines.length, 10);
  });

  it('prefixes "id> " with an identifier at parallelism 1 and "id:N> " above', async () => {
    const single = await capture('stdout', async () => {
      const env = StreamExecutionEnvironment.createLocalEnvironment(1);
      env.fromElements('a', 'b').print('letters');
      await env.execute();
    });
    assert.deepEqual(single, ['letters> a', 'letters> b']);

    const parallel = await capture('stdout', async () => {
      const env = StreamExecutionEnvironment.createLocalEnvironment(2);
      env.fromSequence(1, 4).print('n');
      await env.execute();
    });
    assert.deepEqual(sorted(parallel), ['n:1> 1', 'n:1> 2', 'n:2> 3', 'n:2> 4']);
  });

  it('printToErr writes the same format to standard error', async () => {
    const lines = await capture('stderr', async () => {
      const env = StreamExecutionEnvironment.createLocalEnvironment(2);
      env.fromSequence(1, 2).printToErr('err');
      await env.execute();
    });
    assert.deepEqual(sorted(lines), ['err:1> 1', 'err:2> 2']);
  });
});

describe('JsonLinesFileSink in a job', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weir-jsonl-job-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one JSON document per line to one file at parallelism 1', async () => {
    const path = join(dir, 'single', 'out.jsonl');
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    const records = [
      { user: 'a', amount: 5 },
      { user: 'b "quoted"', amount: 7.5 },
      { user: 'ü\nnewline', amount: -1 },
    ];
    env.fromCollection(records).sinkTo(new JsonLinesFileSink(path));
    await env.execute();
    const text = await readFile(path, 'utf8');
    assert.ok(text.endsWith('\n'));
    const lines = text.split('\n').slice(0, -1);
    assert.equal(lines.length, 3);
    assert.deepEqual(
      lines.map((l) => JSON.parse(l)),
      records,
    );
  });

  it('writes a part file per subtask at parallelism 2', async () => {
    const path = join(dir, 'parts');
    const env = StreamExecutionEnvironment.createLocalEnvironment(2);
    env
      .fromSequence(1, 100)
      .map((n) => ({ n, even: n % 2 === 0 }))
      .sinkTo(new JsonLinesFileSink(path));
    await env.execute();
    assert.deepEqual((await readdir(path)).sort(), ['part-0.jsonl', 'part-1.jsonl']);
    const parts = await Promise.all(
      ['part-0.jsonl', 'part-1.jsonl'].map(async (f) =>
        (await readFile(join(path, f), 'utf8'))
          .split('\n')
          .filter((l) => l.length > 0)
          .map((l) => JSON.parse(l) as { n: number; even: boolean }),
      ),
    );
    // Each subtask writes the records it read, in order: 1..50 and 51..100.
    assert.deepEqual(
      parts[0].map((r) => r.n),
      range(1, 50),
    );
    assert.deepEqual(
      parts[1].map((r) => r.n),
      range(51, 100),
    );
    for (const r of [...parts[0], ...parts[1]]) assert.equal(r.even, r.n % 2 === 0);
  });
});
