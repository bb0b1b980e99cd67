/**
 * Stop-with-savepoint is Flink's synchronous savepoint (docs "Stopping a job gracefully creating a
 * final savepoint", FLIP-34): each source emits nothing after the savepoint's barrier, each task
 * processes nothing after its snapshot at that barrier and ends once the savepoint is complete, and
 * the job ends FINISHED. So a sink that is not transactional (here: one that appends each record to
 * a file) sees every record exactly once over the stopped run and the run restored from the
 * savepoint. Without drain no MAX_WATERMARK is emitted: event-time timers do not fire at the stop.
 * A savepoint that fails leaves the job running.
 *
 * Before: the job master took an ordinary savepoint and then cancelled the job; the records the
 * sources emitted after the barrier, processed before the cancellation arrived, reached the sink
 * and were written a second time by the restored run.
 */
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setExecutionContext } from '../../src/api/executor.ts';
import {
  type Collector,
  DataGeneratorSource,
  type KeyedProcessContext,
  KeyedProcessFunction,
  type OnTimerContext,
  type Sink,
  StreamExecutionEnvironment,
  TwoPhaseCommitSink,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
  WeirError,
} from '../../src/index.ts';

/** Far beyond any record's timestamp: only MAX_WATERMARK (end of input, or a drain) fires it. */
const FAR = 1e12;
const KEYS = 5;

/** How many lines the sinks wrote; resolves `reached` once they wrote `target` lines. */
class Progress {
  written = 0;
  private waiters: Array<{ target: number; resolve: () => void }> = [];

  /** Resolves once the sinks of the job have written `target` lines in all. */
  reached(target: number): Promise<void> {
    if (this.written >= target) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ target, resolve }));
  }

  add(): void {
    this.written++;
    if (this.waiters.length === 0) return;
    const due = this.waiters.filter((w) => w.target <= this.written);
    if (due.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.target > this.written);
    for (const w of due) w.resolve();
  }
}

/** Appends each record to a file as it comes (no transaction, no buffering): a print-like sink. */
class FileAppendSink implements Sink<string> {
  private fd = -1;
  private readonly path: string;
  private readonly progress: Progress;
  constructor(path: string, progress: Progress) {
    this.path = path;
    this.progress = progress;
  }
  open(): void {
    this.fd = openSync(this.path, 'a');
  }
  invoke(line: string): void {
    writeSync(this.fd, `${line}\n`);
    this.progress.add();
  }
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** Counts records per key ("r,index,key,count"); a far event-time timer reports the count ("t,key,count"). */
class CountWithTimer extends KeyedProcessFunction<number, number, string> {
  private count!: ValueState<number, number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor('count', 0));
  }
  processElement(i: number, ctx: KeyedProcessContext<number>, out: Collector<string>): void {
    const n = this.count.value() + 1;
    this.count.update(n);
    ctx.timerService().registerEventTimeTimer(FAR);
    out.collect(`r,${i},${ctx.getCurrentKey()},${n}`);
  }
  override onTimer(_time: number, ctx: OnTimerContext<number>, out: Collector<string>): void {
    out.collect(`t,${ctx.getCurrentKey()},${this.count.value()}`);
  }
}

/** A store with transactions staged (pre-committed) and published (committed), by transaction id. */
class TxnStore {
  readonly staged = new Map<string, string[]>();
  readonly published = new Map<string, string[]>();
  /** Published rows, in all. */
  rows(): string[] {
    return [...this.published.values()].flat();
  }
}

let nextTxn = 0;

/** A two-phase-commit sink whose commit completes asynchronously. */
class TxnSink extends TwoPhaseCommitSink<string, { id: string; rows: string[] }> {
  private readonly store: TxnStore;
  constructor(store: TxnStore) {
    super();
    this.store = store;
  }
  protected beginTransaction() {
    return { id: `txn-${nextTxn++}`, rows: [] };
  }
  protected write(txn: { rows: string[] }, value: string): void {
    txn.rows.push(value);
  }
  protected preCommit(txn: { id: string; rows: string[] }): void {
    this.store.staged.set(txn.id, txn.rows);
  }
  protected async commit(txn: { id: string; rows: string[] }): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.store.published.set(txn.id, txn.rows);
  }
  protected abort(txn: { id: string }): void {
    this.store.staged.delete(txn.id);
  }
}

