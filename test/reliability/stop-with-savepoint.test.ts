/**
 * `weir stop` of a job on worker-thread slots (parallelism 2: the keyed exchange crosses threads, so
 * the stop's barrier travels between slots as a message) is a synchronous savepoint, as Flink's
 * `flink stop`: a sink that appends each record to a file, without transactions, has every record
 * exactly once over the stopped run and the run resumed with `--from-savepoint`, and the keyed
 * counts continue exactly. No event-time timer fires at the stop (no drain); the stopped run exits 0.
 *
 * Before: the stop took an ordinary savepoint and then cancelled the job, so the records the
 * sources emitted after the savepoint's barrier reached the file before the cancellation, and the
 * resumed run wrote them again.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { until } from '../faults/support.ts';
import { Workspace } from './support.ts';

const DEADLINE = 180_000;
const NO_XDG = { XDG_RUNTIME_DIR: '' };
const COUNT = 40_000;
const KEYS = 4;

/** Counts per key, appends "r,index,key,count" per record to $OUT; a far event-time timer writes "t,key,count". */
const JOB = `
import { closeSync, openSync, writeSync } from 'node:fs';
import { DataGeneratorSource, KeyedProcessFunction, StreamExecutionEnvironment, ValueStateDescriptor, WatermarkStrategy } from 'weir';

class FileAppendSink {
  open() { this.fd = openSync(process.env.OUT, 'a'); }
  invoke(line) { writeSync(this.fd, line + '\\n'); }
  close() { if (this.fd !== undefined) closeSync(this.fd); }
}

class CountWithTimer extends KeyedProcessFunction {
  open() { this.count = this.getRuntimeContext().getState(new ValueStateDescriptor('count', 0)); }
  processElement(i, ctx, out) {
    const n = this.count.value() + 1;
    this.count.update(n);
    ctx.timerService().registerEventTimeTimer(1e12);
    out.collect('r,' + i + ',' + ctx.getCurrentKey() + ',' + n);
  }
  onTimer(_time, ctx, out) { out.collect('t,' + ctx.getCurrentKey() + ',' + this.count.value()); }
}

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.setParallelism(2);
env.enableCheckpointing(100);
env.getCheckpointConfig().setCheckpointStorage('checkpoints');
env
  .fromSource(
    new DataGeneratorSource((i) => i, ${COUNT}, { rateLimit: Number(process.env.RATE), timestamp: (_v, i) => i }),
    WatermarkStrategy.forMonotonousTimestamps(),
    'numbers',
  )
  .uid('numbers')
  .keyBy((i) => i % ${KEYS})
  .process(new CountWithTimer())
  .uid('count')
  .sinkTo(new FileAppendSink())
  .uid('file');
await env.execute('stopped');
`;

function lines(path: string): string[] {
  return existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
    : [];
}

describe('reliability: weir stop takes a synchronous savepoint', () => {
  it('a file sink without transactions has every record once over weir stop and --from-savepoint', async (t) => {
    const ws = new Workspace('stop-sync');
    t.after(() => ws.dispose());
    ws.job('job.mjs', JOB);
    const first = ws.path('first.txt');
    const run = ws.start(['run', 'job.mjs'], { ...NO_XDG, OUT: first, RATE: '4000' });
    let started: RegExpExecArray | null = null;
    await until(
      () => {
        if (run.child.exitCode !== null) throw new Error(`weir run ended early: ${run.stderr()}`);
        started = /weir: job "stopped" \(([0-9a-f-]+)\) running in process (\d+)/.exec(run.stderr());
        return started !== null && existsSync(first) && statSync(first).size > 20_000;
      },
      DEADLINE,
      'records in the file',
    );
    const stop = await ws.run(['stop', started![2], 'savepoints'], NO_XDG);
    assert.equal(stop.code, 0, stop.stderr);
    const savepoint = stop.stdout.trim();
    assert.ok(existsSync(join(savepoint, '_metadata')), savepoint);
    const end = await run.done;
    assert.equal(end.code, 0, `the stopped job ends as finished: ${end.stderr}`);
    const run1 = lines(first);
    assert.ok(run1.length < COUNT, 'stopped while records flowed');
    assert.deepEqual(
      run1.filter((l) => l.startsWith('t,')),
      [],
      'no event-time timer fires at a stop without drain',
    );

    const second = ws.path('second.txt');
    const resumed = await ws.run(['run', 'job.mjs', '--from-savepoint', savepoint], {
      ...NO_XDG,
      OUT: second,
      RATE: '1000000',
    });
    assert.equal(resumed.code, 0, resumed.stderr);
    const run2 = lines(second);

    const seen = new Uint8Array(COUNT);
    const counts: number[][] = Array.from({ length: KEYS }, () => []);
    let duplicates = 0;
    for (const line of [...run1, ...run2]) {
      const [kind, a, b, c] = line.split(',');
      if (kind !== 'r') continue;
      if (seen[Number(a)]++ > 0) duplicates++;
      counts[Number(b)].push(Number(c));
    }
    assert.equal(duplicates, 0, 'no record written twice');
    assert.equal(seen.indexOf(0), -1, 'no record lost');
    for (const [key, list] of counts.entries()) {
      list.sort((x, y) => x - y);
      assert.deepEqual(
        list,
        Array.from({ length: COUNT / KEYS }, (_, i) => i + 1),
        `counts of key ${key}`,
      );
    }
    // The timers were in the savepoint: they fire at the end of the resumed run's input.
    assert.deepEqual(
      run2.filter((l) => l.startsWith('t,')).sort(),
      Array.from({ length: KEYS }, (_, key) => `t,${key},${COUNT / KEYS}`),
    );
  });
});
