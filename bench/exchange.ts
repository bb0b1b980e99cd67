/**
 * Micro benchmark of the cross-thread exchange: one producer thread pushes record batches through a
 * RemoteOutputChannel (encode, transfer, credit-based flow control) to a RemoteInputChannel in
 * another thread (receive, decode, return credit) — the engine's own classes, nothing else.
 *
 *   node bench/exchange.ts [--records N] [--kind numbers|bids] [--batch 1024] [--capacity 32]
 *
 * Prints records/s measured at the consumer, from the first batch to the end, and records per CPU
 * second of the whole process over the same time (both threads and V8's helper threads).
 */

import {
  isMainThread,
  MessageChannel,
  type MessagePort,
  parentPort,
  Worker,
  workerData,
} from 'node:worker_threads';
import { consume, type ExchangeOptions, exchangeOptions, produce } from './exchange-support.ts';

if (isMainThread) {
  const o = exchangeOptions();
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(new URL(import.meta.url), {
    workerData: { o, port: port2 },
    transferList: [port2],
  });
  const { received, seconds, cpuSeconds, checksum } = await consume(port1);
  await worker.terminate();
  port1.close();
  console.log(
    `exchange ${o.kind}: ${received} records in ${seconds.toFixed(2)} s = ${Math.round(received / seconds)} records/s (${Math.round(received / cpuSeconds)} records/cpu-s, both threads) across threads (batch ${o.batch}, ${o.capacity} credits, checksum ${checksum})`,
  );
} else {
  const { o, port } = workerData as { o: ExchangeOptions; port: MessagePort };
  await produce(o, port);
  parentPort?.postMessage('done');
}
