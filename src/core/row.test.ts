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
} from './row.ts';

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
