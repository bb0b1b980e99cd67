import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Row } from '../../../core/row.ts';
import { T } from '../../../sql/types.ts';
import { OperatorHarness } from '../../../testing/operator-harness.ts';

const row = (kind: Row['kind'], ...values: unknown[]): Row => ({ kind, values });

/** UNNEST of field 1 of [id, collection] rows. */
function unnest(
  mode: 'elements' | 'rows' | 'map',
  joinType: 'INNER' | 'LEFT',
  width: number,
  ordinality = false,
): OperatorHarness {
  return new OperatorHarness({
    kind: 'sql-correlate',
    config: {
      joinType,
      call: { kind: 'unnest', mode, ordinality },
      args: [{ kind: 'input', index: 1, type: { kind: 'ARRAY', element: T.int(), nullable: true } }],
      width,
    },
  });
}

test('UNNEST emits a row per element with the input row kind; a retraction retracts the same rows', async () => {
  const h = unnest('elements', 'INNER', 1);
  await h.open();
  h.processElement(row('+I', 1, [10, 20]));
  h.processElement(row('+I', 2, []));
  h.processElement(row('+I', 3, null));
  h.processElement(row('-D', 1, [10, 20]));
  assert.deepEqual(h.extractOutputValues(), [
    row('+I', 1, [10, 20], 10),
    row('+I', 1, [10, 20], 20),
    row('-D', 1, [10, 20], 10),
    row('-D', 1, [10, 20], 20),
  ]);
});

test('LEFT pads a row without elements; ROW elements spread their fields, ordinality counts from 1', async () => {
  const left = unnest('elements', 'LEFT', 1);
  await left.open();
  left.processElement(row('+I', 2, []));
  assert.deepEqual(left.extractOutputValues(), [row('+I', 2, [], null)]);
  const rows = unnest('rows', 'INNER', 3, true);
  await rows.open();
  rows.processElement(row('+I', 1, [['a', 1], null]));
  assert.deepEqual(rows.extractOutputValues(), [
    row('+I', 1, [['a', 1], null], 'a', 1, 1),
    row('+I', 1, [['a', 1], null], null, null, 2),
  ]);
  const map = unnest('map', 'INNER', 2);
  await map.open();
  map.processElement(row('+I', 1, new Map([['k', 'v']])));
  assert.deepEqual(map.extractOutputValues(), [row('+I', 1, new Map([['k', 'v']]), 'k', 'v')]);
});
