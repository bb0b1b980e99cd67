import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  changelogContains,
  formatRow,
  insertRow,
  isAccumulate,
  isRetract,
  isRow,
  RowKind,
  row,
  sameValues,
} from './row.ts';
import { T } from './sql-type.ts';

test('row kinds carry Flink short strings and split into accumulate and retract', () => {
  assert.deepEqual(Object.values(RowKind), ['+I', '-U', '+U', '-D']);
  assert.deepEqual(
    Object.values(RowKind).map((k) => [isAccumulate(k), isRetract(k)]),
    [
      [true, false],
      [false, true],
      [true, false],
      [false, true],
    ],
  );
});

test('a changelog mode admits its kinds only', () => {
  assert.deepEqual(
    Object.values(RowKind).filter((k) => changelogContains('insert-only', k)),
    ['+I'],
  );
  assert.deepEqual(
    Object.values(RowKind).filter((k) => changelogContains('upsert', k)),
    ['+I', '+U', '-D'],
  );
  assert.equal(Object.values(RowKind).filter((k) => changelogContains('all', k)).length, 4);
});

test('rows print as Flink prints them', () => {
  assert.equal(formatRow(insertRow([1, 'alice', null])), '+I[1, alice, null]');
  assert.equal(formatRow(row('-U', [2n, [1, 2], new Map([['a', 1]])])), '-U[2, [1, 2], {a=1}]');
  assert.equal(formatRow(row('-D', [])), '-D[]');
});

test('isRow recognizes the shape and rejects lookalikes', () => {
  assert.equal(isRow(insertRow([1])), true);
  assert.equal(isRow({ kind: '+X', values: [] }), false);
  assert.equal(isRow({ kind: '+I', values: 'a' }), false);
  assert.equal(isRow(null), false);
});

test('sameValues compares SQL values: nested rows, arrays, maps, bytes, NaN', () => {
  assert.equal(sameValues([1, 'a', null], [1, 'a', null]), true);
  assert.equal(sameValues([1, [2, 'x']], [1, [2, 'x']]), true);
  assert.equal(sameValues([1, [2, 'x']], [1, [2, 'y']]), false);
  assert.equal(sameValues([new Map([['k', [1]]])], [new Map([['k', [1]]])]), true);
  assert.equal(sameValues([new Map([['k', 1]])], [new Map([['j', 1]])]), false);
  assert.equal(sameValues([new Uint8Array([1, 2])], [new Uint8Array([1, 2])]), true);
  assert.equal(sameValues([Number.NaN], [Number.NaN]), true);
  assert.equal(sameValues([1], [1, 2]), false);
  assert.equal(sameValues([null], [undefined]), false);
});

test('formatRow with the column types prints as the print connector does', () => {
  assert.equal(
    formatRow(insertRow([Date.UTC(2024, 0, 1, 10), 1.5]), [T.timestamp(3), T.decimal(4, 2)]),
    '+I[2024-01-01T10:00, 1.50]',
  );
});
