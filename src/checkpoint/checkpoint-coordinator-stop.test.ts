/**
 * The coordinator's side of stop-with-savepoint (a synchronous savepoint): its trigger says so to
 * the sources, periodic checkpoints pause from the trigger on (as Flink stops its checkpoint
 * scheduler), stay paused once it completed (the job ends), and resume if it fails.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CHECKPOINT_SETTINGS } from '../core/checkpointing.ts';
import { ManualClock } from '../core/clock.ts';
import { WeirError } from '../core/errors.ts';
import { CheckpointCoordinator } from './checkpoint-coordinator.ts';
import type { StateHandle, TaskStateEntry } from './checkpoint-metadata.ts';
import type { CheckpointStorage } from './checkpoint-storage.ts';

class MemoryStorage implements CheckpointStorage {
  readonly description = 'memory';
  checkpointLocation(jobId: string, id: number): string {
    return `${jobId}/chk-${id}`;
  }
  savepointLocation(dir: string, _jobId: string, id: number): string {
    return `${dir}/savepoint-${id}`;
  }
  async writeState(): Promise<StateHandle> {
    return { kind: 'inline', data: new Uint8Array() };
  }
  async writeMetadata(): Promise<void> {}
  async discard(): Promise<void> {}
  async prepareJob(): Promise<void> {}
  async releaseJob(): Promise<void> {}
}

const TASKS = ['src#0', 'sink#0'];
const entry = (task: string): TaskStateEntry => ({
  vertex: task.split('#')[0],
  subtask: 0,
  parallelism: 1,
  operators: [task.split('#')[0]],
  handle: { kind: 'inline', data: new Uint8Array() },
});

function setup() {
  const clock = new ManualClock(0);
  const events: string[] = [];
  const coordinator = new CheckpointCoordinator({
    jobId: 'job',
    jobName: 'test',
    maxParallelism: 128,
    settings: { ...DEFAULT_CHECKPOINT_SETTINGS, interval: 100 },
    storage: new MemoryStorage(),
    tasks: TASKS,
    clock,
    vertexInfo: (v) => ({ operators: [v], parallelism: 1 }),
    gateway: {
      trigger: (id, savepoint, _location, synchronous) =>
        events.push(`trigger ${id}${savepoint ? ' savepoint' : ''}${synchronous ? ' synchronous' : ''}`),
      notifyComplete: (id) => events.push(`complete ${id}`),
      notifyAborted: (id) => events.push(`aborted ${id}`),
    },
    onTolerableFailuresExceeded: () => {},
  });
  const ackAll = (id: number) => {
    for (const t of TASKS) coordinator.acknowledge(t, id, entry(t));
  };
  return { clock, events, coordinator, ackAll };
}

describe('CheckpointCoordinator: stop-with-savepoint', () => {
  it('a synchronous savepoint is triggered as such; no periodic checkpoint starts after it, even once it completed', async () => {
    const { clock, events, coordinator, ackAll } = setup();
    coordinator.start();
    const stop = coordinator.triggerSavepoint('/sp', { synchronous: true });
    assert.deepEqual(events, ['trigger 1 savepoint synchronous']);
    clock.advanceTo(1_000);
    assert.deepEqual(events, ['trigger 1 savepoint synchronous'], 'paused while it is pending');
    ackAll(1);
    assert.equal((await stop).location, '/sp/savepoint-1');
    clock.advanceTo(5_000);
    assert.deepEqual(events, ['trigger 1 savepoint synchronous', 'complete 1'], 'paused after it completed');
    await assert.rejects(coordinator.triggerSavepoint('/sp', { synchronous: true }), WeirError);
    coordinator.stop('end');
  });

  it('a synchronous savepoint that fails resumes periodic checkpoints, and the stop can be tried again', async () => {
    const { clock, events, coordinator, ackAll } = setup();
    coordinator.start();
    const stop = coordinator.triggerSavepoint('/sp', { synchronous: true });
    coordinator.decline('sink#0', 1, 'cannot write', true);
    await assert.rejects(stop, /savepoint 1 failed: subtask sink#0 declined it: cannot write/);
    clock.advanceTo(1_000);
    assert.deepEqual(events, ['trigger 1 savepoint synchronous', 'aborted 1', 'trigger 2']);
    ackAll(2);
    await new Promise((r) => setImmediate(r));
    assert.equal(events.at(-1), 'complete 2');
    // A later stop may be tried again.
    const again = coordinator.triggerSavepoint('/sp', { synchronous: true });
    assert.equal(events.at(-1), 'trigger 3 savepoint synchronous');
    ackAll(3);
    await again;
    coordinator.stop('end');
  });
});
