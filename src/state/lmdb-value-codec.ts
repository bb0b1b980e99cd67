/**
 * Values of the LMDB backend are msgpack, written by one msgpackr instance per backend. Objects are
 * records whose structures are shared in memory by every value of the backend (the environment
 * only ever holds this backend's working state, so the structures never need to outlive it): a
 * small object takes a few bytes and decodes into objects of one shape. Maps, Sets, Dates, typed
 * arrays and bigints round-trip; class instances come back as plain objects, as from a checkpoint.
 * A value msgpack cannot hold (a function, a symbol, a cycle) is a {@link WeirError} naming the
 * state and key.
 */
import type { Packr } from 'msgpackr';
import { WeirError } from '../core/errors.ts';
import type { Key } from '../core/key.ts';
import { msgpackr } from '../core/msgpack.ts';

class UnencodableValue extends Error {}

export class LmdbValueCodec {
  private readonly packr: Packr = new (msgpackr().Packr)({
    structures: [],
    useRecords: true,
    mapsAsObjects: false,
    moreTypes: true,
    // Reads decode from LMDB's shared read buffer, which the next read overwrites.
    copyBuffers: true,
    writeFunction: () => {
      throw new UnencodableValue('a function');
    },
  });

  /** The bytes of `value`, valid until the next `encode`. */
  encode(value: unknown, stateName: string, key: Key): Uint8Array {
    try {
      return this.packr.pack(value);
    } catch (error) {
      const reason =
        error instanceof UnencodableValue
          ? `it holds ${error.message}`
          : error instanceof RangeError
            ? 'it holds a cycle or is nested too deeply'
            : error instanceof Error
              ? error.message
              : String(error);
      throw new WeirError(
        'STATE_ERROR',
        `cannot store the value of state "${stateName}" for key ${JSON.stringify(String(key))} in LMDB: ${reason}` +
          ' (state values must be plain data: objects, arrays, Maps, Sets, Dates, primitives)',
        { cause: error },
      );
    }
  }

  decode(bytes: Uint8Array): unknown {
    return this.packr.unpack(bytes);
  }
}
