/**
 * The parts bench/exchange.ts (between threads) and bench/exchange-tcp.ts (between TaskManagers)
 * share, so that both measure the same thing: the options, a producer that pushes a pool of
 * pre-built batches through a RemoteOutputChannel, and a consumer that times them from the first
 * batch to the end.
 */
import { parseArgs } from 'node:util';
import type { MessagePort } from 'node:worker_threads';
import { NexmarkGenerator } from '../src/connectors/nexmark/generator.ts';
import { NO_TIMESTAMP } from '../src/core/stream-element.ts';
import { BatchCodec } from '../src/runtime/network/batch-codec.ts';
import { PeerLink, RemoteInputChannel, RemoteOutputChannel } from '../src/runtime/network/remote-channel.ts';
import { Wakeup } from '../src/runtime/network/wakeup.ts';

export interface ExchangeOptions {
  records: number;
  kind: 'numbers' | 'bids';
  batch: number;
  capacity: number;
}

export interface ExchangeResult {
  received: number;
  seconds: number;
  /** CPU seconds of the whole process (every thread) over the same time. */
  cpuSeconds: number;
  checksum: number;
}

/** `--records N --kind numbers|bids --batch 1024 --capacity 32` from the command line. */
export function exchangeOptions(): ExchangeOptions {
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: '20000000' },
      kind: { type: 'string', default: 'numbers' },
      batch: { type: 'string', default: '1024' },
      capacity: { type: 'string', default: '32' },
    },
  });
  return {
    records: Number(values.records),
    kind: values.kind as ExchangeOptions['kind'],
    batch: Number(values.batch),
    capacity: Number(values.capacity),
  };
}

function makeBatch(
  kind: ExchangeOptions['kind'],
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

/**
 * Pushes `o.records` records in batches of `o.batch` into `port`, with `o.capacity` credits;
 * `recordsPerBatch` is the channel's own batching limit (the slot's default when absent).
 */
export async function produce(
  o: ExchangeOptions,
  port: MessagePort,
  recordsPerBatch?: number,
): Promise<void> {
  const wakeup = new Wakeup();
  const output = new RemoteOutputChannel(
    0,
    o.capacity,
    new PeerLink(port),
    new BatchCodec(),
    wakeup,
    recordsPerBatch,
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

/** Receives from `port` until the end, timing (wall and the process's CPU) from the first batch. */
export async function consume(port: MessagePort): Promise<ExchangeResult> {
  const wakeup = new Wakeup();
  const input = new RemoteInputChannel(0, new PeerLink(port), new BatchCodec(), wakeup);
  let received = 0;
  let started = 0;
  let cpu0 = process.cpuUsage();
  let checksum = 0;
  for (;;) {
    const e = input.poll();
    if (e === undefined) {
      await wakeup.wait();
      continue;
    }
    if (e.kind === 'records') {
      if (started === 0) {
        started = performance.now();
        cpu0 = process.cpuUsage();
      }
      received += e.values.length;
      const v = e.values[e.values.length - 1];
      checksum = (checksum + (typeof v === 'number' ? v : (v as { price: number }).price)) | 0;
    } else if (e.kind === 'end') break;
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { received, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, checksum };
}
