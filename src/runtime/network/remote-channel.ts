import type { MessagePort } from 'node:worker_threads';
import type { StreamElement } from '../../core/stream-element.ts';
import type { BatchCodec, EncodedBatch } from './batch-codec.ts';
import { BatchMemory } from './batch-memory.ts';
import type { InputChannel, OutputChannel } from './channel.ts';
import type { Wakeup } from './wakeup.ts';

/**
 * Channels between subtasks on different threads. All channels between two threads share one
 * MessagePort, which keeps each channel's elements in order. Flow control is credit-based: a
 * producer starts with `capacity` credits, spends one per record batch it sends, and gets one back
 * each time the consumer takes a batch from its queue; without credit it is back-pressured.
 *
 * Numbers and timestamps travel in shared memory that each output channel reuses once their batch's
 * credit is back ({@link BatchMemory}): no buffer is allocated or transferred per batch.
 */
export type PeerMessage =
  | { t: 'd'; k: number; v: Uint8Array | Float64Array; ts: Float64Array | null }
  | { t: 'w'; k: number; time: number }
  | { t: 'i'; k: number; idle: boolean }
  | { t: 'e'; k: number }
  | { t: 'x'; k: number }
  | { t: 'b'; k: number; id: number; savepoint: boolean; loc: string; sync?: boolean }
  | { t: 'c'; k: number; n: number }
  /** A latency marker: its time, source vertex and source subtask. */
  | { t: 'l'; k: number; time: number; vertex: string; subtask: number };

/** One peer thread: routes messages of its port to the channels they belong to. */
export class PeerLink {
  private readonly port: MessagePort;
  private readonly inputs = new Map<number, RemoteInputChannel>();
  private readonly outputs = new Map<number, RemoteOutputChannel>();

  constructor(port: MessagePort) {
    this.port = port;
    port.on('message', (m: PeerMessage) => this.receive(m));
  }

  register(channel: RemoteInputChannel | RemoteOutputChannel): void {
    if (channel instanceof RemoteInputChannel) this.inputs.set(channel.key, channel);
    else this.outputs.set(channel.key, channel);
  }

  send(message: PeerMessage, transfer?: ArrayBuffer[]): void {
    this.port.postMessage(message, transfer as never);
  }

  private receive(m: PeerMessage): void {
    if (m.t === 'c') this.outputs.get(m.k)?.credit(m.n);
    else this.inputs.get(m.k)?.enqueue(m);
  }

  close(): void {
    this.port.close();
  }
}

export class RemoteOutputChannel implements OutputChannel {
  readonly key: number;
  /** Each message costs the receiving thread an event-loop turn: send fewer, bigger batches. */
  readonly batchRecords: number;
  readonly encodes = true;
  private credits: number;
  private readonly link: PeerLink;
  private readonly codec: BatchCodec;
  private readonly wakeup: Wakeup;
  private readonly memory = new BatchMemory();
  /** Bytes sent, for metrics. */
  bytes = 0;

  constructor(
    key: number,
    capacity: number,
    link: PeerLink,
    codec: BatchCodec,
    wakeup: Wakeup,
    batchRecords = 4096,
  ) {
    this.key = key;
    this.batchRecords = batchRecords;
    this.credits = capacity;
    this.link = link;
    this.codec = codec;
    this.wakeup = wakeup;
    link.register(this);
  }

  push(element: StreamElement): void {
    const k = this.key;
    switch (element.kind) {
      case 'records': {
        const encoded = this.codec.encode(element, this.memory);
        const { values, timestamps } = encoded;
        this.credits--;
        this.bytes += values.byteLength + (timestamps?.byteLength ?? 0);
        // Buffers of their own are transferred; views of the shared blocks are shared as they are.
        let transfer: ArrayBuffer[] | undefined;
        if (values.buffer instanceof ArrayBuffer) transfer = [values.buffer];
        if (timestamps !== null && timestamps.buffer instanceof ArrayBuffer) {
          (transfer ??= []).push(timestamps.buffer);
        }
        this.link.send({ t: 'd', k, v: values, ts: timestamps }, transfer);
        this.memory.sent();
        return;
      }
      case 'watermark':
        this.link.send({ t: 'w', k, time: element.time });
        return;
      case 'idle':
        this.link.send({ t: 'i', k, idle: element.idle });
        return;
      case 'end':
        this.link.send({ t: 'e', k });
        return;
      case 'end-of-data':
        this.link.send({ t: 'x', k });
        return;
      case 'barrier':
        this.link.send({
          t: 'b',
          k,
          id: element.checkpointId,
          savepoint: element.savepoint,
          loc: element.location,
          ...(element.synchronous === true ? { sync: true } : {}),
        });
        return;
      case 'latency-marker':
        this.link.send({
          t: 'l',
          k,
          time: element.markedTime,
          vertex: element.vertexId,
          subtask: element.subtask,
        });
        return;
    }
  }

  hasCapacity(): boolean {
    return this.credits > 0;
  }

  credit(n: number): void {
    this.memory.returned(n);
    const was = this.credits;
    this.credits += n;
    if (was <= 0 && this.credits > 0) this.wakeup.signal();
  }
}

export class RemoteInputChannel implements InputChannel {
  readonly key: number;
  private readonly queue: Array<PeerMessage | StreamElement> = [];
  private head = 0;
  private readonly link: PeerLink;
  private readonly codec: BatchCodec;
  private readonly wakeup: Wakeup;
  /** Bytes received in record batches, for metrics. */
  bytes = 0;

  constructor(key: number, link: PeerLink, codec: BatchCodec, wakeup: Wakeup) {
    this.key = key;
    this.link = link;
    this.codec = codec;
    this.wakeup = wakeup;
    link.register(this);
  }

  enqueue(m: PeerMessage): void {
    this.queue.push(m);
    this.wakeup.signal();
  }

  poll(): StreamElement | undefined {
    if (this.head === this.queue.length) return undefined;
    const m = this.queue[this.head];
    this.queue[this.head++] = undefined as never;
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    }
    const message = m as PeerMessage;
    switch (message.t) {
      case 'd': {
        // Decoded when taken, so the cost counts as this task's work. Only then is the batch's credit
        // due: the producer may reuse the memory the batch arrived in (BatchMemory) once it is back.
        const batch = this.codec.decode({ values: message.v, timestamps: message.ts } as EncodedBatch);
        this.bytes += message.v.byteLength + (message.ts?.byteLength ?? 0);
        this.link.send({ t: 'c', k: this.key, n: 1 });
        return batch;
      }
      case 'w':
        return { kind: 'watermark', time: message.time };
      case 'i':
        return { kind: 'idle', idle: message.idle };
      case 'e':
        return { kind: 'end' };
      case 'x':
        return { kind: 'end-of-data' };
      case 'b':
        return {
          kind: 'barrier',
          checkpointId: message.id,
          savepoint: message.savepoint,
          location: message.loc,
          ...(message.sync === true ? { synchronous: true } : {}),
        };
      case 'l':
        return {
          kind: 'latency-marker',
          markedTime: message.time,
          vertexId: message.vertex,
          subtask: message.subtask,
        };
      default:
        return undefined;
    }
  }

  queued(): number {
    return this.queue.length - this.head;
  }
}
