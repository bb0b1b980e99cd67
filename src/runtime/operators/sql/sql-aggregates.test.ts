import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SqlType } from '../../../core/sql-type.ts';
import type { AggCall } from '../../../sql/plan/rel.ts';
import { createAggregates } from './sql-aggregates.ts';

const BIGINT: SqlType = { kind: 'BIGINT', nullable: true };
const BOOL: SqlType = { kind: 'BOOLEAN', nullable: true };
const call = (fn: string, args: number[], extra: Partial<AggCall> = {}): AggCall => ({
  fn,
  args,
  distinct: false,
  filter: null,
  name: fn,
  ...extra,
});

test('COUNT, SUM, AVG, MIN and MAX of a group, with NULLs skipped', () => {
  const aggs = createAggregates(
    [
      call('COUNT', []),
      call('COUNT', [0]),
      call('SUM', [0]),
      call('AVG', [0]),
      call('MIN', [0]),
      call('MAX', [0]),
    ],
    [BIGINT],
    [BIGINT, BIGINT, BIGINT, BIGINT, BIGINT, BIGINT],
  );
  const acc = aggs.create();
  for (const v of [5, null, 2, 8]) aggs.add(acc, [v]);
  // AVG of integers is an integer (15 / 3 = 5), as in Flink.
  assert.deepEqual(aggs.results(acc), [4, 3, 15, 5, 2, 8]);
  assert.equal(aggs.count(acc), 4);
  assert.deepEqual(aggs.results(aggs.create()), [0, 0, null, null, null, null]);
});

test('retractions take values back: MIN and MAX find the next extreme', () => {
  const aggs = createAggregates(
    [call('MIN', [0]), call('MAX', [0]), call('SUM', [0])],
    [BIGINT],
    [BIGINT, BIGINT, BIGINT],
  );
  const acc = aggs.create();
  for (const v of [3, 1, 7, 7]) aggs.add(acc, [v]);
  aggs.retract(acc, [1]);
  aggs.retract(acc, [7]);
  assert.deepEqual(aggs.results(acc), [3, 7, 10]);
  aggs.retract(acc, [7]);
  assert.deepEqual(aggs.results(acc), [3, 3, 3]);
  aggs.retract(acc, [3]);
  assert.deepEqual(aggs.results(acc), [null, null, null]);
  assert.equal(aggs.count(acc), 0);
});

test('DISTINCT counts each value once until its last copy is retracted; FILTER keeps matching rows', () => {
  const aggs = createAggregates(
    [
      call('COUNT', [0], { distinct: true }),
      call('COUNT', [], { filter: 1 }),
      call('SUM', [0], { distinct: true, filter: 1 }),
    ],
    [BIGINT, BOOL],
    [BIGINT, BIGINT, BIGINT],
  );
  const acc = aggs.create();
  aggs.add(acc, [1, true]);
  aggs.add(acc, [1, false]);
  aggs.add(acc, [2, true]);
  assert.deepEqual(aggs.results(acc), [2, 2, 3]);
  aggs.retract(acc, [1, true]);
  assert.deepEqual(aggs.results(acc), [2, 1, 2]);
  aggs.retract(acc, [1, false]);
  assert.deepEqual(aggs.results(acc), [1, 1, 2]);
});

test('merging accumulators (sessions) and DECIMAL rounding', () => {
  const dec: SqlType = { kind: 'DECIMAL', precision: 38, scale: 2, nullable: true };
  const aggs = createAggregates(
    [call('SUM', [0]), call('COUNT', [0], { distinct: true })],
    [dec],
    [dec, BIGINT],
  );
  const a = aggs.create();
  const b = aggs.create();
  aggs.add(a, [0.1]);
  aggs.add(a, [0.2]);
  aggs.add(b, [0.2]);
  aggs.merge(a, b);
  assert.deepEqual(aggs.results(a), [0.5, 2]);
  assert.equal(aggs.count(a), 3);
});
