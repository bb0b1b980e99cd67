/**
 * TwoPhaseCommitSink with asynchronous hooks (the database sinks' base), without a database: a
 * pre-commit's promise is what `snapshotStateAsync` returns, commits wait for their pre-commits and
 * run in checkpoint order, recovery is awaited through `initializeState`, and a sink whose hooks are
 * synchronous stays synchronous.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type InvokeContext, type SinkContext, TwoPhaseCommitSink } from '../index.ts';

const INVOKE: InvokeContext = { timestamp: undefined, currentWatermark: 0 };
const context: SinkContext = {
  subtaskIndex: 0,
  parallelism: 1,
  operatorName: 'log',
  now: () => 0,
  addAccumulator: () => {},
  checkpointing: true,
  attemptTag: 'job-0',
};

/** A promise and its resolver. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Logs every hook; `gate(name)` makes the next call of that hook wait until released. */
class LogSink extends TwoPhaseCommitSink<string, { id: number; values: string[] }> {
  readonly log: string[] = [];
  readonly gates = new Map<string, ReturnType<typeof deferred>>();
  readonly async: boolean;
  private next = 0;

  constructor(async: boolean) {
    super();
    this.async = async;
  }

  gate(hook: string): () => void {
    const d = deferred();
    this.gates.set(hook, d);
    return d.resolve;
  }

  private step(hook: string, id: number): void | Promise<void> {
    if (!this.async) {
      this.log.push(`${hook} ${id}`);
      return;
    }
    const gate = this.gates.get(hook);
    this.gates.delete(hook);
    return (async () => {
      this.log.push(`${hook} ${id} start`);
      await (gate?.promise ?? Promise.resolve());
      this.log.push(`${hook} ${id} end`);
    })();
  }

  protected beginTransaction() {
    return { id: this.next++, values: [] };
  }
  protected write(txn: { values: string[] }, value: string) {
    txn.values.push(value);
  }
  protected preCommit(txn: { id: number }) {
    return this.step('preCommit', txn.id);
  }
  protected commit(txn: { id: number }) {
    return this.step('commit', txn.id);
  }
  protected abort(txn: { id: number }) {
    return this.step('abort', txn.id);
  }
}

describe('TwoPhaseCommitSink with asynchronous hooks', () => {
  it('awaits a pre-commit through snapshotStateAsync, and commits only after it', async () => {
    const sink = new LogSink(true);
    sink.open(context);
    sink.invoke('a', INVOKE);
    const release = sink.gate('preCommit');
    sink.snapshotState(1);
    const preCommit = sink.snapshotStateAsync(1);
    assert.ok(preCommit instanceof Promise);
    // A completion notified early (it cannot be, but commits must not trust that) waits too.
    const commit = sink.notifyCheckpointComplete(1);
    assert.ok(commit instanceof Promise);
    await Promise.resolve();
    assert.deepEqual(sink.log, ['preCommit 0 start']);
    release();
    await preCommit;
    await commit;
    assert.deepEqual(sink.log, ['preCommit 0 start', 'preCommit 0 end', 'commit 0 start', 'commit 0 end']);
  });

  it('commits in checkpoint order, a later completion after an earlier commit still under way', async () => {
    const sink = new LogSink(true);
    sink.open(context);
    sink.snapshotState(1);
    await sink.snapshotStateAsync(1);
    sink.snapshotState(2);
    await sink.snapshotStateAsync(2);
    sink.log.length = 0;
    const release = sink.gate('commit');
    const first = sink.notifyCheckpointComplete(1);
    const second = sink.notifyCheckpointComplete(2);
    await Promise.resolve();
    assert.deepEqual(sink.log, ['commit 0 start']);
    release();
    await Promise.all([first, second]);
    assert.deepEqual(sink.log, ['commit 0 start', 'commit 0 end', 'commit 1 start', 'commit 1 end']);
    // close waits for commits under way before aborting the open transaction.
    const releaseCommit = sink.gate('commit');
    sink.snapshotState(3);
    await sink.snapshotStateAsync(3);
    const third = sink.notifyCheckpointComplete(3);
    const closed = sink.close();
    await Promise.resolve();
    assert.ok(!sink.log.some((l) => l.startsWith('abort')), 'abort waits for the commit');
    releaseCommit();
    await Promise.all([third, closed]);
    assert.deepEqual(sink.log.slice(-4), ['commit 2 start', 'commit 2 end', 'abort 3 start', 'abort 3 end']);
  });

  it('awaits recovery: pre-committed transactions committed, the open one aborted, in order', async () => {
    const sink = new LogSink(true);
    const done = sink.initializeState(
      [
        { kind: 'pending', checkpointId: 4, txn: { id: 7, values: [] } },
        { kind: 'open', txn: { id: 8, values: [] } },
      ],
      context,
    );
    assert.ok(done instanceof Promise);
    await done;
    assert.deepEqual(sink.log, ['commit 7 start', 'commit 7 end', 'abort 8 start', 'abort 8 end']);
  });

  it('stays synchronous when the hooks are', () => {
    const sink = new LogSink(false);
    sink.open(context);
    sink.invoke('a', INVOKE);
    sink.snapshotState(1);
    assert.equal(sink.snapshotStateAsync(1), undefined);
    assert.equal(sink.notifyCheckpointComplete(1), undefined);
    assert.equal(
      sink.initializeState([{ kind: 'pending', checkpointId: 1, txn: { id: 0, values: [] } }], context),
      undefined,
    );
    assert.equal(sink.close(), undefined);
    assert.deepEqual(sink.log, ['preCommit 0', 'commit 0', 'commit 0', 'abort 1']);
  });
});
