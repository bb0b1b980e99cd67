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
import { parseArgs } from 'node:util';
import {
  isMainThread,
  MessageChannel,
  type MessagePort,
  parentPort,
  Worker,
  workerData,
} from 'node:worker_threads';
import { NexmarkGenerator } from '../src/connectors/nexmark/generator.ts';
import { NO_TIMESTAMP } from '../src/core/stream-element.ts';
import { BatchCodec } from '../src/runtime/network/batch-codec.ts';
import { DataPlane } from '../src/runtime/network/data-plane.ts';
import { PeerLink, RemoteInputChannel, RemoteOutputChannel } from '../src/runtime/network/remote-channel.ts';
import { Wakeup } from '../src/runtime/network/wakeup.ts';

interface Options {
  records: number;
  kind: 'numbers' | 'bids';
  batch: number;
  capacity: number;
}

interface Result {
  received: number;
  seconds: number;
  checksum: number;
}

type Role =
  | { role: 'tm'; id: string; slot: 'producer' | 'consumer'; o: Options }
  | { role: 'producer' | 'consumer'; o: Options; port: MessagePort };

function makeBatch(
  kind: Options['kind'],
  size: number,
  offset: number,
  generator: NexmarkGenerator,
): unknown[] {
  const values = new Array<unknown>(size);
  if (kind === 'numbers') for (let i = 0; i < size; i++) values[i] = offset + i;
  else {
    let id = offset * 2 + 1;
    for (let i = 0; i < size; ) {
      const e = generator.generateEvent(id++);
      if (e.kind === 'bid') values[i++] = e.bid;
    }
  }
  return values;
}

async function producer(o: Options, port: MessagePort): Promise<void> {
  const wakeup = new Wakeup();
  const output = new RemoteOutputChannel(
    0,
    o.capacity,
    new PeerLink(port),
    new BatchCodec(),
    wakeup,
    o.batch,
  );
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
}

async function consumer(port: MessagePort): Promise<Result> {
  const wakeup = new Wakeup();
  const input = new RemoteInputChannel(0, new PeerLink(port), new BatchCodec(), wakeup);
  let received = 0;
  let started = 0;
  let checksum = 0;
  for (;;) {
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
    } else if (e.kind === 'end') break;
  }
  return { received, seconds: (performance.now() - started) / 1000, checksum };
}

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
    const [result] = (await once(slot, 'message')) as [Result];
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
    { result: Result; traffic: { bytesReceived: number; connections: number } },
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
    await producer(r.o, r.port);
    parentPort!.postMessage('sent');
  } else parentPort!.postMessage(await consumer(r.port));
}