function buildTxnJob(count: number, store: TxnStore): StreamExecutionEnvironment {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.setParallelism(2);
  env.enableCheckpointing(40);
  env
    .fromSource(
      new DataGeneratorSource((i) => i, count, { rateLimit: 40_000 }),
      WatermarkStrategy.noWatermarks(),
      'n',
    )
    .uid('numbers')
    .map((i) => String(i))
    .uid('text')
    .sinkTo(new TxnSink(store))
    .uid('txn');
  return env;
}

function buildJob(
  count: number,
  rate: number,
  output: string,
  progress: Progress,
): StreamExecutionEnvironment {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.setParallelism(2);
  env.enableCheckpointing(40);
  env
    .fromSource(
      new DataGeneratorSource((i) => i, count, { rateLimit: rate, timestamp: (_v, i) => i }),
      WatermarkStrategy.forMonotonousTimestamps<number>(),
      'numbers',
    )
    .uid('numbers')
    .keyBy((i) => i % KEYS)
    .process(new CountWithTimer())
    .uid('count')
    .sinkTo(new FileAppendSink(output, progress))
    .uid('file');
  return env;
}

interface Output {
  records: Array<{ index: number; key: number; count: number }>;
  timers: Array<{ key: number; count: number }>;
}

function readOutput(path: string): Output {
  const out: Output = { records: [], timers: [] };
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue;
    const [kind, ...fields] = line.split(',');
    const n = fields.map(Number);
    if (kind === 'r') out.records.push({ index: n[0], key: n[1], count: n[2] });
    else out.timers.push({ key: n[0], count: n[1] });
  }
  return out;
}

/** Indices written more than once, and for each of the two splits whether its indices are a prefix. */
function checkOnce(records: Output['records'], count: number): void {
  const seen = new Uint8Array(count);
  const duplicates: number[] = [];
  for (const r of records) if (seen[r.index]++ > 0) duplicates.push(r.index);
  assert.deepEqual(duplicates.slice(0, 10), [], `${duplicates.length} records written twice`);
  // DataGeneratorSource cuts [0, count) into two contiguous splits; each is read from its start.
  for (const [lo, hi] of [
    [0, count / 2],
    [count / 2, count],
  ]) {
    let end = lo;
    while (end < hi && seen[end] === 1) end++;
    const gap = seen.subarray(end, hi).indexOf(1);
    assert.equal(gap, -1, `split [${lo}, ${hi}) has a gap: ${end} missing, ${end + gap} written`);
  }
}

