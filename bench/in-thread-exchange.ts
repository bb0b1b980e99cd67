/**
 * What an exchange between two tasks of the same thread may cost per record, for choosing how such an
 * exchange keeps records the same as across threads: passing the batch by reference (the old way),
 * checking every record ({@link isSerializable}), or encoding and decoding the batch with the
 * exchange's codec (what Flink does between tasks that are not chained).
 *
 *   node bench/in-thread-exchange.ts [--records N] [--batch 1024]
 *
 * Prints ns per record for Nexmark bids and for numbers.
 */

import { parseArgs } from 'node:util';
import { NexmarkGenerator } from '../src/connectors/nexmark/generator.ts';
import { isSerializable } from '../src/core/serializable.ts';
import { BatchCodec } from '../src/runtime/network/batch-codec.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '4000000' },
    batch: { type: 'string', default: '1024' },
  },
});
const records = Number(values.records);
const batchSize = Number(values.batch);

const generator = new NexmarkGenerator();
const bids: unknown[] = [];
for (let id = 1; bids.length < batchSize * 16; id++) {
  const e = generator.generateEvent(id);
  if (e.kind === 'bid') bids.push(e.bid);
}
const batches = (source: unknown[]): unknown[][] => {
  const out: unknown[][] = [];
  for (let i = 0; i < source.length; i += batchSize) out.push(source.slice(i, i + batchSize));
  return out;
};
const bidBatches = batches(bids);
const numberBatches = batches(bids.map((_, i) => i * 7));

let sink = 0;
function run(name: string, batchesOf: unknown[][], pass: (values: unknown[]) => unknown[]): void {
  const rounds = Math.ceil(records / batchSize);
  for (let r = 0; r < rounds / 10; r++) sink += pass(batchesOf[r % batchesOf.length]).length;
  const start = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) sink += pass(batchesOf[r % batchesOf.length]).length;
  const ns = Number(process.hrtime.bigint() - start) / (rounds * batchSize);
  console.log(`${name.padEnd(34)} ${ns.toFixed(1).padStart(7)} ns/record`);
}

const codec = new BatchCodec();
for (const [kind, of] of [
  ['numbers', numberBatches],
  ['bids', bidBatches],
] as const) {
  run(`${kind}: by reference`, of, (vs) => vs);
  // As RecordWriter checks a batch for a channel in its thread.
  run(`${kind}: check each record`, of, (vs) => {
    for (let i = 0; i < vs.length; i++) {
      const v = vs[i];
      if (typeof v !== 'number' && typeof v !== 'string' && !isSerializable(v))
        throw new Error('unserializable');
    }
    return vs;
  });
  run(
    `${kind}: encode + decode`,
    of,
    (vs) => codec.roundTrip({ kind: 'records', values: vs, timestamps: null }).values,
  );
}
if (sink === 0) console.log('');
