import type { StreamElement } from '../../core/stream-element.ts';
import type { Wakeup } from './wakeup.ts';

/**
 * A channel carries stream elements from one producer subtask to one consumer subtask, in order.
 * Its capacity is counted in record batches: the producer checks `hasCapacity()` before taking on
 * more work, so queues stay bounded and a slow consumer back-pressures its producers (credit-based
 * flow control, where the credit is free capacity). A producer may overdraw by the batches one unit
 * of work produces; control elements never count.
 */
export interface InputChannel {
  poll(): StreamElement | undefined;
  /** Elements queued, for metrics. */
  queued(): number;
  /** Serialized bytes of the record batches taken so far (channels that decode them; for metrics). */
  readonly bytes?: number;
}

export interface OutputChannel {
  push(element: StreamElement): void;
  hasCapacity(): boolean;
  /** Records per batch this channel prefers (remote channels take bigger ones: fewer messages). */
  readonly batchRecords?: number;
  /** True when the channel encodes each batch (across threads); others are checked by the writer. */
  readonly encodes?: boolean;
  /** Serialized bytes of the record batches sent so far (channels that encode them; for metrics). */
  readonly bytes?: number;
}

/** A channel between two subtasks in the same thread: batches are passed by reference, never copied. */
export class LocalChannel implements InputChannel, OutputChannel {
  private readonly queue: StreamElement[] = [];
  private head = 0;
  private batches = 0;
  private readonly capacity: number;
  private readonly consumerWakeup: Wakeup;
  private readonly producerWakeup: Wakeup;

  constructor(capacity: number, consumerWakeup: Wakeup, producerWakeup: Wakeup) {
    this.capacity = capacity;
    this.consumerWakeup = consumerWakeup;
    this.producerWakeup = producerWakeup;
  }

  push(element: StreamElement): void {
    this.queue.push(element);
    if (element.kind === 'records') this.batches++;
    this.consumerWakeup.signal();
  }

  hasCapacity(): boolean {
    return this.batches < this.capacity;
  }

  poll(): StreamElement | undefined {
    if (this.head === this.queue.length) return undefined;
    const element = this.queue[this.head];
    this.queue[this.head++] = undefined as unknown as StreamElement;
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    }
    if (element.kind === 'records') {
      if (this.batches-- === this.capacity) this.producerWakeup.signal();
    }
    return element;
  }

  queued(): number {
    return this.queue.length - this.head;
  }
}
