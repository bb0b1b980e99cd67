import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { msgpackr, strictPackrOptions } from '../core/msgpack.ts';
import { LmdbValueCodec } from './lmdb-value-codec.ts';

const edges = [
  0,
  1,
  63,
  64,
  127,
  128,
  255,
  256,
  65_535,
  65_536,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 53,
  -1,
  -32,
  -33,
  -128,
  -129,
  -32_768,
  -32_769,
  -(2 ** 31),
  -(2 ** 31) - 1,
  0.5,
  -1.25,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  1e300,
  Number.MIN_VALUE,
  true,
  false,
  null,
];

describe('LmdbValueCodec', () => {
  const codec = new LmdbValueCodec();
  // A packer configured as the codec's: what it writes, the codec reads, and the reverse.
  const packr = new (msgpackr().Packr)(strictPackrOptions({ structures: [], copyBuffers: true }));

  it('writes numbers, booleans and null as msgpack, read back exactly, by itself and by a packer', () => {
    for (const value of edges) {
      const bytes = Uint8Array.from(codec.encode(value, 's', 'k'));
      assert.ok(Object.is(codec.decode(bytes), value), `${value} read back`);
      assert.ok(Object.is(packr.unpack(bytes), value), `${value} read by a packer`);
      assert.ok(Object.is(codec.decode(Uint8Array.from(packr.pack(value))), value), `${value} packed`);
    }
    for (let i = -70_000; i < 70_000; i += 7) {
      assert.equal(codec.decode(Uint8Array.from(codec.encode(i, 's', 'k'))), i);
    }
  });

  it('keeps -0, as the heap backend does', () => {
    assert.ok(Object.is(codec.decode(Uint8Array.from(codec.encode(-0, 's', 'k'))), -0));
  });

  it('leaves other values to the packer: small records and strings are not mistaken for numbers', () => {
    for (const value of [{ a: 1 }, { b: 2 }, [], [1], 'x', '', { count: 64 }, new Map([[1, 2]])]) {
      const bytes = Uint8Array.from(codec.encode(value, 's', 'k'));
      assert.deepEqual(codec.decode(bytes), value);
    }
  });
});
