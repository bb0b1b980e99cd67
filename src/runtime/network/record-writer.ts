import { NO_TIMESTAMP, type StreamElement } from '../../core/stream-element.ts';
import type { OutputChannel } from './channel.ts';
import { BROADCAST, type ChannelSelector } from './channel-selector.ts';

/**
 * Buffers the records of one output edge per channel and hands them over as batches: when a
 * channel's buffer is full, when control elements must follow the records in order, and at the end
 * of each unit of task work (so that a quiet stream is not held back).
 */
export class RecordWriter {
  private readonly channels: OutputChannel[];
  private readonly selector: ChannelSelector;
  /** Records per batch, per channel. */
  private readonly limits: number[];
  private values: unknown[][];
  /** Per channel; null until a record with a timestamp arrives in the current batch. */
  private timestamps: Array<number[] | null>;
  private pending = 0;
  /** Records written, for metrics. */
  records = 0;

  constructor(channels: OutputChannel[], selector: ChannelSelector, batchSize: number) {
    this.channels = channels;
    this.selector = selector;
    this.limits = channels.map((c) => c.batchRecords ?? batchSize);
    this.values = channels.map(() => []);
    this.timestamps = channels.map(() => null);
  }

  emit(value: unknown, timestamp: number): void {
    this.records++;
    const c = this.channels.length === 1 ? 0 : this.selector.select(value);
    if (c === BROADCAST) {
      for (let i = 0; i < this.channels.length; i++) this.append(i, value, timestamp);
      return;
    }
    this.append(c, value, timestamp);
  }

  private append(c: number, value: unknown, timestamp: number): void {
    const values = this.values[c];
    if (values.length === 0) this.pending++;
    values.push(value);
    const ts = this.timestamps[c];
    if (ts !== null) ts.push(timestamp);
    else if (timestamp !== NO_TIMESTAMP) {
      const stamped = new Array<number>(values.length - 1).fill(NO_TIMESTAMP);
      stamped.push(timestamp);
      this.timestamps[c] = stamped;
    }
    if (values.length >= this.limits[c]) this.flushChannel(c);
  }

  /** Sends every partial batch. */
  flush(): void {
    if (this.pending === 0) return;
    for (let c = 0; c < this.channels.length; c++) if (this.values[c].length > 0) this.flushChannel(c);
  }

  private flushChannel(c: number): void {
    this.channels[c].push({ kind: 'records', values: this.values[c], timestamps: this.timestamps[c] });
    this.values[c] = [];
    this.timestamps[c] = null;
    this.pending--;
  }

  /** Sends a control element to every channel, after the records before it. */
  broadcastControl(element: StreamElement): void {
    this.flush();
    for (const channel of this.channels) channel.push(element);
  }

  /** True when every channel can take another batch. */
  isAvailable(): boolean {
    for (const channel of this.channels) if (!channel.hasCapacity()) return false;
    return true;
  }
}
