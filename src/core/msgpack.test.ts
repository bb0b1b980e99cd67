import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWeirError } from './errors.ts';
import { msgpackr, strictPackrOptions, UnserializableValue } from './msgpack.ts';
import { registerRecordType } from './type-registry.ts';

class Money {
  cents: bigint;
  currency: string;
  constructor(cents: bigint, currency: string) {
    this.cents = cents;
    this.currency = currency;
  }
}
const moneyCodec = {
  encode: (m: Money) => new TextEncoder().encode(`${m.cents} ${m.currency}`),
  decode: (bytes: Uint8Array) => {
    const [cents, currency] = new TextDecoder().decode(bytes).split(' ');
    return new Money(BigInt(cents), currency);
  },
};
registerRecordType(Money, moneyCodec);

const roundTrip = (value: unknown, options = {}) => {
  const packr = new (msgpackr().Packr)(strictPackrOptions(options));
  return packr.unpack(packr.pack(value));
};

describe('strict msgpack configuration (exchanges, LMDB values, checkpoints)', () => {
  it('keeps Maps, Sets, Dates, typed arrays, bigints of any size and registered types', () => {
    const value = {
      map: new Map<unknown, unknown>([
        [1, 'a'],
        ['k', new Set([2])],
      ]),
      at: new Date(1_700_000_000_123),
      floats: new Float32Array([1.5, -2]),
      bytes: new Uint8Array([1, 255]),
      big: 2n ** 70n,
      negative: -(2n ** 70n),
      zero: 0n,
      small: 5n,
      money: new Money(-(2n ** 66n), 'EUR'),
      none: undefined,
      fields: { constructor: 'a field named constructor' },
    };
    for (const options of [{}, { structuredClone: true }, { structures: [] }]) {
      const back = roundTrip(value, options) as typeof value;
      assert.deepEqual(back, value);
      assert.ok(back.money instanceof Money);
      assert.equal(typeof back.small, 'bigint');
      assert.ok(back.floats instanceof Float32Array);
    }
  });

  it('refuses functions and unregistered classes, which a lenient packer writes as before', () => {
    class Loose {
      a = 1;
    }
    const packr = new (msgpackr().Packr)(strictPackrOptions());
    assert.throws(() => packr.pack({ f: () => 1 }), UnserializableValue);
    assert.throws(() => packr.pack({ l: new Loose() }), UnserializableValue);
    assert.throws(() => packr.pack({ s: Symbol('s') }));
    const lenient = new (msgpackr().Packr)({ useRecords: true });
    assert.deepEqual(lenient.unpack(lenient.pack({ l: new Loose() })), { l: { a: 1 } });
  });

  it('fails clearly when a value names a type this thread has not registered', () => {
    class Orphan {}
    registerRecordType(
      Orphan,
      { encode: () => new Uint8Array(0), decode: () => new Orphan() },
      'Orphan-msgpack-test',
    );
    const packr = new (msgpackr().Packr)(strictPackrOptions());
    const bytes = packr.pack(new Orphan());
    // Another thread, or a job version, that registers something else under that name:
    registerRecordType(Money, moneyCodec, 'Orphan-msgpack-test');
    assert.ok(packr.unpack(bytes) instanceof Money, 'the name decides, as in every thread');
    const renamed = new Uint8Array(bytes);
    const at = Buffer.from(renamed).indexOf('Orphan-msgpack-test');
    renamed[at] = 'X'.charCodeAt(0);
    assert.throws(
      () => packr.unpack(renamed),
      (e) => isWeirError(e, 'UNSERIALIZABLE_RECORD') && /"Xrphan-msgpack-test".*registerType/.test(e.message),
    );
  });
});
