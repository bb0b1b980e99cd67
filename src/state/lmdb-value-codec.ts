/**
 * Values of the LMDB backend are msgpack, written by one msgpackr instance per backend. Objects are
 * records whose structures are shared in memory by every value of the backend (the environment
 * only ever holds this backend's working state, so the structures never need to outlive it): a
 * small object takes a few bytes and decodes into objects of one shape. The packer is configured as
 * those of exchanges and checkpoints ({@link strictPackrOptions}): Maps, Sets, Dates, typed arrays,
 * bigints of any size and registered types (`env.registerType`) round-trip; a value msgpack cannot
 * hold (a function, a symbol, a cycle, an instance of an unregistered class) is a
 * {@link WeirError} naming the state, the key and the field.
 */
import type { Packr } from 'msgpackr';
import { WeirError } from '../core/errors.ts';
import { formatKey, type Key } from '../core/key.ts';
import { msgpackr, strictPackrOptions } from '../core/msgpack.ts';
import { findUnserializable } from '../core/serializable.ts';

export class LmdbValueCodec {
  private readonly packr: Packr = new (msgpackr().Packr)(
    strictPackrOptions({
      structures: [],
      // Reads decode from LMDB's shared read buffer, which the next read overwrites.
      copyBuffers: true,
    }),
  );

  /** The bytes of `value`, valid until the next `encode`. */
  encode(value: unknown, stateName: string, key: Key): Uint8Array {
    try {
      return this.packr.pack(value);
    } catch (error) {
      const found = findUnserializable(value, 'value');
      const reason =
        found !== undefined
          ? `${found.path} is ${found.found}`
          : error instanceof Error
            ? error.message
            : String(error);
      throw new WeirError(
        'STATE_ERROR',
        `cannot store the value of state "${stateName}" for key ${typeof key === 'object' ? formatKey(key) : JSON.stringify(String(key))} in LMDB: ${reason}` +
          ' (state values must be plain data: objects, arrays, Maps, Sets, Dates, primitives, or registered types)',
        {
          cause:
            found === undefined
              ? error
              : new WeirError('UNSERIALIZABLE_RECORD', `${found.path} is ${found.found}`),
        },
      );
    }
  }

  decode(bytes: Uint8Array): unknown {
    return this.packr.unpack(bytes);
  }
}
