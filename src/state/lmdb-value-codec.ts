/**
 * Values of the LMDB backend are msgpack, written by one msgpackr instance per backend. Objects are
 * records whose structures are shared in memory by every value of the backend (the environment
 * only ever holds this backend's working state, so the structures never need to outlive it): a
 * small object takes a few bytes and decodes into objects of one shape. The packer is configured as
 * those of exchanges and checkpoints ({@link strictPackrOptions}): Maps, Sets, Dates, typed arrays,
 * bigints of any size and registered types (`env.registerType`) round-trip; a value msgpack cannot
 * hold (a function, a symbol, a cycle, an instance of an unregistered class) is a
 * {@link WeirError} naming the state, the key and the field.
 *
 * Numbers, booleans and null, the most common values (counts, sums, flags), skip the packer: they
 * are written and read here directly, as the same msgpack bytes the packer reads and writes (with
 * its records on, 0x40–0x7f are record ids, so only 0–63 are one-byte integers), at a fraction of
 * the cost of a `pack`/`unpack` call.
 */
import type { Packr } from 'msgpackr';
import { WeirError } from '../core/errors.ts';
import { formatKey, type Key } from '../core/key.ts';
import { msgpackr, strictPackrOptions } from '../core/msgpack.ts';
import { findUnserializable } from '../core/serializable.ts';

/** The bytes of a number, boolean or null: one buffer, with a view per encoded length. */
const scratch = new Uint8Array(9);
const views = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => scratch.subarray(0, n));
const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

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
    if (typeof value === 'number') return encodeNumber(value);
    if (typeof value === 'boolean') {
      scratch[0] = value ? 0xc3 : 0xc2;
      return views[0];
    }
    if (value === null) {
      scratch[0] = 0xc0;
      return views[0];
    }
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
    const n = bytes.length;
    const tag = bytes[0];
    switch (n) {
      case 1:
        if (tag < 0x40) return tag;
        if (tag >= 0xe0) return tag - 0x100;
        if (tag === 0xc2) return false;
        if (tag === 0xc3) return true;
        if (tag === 0xc0) return null;
        break;
      case 2:
        if (tag === 0xcc) return bytes[1];
        if (tag === 0xd0) return (bytes[1] << 24) >> 24;
        break;
      case 3:
        if (tag === 0xcd) return (bytes[1] << 8) | bytes[2];
        if (tag === 0xd1) return (((bytes[1] << 8) | bytes[2]) << 16) >> 16;
        break;
      case 5:
        if (tag === 0xce) return ((bytes[1] << 24) | (bytes[2] << 16) | (bytes[3] << 8) | bytes[4]) >>> 0;
        if (tag === 0xd2) return (bytes[1] << 24) | (bytes[2] << 16) | (bytes[3] << 8) | bytes[4];
        break;
      case 9:
        if (tag === 0xcb) {
          for (let i = 0; i < 8; i++) f64Bytes[LITTLE_ENDIAN ? 7 - i : i] = bytes[1 + i];
          return f64[0];
        }
        break;
    }
    return this.packr.unpack(bytes);
  }
}

/** A number as msgpack: the shortest integer form, or a float64 (also -0, NaN, and beyond 32 bits). */
function encodeNumber(v: number): Uint8Array {
  if (Number.isInteger(v) && !Object.is(v, -0)) {
    if (v >= 0) {
      if (v < 0x40) {
        scratch[0] = v;
        return views[0];
      }
      if (v <= 0xff) {
        scratch[0] = 0xcc;
        scratch[1] = v;
        return views[1];
      }
      if (v <= 0xffff) {
        scratch[0] = 0xcd;
        scratch[1] = v >>> 8;
        scratch[2] = v & 0xff;
        return views[2];
      }
      if (v <= 0xffffffff) {
        scratch[0] = 0xce;
        scratch[1] = v >>> 24;
        scratch[2] = (v >>> 16) & 0xff;
        scratch[3] = (v >>> 8) & 0xff;
        scratch[4] = v & 0xff;
        return views[4];
      }
    } else {
      if (v >= -0x20) {
        scratch[0] = v & 0xff;
        return views[0];
      }
      if (v >= -0x80) {
        scratch[0] = 0xd0;
        scratch[1] = v & 0xff;
        return views[1];
      }
      if (v >= -0x8000) {
        scratch[0] = 0xd1;
        scratch[1] = (v >> 8) & 0xff;
        scratch[2] = v & 0xff;
        return views[2];
      }
      if (v >= -0x80000000) {
        scratch[0] = 0xd2;
        scratch[1] = (v >> 24) & 0xff;
        scratch[2] = (v >> 16) & 0xff;
        scratch[3] = (v >> 8) & 0xff;
        scratch[4] = v & 0xff;
        return views[4];
      }
    }
  }
  scratch[0] = 0xcb;
  f64[0] = v;
  for (let i = 0; i < 8; i++) scratch[1 + i] = f64Bytes[LITTLE_ENDIAN ? 7 - i : i];
  return views[8];
}
