/**
 * The checkpoint history of a job (Flink's, `web.checkpoints.history` long): the last checkpoints
 * and savepoints with status, trigger time, duration, state size, alignment, path and failure,
 * newest first; and the size of the last completed checkpoint in the statistics. First the
 * coordinator on a manual clock (exact durations), then a real job with its files on disk.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  type Collector,
  Duration,
  KeyedProcessFunction,
  StreamExecutionEnvironment,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from 'weir';
import { CollectSink } from 'weir/testing';
import {
  CheckpointCoordinator,
  DEFAULT_CHECKPOINT_HISTORY,
} from '../../src/checkpoint/checkpoint-coordinator.ts';
import type { StateHandle, TaskStateEntry } from '../../src/checkpoint/checkpoint-metadata.ts';
import { MemoryCheckpointStorage } from '../../src/checkpoint/checkpoint-storage.ts';
import { DEFAULT_CHECKPOINT_SETTINGS } from '../../src/core/checkpointing.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { BarrierAligner } from '../../src/runtime/task/barrier-aligner.ts';
import { ControlledSource, waitFor } from './helpers.ts';

const TASKS = ['src#0', 'src#1', 'sink#0'];

const entry = (task: string, bytes: number): TaskStateEntry => ({
  vertex: task.split('#')[0],
  subtask: Number(task.split('#')[1]),
  parallelism: 2,
  operators: [task.split('#')[0]],
  handle: { kind: 'inline', data: new Uint8Array(bytes) } satisfies StateHandle,
});

function setup() {
  const clock = new ManualClock(0);
  const coordinator = new CheckpointCoordinator({
    jobId: 'job',
    jobName: 'history',
    maxParallelism: 128,
    settings: { ...DEFAULT_CHECKPOINT_SETTINGS, interval: 100, timeout: 1_000, tolerableFailures: 10 },
    storage: new MemoryCheckpointStorage(),
    tasks: TASKS,
    clock,
    vertexInfo: (v) => ({ operators: [v], parallelism: v === 'sink' ? 1 : 2 }),
    gateway: { trigger: () => {}, notifyComplete: () => {}, notifyAborted: () => {} },
    onTolerableFailuresExceeded: () => {},
  });
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return { clock, coordinator, settle };
}

describe('checkpoint history in the coordinator', () => {
  it('records each checkpoint from trigger to completion: duration, size, alignment, subtasks', async () => {
    const { clock, coordinator, settle } = setup();
    coordinator.start();
    const before = Date.now();
    clock.advanceTo(100);
    let [h] = coordinator.history();
    assert.equal(h.id, 1);
    assert.equal(h.status, 'IN_PROGRESS');
    assert.equal(h.isSavepoint, false);
    assert.ok(h.triggerTimestamp >= before && h.triggerTimestamp <= Date.now());
    assert.equal(h.numSubtasks, 3);
    assert.equal(h.latestAckTimestamp, null);
    clock.advanceTo(130);
    coordinator.acknowledge('src#0', 1, entry('src#0', 10), 0);
    coordinator.acknowledge('src#1', 1, entry('src#1', 20), 0);
    [h] = coordinator.history();
    assert.deepEqual(
      [h.status, h.endToEndDuration, h.numAcknowledgedSubtasks, h.stateSize],
      ['IN_PROGRESS', 30, 2, 30],
      'an in-progress checkpoint so far',
    );
    assert.ok(h.latestAckTimestamp !== null && h.latestAckTimestamp >= h.triggerTimestamp);
    clock.advanceTo(150);
    coordinator.acknowledge('sink#0', 1, entry('sink#0', 300), 7);
    await settle();
    [h] = coordinator.history();
    assert.equal(h.status, 'COMPLETED');
    assert.equal(h.endToEndDuration, 50);
    assert.equal(h.stateSize, 330);
    assert.equal(h.alignmentDuration, 7, 'the longest alignment of any subtask');
    assert.equal(h.numAcknowledgedSubtasks, 3);
    assert.equal(h.externalPath, null, 'kept in memory: no path');
    assert.equal(h.failureMessage, null);
    assert.ok(h.endTimestamp !== null && h.endTimestamp >= h.triggerTimestamp);
    const stats = coordinator.stats;
    assert.equal(stats.lastSizeBytes, 330);
    assert.equal(stats.lastDurationMs, 50);
  });

  it('records failures with their reason, and keeps the last ten, newest first', async () => {
    const { clock, coordinator, settle } = setup();
    coordinator.start();
    clock.advanceTo(100);
    coordinator.decline('src#1', 1, 'disk full', true);
    let [h] = coordinator.history();
    assert.equal(h.status, 'FAILED');
    assert.match(h.failureMessage ?? '', /subtask src#1 declined it: disk full/);
    assert.ok(h.endTimestamp !== null);
    // Eleven more, each completed.
    for (let id = 2; id <= 12; id++) {
      clock.advanceTo(clock.now() + 100);
      for (const t of TASKS) coordinator.acknowledge(t, id, entry(t, id));
      await settle();
    }
    const history = coordinator.history();
    assert.equal(DEFAULT_CHECKPOINT_HISTORY, 10);
    assert.deepEqual(
      history.map((x) => x.id),
      [12, 11, 10, 9, 8, 7, 6, 5, 4, 3],
    );
    assert.ok(history.every((x) => x.status === 'COMPLETED'));
    [h] = history;
    assert.equal(h.stateSize, 36, 'three subtasks of 12 bytes');
    // A copy: changing it changes nothing in the coordinator.
    h.status = 'FAILED';
    assert.equal(coordinator.history()[0].status, 'COMPLETED');
  });

  it('times the alignment of a task from its first to its last barrier', async () => {
    const aligner = new BarrierAligner(2, true);
    assert.equal(aligner.onBarrier(0, 1), 'waiting');
    const start = performance.now();
    // The second channel's barrier comes 20 ms later (a slow upstream subtask).
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(aligner.onBarrier(1, 1), 'aligned');
    const elapsed = performance.now() - start;
    assert.ok(
      aligner.lastAlignmentMs >= 19 && aligner.lastAlignmentMs <= elapsed + 1,
      `${aligner.lastAlignmentMs}`,
    );
    const single = new BarrierAligner(1, true);
    assert.equal(single.onBarrier(0, 1), 'aligned');
    assert.ok(single.lastAlignmentMs < 5, 'one channel: nothing to align');
  });
});

class Counting extends KeyedProcessFunction<number, number, number> {
  private count!: ValueState<number, number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor('count', 0));
  }
  processElement(n: number, _ctx: unknown, out: Collector<number>): void {
    this.count.update(this.count.value() + 1);
    out.collect(n);
  }
}

describe('checkpoint history of a job', () => {
  it('lists completed checkpoints with the size of their files, savepoints, and failed savepoints', async () => {
    const root = mkdtempSync(join(tmpdir(), 'weir-history-'));
    try {
      const source = new ControlledSource<number>(2);
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      env.setParallelism(2);
      env.enableCheckpointing(Duration.ofMillis(50));
      env.getCheckpointConfig().setCheckpointStorage(join(root, 'checkpoints'));
      const sink = new CollectSink<number>();
      env
        .fromSource(source, WatermarkStrategy.noWatermarks(), 'numbers')
        .keyBy((n) => n % 7)
        .process(new Counting())
        .name('counting')
        .sinkTo(sink);
      const client = await env.executeAsync('history');
      for (let i = 0; i < 100; i++) source.push(i % 2, i);
      await waitFor(() => sink.values.length === 100, 'every record', 30_000);
      const history = () => client.getCheckpointHistory?.() ?? [];
      const completedAfter = (mark: number) =>
        history().find((h) => h.status === 'COMPLETED' && !h.isSavepoint && h.id > mark);
      await waitFor(() => completedAfter(0) !== undefined, 'a completed checkpoint', 30_000);
      const mark = Math.max(...history().map((h) => h.id));
      await waitFor(() => completedAfter(mark) !== undefined, 'a checkpoint after every record', 30_000);
      const done = completedAfter(mark)!;
      assert.equal(done.numAcknowledgedSubtasks, 4);
      assert.equal(done.numSubtasks, 4);
      assert.ok(done.alignmentDuration >= 0 && Number.isFinite(done.alignmentDuration));
      assert.ok(done.externalPath !== null, 'on disk');
      // Its size is the sum of its subtasks' state files.
      let onDisk = 0;
      for (const f of readdirSync(done.externalPath)) {
        if (f.endsWith('.state')) onDisk += statSync(join(done.externalPath, f)).size;
      }
      assert.ok(onDisk > 0);
      assert.equal(done.stateSize, onDisk, 'the sum of the state files');
      assert.ok(done.triggerTimestamp <= (done.endTimestamp ?? 0));
      const ids = history().map((h) => h.id);
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => b - a),
        'newest first',
      );

      // A savepoint, then one into a directory that cannot be created (a file is in the way).
      const savepoint = await client.triggerSavepoint!(join(root, 'savepoints'));
      const sp = history().find((h) => h.isSavepoint && h.status === 'COMPLETED');
      assert.equal(sp?.externalPath, savepoint);
      assert.ok((sp?.stateSize ?? 0) > 0);
      const blocked = join(root, 'not-a-directory');
      writeFileSync(blocked, 'x');
      await assert.rejects(client.triggerSavepoint!(blocked));
      const failed = history().find((h) => h.isSavepoint && h.status === 'FAILED');
      assert.ok(failed, JSON.stringify(history()));
      assert.ok((failed.failureMessage ?? '').length > 0);
      assert.equal(failed.externalPath, null);
      const stats = client.getCheckpointStatistics?.();
      assert.ok((stats?.lastSizeBytes ?? 0) > 0);
      source.end();
      await client.getJobExecutionResult();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
