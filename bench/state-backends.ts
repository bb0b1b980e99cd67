/**
 * Micro benchmark of the keyed state backends: per record, set the current key, read a ValueState
 * and update it (a keyed running count), as a KeyedProcessFunction does — the backends' own
 * classes, nothing else.
 *
 *   node bench/state-backends.ts [--backend heap|lmdb|both] [--keys 1000000] [--records 4000000]
 *                                [--value number|object] [--write-batch 32768] [--runs 3]
 *
 * The first pass over the keys inserts them (timed separately); then `records` read+update
 * operations on keys in a scattered order (a multiplicative permutation, no locality). Prints, per
 * backend, ns per operation (median of the runs), the V8 heap used and the RSS after the run.
 */

import { parseArgs } from 'node:util';
import { ManualClock } from '../src/core/clock.ts';
import { HeapKeyedStateBackend } from '../src/state/heap-keyed-state-backend.ts';
import type { SnapshottableKeyedStateBackend } from '../src/state/keyed-state-snapshot.ts';
import { DEFAULT_WRITE_BATCH_SIZE, LmdbKeyedStateBackend } from '../src/state/lmdb-keyed-state-backend.ts';
import { ValueStateDescriptor } from '../src/state/state-descriptor.ts';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'both' },
    keys: { type: 'string', default: '1000000' },
    records: { type: 'string', default: '4000000' },
    value: { type: 'string', default: 'number' },
    'write-batch': { type: 'string', default: String(DEFAULT_WRITE_BATCH_SIZE) },
    runs: { type: 'string', default: '3' },
  },
});
const keys = Number(values.keys);
const records = Number(values.records);
const objectValues = values.value === 'object';
const writeBatchSize = Number(values['write-batch']);
const runs = Number(values.runs);
const backends = values.backend === 'both' ? ['heap', 'lmdb'] : [values.backend as string];

interface Counter {
  count: number;
  /** 100 bytes of payload, as a record's worth of state. */
  note: string;
}
const NOTE = 'x'.repeat(100);

function make(kind: string): SnapshottableKeyedStateBackend {
  const options = { maxParallelism: 128, keyGroupRange: { start: 0, end: 127 }, clock: new ManualClock(0) };
  return kind === 'heap'
    ? new HeapKeyedStateBackend(options)
    : new LmdbKeyedStateBackend({ ...options, writeBatchSize });
}

/** Runs `n` read+update operations starting at position `from` of the scattered key order; returns ns/op. */
function pass(backend: SnapshottableKeyedStateBackend, from: number, n: number, scattered: boolean): number {
  const numbers = backend.getState(new ValueStateDescriptor('count', 0));
  const objects = backend.getState(new ValueStateDescriptor<Counter>('counter'));
  const start = process.hrtime.bigint();
  for (let i = from; i < from + n; i++) {
    // Knuth's multiplicative hash is a permutation of [0, 2^32): scattered, every key once per 2^32.
    const key = scattered ? (Math.imul(i, 0x9e3779b1) >>> 0) % keys : i;
    backend.setCurrentKey(key);
    if (objectValues) {
      const c = objects.value();
      objects.update(c === undefined ? { count: 1, note: NOTE } : { count: c.count + 1, note: c.note });
    } else {
      numbers.update(numbers.value() + 1);
    }
  }
  if (backend instanceof LmdbKeyedStateBackend) backend.flush();
  return Number(process.hrtime.bigint() - start) / n;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

console.log(
  `state backends: ValueState<${objectValues ? 'object of ~110 bytes' : 'number'}> read+update per record, ` +
    `${keys} keys, ${records} records, ${runs} runs, Node ${process.version}`,
);
for (const kind of backends) {
  const inserts: number[] = [];
  const updates: number[] = [];
  let heapUsed = 0;
  let rss = 0;
  for (let r = 0; r < runs; r++) {
    const backend = make(kind);
    inserts.push(pass(backend, 0, keys, false));
    updates.push(pass(backend, 0, records, true));
    globalThis.gc?.();
    heapUsed = process.memoryUsage().heapUsed;
    rss = process.memoryUsage().rss;
    backend.dispose();
  }
  console.log(
    `state-backends ${kind}: ${median(updates).toFixed(0)} ns/op read+update (first pass, inserting: ` +
      `${median(inserts).toFixed(0)} ns/op); heap used ${mib(heapUsed)} MiB, rss ${mib(rss)} MiB` +
      `${kind === 'lmdb' ? ` (write batch ${writeBatchSize})` : ''}`,
  );
}
