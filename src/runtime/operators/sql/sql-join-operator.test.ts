import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Row } from '../../../core/row.ts';
import { KeySelectors } from '../../../graph/key-selector-spec.ts';
import { materialize } from '../../../sql/result-printer.ts';
import { OperatorHarness } from '../../../testing/operator-harness.ts';
import { sqlStateDescriptor } from './sql-state.ts';

/** A join of [key, name] rows with [key, amount] rows on key. */
function join(joinType: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL'): OperatorHarness {
  return new OperatorHarness({
    kind: 'sql-join',
    // The planner's key selector: a NULL key is a key of its own (that joins nothing).
    keySelector: KeySelectors.rowFields(0),
    keySelector2: KeySelectors.rowFields(0),
    config: { joinType, leftWidth: 2, rightWidth: 2, leftKeys: [0], rightKeys: [0], residual: null },
  });
}

const row = (kind: Row['kind'], ...values: unknown[]): Row => ({ kind, values });

function finalRows(h: OperatorHarness): string[] {
  return materialize(h.extractOutputValues() as Row[])
    .map((r) => JSON.stringify(r.values))
    .sort();
}

test('an inner join emits joined rows with the input row kind, retractions included', async () => {
  const h = join('INNER');
  await h.open();
  h.processElement(row('+I', 1, 'a'));
  h.processElement2(row('+I', 1, 10));
  h.processElement2(row('+I', 1, 20));
  h.processElement2(row('-D', 1, 10));
  assert.deepEqual(h.extractOutputValues(), [
    row('+I', 1, 'a', 1, 10),
    row('+I', 1, 'a', 1, 20),
    row('-D', 1, 'a', 1, 10),
  ]);
});

test('a LEFT join pads an unmatched left row, retracts the padding on the first match and restores it after the last', async () => {
  const h = join('LEFT');
  await h.open();
  h.processElement(row('+I', 1, 'a'));
  h.processElement(row('+I', 2, 'b'));
  h.processElement2(row('+I', 1, 10));
  h.processElement2(row('+I', 1, 20));
  h.processElement2(row('+I', 3, 30));
  assert.deepEqual(finalRows(h), ['[1,"a",1,10]', '[1,"a",1,20]', '[2,"b",null,null]']);
  h.processElement2(row('-D', 1, 10));
  h.processElement2(row('-D', 1, 20));
  assert.deepEqual(finalRows(h), ['[1,"a",null,null]', '[2,"b",null,null]']);
  h.processElement(row('-D', 2, 'b'));
  assert.deepEqual(finalRows(h), ['[1,"a",null,null]']);
  // The changelog itself: the padded row goes (-D) before its first joined row comes (+I).
  assert.deepEqual(h.extractOutputValues().slice(0, 4), [
    row('+I', 1, 'a', null, null),
    row('+I', 2, 'b', null, null),
    row('-D', 1, 'a', null, null),
    row('+I', 1, 'a', 1, 10),
  ]);
});

test('RIGHT and FULL joins pad the unmatched rows of their outer sides', async () => {
  const right = join('RIGHT');
  await right.open();
  right.processElement2(row('+I', 3, 30));
  right.processElement(row('+I', 1, 'a'));
  right.processElement2(row('+I', 1, 10));
  assert.deepEqual(finalRows(right), ['[1,"a",1,10]', '[null,null,3,30]']);

  const full = join('FULL');
  await full.open();
  full.processElement(row('+I', 1, 'a'));
  full.processElement(row('+I', 2, 'b'));
  full.processElement2(row('+I', 2, 20));
  full.processElement2(row('+I', 3, 30));
  full.processElement(row('+I', null, 'n'));
  assert.deepEqual(finalRows(full), [
    '[1,"a",null,null]',
    '[2,"b",2,20]',
    '[null,"n",null,null]',
    '[null,null,3,30]',
  ]);
  full.processElement(row('-D', 2, 'b'));
  assert.deepEqual(finalRows(full), [
    '[1,"a",null,null]',
    '[null,"n",null,null]',
    '[null,null,2,20]',
    '[null,null,3,30]',
  ]);
});

