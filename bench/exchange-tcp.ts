/**
 * Micro benchmark of the exchange between TaskManagers: a producer slot thread pushes record
 * batches through a RemoteOutputChannel into its MessagePort; TaskManager A's DataPlane relays
 * them over TCP on 127.0.0.1 to TaskManager B's DataPlane, which posts them to the consumer slot
 * thread's RemoteInputChannel; credits travel back the same way. Each TaskManager's main thread is
 * a thread of its own here (in a cluster, a process of its own), so the path is:
 *
 *   producer worker -> port -> DataPlane A (thread) -> TCP -> DataPlane B (thread) -> port -> consumer worker
 *
 *   node bench/exchange-tcp.ts [--records N] [--kind numbers|bids] [--batch 1024] [--capacity 32]
 *
 * Prints records/s and MB/s (bytes on the wire, frame headers included) measured at the consumer,
 * from its first batch to the end: the same measure as bench/exchange.ts (between threads).
 */

import { once } from 'node:events';
import {
  isMainThread,
  MessageChannel,
  type MessagePort,
  parentPort,
  Worker,
  workerData,
} from 'node:worker_threads';
import { DataPlane } from '../src/runtime/network/data-plane.ts';
import {
  consume,
  type ExchangeOptions,
  type ExchangeResult,
  exchangeOptions,
  produce,
} from './exchange-support.ts';

type Role =
  | { role: 'tm'; id: string; slot: 'producer' | 'consumer'; o: ExchangeOptions }
  | { role: 'producer' | 'consumer'; o: ExchangeOptions; port: MessagePort };

/** A TaskManager: a DataPlane in this thread, one slot worker, one route to the other TaskManager. */
async function taskManager(r: Extract<Role, { role: 'tm' }>): Promise<void> {
  const parent = parentPort!;
  const plane = await DataPlane.start({ id: r.id });
  plane.on('peer-lost', (peer, reason) => console.error(`${r.id}: lost ${peer}: ${reason}`));
  parent.postMessage({ address: plane.address });
  const [peer] = (await once(parent, 'message')) as [{ id: string; host: string; port: number }];
  const { port1, port2 } = new MessageChannel();
  const [from, to] = r.slot === 'producer' ? [0, 1] : [1, 0];
  plane.bridge({ jobId: 'bench', attempt: 0, from, to, peer }, port2);
  const slot = new Worker(new URL(import.meta.url), {
    workerData: { role: r.slot, o: r.o, port: port1 } satisfies Role,
    transferList: [port1],
  });
  if (r.slot === 'consumer') {
    const [result] = (await once(slot, 'message')) as [ExchangeResult];
    parent.postMessage({ result, traffic: plane.peers()[0] });
  } else {
    await once(slot, 'message');
    // Stay until the main thread has the consumer's result.
    await once(parent, 'message');
    parent.postMessage({ traffic: plane.peers()[0] });
  }
  await slot.terminate();
  await plane.close();
}

if (isMainThread) {
  const o = exchangeOptions();
  const tm = (id: string, slot: 'producer' | 'consumer') =>
    new Worker(new URL(import.meta.url), { workerData: { role: 'tm', id, slot, o } satisfies Role });
  const a = tm('tm-a', 'producer');
  const b = tm('tm-b', 'consumer');
  const [[aReady], [bReady]] = (await Promise.all([once(a, 'message'), once(b, 'message')])) as [
    [{ address: { host: string; port: number } }],
    [{ address: { host: string; port: number } }],
  ];
  a.postMessage({ id: 'tm-b', ...bReady.address });
  b.postMessage({ id: 'tm-a', ...aReady.address });
  const [{ result, traffic }] = (await once(b, 'message')) as [
    { result: ExchangeResult; traffic: { bytesReceived: number; connections: number } },
  ];
  a.postMessage('done');
  await once(a, 'message');
  await Promise.all([a.terminate(), b.terminate()]);
  const { received, seconds, checksum } = result;
  const mb = traffic.bytesReceived / 1e6;
  console.log(
    `exchange-tcp ${o.kind}: ${received} records in ${seconds.toFixed(2)} s = ${Math.round(received / seconds)} records/s, ${(mb / seconds).toFixed(1)} MB/s (${mb.toFixed(0)} MB on ${traffic.connections} TCP connection) between TaskManagers (batch ${o.batch}, ${o.capacity} credits, checksum ${checksum})`,
  );
} else {
  const r = workerData as Role;
  if (r.role === 'tm') await taskManager(r);
  else if (r.role === 'producer') {
    await produce(r.o, r.port, r.o.batch);
    parentPort!.postMessage('sent');
  } else parentPort!.postMessage(await consume(r.port));
}
