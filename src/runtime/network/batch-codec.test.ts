import assert from 'node:assert/strict';
import { test } from 'node:test';
import { insertRow, isRow, type Row, row } from '../../core/row.ts';
import { BatchCodec } from './batch-codec.ts';

test('rows cross threads with their kind: the batch codec keeps every kind and value', () => {
  const rows: Row[] = [
    insertRow([1, 'a', null]),
    row('-U', [2, 'b', 1.5]),
    row('+U', [2, 'c', -0.25]),
    row('-D', [3n, true, ['x']]),
  ];
  const codec = new BatchCodec();
  const back = codec.decode(codec.encode({ kind: 'records', values: rows, timestamps: null }));
  assert.deepEqual(back.values, rows);
  assert.ok(back.values.every(isRow));
});

test('numbers cross threads exactly: integers, -0, NaN, fractions and values beyond int32', () => {
  const values = [0, -0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 53, 1.5, -2.25, Number.NaN, 1e300];
  const codec = new BatchCodec();
  const encoded = codec.encode({ kind: 'records', values, timestamps: null });
  assert.ok(encoded.values instanceof Float64Array);
  const back = codec.decode(encoded).values;
  assert.equal(back.length, values.length);
  for (let i = 0; i < values.length; i++) assert.ok(Object.is(back[i], values[i]), `value ${i}: ${back[i]}`);
});
