import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import type { Key } from '../core/key.ts';
import { HeapKeyedStateBackend } from '../state/heap-keyed-state-backend.ts';
import { keyGroupOf, keyGroupRangeForOperator } from '../state/key-groups.ts';
import { ValueStateDescriptor } from '../state/state-descriptor.ts';
import { HeapInternalTimerService } from '../time/internal-timer-service.ts';
import { readCatalog } from './checkpoint-catalog.ts';
import type { CheckpointMetadata, TaskStateEntry } from './checkpoint-metadata.ts';
import { deleteUnusedSharedFiles } from './checkpoint-pruning.ts';
import { FileCheckpointStorage } from './checkpoint-storage.ts';
import { IncrementalSnapshots, sharedStateFile } from './incremental-snapshots.ts';
import { loadCheckpointState, subtaskRestore } from './restored-state.ts';
import { SharedStateRegistry } from './shared-state-registry.ts';
import { encodeTaskState, type TaskStateSnapshot } from './task-state.ts';

const MAX_PARALLELISM = 128;
const value = new ValueStateDescriptor<string>('v');

/**
 * One subtask of a keyed operator with value state and event-time timers, checkpointed as a
 * StreamTask does with incremental checkpoints: changed key groups into a shared file, references
 * for the others.
 */
class Subtask {
  readonly backend: HeapKeyedStateBackend;
  readonly timers: HeapInternalTimerService;
  readonly fired: Array<[Key, number]> = [];
  private readonly incremental = new IncrementalSnapshots();

  readonly index: number;
  readonly parallelism: number;

  constructor(index: number, parallelism: number) {
    this.index = index;
    this.parallelism = parallelism;
    const clock = new ManualClock(0);
    this.backend = new HeapKeyedStateBackend({
      maxParallelism: MAX_PARALLELISM,
      keyGroupRange: keyGroupRangeForOperator(MAX_PARALLELISM, parallelism, index),
      clock,
    });
    this.timers = new HeapInternalTimerService({
      backend: this.backend,
      clock,
      triggerable: {
        onEventTime: (key, time) => this.fired.push([key, time]),
        onProcessingTime: () => {},
      },
    });
  }

  owns(key: Key): boolean {
    const group = keyGroupOf(key, MAX_PARALLELISM);
    return group >= this.backend.keyGroupRange.start && group <= this.backend.keyGroupRange.end;
  }

  put(key: Key, v: string, timer?: number): void {
    this.backend.setCurrentKey(key);
    this.backend.getState(value).update(v);
    if (timer !== undefined) this.timers.registerEventTimeTimer(timer);
  }

  get(key: Key): string | undefined {
    this.backend.setCurrentKey(key);
    return this.backend.getState(value).value();
  }

  /** The synchronous and asynchronous parts of checkpoint `id`; returns its entry and the groups written. */
  async checkpoint(
    storage: FileCheckpointStorage,
    location: string,
    id: number,
  ): Promise<{ entry: TaskStateEntry; written: number[] }> {
    const only = this.incremental.prepare(id, 'op', this.backend);
    const keyed = this.backend.snapshot(only);
    const timers = this.timers.snapshot(only);
    this.incremental.holdsAll(id, 'op', keyed, timers);
    const snapshot: TaskStateSnapshot = {
      vertex: 'v',
      subtask: this.index,
      parallelism: this.parallelism,
      operators: { op: { keyed, timers } },
    };
    const references = this.incremental.references(id);
    const handle = await storage.writeState(
      location,
      sharedStateFile(id, `v-${this.index}.state`),
      encodeTaskState(snapshot),
    );
    this.incremental.written(id, handle);
    const entry: TaskStateEntry = {
      vertex: 'v',
      subtask: this.index,
      parallelism: this.parallelism,
      operators: ['op'],
      handle,
    };
    if (references !== undefined) entry.references = references;
    const written: number[] = [];
    only.forEach((flag, i) => {
      if (flag === 1) written.push(this.backend.keyGroupRange.start + i);
    });
    return { entry, written };
  }

  completed(id: number): void {
    this.incremental.completed(id);
  }

  aborted(id: number): void {
    this.incremental.aborted(id);
  }
}

function metadataOf(id: number, tasks: TaskStateEntry[]): CheckpointMetadata {
  return {
    format: 'weir-checkpoint',
    version: 1,
    kind: 'checkpoint',
    jobName: 'j',
    jobId: 'job',
    checkpointId: id,
    timestamp: 0,
    maxParallelism: MAX_PARALLELISM,
    tasks,
  };
}

