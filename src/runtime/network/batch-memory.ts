/**
 * Reusable shared memory for the numeric batches of one remote output channel.
 *
 * A batch of plain numbers (and any batch's timestamps) crosses threads as Float64Arrays. A fresh
 * ArrayBuffer per batch, transferred, costs more than copying the numbers (bench/exchange.ts, 4096
 * numbers a batch: postMessage took 15 µs with the transfer and 3 µs without, the encode 15 µs with
 * its allocation and 9 µs without), so a channel writes them into SharedArrayBuffers it keeps: the
 * receiving thread reads them in place and decodes (copies) them into a plain array when it takes
 * the batch.
 *
 * A memory block is reused only after the consumer has taken its batch, which is when the batch's
 * credit comes back: credits return in the order batches were sent (one channel is one ordered
 * queue), so the blocks in flight form a FIFO and each returned credit frees the oldest. A relay
 * over TCP (DataPlane) reads a block before it is sent on, and the consumer on the far side takes the
 * batch only after that, so the rule holds there too. The pool grows to the batches in flight at
 * most (the channel's credit, plus what a producer may overdraw), which is what fresh buffers per
 * batch would have held at that moment too.
 */
export class BatchMemory {
  private readonly free: SharedArrayBuffer[] = [];
  /** Per batch sent and not yet taken, oldest first: its block, or null (a batch without one). */
  private readonly inFlight: Array<SharedArrayBuffer | null> = [];
  private head = 0;
  private taken: SharedArrayBuffer | null = null;
  /** Size of new blocks: the largest asked for so far, so that partial batches do not churn them. */
  private blockBytes = 0;

  /** A block of at least `bytes` for the batch being encoded (at most one per batch). */
  take(bytes: number): SharedArrayBuffer {
    let block = this.free.pop();
    if (block === undefined || block.byteLength < bytes) {
      if (bytes > this.blockBytes) this.blockBytes = bytes;
      block = new SharedArrayBuffer(this.blockBytes);
    }
    this.taken = block;
    return block;
  }

  /** The batch encoded last was sent: its block (if it took one) stays in use until its credit returns. */
  sent(): void {
    this.inFlight.push(this.taken);
    this.taken = null;
  }

  /** The consumer took `n` more batches (credit came back): the blocks of the `n` oldest are free. */
  returned(n: number): void {
    const inFlight = this.inFlight;
    for (let i = 0; i < n && this.head < inFlight.length; i++) {
      const block = inFlight[this.head];
      inFlight[this.head++] = null;
      if (block !== null) this.free.push(block);
    }
    if (this.head === inFlight.length) {
      inFlight.length = 0;
      this.head = 0;
    }
  }

  /** Blocks held (in flight or free), for tests. */
  blocks(): number {
    let n = this.free.length;
    for (let i = this.head; i < this.inFlight.length; i++) if (this.inFlight[i] !== null) n++;
    return n;
  }
}
