import { previewRecord, WeirError } from '../../core/errors.ts';
import { findUnserializable, isSerializable } from '../../core/serializable.ts';
import { type LatencyMarker, NO_TIMESTAMP, type StreamElement } from '../../core/stream-element.ts';
import type { OutputChannel } from './channel.ts';
import { BROADCAST, type ChannelSelector } from './channel-selector.ts';

/** Who writes, for errors: the operator that emits into this edge and where its records go. */
export interface RecordWriterOrigin {
  /** `operator "Map" (uid map-2) in subtask 1/2` */
  producer: string;
  /** The receiving task's name. */
  consumer: string;
  /**
   * Check each record of a batch to a channel in this thread (see {@link isSerializable}), so that it
   * fails as it would across threads; default true (`env.getConfig().setRecordCheck(false)`).
   */
  check?: boolean;
}

/**
 * Buffers the records of one output edge per channel and hands them over as batches: when a
 * channel's buffer is full, when control elements must follow the records in order, and at the end
 * of each unit of task work (so that a quiet stream is not held back).
 *
 * One serialization boundary: every exchange between tasks follows the rules of the exchange across
 * threads, whose channels encode each batch. A batch to a channel in this thread is passed by
 * reference but checked record by record first (about 60 ns for a Nexmark bid, 1 ns for a number;
 * encoding and decoding it costs 600–1200 ns: bench/in-thread-exchange.ts), so a record that
 * could not cross threads — a function, a symbol, a cycle, an instance of an unregistered class —
 * fails at parallelism 1 too, with the same {@link WeirError} `UNSERIALIZABLE_RECORD`.
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
  /** Per channel: whether its batches are checked here (an in-thread channel) rather than encoded. */
  private readonly checked: boolean[];
  private readonly origin: RecordWriterOrigin | undefined;
  /** Records written, for metrics. */
  records = 0;

  constructor(
    channels: OutputChannel[],
    selector: ChannelSelector,
    batchSize: number,
    origin?: RecordWriterOrigin,
  ) {
    this.channels = channels;
    this.selector = selector;
    this.limits = channels.map((c) => c.batchRecords ?? batchSize);
    this.values = channels.map(() => []);
    this.timestamps = channels.map(() => null);
    this.origin = origin;
    const check = origin?.check ?? true;
    this.checked = channels.map((c) => check && c.encodes !== true);
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
    const values = this.values[c];
    if (this.checked[c]) {
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (typeof v !== 'number' && typeof v !== 'string' && !isSerializable(v)) {
          throw this.unserializable(values, undefined);
        }
      }
      this.channels[c].push({ kind: 'records', values, timestamps: this.timestamps[c] });
    } else {
      try {
        this.channels[c].push({ kind: 'records', values, timestamps: this.timestamps[c] });
      } catch (error) {
        throw this.unserializable(values, error);
      }
    }
    this.values[c] = [];
    this.timestamps[c] = null;
    this.pending--;
  }

  /**
   * The error for a batch that failed the check or its encoding, naming the record and field; the
   * same whether the check or the encoder found it (the encoder's own error is then only a symptom).
   */
  private unserializable(values: unknown[], cause: unknown): unknown {
    for (const value of values) {
      const found = findUnserializable(value);
      if (found === undefined) continue;
      const origin = this.origin;
      return new WeirError(
        'UNSERIALIZABLE_RECORD',
        `${origin ? `${origin.producer} emitted` : 'an operator emitted'} a record that cannot be sent to ` +
          `${origin ? `"${origin.consumer}"` : 'the next task'}: ${found.path} is ${found.found}; record ${previewRecord(value)}.` +
          ' Records between tasks must be plain data (objects, arrays, Maps, Sets, Dates, typed arrays,' +
          ' bigints, primitives) or instances of classes registered with env.registerType',
      );
    }
    return cause;
  }

  /** Sends a control element to every channel, after the records before it. */
  broadcastControl(element: StreamElement): void {
    this.flush();
    for (const channel of this.channels) channel.push(element);
  }

  /**
   * Sends a latency marker to one channel, round robin (Flink: a random one), behind the records
   * buffered for that channel: a marker never overtakes records, so it measures their queues.
   */
  emitLatencyMarker(marker: LatencyMarker): void {
    const c = this.nextMarkerChannel;
    this.nextMarkerChannel = c + 1 === this.channels.length ? 0 : c + 1;
    if (this.values[c].length > 0) this.flushChannel(c);
    this.channels[c].push(marker);
  }
  private nextMarkerChannel = 0;

  /** True when every channel can take another batch. */
  isAvailable(): boolean {
    for (const channel of this.channels) if (!channel.hasCapacity()) return false;
    return true;
  }

  /** Serialized bytes sent through channels that encode (across threads or processes), for metrics. */
  bytesWritten(): number {
    let bytes = 0;
    for (const channel of this.channels) bytes += channel.bytes ?? 0;
    return bytes;
  }
}
