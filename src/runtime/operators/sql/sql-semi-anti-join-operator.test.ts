import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Row } from '../../../core/row.ts';
import { KeySelectors } from '../../../graph/key-selector-spec.ts';
import { OperatorHarness } from '../../../testing/operator-harness.ts';

/** A semi or anti join of [key, name] rows with [key, amount] rows on key. */
function semiAnti(anti: boolean): OperatorHarness {
  return new OperatorHarness({
    kind: 'sql-semi-anti-join',
    keySelector: KeySelectors.rowFields(0),
    keySelector2: KeySelectors.rowFields(0),
    config: { anti, leftKeys: [0], rightKeys: [0], residual: null },
  });
}

const row = (kind: Row['kind'], ...values: unknown[]): Row => ({ kind, values });

test('a semi join lets a left row through with its first match and deletes it with its last', async () => {
  const h = semiAnti(false);
  await h.open();
  h.processElement(row('+I', 1, 'a')); // no match yet: nothing
  h.processElement2(row('+I', 1, 10)); // first match: +I
  h.processElement2(row('+I', 1, 20)); // second match: nothing
  h.processElement(row('+I', 1, 'b')); // matched on arrival, with its own kind
  h.processElement2(row('-D', 1, 10)); // still matched by 20
  h.processElement2(row('-D', 1, 20)); // the last match goes: both left rows are deleted
  h.processElement(row('+I', null, 'n')); // a NULL key matches nothing
  assert.deepEqual(h.extractOutputValues(), [
    row('+I', 1, 'a'),
    row('+I', 1, 'b'),
    row('-D', 1, 'a'),
    row('-D', 1, 'b'),
  ]);
});

test('an anti join lets a left row through without a match, deletes it with its first and restores it after its last', async () => {
  const h = semiAnti(true);
  await h.open();
  h.processElement(row('+I', 1, 'a'));
  h.processElement(row('+I', null, 'n'));
  h.processElement2(row('+I', 1, 10));
  h.processElement2(row('+U', 1, 11));
  h.processElement2(row('-U', 1, 10));
  h.processElement(row('+I', 1, 'b')); // matched on arrival: nothing
  h.processElement2(row('-D', 1, 11));
  h.processElement(row('-D', 1, 'a')); // the left side retracts: the row goes again
  assert.deepEqual(h.extractOutputValues(), [
    row('+I', 1, 'a'),
    row('+I', null, 'n'),
    row('-D', 1, 'a'),
    row('+I', 1, 'a'),
    row('+I', 1, 'b'),
    row('-D', 1, 'a'),
  ]);
});
