import type { Packr, Unpackr } from 'msgpackr';
import { msgpackr, strictPackrOptions } from '../../core/msgpack.ts';
import { NO_TIMESTAMP, type RecordBatch } from '../../core/stream-element.ts';
import type { BatchMemory } from './batch-memory.ts';

/**
 * Serializes record batches for exchanges between threads. Values go through msgpackr with record
 * structures (objects of one shape cost their field values only), except batches of plain numbers,
 * which travel as a Float64Array with no encoding at all. Timestamps travel as a Float64Array, or not
 * at all when no record of the batch has one. Without a {@link BatchMemory} everything ends up in
 * fresh ArrayBuffers that are transferred to the receiving thread, not copied; with one, the
 * Float64Arrays are views of its shared blocks, and only msgpackr bytes get buffers of their own.
 *
 * Use one codec per direction of a link: the encoder's record structures and those the decoder
 * learns from the other side must never share a table.
 *
 * The packer is strict ({@link strictPackrOptions}), as are those of state and checkpoints: a batch
 * holding a function, a symbol, a cycle or an instance of an unregistered class throws instead of
 * arriving changed, and the record writer says which record and field.
 */
export interface EncodedBatch {
  /** msgpackr bytes, or the numbers themselves. */
  values: Uint8Array | Float64Array;
  timestamps: Float64Array | null;
}

export class BatchCodec {
  private readonly packr: Packr = new (msgpackr().Packr)(strictPackrOptions());
  private readonly unpackr: Unpackr = new (msgpackr().Unpackr)(strictPackrOptions());
  /** For {@link roundTrip}: packs and unpacks with one table of record structures. */
  private local: Packr | undefined;

  /**
   * Encodes a batch into buffers of its own (to be transferred), or, given `memory`, writes plain
   * numbers and timestamps into one of its shared blocks instead (see {@link BatchMemory}).
   */
  encode(batch: RecordBatch, memory?: BatchMemory): EncodedBatch {
    const vs = batch.values;
    const n = vs.length;
    const numeric = allNumbers(vs);
    const ts = batch.timestamps;
    const stamped = ts !== null && anyTimestamp(ts);
    if (memory !== undefined && (numeric || stamped)) {
      const block = memory.take(((numeric ? n : 0) + (stamped ? n : 0)) * 8);
      let values: Uint8Array | Float64Array;
      if (numeric) {
        const numbers = new Float64Array(block, 0, n);
        // A plain loop: TypedArray.from goes through the iterator protocol, several times slower.
        for (let i = 0; i < n; i++) numbers[i] = vs[i] as number;
        values = numbers;
      } else {
        values = this.packed(vs);
      }
      let timestamps: Float64Array | null = null;
      if (stamped) {
        timestamps = new Float64Array(block, numeric ? n * 8 : 0, n);
        for (let i = 0; i < n; i++) timestamps[i] = ts[i];
      }
      return { values, timestamps };
    }
    let values: Uint8Array | Float64Array;
    if (numeric) {
      const numbers = new Float64Array(n);
      for (let i = 0; i < n; i++) numbers[i] = vs[i] as number;
      values = numbers;
    } else {
      values = this.packed(vs);
    }
    return { values, timestamps: stamped ? toFloat64Array(ts) : null };
  }

  /** msgpackr bytes of `values`, in a buffer of their own that the receiver can own. */
  private packed(values: unknown[]): Uint8Array {
    // msgpackr packs into a shared buffer: copy out of it.
    const packed = this.packr.pack(values);
    const out = new Uint8Array(packed.length);
    out.set(packed);
    return out;
  }

  /**
   * The batch as it would arrive from another thread, for an exchange in this thread: encoded and
   * decoded at once, from msgpackr's own buffer (no copy, no transfer). A batch of plain numbers is
   * returned as it is: it would arrive unchanged.
   */
  roundTrip(batch: RecordBatch): RecordBatch {
    const vs = batch.values;
    const numeric = allNumbers(vs);
    if (numeric) return batch;
    if (this.local === undefined) this.local = new (msgpackr().Packr)(strictPackrOptions({ structures: [] }));
    const values = this.local.unpack(this.local.pack(vs)) as unknown[];
    return { kind: 'records', values, timestamps: batch.timestamps };
  }

  decode(encoded: EncodedBatch): RecordBatch {
    const values: unknown[] =
      encoded.values instanceof Float64Array
        ? toValues(encoded.values)
        : (this.unpackr.unpack(encoded.values) as unknown[]);
    const timestamps = encoded.timestamps === null ? null : toArray(encoded.timestamps);
    return { kind: 'records', values, timestamps };
  }
}

/** Whether any record of a batch has a timestamp (a batch with none carries no timestamps). */
function anyTimestamp(ts: readonly number[]): boolean {
  for (let i = 0; i < ts.length; i++) if (ts[i] !== NO_TIMESTAMP) return true;
  return false;
}

function toFloat64Array(numbers: number[]): Float64Array {
  const out = new Float64Array(numbers.length);
  for (let i = 0; i < numbers.length; i++) out[i] = numbers[i];
  return out;
}

/**
 * Record values from their Float64Array: integers in int32 range (but -0) as small integers, as the
 * producer had them. Copied as they are, they would fill an array of doubles, and every value read
 * from it would be a boxed double downstream: a new object per key, field or state entry it lands
 * in, and slower Map lookups.
 */
function toValues(numbers: Float64Array): number[] {
  const n = numbers.length;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const v = numbers[i];
    out[i] = (v | 0) === v && (v !== 0 || 1 / v > 0) ? v | 0 : v;
  }
  return out;
}

/** Array.from(typedArray) takes the iterator path; a sized array filled by a loop is much faster. */
function toArray(numbers: Float64Array): number[] {
  const n = numbers.length;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = numbers[i];
  return out;
}

/** Whether every value of a batch is a number: such a batch travels as a Float64Array. */
function allNumbers(values: readonly unknown[]): boolean {
  for (let i = 0; i < values.length; i++) {
    if (typeof values[i] !== 'number') return false;
  }
  return true;
}
