import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonShapeParser } from './json-shape.ts';

describe('jsonShapeParser', () => {
  const parse = jsonShapeParser({
    customer: 'string',
    amount: 'number',
    paid: 'boolean',
    note: 'string?',
    lines: [{ sku: 'string', qty: 'number' }],
    address: { city: 'string' },
  });
  const valid = {
    customer: 'c1',
    amount: 12.5,
    paid: true,
    lines: [{ sku: 'a', qty: 1 }],
    address: { city: 'Lyon' },
    extra: 'kept',
  };

  it('returns a matching value itself, with fields the shape does not name', () => {
    assert.equal(parse(valid), valid);
    assert.equal(parse({ ...valid, note: null }).note, null);
    assert.equal(parse({ ...valid, note: 'n' }).note, 'n');
  });

  it('names the field, what it expected and what it got', () => {
    assert.throws(() => parse({ ...valid, amount: '12' }), {
      message: 'field "amount": expected a number, got "12"',
    });
    assert.throws(() => parse({ ...valid, customer: undefined }), {
      message: 'field "customer": expected a string, got nothing (the field is missing)',
    });
    assert.throws(() => parse({ ...valid, paid: null }), {
      message: 'field "paid": expected a boolean, got null',
    });
    assert.throws(() => parse({ ...valid, note: 3 }), {
      message: 'field "note": expected a string or null, got 3',
    });
  });

  it('gives the path into nested objects and arrays', () => {
    const lines = [
      { sku: 'a', qty: 1 },
      { sku: 'b', qty: 'two' },
    ];
    assert.throws(() => parse({ ...valid, lines }), {
      message: 'field "lines[1].qty": expected a number, got "two"',
    });
    assert.throws(() => parse({ ...valid, lines: {} }), {
      message: 'field "lines": expected an array, got {}',
    });
    assert.throws(() => parse({ ...valid, address: { city: 7 } }), {
      message: 'field "address.city": expected a string, got 7',
    });
  });

  it('rejects a value that is not an object', () => {
    assert.throws(() => parse([1, 2]), { message: 'the value: expected a JSON object, got [1,2]' });
    assert.throws(() => parse(null), { message: 'the value: expected a JSON object, got null' });
  });

  it('rejects an unknown field type when the shape is built', () => {
    assert.throws(() => jsonShapeParser({ a: { b: 'strng' } } as never), {
      code: 'INVALID_ARGUMENT',
      message: /^JSON shape field "a.b": unknown type "strng"/,
    });
    assert.throws(() => jsonShapeParser({ a: ['string', 'number'] } as never), /field "a": unknown type/);
  });
});
