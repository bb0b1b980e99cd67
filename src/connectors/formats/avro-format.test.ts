import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import avro from 'avsc';
import { avroResolver, avroType, decodeAvro, encodeAvro } from './avro-format.ts';

const paymentV1 = {
  type: 'record',
  name: 'Payment',
  fields: [
    { name: 'customer', type: 'string' },
    { name: 'amount', type: 'double' },
    { name: 'tags', type: { type: 'array', items: 'string' } },
  ],
} as const;

// v2 drops `tags`, adds `currency` with a default and promotes nothing: a compatible evolution.
const paymentV2 = {
  type: 'record',
  name: 'Payment',
  fields: [
    { name: 'customer', type: 'string' },
    { name: 'amount', type: 'double' },
    { name: 'currency', type: 'string', default: 'EUR' },
  ],
} as const;

describe('Avro format', () => {
  it('encodes and decodes a record, the same bytes as avsc', () => {
    const type = avroType(paymentV1);
    const value = { customer: 'c1', amount: 12.5, tags: ['a', 'b'] };
    const bytes = encodeAvro(type, value);
    assert.deepEqual(bytes, type.toBuffer(value));
    assert.deepEqual({ ...decodeAvro<object>(type, bytes, 0) }, value);
  });

  it('accepts an avsc Type as is, a schema as JSON text, and rejects an invalid schema', () => {
    const type = avro.Type.forSchema('string');
    assert.equal(avroType(type), type);
    assert.equal(avroType(JSON.stringify(paymentV1)).name, 'Payment');
    assert.equal(avroType('"long"').typeName, 'long');
    assert.throws(() => avroType('{"type":'), {
      code: 'INVALID_ARGUMENT',
      message: /^invalid Avro schema: /,
    });
    assert.throws(() => avroType({ type: 'recrd' } as never), {
      code: 'INVALID_ARGUMENT',
      message: 'invalid Avro schema: unknown type: "recrd"',
    });
  });

  it('writes after a prefix, and grows its scratch buffer for large values', () => {
    const type = avroType('string');
    const big = 'x'.repeat(100_000);
    const bytes = encodeAvro(type, big, Buffer.from([9, 8]));
    assert.deepEqual([...bytes.subarray(0, 2)], [9, 8]);
    assert.equal(decodeAvro(type, bytes, 2), big);
    assert.equal(decodeAvro(type, encodeAvro(type, 'small', Buffer.from([1])), 1), 'small');
  });

  it('names every invalid field when encoding fails', () => {
    const type = avroType(paymentV1);
    assert.throws(() => encodeAvro(type, { customer: 'c1', amount: '12', tags: ['a', 3] }), {
      message:
        'cannot encode the value as Avro "Payment": field "amount": expected "double", got "12"; field "tags.1": expected "string", got 3',
    });
    assert.throws(() => encodeAvro(type, { amount: 1, tags: [] }), {
      message:
        'cannot encode the value as Avro "Payment": field "customer": expected "string", got nothing (missing)',
    });
  });

  it('rejects bytes cut short or longer than one value', () => {
    const type = avroType(paymentV1);
    const bytes = encodeAvro(type, { customer: 'c1', amount: 1, tags: [] });
    assert.throws(() => decodeAvro(type, bytes.subarray(0, 5), 0), {
      message:
        'cannot decode Avro "Payment": the 5 bytes end before the value does (written with another schema?)',
    });
    assert.throws(() => decodeAvro(type, Buffer.concat([bytes, Buffer.from([0, 0])]), 0), {
      message: 'cannot decode Avro "Payment": 2 bytes left after the value (written with another schema?)',
    });
  });

  it('reads data written with an older schema through a resolver (schema evolution)', () => {
    const v1 = avroType(paymentV1);
    const v2 = avroType(paymentV2);
    const bytes = encodeAvro(v1, { customer: 'c1', amount: 3, tags: ['t'] });
    const value = decodeAvro<object>(v2, bytes, 0, avroResolver(v2, v1));
    assert.deepEqual({ ...value }, { customer: 'c1', amount: 3, currency: 'EUR' });
  });

  it('names the field that makes two schemas incompatible', () => {
    const v1 = avroType(paymentV1);
    const v3 = avroType({ type: 'record', name: 'Payment', fields: [{ name: 'region', type: 'string' }] });
    assert.throws(() => avroResolver(v3, v1), {
      message:
        'the reader schema "Payment" cannot read data written with "Payment": no matching field for default-less Payment.region',
    });
  });
});
