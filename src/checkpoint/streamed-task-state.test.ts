import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import { isWeirError } from '../core/errors.ts';
import type { KeyedStateSnapshot } from '../state/keyed-state-snapshot.ts';
import type { KeyedStateChunk, KeyedStateSnapshotStream } from '../state/keyed-state-snapshot-stream.ts';
import { LmdbKeyedStateBackend } from '../state/lmdb-keyed-state-backend.ts';
import { ListStateDescriptor, MapStateDescriptor, ValueStateDescriptor } from '../state/state-descriptor.ts';
import { sha256 } from './checkpoint-metadata.ts';
import {
  type CheckpointStorage,
  FileCheckpointStorage,
  MemoryCheckpointStorage,
} from './checkpoint-storage.ts';
import { isStreamedTaskState, writeStreamedTaskState } from './streamed-task-state.ts';
import { decodeTaskState, encodeTaskState, type TaskStateSnapshot } from './task-state.ts';

const dir = mkdtempSync(join(tmpdir(), 'weir-streamed-state-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A task snapshot of one LMDB backend (value, list and map state over 3000 keys) and its stream. */
function lmdbTask(): { backend: LmdbKeyedStateBackend; plain: TaskStateSnapshot; streamed: () => Streamed } {
  const backend = new LmdbKeyedStateBackend({
    maxParallelism: 128,
    keyGroupRange: { start: 0, end: 63 },
    clock: new ManualClock(0),
  });
  const v = backend.getState(new ValueStateDescriptor<{ n: number; at: Date }>('v'));
  const l = backend.getListState(new ListStateDescriptor<string>('l'));
  const m = backend.getMapState(new MapStateDescriptor<string, bigint>('m'));
  for (let i = 0, keys = 0; keys < 3_000; i++) {
    const key = `key-${i}`;
    try {
      backend.setCurrentKey(key);
    } catch {
      continue; // a key group of the other half
    }
    keys++;
    v.update({ n: i, at: new Date(i) });
    l.add(`a${i}`);
    l.add(`b${i}`);
    m.put('x', BigInt(i) ** 3n);
  }
  const task = (keyed: KeyedStateSnapshot): TaskStateSnapshot => ({
    vertex: 'v',
    subtask: 0,
    parallelism: 2,
    operators: {
      keyed: { keyed, operator: { states: [{ name: 'offsets', mode: 'split', elements: [7] }] } },
    },
  });
  return {
    backend,
    plain: task(backend.snapshot()),
    streamed: () => {
      const stream = backend.snapshotStream();
      return { snapshot: task(stream.header), streams: new Map([['keyed', stream]]) };
    },
  };
}

interface Streamed {
  snapshot: TaskStateSnapshot;
  streams: Map<string, KeyedStateSnapshotStream>;
}

describe('streamed state files', () => {
  it('written to files chunk by chunk, decode to the plain snapshot, with the handle of the bytes written', async () => {
    const { backend, plain, streamed } = lmdbTask();
    const { snapshot, streams } = streamed();
    const handle = await writeStreamedTaskState(
      new FileCheckpointStorage(dir),
      join(dir, 'chk-1'),
      'v-0.state',
      snapshot,
      streams,
    );
    const bytes = readFileSync(join(dir, 'chk-1', 'v-0.state'));
    assert.ok(isStreamedTaskState(bytes));
    assert.deepEqual(handle, {
      kind: 'file',
      file: 'v-0.state',
      bytes: bytes.byteLength,
      sha256: sha256(bytes),
    });
    assert.deepEqual(decodeTaskState(bytes), plain);
    assert.ok(!isStreamedTaskState(encodeTaskState(plain)), 'the plain form is told apart');
    backend.dispose();
  });

  it('kept in memory, or given to a storage without streaming, decode the same', async () => {
    const { backend, plain, streamed } = lmdbTask();
    const memory = streamed();
    const inline = await writeStreamedTaskState(
      new MemoryCheckpointStorage(),
      'memory:j/chk-1',
      'v-0.state',
      memory.snapshot,
      memory.streams,
    );
    assert.equal(inline.kind, 'inline');
    assert.deepEqual(decodeTaskState((inline as { data: Uint8Array }).data), plain);

    let given: Uint8Array | undefined;
    const plainStorage = {
      writeState: async (_location: string, _name: string, data: Uint8Array) => {
        given = data;
        return { kind: 'inline', data } as const;
      },
    } as unknown as CheckpointStorage;
    const other = streamed();
    await writeStreamedTaskState(plainStorage, 'x', 'v-0.state', other.snapshot, other.streams);
    assert.deepEqual(decodeTaskState(given!), plain);
    backend.dispose();
  });

  it('lets the event loop turn between chunks, so the task goes on while its state is written', async () => {
    let turns = 0;
    let running = true;
    const spin = () => {
      turns++;
      if (running) setImmediate(spin);
    };
    setImmediate(spin);
    const seen: number[] = [];
    const header: KeyedStateSnapshot = {
      maxParallelism: 128,
      keyGroupRange: { start: 0, end: 127 },
      states: [{ name: 's', kind: 'value', ttl: false, keyGroups: [] }],
    };
    let left = 5;
    let closed = 0;
    const stream: KeyedStateSnapshotStream = {
      header,
      next: (): KeyedStateChunk | undefined => {
        seen.push(turns);
        return left-- > 0 ? { state: 0, group: { keyGroup: 5 - left, entries: [[left, left]] } } : undefined;
      },
      close: () => {
        closed++;
      },
    };
    const snapshot: TaskStateSnapshot = {
      vertex: 'v',
      subtask: 0,
      parallelism: 1,
      operators: { op: { keyed: header } },
    };
    const handle = await writeStreamedTaskState(
      new MemoryCheckpointStorage(),
      'm',
      'f',
      snapshot,
      new Map([['op', stream]]),
    );
    running = false;
    for (let i = 1; i < seen.length; i++)
      assert.ok(seen[i] > seen[i - 1], `a turn before chunk ${i}: ${seen}`);
    assert.equal(closed, 1, 'the stream is closed at the end');
    const decoded = decodeTaskState((handle as { data: Uint8Array }).data);
    assert.deepEqual(
      decoded.operators.op.keyed!.states[0].keyGroups.map((g) => g.keyGroup),
      [1, 2, 3, 4, 5],
    );
  });

  it('fail with the stream, closing every stream, when the backend goes away mid-snapshot', async () => {
    const { backend, streamed } = lmdbTask();
    const { snapshot, streams } = streamed();
    let closedOther = false;
    streams.set('other', {
      header: snapshot.operators.keyed.keyed!,
      next: () => undefined,
      close: () => {
        closedOther = true;
      },
    });
    const written = writeStreamedTaskState(
      new FileCheckpointStorage(dir),
      join(dir, 'chk-2'),
      'v-0.state',
      snapshot,
      streams,
    );
    backend.dispose();
    await assert.rejects(
      written,
      (e) => isWeirError(e, 'STATE_ERROR') && /disposed during a snapshot/.test(e.message),
    );
    assert.ok(closedOther);
  });

  it('cut off: CHECKPOINT_CORRUPT', async () => {
    const { backend, streamed } = lmdbTask();
    const { snapshot, streams } = streamed();
    await writeStreamedTaskState(
      new FileCheckpointStorage(dir),
      join(dir, 'chk-3'),
      'v-0.state',
      snapshot,
      streams,
    );
    const file = join(dir, 'chk-3', 'v-0.state');
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.byteLength - 10));
    assert.throws(
      () => decodeTaskState(readFileSync(file)),
      (e) => isWeirError(e, 'CHECKPOINT_CORRUPT') && /cut off/.test(e.message),
    );
    backend.dispose();
  });
});
