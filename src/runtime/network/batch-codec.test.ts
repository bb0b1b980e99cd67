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