test('an inner join keeps a key with one left row as that row, and retracts and joins it like any other', async () => {
  const h = join('INNER');
  await h.open();
  // A lone left row, retracted: nothing is left for a right row to join.
  h.processElement(row('+I', 1, 'a'));
  h.processElement(row('-D', 1, 'a'));
  h.processElement2(row('+I', 1, 10));
  // A second left row of a key joins the right row with the first.
  h.processElement(row('+I', 2, 'b'));
  h.processElement(row('+I', 2, 'c'));
  h.processElement2(row('+I', 2, 20));
  // A right row meets a lone left row; a later left row meets the right row.
  h.processElement(row('+I', 3, 'd'));
  h.processElement2(row('+I', 3, 30));
  h.processElement(row('+I', 3, 'e'));
  assert.deepEqual(h.extractOutputValues(), [
    row('+I', 2, 'b', 2, 20),
    row('+I', 2, 'c', 2, 20),
    row('+I', 3, 'd', 3, 30),
    row('+I', 3, 'e', 3, 30),
  ]);
});

test('an inner join keeps left rows column-wise until their key has a right row, and snapshots them as rows', async () => {
  const config = {
    joinType: 'INNER',
    leftWidth: 3,
    rightWidth: 2,
    leftKeys: [0],
    rightKeys: [0],
    // The residual: the left row's amount (field 2) at least the right one's (field 4).
    residual: {
      kind: 'call',
      op: '>=',
      args: [
        { kind: 'input', index: 2, type: { kind: 'BIGINT', nullable: true } },
        { kind: 'input', index: 4, type: { kind: 'BIGINT', nullable: true } },
      ],
      type: { kind: 'BOOLEAN', nullable: true },
    },
    leftTypes: [
      { kind: 'BIGINT', nullable: true },
      { kind: 'VARCHAR', length: 10, nullable: true },
      { kind: 'BIGINT', nullable: true },
    ],
  };
  const make = () =>
    new OperatorHarness({
      kind: 'sql-join',
      keySelector: KeySelectors.rowFields(0),
      keySelector2: KeySelectors.rowFields(0),
      config,
    });
  const h = make();
  await h.open();
  h.processElement(row('+I', 1, 'a', 5));
  h.processElement(row('+I', 2, 'b', 7));
  h.processElement(row('+I', 1, 'c', null));
  h.processElement(row('+I', 1, 'd', 9));
  // Key 2's rows go into the snapshot as rows; key 1 joins before it.
  h.processElement2(row('+I', 1, 6));
  assert.deepEqual(h.extractOutputValues(), [row('+I', 1, 'd', 9, 1, 6)]);
  (h.operator as unknown as { snapshotState(id: number): void }).snapshotState(1);
  const backend = h.stateBackend()!;
  backend.setCurrentKey(2);
  const stored = backend.getState(sqlStateDescriptor('sql-join', undefined)).value();
  assert.deepEqual(stored, [2, 'b', 7], 'a one-row key is its row in the snapshot, not a chain index');
  const snapshot = backend.snapshot();
  h.processElement(row('+I', 2, 'f', 1));
  assert.equal(
    typeof backend.getState(sqlStateDescriptor('sql-join', undefined)).value(),
    'number',
    'the next left row puts the key back into a chain',
  );
  const restored = make();
  restored.stateBackend()!.restore([snapshot]);
  await restored.open();
  restored.processElement(row('+I', 2, 'e', 8));
  restored.processElement2(row('+I', 2, 7));
  assert.deepEqual(restored.extractOutputValues(), [row('+I', 2, 'b', 7, 2, 7), row('+I', 2, 'e', 8, 2, 7)]);
});
