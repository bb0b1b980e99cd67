import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SqlType } from '../../../core/sql-type.ts';
import { SqlRowColumns } from './sql-row-columns.ts';

const TYPES: SqlType[] = [
  { kind: 'BIGINT', nullable: true },
  { kind: 'VARCHAR', length: 10, nullable: true },
  { kind: 'TIMESTAMP', precision: 3, nullable: true },
  { kind: 'DOUBLE', nullable: true },
];

test('chains give back their rows in arrival order, interleaved with other chains', () => {
  const columns = new SqlRowColumns(TYPES);
  const a = columns.start([1, 'a1', 1_700_000_000_123, 0.5]);
  const b = columns.start([2, 'b1', 1_700_000_000_124, 1.5]);
  columns.append(a, [1, 'a2', 1_700_000_000_125, 2.5]);
  columns.append(b, [2, 'b2', 1_700_000_000_126, 3.5]);
  columns.append(a, [1, 'a3', 1_700_000_000_127, 4.5]);
  assert.deepEqual(columns.readChain(a), [
    [1, 'a1', 1_700_000_000_123, 0.5],
    [1, 'a2', 1_700_000_000_125, 2.5],
    [1, 'a3', 1_700_000_000_127, 4.5],
  ]);
  assert.deepEqual(columns.readChain(b), [
    [2, 'b1', 1_700_000_000_124, 1.5],
    [2, 'b2', 1_700_000_000_126, 3.5],
  ]);
  assert.equal(columns.count, 5);
});

test('NULLs and values that are not numbers in numeric columns come back as they were, as do NaN and -0', () => {
  const columns = new SqlRowColumns(TYPES);
  const a = columns.start([null, null, null, Number.NaN]);
  columns.append(a, [-0, 'x', 0, null]);
  const rows = columns.readChain(a);
  assert.deepEqual(rows, [
    [null, null, null, Number.NaN],
    [-0, 'x', 0, null],
  ]);
  assert.ok(Object.is(rows[1][0], -0));
});

test('chains span the storage chunks, and clear drops every row', () => {
  const columns = new SqlRowColumns(TYPES);
  const a = columns.start([0, 's0', 0, 0]);
  for (let i = 1; i < 70_000; i++) columns.append(a, [i, `s${i}`, i, i / 2]);
  const rows = columns.readChain(a);
  assert.equal(rows.length, 70_000);
  assert.deepEqual(rows[69_999], [69_999, 's69999', 69_999, 69_999 / 2]);
  columns.clear();
  assert.equal(columns.count, 0);
  const b = columns.start([7, 'again', 7, 7]);
  assert.deepEqual(columns.readChain(b), [[7, 'again', 7, 7]]);
});
