import { Packr, Unpackr } from 'msgpackr';
import { NO_TIMESTAMP, type RecordBatch } from '../../core/stream-element.ts';

/**
 * Serializes record batches for exchanges between threads: values with msgpackr (record
 * structures, so objects of one shape cost their field values only), timestamps as a Float64Array,
 * or nothing when no record of the batch has one. Both come out as fresh ArrayBuffers that are
 * transferred to the receiving thread, not copied.
 */
export interface EncodedBatch {
  values: Uint8Array;
  timestamps: Float64Array | null;
}

/**
 * One codec per direction of a link: the encoder's record structures and those the decoder learns
 * from the other side must never share a table.
 */
export class BatchCodec {
  private readonly packr = new Packr({ useRecords: true });
  private readonly unpackr = new Unpackr({ useRecords: true });

  encode(batch: RecordBatch): EncodedBatch {
    const packed = this.packr.pack(batch.values);
    // msgpackr packs into a shared buffer: copy into one the receiver can own.
    const values = new Uint8Array(packed.length);
    values.set(packed);
    const ts = batch.timestamps;
    let any = false;
    for (let i = 0; i < ts.length; i++) {
      if (ts[i] !== NO_TIMESTAMP) {
        any = true;
        break;
      }
    }
    return { values, timestamps: any ? Float64Array.from(ts) : null };
  }

  decode(encoded: EncodedBatch): RecordBatch {
    const values = this.unpackr.unpack(encoded.values) as unknown[];
    let timestamps: number[];
    if (encoded.timestamps === null) {
      timestamps = new Array<number>(values.length).fill(NO_TIMESTAMP);
    } else {
      timestamps = Array.from(encoded.timestamps);
    }
    return { kind: 'records', values, timestamps };
  }
}
