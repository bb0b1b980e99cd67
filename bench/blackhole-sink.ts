import { type Accumulator, Counter, type Sink, type SinkContext } from 'weir';

/** The largest number added (merged over subtasks): when the last sink subtask saw its input end. */
class Latest implements Accumulator<number> {
  private value = 0;
  add(value: number): void {
    if (value > this.value) this.value = value;
  }
  getLocalValue(): number {
    return this.value;
  }
  merge(other: number): void {
    this.add(other);
  }
  create(): Latest {
    return new Latest();
  }
}

/**
 * Discards records while touching every field (Nexmark's rule for throughput runs). It counts rows
 * and sums an order-independent checksum in accumulators (`rows`, `checksum`), which the job result
 * merges over all subtasks and threads, so that runs can be compared, and the epoch ms at which its input ended (`inputEndedAt`):
 * with checkpoints a bounded job then still waits for its final checkpoint (docs/checkpoints.md).
 */
export class BlackholeSink<T extends object> implements Sink<T> {
  private rows = new Counter();
  private checksum = new Counter();
  private inputEndedAt = new Latest();
  private local = 0;

  open(context: SinkContext): void {
    this.rows = new Counter();
    this.checksum = new Counter();
    context.addAccumulator('rows', this.rows);
    context.addAccumulator('checksum', this.checksum);
    this.inputEndedAt = new Latest();
    context.addAccumulator('inputEndedAt', this.inputEndedAt);
  }

  invoke(value: T): void {
    let h = 0;
    for (const k in value) {
      const v = (value as Record<string, unknown>)[k];
      if (typeof v === 'number') h = (h + (v | 0)) | 0;
      else if (typeof v === 'string') h = (h + v.length) | 0;
    }
    this.rows.add(1);
    this.local = (this.local + h) | 0;
  }

  finish(): void {
    this.checksum.add(this.local);
    this.inputEndedAt.add(Date.now());
  }
}