/** Restores checkpoint `id` into `parallelism` new subtasks (keyed state and timers). */
async function restore(
  storage: FileCheckpointStorage,
  id: number,
  tasks: TaskStateEntry[],
  parallelism: number,
): Promise<Subtask[]> {
  const location = storage.checkpointLocation('job', id);
  const restored = await loadCheckpointState(location, metadataOf(id, tasks));
  const subtasks: Subtask[] = [];
  for (let i = 0; i < parallelism; i++) {
    const s = new Subtask(i, parallelism);
    const part = subtaskRestore(restored, 'op', i, parallelism)!;
    s.backend.restore(part.keyed);
    s.timers.restore(part.timers);
    subtasks.push(s);
  }
  return subtasks;
}

const keys = Array.from({ length: 200 }, (_, i) => `k${i}`);

describe('incremental snapshots of a subtask', () => {
  let root: string;
  let storage: FileCheckpointStorage;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'weir-incremental-unit-'));
    storage = new FileCheckpointStorage(root);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('writes every group first, then only the changed ones, and references the file that last wrote each other one', async () => {
    const s = new Subtask(0, 1);
    for (const k of keys) s.put(k, `${k}@1`);
    const first = await s.checkpoint(storage, storage.checkpointLocation('job', 1), 1);
    assert.equal(first.written.length, MAX_PARALLELISM);
    assert.equal(first.entry.references, undefined);
    s.completed(1);

    s.put('k7', 'k7@2');
    const second = await s.checkpoint(storage, storage.checkpointLocation('job', 2), 2);
    assert.deepEqual(second.written, [keyGroupOf('k7', MAX_PARALLELISM)]);
    assert.equal(second.entry.references?.length, 1);
    assert.equal(second.entry.references?.[0].checkpointId, 1);
    s.completed(2);

    s.put('k9', 'k9@3');
    const third = await s.checkpoint(storage, storage.checkpointLocation('job', 3), 3);
    // k7's group now lives in checkpoint 2's file, the others still in checkpoint 1's.
    const byCheckpoint = new Map(third.entry.references?.map((r) => [r.checkpointId, r.keyGroups.op]));
    const g7 = keyGroupOf('k7', MAX_PARALLELISM);
    assert.deepEqual(byCheckpoint.get(2), [[g7, g7]]);
    assert.ok(first.entry.handle.kind === 'file' && third.entry.handle.kind === 'file');
    assert.ok(third.entry.handle.bytes * 10 < first.entry.handle.bytes);

    const [restored] = await restore(storage, 3, [third.entry], 1);
    for (const k of keys) assert.equal(restored.get(k), k === 'k7' ? 'k7@2' : k === 'k9' ? 'k9@3' : `${k}@1`);
  });

  it("writes an aborted checkpoint's changes in the next one", async () => {
    const s = new Subtask(0, 1);
    for (const k of keys) s.put(k, `${k}@1`);
    await s.checkpoint(storage, storage.checkpointLocation('job', 1), 1);
    s.completed(1);
    s.put('k5', 'k5@2');
    await s.checkpoint(storage, storage.checkpointLocation('job', 2), 2);
    s.aborted(2);
    s.put('k6', 'k6@3');
    const third = await s.checkpoint(storage, storage.checkpointLocation('job', 3), 3);
    assert.deepEqual(
      third.written,
      [...new Set([keyGroupOf('k5', MAX_PARALLELISM), keyGroupOf('k6', MAX_PARALLELISM)])].sort(
        (a, b) => a - b,
      ),
    );
    assert.ok(third.entry.references?.every((r) => r.checkpointId === 1));
    const [restored] = await restore(storage, 3, [third.entry], 1);
    assert.equal(restored.get('k5'), 'k5@2');
    assert.equal(restored.get('k6'), 'k6@3');
    assert.equal(restored.get('k4'), 'k4@1');
  });

  it('writes again the changes of a checkpoint whose completion it has not heard of', async () => {
    const s = new Subtask(0, 1);
    for (const k of keys) s.put(k, `${k}@1`);
    await s.checkpoint(storage, storage.checkpointLocation('job', 1), 1);
    s.completed(1);
    s.put('k5', 'k5@2');
    await s.checkpoint(storage, storage.checkpointLocation('job', 2), 2);
    const third = await s.checkpoint(storage, storage.checkpointLocation('job', 3), 3);
    assert.deepEqual(third.written, [keyGroupOf('k5', MAX_PARALLELISM)]);
  });

  it('restores keyed state and timers from the referenced files at another parallelism', async () => {
    const before = [new Subtask(0, 2), new Subtask(1, 2)];
    const owner = (k: Key) => before.find((s) => s.owns(k))!;
    for (const [i, k] of keys.entries()) owner(k).put(k, `${k}@1`, 1_000 + i);
    const entries1 = await Promise.all(
      before.map((s) => s.checkpoint(storage, storage.checkpointLocation('job', 1), 1)),
    );
    for (const s of before) s.completed(1);
    owner('k3').put('k3', 'k3@2', 5_000);
    const entries2 = await Promise.all(
      before.map((s) => s.checkpoint(storage, storage.checkpointLocation('job', 2), 2)),
    );
    assert.ok(entries1.every((e) => e.written.length === 64));
    assert.equal(
      entries2.map((e) => e.written.length).reduce((a, b) => a + b),
      1,
    );

    const after = await restore(
      storage,
      2,
      entries2.map((e) => e.entry),
      3,
    );
    const at = (k: Key) => after.find((s) => s.owns(k))!;
    for (const k of keys) assert.equal(at(k).get(k), k === 'k3' ? 'k3@2' : `${k}@1`);
    for (const s of after) s.timers.advanceWatermark(Number.MAX_SAFE_INTEGER);
    const fired = after.flatMap((s) => s.fired).sort((a, b) => a[1] - b[1]);
    const expected: Array<[Key, number]> = keys.map((k, i) => [k, 1_000 + i]);
    expected.push(['k3', 5_000]);
    assert.deepEqual(fired, expected);
  });
});

