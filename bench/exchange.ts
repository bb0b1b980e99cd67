/**
 * Micro benchmark of the cross-thread exchange: one producer thread pushes record batches through a
 * RemoteOutputChannel (encode, transfer, credit-based flow control) to a RemoteInputChannel in
 * another thread (receive, decode, return credit) — the engine's own classes, nothing else.
 *
 *   node bench/exchange.ts [--records N] [--kind numbers|bids] [--batch 1024] [--capacity 32]
 *
 * Prints records/s and MB/s measured at the consumer, from the first batch to the end.
 */

import { parseArgs } from 'node:util';
import { isMainThread, MessageChannel, parentPort, Worker, workerData } from 'node:worker_threads';
import { NexmarkGenerator } from '../src/connectors/nexmark/generator.ts';
import { NO_TIMESTAMP } from '../src/core/stream-element.ts';
import { BatchCodec } from '../src/runtime/network/batch-codec.ts';
import { PeerLink, RemoteInputChannel, RemoteOutputChannel } from '../src/runtime/network/remote-channel.ts';
import { Wakeup } from '../src/runtime/network/wakeup.ts';

interface Options {
  records: number;
  kind: 'numbers' | 'bids';
  batch: number;
  capacity: number;
}

function makeBatch(
  kind: Options['kind'],
  size: number,
  offset: number,
  generator: NexmarkGenerator,
): unknown[] {
  const values = new Array<unknown>(size);
  if (kind === 'numbers') for (let i = 0; i < size; i++) values[i] = offset + i;
  else {
    // Real bids from the generator (ids of bid slots), built before timing starts.
    let id = offset * 2 + 1;
    for (let i = 0; i < size; ) {
      const e = generator.generateEvent(id++);
      if (e.kind === 'bid') values[i++] = e.bid;
    }
  }
  return values;
}

if (isMainThread) {
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: '20000000' },
      kind: { type: 'string', default: 'numbers' },
      batch: { type: 'string', default: '1024' },
      capacity: { type: 'string', default: '32' },
    },
  });
  const o: Options = {
    records: Number(values.records),
    kind: values.kind as Options['kind'],
    batch: Number(values.batch),
    capacity: Number(values.capacity),
  };
  const { port1, port2 } = new MessageChannel();
  const wakeup = new Wakeup();
  const input = new RemoteInputChannel(0, new PeerLink(port1), new BatchCodec(), wakeup);
  const worker = new Worker(new URL(import.meta.url), {
    workerData: { o, port: port2 },
    transferList: [port2],
  });
  let received = 0;
  let started = 0;
  let checksum = 0;
  let ended = false;
  while (!ended) {
    const e = input.poll();
    if (e === undefined) {
      await wakeup.wait();
      continue;
    }
    if (e.kind === 'records') {
      if (started === 0) started = performance.now();
      received += e.values.length;
      const v = e.values[e.values.length - 1];
      checksum = (checksum + (typeof v === 'number' ? v : (v as { price: number }).price)) | 0;
    } else if (e.kind === 'end') ended = true;
  }
  const seconds = (performance.now() - started) / 1000;
  await worker.terminate();
  port1.close();
  console.log(
    `exchange ${o.kind}: ${received} records in ${seconds.toFixed(2)} s = ${Math.round(received / seconds)} records/s across threads (batch ${o.batch}, ${o.capacity} credits, checksum ${checksum})`,
  );
} else {
  const { o, port } = workerData as { o: Options; port: import('node:worker_threads').MessagePort };
  const wakeup = new Wakeup();
  const output = new RemoteOutputChannel(0, o.capacity, new PeerLink(port), new BatchCodec(), wakeup);
  const generator = new NexmarkGenerator();
  // A pool of distinct batches, built up front so that the timing is the exchange's alone.
  const pool = Array.from({ length: 16 }, (_, k) => makeBatch(o.kind, o.batch, k * o.batch, generator));
  const timestamps = new Array<number>(o.batch).fill(NO_TIMESTAMP);
  let sent = 0;
  let k = 0;
  while (sent < o.records) {
    if (!output.hasCapacity()) {
      await wakeup.wait();
      continue;
    }
    output.push({ kind: 'records', values: pool[k++ & 15], timestamps });
    sent += o.batch;
  }
  output.push({ kind: 'end' });
  parentPort?.postMessage('done');
}
