/**
 * The JS heap a checkpoint of the LMDB backend takes: a ValueState over `--keys` keys is
 * snapshotted as a checkpoint does it (streamed-task-state.ts: read chunk by chunk from an LMDB
 * read transaction and written to filesystem checkpoint storage as it is read), while the "task"
 * goes on updating random keys on every turn of the event loop. `process.memoryUsage().heapUsed`
 * is sampled at every chunk and every millisecond; the growth is the peak over the baseline taken
 * after `gc()` with the state loaded. `--plain` takes the snapshot the old way instead (all state
 * as JS objects, encoded as one msgpack value) for comparison. The file is then decoded, restored
 * into a fresh backend and checked against the state as it was when the snapshot was taken.
 *
 *   NODE_OPTIONS=--conditions=weir-source node --expose-gc bench/lmdb-snapshot.ts \
 *     [--keys 1000000] [--value object|number] [--plain] [--idle]
 *
 * `--idle`: no updates while the snapshot is written (the heap growth is then the snapshot's alone;
 * with updates it includes the garbage of the updated values the write-back cache let go).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FileCheckpointStorage } from '../src/checkpoint/checkpoint-storage.ts';
import { writeStreamedTaskState } from '../src/checkpoint/streamed-task-state.ts';
import { decodeTaskState, encodeTaskState, type TaskStateSnapshot } from '../src/checkpoint/task-state.ts';
import { ManualClock } from '../src/core/clock.ts';
import type { KeyedStateSnapshot } from '../src/state/keyed-state-snapshot.ts';
import type { KeyedStateSnapshotStream } from '../src/state/keyed-state-snapshot-stream.ts';
import { LmdbKeyedStateBackend } from '../src/state/lmdb-keyed-state-backend.ts';
import { ValueStateDescriptor } from '../src/state/state-descriptor.ts';

const { values } = parseArgs({
  options: {
    keys: { type: 'string', default: '1000000' },
    value: { type: 'string', default: 'object' },
    plain: { type: 'boolean', default: false },
    idle: { type: 'boolean', default: false },
  },
});
const keys = Number(values.keys);
const objects = values.value === 'object';
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error('run with node --expose-gc');
  process.exit(2);
}

const backend = new LmdbKeyedStateBackend({
  maxParallelism: 128,
  keyGroupRange: { start: 0, end: 127 },
  clock: new ManualClock(0),
});
const state = backend.getState(new ValueStateDescriptor<unknown>('count'));
const valueFor = (i: number) => (objects ? { count: i, name: `bidder-${i}`, seen: i * 3 } : i);
let t0 = performance.now();
for (let i = 0; i < keys; i++) {
  backend.setCurrentKey(i);
  state.update(valueFor(i));
}
backend.flush();
console.log(
  `loaded ${keys} keys (${objects ? 'small objects' : 'numbers'}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);

const dir = mkdtempSync(join(tmpdir(), 'weir-lmdb-snapshot-'));
const storage = new FileCheckpointStorage(dir);
const task = (keyed: KeyedStateSnapshot): TaskStateSnapshot => ({
  vertex: 'v',
  subtask: 0,
  parallelism: 1,
  operators: { op: { keyed } },
});

gc();
gc();
const baseline = process.memoryUsage().heapUsed;
let peak = baseline;
const sample = () => {
  const used = process.memoryUsage().heapUsed;
  if (used > peak) peak = used;
};
const sampler = setInterval(sample, 1);

// The task going on: 200 updates of scattered keys on every turn of the event loop.
let updates = 0;
let working = true;
const work = () => {
  if (!working) return;
  for (let i = 0; i < 200; i++) {
    const key = (updates * 7919) % keys;
    backend.setCurrentKey(key);
    state.update(valueFor(-key));
    updates++;
  }
  setImmediate(work);
};

t0 = performance.now();
let chunks = 0;
let bytes: number;
if (values.plain) {
  const snapshot = task(backend.snapshot());
  sample();
  const encoded = encodeTaskState(snapshot);
  sample();
  await storage.writeState(join(dir, 'chk-1'), 'v-0.state', encoded);
  bytes = encoded.byteLength;
} else {
  if (!values.idle) setImmediate(work);
  const stream = backend.snapshotStream();
  // Samples at every chunk, where a chunk is on the heap.
  const sampled: KeyedStateSnapshotStream = {
    header: stream.header,
    next: () => {
      sample();
      const chunk = stream.next();
      if (chunk !== undefined) chunks++;
      return chunk;
    },
    close: () => stream.close(),
  };
  const handle = await writeStreamedTaskState(
    storage,
    join(dir, 'chk-1'),
    'v-0.state',
    task(stream.header),
    new Map([['op', sampled]]),
  );
  bytes = (handle as { bytes: number }).bytes;
  working = false;
}
const seconds = (performance.now() - t0) / 1000;
clearInterval(sampler);
sample();
gc();
const retained = process.memoryUsage().heapUsed - baseline;
console.log(
  `${values.plain ? 'plain' : 'streamed'} snapshot of ${keys} keys: ${(bytes / 2 ** 20).toFixed(1)} MiB in ${seconds.toFixed(2)} s` +
    `${values.plain ? '' : ` (${chunks} chunks; ${updates} updates by the task meanwhile)`}; ` +
    `JS heap growth ${((peak - baseline) / 2 ** 20).toFixed(1)} MiB over a baseline of ${(baseline / 2 ** 20).toFixed(1)} MiB` +
    ` (${(retained / 2 ** 20).toFixed(1)} MiB after gc())`,
);

// Check: the file holds every key with its value as of the snapshot, none of the later updates.
const restored = new LmdbKeyedStateBackend({
  maxParallelism: 128,
  keyGroupRange: { start: 0, end: 127 },
  clock: new ManualClock(0),
});
restored.restore([decodeTaskState(readFileSync(join(dir, 'chk-1', 'v-0.state'))).operators.op.keyed!]);
const check = restored.getState(new ValueStateDescriptor<unknown>('count'));
let wrong = 0;
for (let i = 0; i < keys; i += 97) {
  restored.setCurrentKey(i);
  if (JSON.stringify(check.value()) !== JSON.stringify(valueFor(i))) wrong++;
}
const size = restored.size();
console.log(`restored ${size} keys, ${wrong} sampled values differ`);
restored.dispose();
backend.dispose();
rmSync(dir, { recursive: true, force: true });
if (size !== keys || wrong > 0) process.exit(1);