describe('deleting incremental checkpoints by hand', () => {
  it('deletes the shared files no checkpoint left uses, and keeps those one does', async () => {
    const root = mkdtempSync(join(tmpdir(), 'weir-incremental-delete-'));
    try {
      const storage = new FileCheckpointStorage(root);
      const s = new Subtask(0, 1);
      for (const k of keys) s.put(k, `${k}@1`);
      for (let id = 1; id <= 3; id++) {
        // Checkpoint 2 changes one key (it references 1); checkpoint 3 changes all (it references nothing).
        if (id === 2) s.put('k1', 'k1@2');
        if (id === 3) for (const k of keys) s.put(k, `${k}@3`);
        const location = storage.checkpointLocation('job', id);
        const { entry } = await s.checkpoint(storage, location, id);
        await storage.writeMetadata(location, metadataOf(id, [entry]));
        s.completed(id);
      }
      const jobDirectory = join(root, 'job');
      const shared = () => readdirSync(join(jobDirectory, 'shared')).sort();
      const catalog = async () => {
        const entry = await readCatalog(jobDirectory);
        assert.equal(entry.kind, 'job');
        return entry.kind === 'job' ? entry.job : assert.fail();
      };
      rmSync(join(jobDirectory, 'chk-1'), { recursive: true });
      assert.equal(await deleteUnusedSharedFiles(await catalog()), 0);
      assert.deepEqual(shared(), ['chk-1-v-0.state', 'chk-2-v-0.state', 'chk-3-v-0.state']);
      rmSync(join(jobDirectory, 'chk-2'), { recursive: true });
      assert.ok((await deleteUnusedSharedFiles(await catalog())) > 0);
      assert.deepEqual(shared(), ['chk-3-v-0.state']);
      assert.ok(existsSync(join(jobDirectory, 'chk-3', '_metadata')));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('shared state registry', () => {
  const checkpoint = (id: number, files: string[], refs: string[] = []) => ({
    location: `/c/job/chk-${id}`,
    metadata: metadataOf(
      id,
      files.map((file, i) => ({
        vertex: 'v',
        subtask: i,
        parallelism: files.length,
        operators: ['op'],
        handle: { kind: 'file' as const, file: `../shared/${file}`, bytes: 1, sha256: '' },
        references: refs.map((r) => ({
          checkpointId: 0,
          handle: { kind: 'file' as const, file: `../shared/${r}`, bytes: 1, sha256: '' },
          keyGroups: {},
        })),
      })),
    ),
  });

  it('deletes a file no retained checkpoint uses at the next completion, unless that one uses it again', () => {
    const registry = new SharedStateRegistry();
    const c1 = checkpoint(1, ['a']);
    const c2 = checkpoint(2, ['b'], ['a']);
    registry.register(c1);
    registry.register(c2);
    registry.release(c1);
    assert.deepEqual(registry.takeUnused(), [], 'a is still used by checkpoint 2');
    const c3 = checkpoint(3, ['c']);
    registry.register(c3);
    registry.release(c2);
    // A checkpoint under way when 2 was subsumed still references b: it completes and uses b again.
    registry.register(checkpoint(4, ['d'], ['b']));
    assert.deepEqual(registry.takeUnused(), ['/c/job/shared/a']);
  });

  it('names the deleted files a completing checkpoint references', () => {
    const registry = new SharedStateRegistry();
    const c1 = checkpoint(1, ['a']);
    registry.register(c1);
    registry.release(c1);
    assert.deepEqual(registry.takeUnused(), ['/c/job/shared/a']);
    assert.deepEqual(registry.missingFiles(checkpoint(2, ['b'], ['a'])), ['/c/job/shared/a']);
  });
});
