import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Row } from '../../../core/row.ts';
import type { SqlType } from '../../../core/sql-type.ts';
import {
  registerAsyncTableLookupFactory,
  type TableConnectorContext,
  type TableLookupFuture,
} from '../../../core/table-connectors.ts';
import { call, inputRef, literal } from '../../../sql/plan/rex.ts';
import { OperatorHarness } from '../../../testing/operator-harness.ts';

const BIGINT: SqlType = { kind: 'BIGINT', nullable: true };
const STRING: SqlType = { kind: 'VARCHAR', length: 2_147_483_647, nullable: true };
const BOOLEAN: SqlType = { kind: 'BOOLEAN', nullable: true };

/** Lookups wait here until the test completes them, in any order. */
const pending: Array<{ key: unknown; future: TableLookupFuture }> = [];
const users = new Map<unknown, unknown[][]>([
  [1, [[1, 'ann']]],
  [2, [[2, 'bob']]],
]);

registerAsyncTableLookupFactory({
  identifier: 'test-async-lookup',
  createLookup: () => ({
    open: async (context) => assert.deepEqual(context.keys, [0]),
    lookup: (values, future) => pending.push({ key: values[0], future }),
  }),
});

const table: TableConnectorContext = {
  table: 'users',
  columns: [
    { name: 'id', type: BIGINT, metadata: null },
    { name: 'name', type: STRING, metadata: null },
  ],
  options: { connector: 'test-async-lookup' },
  primaryKey: null,
};

function harness(joinType: 'INNER' | 'LEFT', residual: ReturnType<typeof call> | null = null) {
  return new OperatorHarness<Row>({
    kind: 'sql-async-lookup-join',
    name: 'LookupJoin(table=[users])',
    config: {
      joinType,
      connector: 'test-async-lookup',
      table,
      keys: [inputRef(1, BIGINT)],
      tableKeys: [0],
      residual,
      mode: 'ordered',
      capacity: 10,
      timeout: 0,
    },
  });
}

/** Completes the waiting lookups, last first. */
function completeAll(): void {
  while (pending.length > 0) {
    const { key, future } = pending.pop()!;
    future.complete(users.get(key) ?? []);
  }
}

describe('SqlAsyncLookupJoinOperator', () => {
  it('joins each row with the rows of its key, in input order, keeping the row kind', async () => {
    const h = harness('INNER');
    await h.open();
    h.processElement({ kind: '+I', values: ['a', 1] });
    h.processElement({ kind: '-U', values: ['b', 2] });
    h.processElement({ kind: '+I', values: ['c', 3] });
    h.processElement({ kind: '+I', values: ['d', null] }); // a NULL key matches nothing, no lookup
    assert.equal(pending.length, 3);
    assert.deepEqual(h.extractOutputValues(), []);
    completeAll();
    assert.deepEqual(h.extractOutputValues(), [
      { kind: '+I', values: ['a', 1, 1, 'ann'] },
      { kind: '-U', values: ['b', 2, 2, 'bob'] },
    ]);
    await h.close();
  });

  it('pads an unmatched row with NULLs in a LEFT join, and applies the rest of the condition', async () => {
    // ON o.k = u.id AND u.name <> 'bob'
    const residual = call('<>', [inputRef(3, STRING), literal('bob', STRING)], BOOLEAN);
    const h = harness('LEFT', residual);
    await h.open();
    for (const [id, k] of [
      ['a', 1],
      ['b', 2],
      ['c', 3],
      ['d', null],
    ] as const) {
      h.processElement({ kind: '+I', values: [id, k] });
    }
    completeAll();
    assert.deepEqual(
      h.extractOutputValues().map((r) => r.values),
      [
        ['a', 1, 1, 'ann'],
        ['b', 2, null, null],
        ['c', 3, null, null],
        ['d', null, null, null],
      ],
    );
    await h.close();
  });

  it('holds a watermark behind the rows before it', async () => {
    const h = harness('INNER');
    await h.open();
    h.processElement({ kind: '+I', values: ['a', 1] });
    h.processWatermark(100);
    assert.deepEqual(h.getWatermarks(), []);
    completeAll();
    assert.deepEqual(
      h.getOutput().map((o) => o.kind),
      ['record', 'watermark'],
    );
    await h.close();
  });
});
