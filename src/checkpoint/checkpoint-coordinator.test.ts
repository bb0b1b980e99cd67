import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CheckpointSettings, DEFAULT_CHECKPOINT_SETTINGS } from '../core/checkpointing.ts';
import { ManualClock } from '../core/clock.ts';
import type { WeirError } from '../core/errors.ts';
import { CheckpointCoordinator } from './checkpoint-coordinator.ts';
import type { CheckpointMetadata, StateHandle, TaskStateEntry } from './checkpoint-metadata.ts';
import type { CheckpointStorage } from './checkpoint-storage.ts';

/** Storage that records what it is asked and can be told to fail. */
class RecordingStorage implements CheckpointStorage {
  readonly description = 'recording';
  readonly metadata: CheckpointMetadata[] = [];
  readonly discarded: string[] = [];
  failMetadata = false;
  checkpointLocation(jobId: string, id: number): string {
    return `${jobId}/chk-${id}`;
  }
  savepointLocation(dir: string, _jobId: string, id: number): string {
    return `${dir}/savepoint-${id}`;
  }
  async writeState(): Promise<StateHandle> {
    return { kind: 'inline', data: new Uint8Array() };
  }
  async writeMetadata(_location: string, metadata: CheckpointMetadata): Promise<void> {
    if (this.failMetadata) throw new Error('disk full');
    this.metadata.push(metadata);
  }
  async discard(location: string): Promise<void> {
    this.discarded.push(location);
  }
  async prepareJob(): Promise<void> {}
  async releaseJob(): Promise<void> {}
}

const entry = (task: string): TaskStateEntry => ({
  vertex: task.split('#')[0],
  subtask: Number(task.split('#')[1]),
  parallelism: 2,
  operators: [task.split('#')[0]],
  handle: { kind: 'inline', data: new Uint8Array() },
});

function setup(settings: Partial<CheckpointSettings> = {}) {
  const clock = new ManualClock(0);
  const storage = new RecordingStorage();
  const events: string[] = [];
  const failures: WeirError[] = [];
  const tasks = ['src#0', 'src#1', 'sink#0'];
  const coordinator = new CheckpointCoordinator({
    jobId: 'job',
    jobName: 'test',
    maxParallelism: 128,
    settings: { ...DEFAULT_CHECKPOINT_SETTINGS, interval: 100, ...settings },
    storage,
    tasks,
    clock,
    vertexInfo: (v) => ({ operators: [v], parallelism: v === 'sink' ? 1 : 2 }),
    gateway: {
      trigger: (id, savepoint) => events.push(`trigger ${id}${savepoint ? ' savepoint' : ''}`),
      notifyComplete: (id) => events.push(`complete ${id}`),
      notifyAborted: (id) => events.push(`aborted ${id}`),
    },
    onTolerableFailuresExceeded: (e) => failures.push(e),
  });
  const ackAll = (id: number) => {
    for (const t of tasks) coordinator.acknowledge(t, id, entry(t));
  };
  const settle = () => new Promise((r) => setImmediate(r));
  return { clock, storage, events, failures, coordinator, ackAll, settle };
}

describe('CheckpointCoordinator', () => {
  it('triggers every interval; completes when every subtask acknowledged, writing metadata before notifying', async () => {
    const { clock, storage, events, coordinator, ackAll, settle } = setup();
    coordinator.start();
    clock.advanceTo(99);
    assert.deepEqual(events, []);
    clock.advanceTo(100);
    assert.deepEqual(events, ['trigger 1']);
    coordinator.acknowledge('src#0', 1, entry('src#0'));
    coordinator.acknowledge('src#1', 1, entry('src#1'));
    await settle();
    assert.deepEqual(events, ['trigger 1'], 'one acknowledgement missing');
    coordinator.acknowledge('sink#0', 1, entry('sink#0'));
    await settle();
    assert.equal(storage.metadata[0].checkpointId, 1);
    assert.deepEqual(events, ['trigger 1', 'complete 1']);
    assert.equal(coordinator.latestCompleted()?.id, 1);
    clock.advanceTo(200);
    ackAll(2);
    await settle();
    assert.deepEqual(storage.discarded, ['job/chk-1'], 'only the latest one is retained');
    coordinator.stop('end');
  });

  it('respects the minimum pause and one checkpoint at a time', async () => {
    const { clock, events, coordinator, ackAll, settle } = setup({ minPause: 250 });
    coordinator.start();
    clock.advanceTo(100);
    clock.advanceTo(300);
    assert.deepEqual(events, ['trigger 1'], 'no second checkpoint while one is pending');
    ackAll(1);
    await settle();
    clock.advanceTo(549);
    assert.deepEqual(events, ['trigger 1', 'complete 1']);
    clock.advanceTo(550);
    assert.deepEqual(events, ['trigger 1', 'complete 1', 'trigger 2']);
    coordinator.stop('end');
  });

  it('a timeout or a failure to write aborts the checkpoint, notifies it, and counts towards the tolerable failures', async () => {
    const { clock, storage, events, failures, coordinator, ackAll, settle } = setup({
      timeout: 50,
      tolerableFailures: 1,
    });
    coordinator.start();
    clock.advanceTo(100);
    clock.advanceTo(150);
    assert.deepEqual(events, ['trigger 1', 'aborted 1']);
    assert.equal(failures.length, 0, 'one failure is tolerated');
    clock.advanceTo(220); // checkpoint 2 starts at 200 (interval after the first), times out at 250
    storage.failMetadata = true;
    ackAll(2);
    await settle();
    assert.deepEqual(events.slice(2), ['trigger 2', 'aborted 2']);
    assert.equal(failures.length, 1);
    assert.match(failures[0].message, /2 consecutive checkpoints failed.*disk full/);
    assert.equal(coordinator.stats.failed, 2);
    coordinator.stop('end');
  });

  it('a subtask that is not ready declines without counting as a failure', () => {
    const { clock, failures, coordinator } = setup({ tolerableFailures: 0 });
    coordinator.start();
    clock.advanceTo(100);
    coordinator.decline('src#0', 1, 'the task is created', false);
    assert.equal(failures.length, 0);
    assert.equal(coordinator.stats.failed, 0);
    coordinator.stop('end');
  });

  it('a subtask that finishes is no longer waited for, and is recorded as finished', async () => {
    const { clock, storage, events, coordinator, settle } = setup();
    coordinator.start();
    clock.advanceTo(100);
    coordinator.acknowledge('src#1', 1, entry('src#1'));
    coordinator.acknowledge('sink#0', 1, entry('sink#0'));
    coordinator.taskFinished('src#0');
    await settle();
    assert.deepEqual(events, ['trigger 1', 'complete 1']);
    const finished = storage.metadata[0].tasks.find((t) => t.vertex === 'src' && t.subtask === 0);
    assert.deepEqual(finished?.handle, { kind: 'finished' });
    coordinator.stop('end');
  });

  it('savepoints resolve with their location and are never discarded as subsumed', async () => {
    const { clock, storage, events, coordinator, ackAll, settle } = setup();
    coordinator.start();
    const savepoint = coordinator.triggerSavepoint('/sp');
    ackAll(1);
    const done = await savepoint;
    assert.equal(done.location, '/sp/savepoint-1');
    assert.equal(done.kind, 'savepoint');
    assert.deepEqual(events, ['trigger 1 savepoint', 'complete 1']);
    clock.advanceTo(100);
    ackAll(2);
    clock.advanceTo(200);
    ackAll(3);
    await settle();
    assert.ok(!storage.discarded.includes('/sp/savepoint-1'));
    coordinator.stop('end');
  });
});
