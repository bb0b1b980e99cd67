import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { InvokeContext, SinkContext } from '../../core/sink.ts';
import { ExactlyOnceFileSink } from './exactly-once-file-sink.ts';

const invoke: InvokeContext = { timestamp: undefined, currentWatermark: Number.NEGATIVE_INFINITY };

function context(
  subtaskIndex: number,
  parallelism: number,
  attemptTag: string,
  checkpointing = true,
): SinkContext {
  return {
    subtaskIndex,
    parallelism,
    operatorName: 'files',
    now: () => 0,
    addAccumulator: () => {},
    checkpointing,
    attemptTag,
  };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'weir-eo-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const committedLines = () =>
  readdirSync(dir)
    .filter((f) => !/\.(inprogress|pending)$/.test(f))
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean));

describe('ExactlyOnceFileSink', () => {
  it('records become visible only when the checkpoint that covers them completes', () => {
    const sink = new ExactlyOnceFileSink<number>(dir);
    sink.open(context(0, 1, 'a-0'));
    sink.invoke(1, invoke);
    sink.invoke(2, invoke);
    assert.deepEqual(readdirSync(dir), ['part-0-a-0-0.jsonl.inprogress']);
    sink.snapshotState(1);
    assert.deepEqual(readdirSync(dir), ['part-0-a-0-0.jsonl.pending'], 'pre-committed: durable, not visible');
    sink.invoke(3, invoke);
    assert.deepEqual(committedLines(), []);
    sink.notifyCheckpointComplete(1);
    assert.deepEqual(committedLines(), ['1', '2']);
    sink.close();
    assert.deepEqual(committedLines(), ['1', '2'], 'the open transaction (3) is aborted on close');
    assert.deepEqual(readdirSync(dir), ['part-0-a-0-0.jsonl']);
  });

  it('after a restore, pre-committed transactions are committed once, open ones and leftovers deleted', () => {
    // Two subtasks of a first attempt: each pre-commits at checkpoint 1, then fails before it completes.
    const states: unknown[] = [];
    for (const subtask of [0, 1]) {
      const sink = new ExactlyOnceFileSink<string>(dir);
      sink.open(context(subtask, 2, 'a-0'));
      sink.invoke(`s${subtask}-before`, invoke);
      states.push(...sink.snapshotState(1));
      sink.invoke(`s${subtask}-after`, invoke); // lost with the failure: replayed later
    }
    const orphan = new ExactlyOnceFileSink<string>(dir); // pre-committed for a checkpoint that never completed
    orphan.open(context(0, 2, 'b-0'));
    orphan.invoke('orphan', invoke);
    orphan.snapshotState(2);
    // Restore at parallelism 3 in a new attempt: every subtask gets every transaction.
    const restored = [0, 1, 2].map((subtask) => {
      const sink = new ExactlyOnceFileSink<string>(dir);
      sink.initializeState(states, context(subtask, 3, 'c-0'));
      sink.open(context(subtask, 3, 'c-0'));
      return sink;
    });
    assert.deepEqual(committedLines().sort(), ['"s0-before"', '"s1-before"']);
    assert.deepEqual(
      readdirSync(dir).filter((f) => /\.(inprogress|pending)$/.test(f)),
      [],
      'open transactions and files no checkpoint covers are gone',
    );
    for (const sink of restored) sink.close();
  });

  it("a restart before any checkpoint completed: the earlier attempts' pending and in-progress files of the subtask are deleted", () => {
    const first = new ExactlyOnceFileSink<string>(dir);
    first.open(context(0, 2, 'job1-0'));
    first.invoke('pre-committed for a checkpoint that failed', invoke);
    first.snapshotState(1); // the checkpoint then fails (its storage is unwritable): never committed
    first.invoke('in progress', invoke);
    const other = new ExactlyOnceFileSink<string>(dir);
    other.open(context(1, 2, 'job1-0')); // another subtask's files are its own business
    other.invoke('x', invoke);
    const otherJob = new ExactlyOnceFileSink<string>(dir);
    otherJob.open(context(0, 1, 'job2-0')); // another job writing to the same directory
    otherJob.invoke('y', invoke);
    assert.deepEqual(readdirSync(dir).sort(), [
      'part-0-job1-0-0.jsonl.pending',
      'part-0-job1-0-1.jsonl.inprogress',
      'part-0-job2-0-0.jsonl.inprogress',
      'part-1-job1-0-0.jsonl.inprogress',
    ]);
    const again = new ExactlyOnceFileSink<string>(dir);
    again.open(context(0, 2, 'job1-1'));
    again.invoke('replayed', invoke);
    assert.deepEqual(readdirSync(dir).sort(), [
      'part-0-job1-1-0.jsonl.inprogress',
      'part-0-job2-0-0.jsonl.inprogress',
      'part-1-job1-0-0.jsonl.inprogress',
    ]);
  });

  it('closed after its checkpoints were aborted (failing storage): their pending files go; with an outcome unknown they stay', () => {
    const sink = new ExactlyOnceFileSink<string>(dir);
    sink.open(context(0, 1, 'a-0'));
    sink.invoke('committed', invoke);
    sink.snapshotState(1);
    sink.notifyCheckpointComplete(1);
    sink.invoke('aborted twice', invoke);
    sink.snapshotState(2);
    sink.notifyCheckpointAborted(2);
    sink.invoke('aborted', invoke);
    sink.snapshotState(3);
    sink.notifyCheckpointAborted(3);
    sink.close();
    assert.deepEqual(readdirSync(dir), ['part-0-a-0-0.jsonl'], 'only the committed part file is left');

    const unsure = new ExactlyOnceFileSink<string>(join(dir, 'unsure'));
    unsure.open(context(0, 1, 'b-0'));
    unsure.invoke('x', invoke);
    unsure.snapshotState(1); // the job fails before checkpoint 1 completes or aborts
    unsure.close();
    assert.deepEqual(
      readdirSync(join(dir, 'unsure')),
      ['part-0-b-0-0.jsonl.pending'],
      'kept for a restore from it',
    );
  });

  it('without checkpointing, the output is committed at the end of the input', () => {
    const sink = new ExactlyOnceFileSink<{ a: number }>(dir, {
      format: (v) => `a=${v.a}`,
      extension: '.txt',
    });
    sink.open(context(0, 1, 'a-0', false));
    sink.invoke({ a: 1 }, invoke);
    sink.finish();
    sink.close();
    assert.deepEqual(readdirSync(dir), ['part-0-a-0-0.txt']);
    assert.deepEqual(committedLines(), ['a=1']);
  });
});