describe('stop-with-savepoint (synchronous savepoint)', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'weir-stop-sp-'));
  });
  afterEach(() => {
    setExecutionContext(undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a non-transactional sink sees every record once over the stopped run and its restore; counts continue; the job ends FINISHED; no event-time timer fires at the stop', async () => {
    const COUNT = 60_000;
    const first = join(dir, 'first.txt');
    const second = join(dir, 'second.txt');
    const progress = new Progress();
    const client = await buildJob(COUNT, 40_000, first, progress).executeAsync('stopped');
    await progress.reached(3_000); // records flow at full speed
    const savepoint = await client.stopWithSavepoint!(join(dir, 'savepoints'));
    await client.getJobExecutionResult();
    assert.equal(client.getJobStatus(), 'finished', 'Flink reports FINISHED after stop');
    const run1 = readOutput(first);
    assert.ok(run1.records.length < COUNT, 'stopped while records flowed');
    assert.deepEqual(run1.timers, [], 'no MAX_WATERMARK at a stop without drain: the timers stay pending');
    const written = progress.written;
    assert.equal(run1.records.length, written);

    setExecutionContext({ restore: { path: savepoint, kind: 'savepoint', allowNonRestoredState: false } });
    const restored = await buildJob(COUNT, 200_000, second, new Progress()).executeAsync('restored');
    await restored.getJobExecutionResult();
    const run2 = readOutput(second);

    const all = [...run1.records, ...run2.records];
    checkOnce(all, COUNT);
    assert.equal(all.length, COUNT, 'no record lost, none twice');
    // Keyed counts continue exactly: per key, the counts are 1..n once each, the restored run's
    // first count follows the stopped run's last.
    for (let key = 0; key < KEYS; key++) {
      const counts = all.filter((r) => r.key === key).map((r) => r.count);
      const n = COUNT / KEYS;
      assert.equal(counts.length, n);
      const sortedCounts = [...counts].sort((a, b) => a - b);
      assert.deepEqual(
        sortedCounts,
        Array.from({ length: n }, (_, i) => i + 1),
        `counts of key ${key}`,
      );
      const last1 = Math.max(0, ...run1.records.filter((r) => r.key === key).map((r) => r.count));
      const first2 = Math.min(...run2.records.filter((r) => r.key === key).map((r) => r.count));
      assert.equal(first2, last1 + 1, `key ${key} continues from ${last1}`);
    }
    // The timers were in the savepoint: they fire in the restored run, at its end of input.
    assert.deepEqual(
      run2.timers.sort((a, b) => a.key - b.key),
      Array.from({ length: KEYS }, (_, key) => ({ key, count: COUNT / KEYS })),
    );
  });

  it('a two-phase-commit sink has committed what the savepoint covers when the stop returns; with the restored run, every record once', async () => {
    const COUNT = 30_000;
    const store = new TxnStore();
    const client = await buildTxnJob(COUNT, store).executeAsync('stopped 2pc');
    await new Promise<void>((resolve) => {
      // Checkpoints complete (and commit) every 40 ms: wait for some committed rows.
      const check = () => (store.published.size >= 4 ? resolve() : setImmediate(check));
      check();
    });
    const savepoint = await client.stopWithSavepoint!(join(dir, 'savepoints'));
    assert.equal(client.getJobStatus(), 'finished');
    const committed = store.rows().length;
    assert.ok(committed > 0 && committed < COUNT, `${committed} committed at the stop`);
    // Nothing staged is left uncommitted: the savepoint's transactions were committed before the end.
    const uncommitted = [...store.staged.keys()].filter((id) => !store.published.has(id));
    assert.deepEqual(
      uncommitted.filter((id) => (store.staged.get(id) ?? []).length > 0),
      [],
      'no pre-committed rows left uncommitted',
    );

    setExecutionContext({ restore: { path: savepoint, kind: 'savepoint', allowNonRestoredState: false } });
    const restored = await buildTxnJob(COUNT, store).executeAsync('restored 2pc');
    await restored.getJobExecutionResult();
    const all = store.rows().map(Number);
    assert.equal(all.length, COUNT);
    assert.equal(new Set(all).size, COUNT, 'every record once');
  });

  it('a savepoint that cannot be written fails the stop and leaves the job running; a later stop works', async () => {
    const COUNT = 1_000_000;
    const output = join(dir, 'out.txt');
    const blocker = join(dir, 'not-a-directory');
    writeFileSync(blocker, '');
    const progress = new Progress();
    const client = await buildJob(COUNT, 20_000, output, progress).executeAsync('stop fails');
    await progress.reached(1_000);
    await assert.rejects(client.stopWithSavepoint!(join(blocker, 'savepoints')), (error: unknown) => {
      assert.ok(error instanceof WeirError, String(error));
      assert.equal(error.code, 'CHECKPOINT_FAILED');
      return true;
    });
    assert.equal(client.getJobStatus(), 'running');
    // Records keep flowing and checkpoints complete again after the failed savepoint.
    const completed = client.getCheckpointStatistics!().completed;
    await progress.reached(progress.written + 2_000);
    assert.equal(client.getJobStatus(), 'running');
    const savepoint = await client.stopWithSavepoint!(join(dir, 'savepoints'));
    await client.getJobExecutionResult();
    assert.equal(client.getJobStatus(), 'finished');
    assert.ok(client.getCheckpointStatistics!().completed > completed + 1, 'checkpoints resumed');
    assert.match(savepoint, /savepoint-/);
    const run = readOutput(output);
    assert.ok(run.records.length < COUNT);
    checkOnce(run.records, COUNT);
    assert.deepEqual(run.timers, []);
  });
});
