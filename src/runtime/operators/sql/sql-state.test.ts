import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Row } from '../../../core/row.ts';
import type { SqlType } from '../../../core/sql-type.ts';
import { OperatorHarness } from '../../../testing/operator-harness.ts';

const BIGINT: SqlType = { kind: 'BIGINT', nullable: true };

function groupCount(stateTtl: number): OperatorHarness {
  return new OperatorHarness({
    kind: 'sql-group-aggregate',
    keySelector: (row: Row) => row.values[0] as number,
    config: {
      groupKeys: [0],
      aggs: [{ fn: 'COUNT', args: [], distinct: false, filter: null, name: 'c' }],
      inputTypes: [BIGINT],
      resultTypes: [BIGINT],
      stateTtl,
    },
  });
}

test('a group aggregate emits +I, then -U/+U per change of a group', async () => {
  const h = groupCount(0);
  await h.open();
  h.processElement({ kind: '+I', values: [7] });
  h.processElement({ kind: '+I', values: [7] });
  h.processElement({ kind: '-D', values: [7] });
  h.processElement({ kind: '-D', values: [7] });
  assert.deepEqual(h.extractOutputValues(), [
    { kind: '+I', values: [7, 1] },
    { kind: '-U', values: [7, 1] },
    { kind: '+U', values: [7, 2] },
    { kind: '-U', values: [7, 2] },
    { kind: '+U', values: [7, 1] },
    { kind: '-D', values: [7, 1] },
  ]);
});

test('table.exec.state.ttl: a group idle longer than the TTL is forgotten and starts again', async () => {
  const h = groupCount(1000);
  await h.open();
  h.setProcessingTime(0);
  h.processElement({ kind: '+I', values: [7] });
  h.setProcessingTime(999);
  h.processElement({ kind: '+I', values: [7] });
  // Written at 999: still there at 1998, gone at 2000.
  h.setProcessingTime(1998);
  h.processElement({ kind: '+I', values: [7] });
  h.setProcessingTime(3000);
  h.processElement({ kind: '+I', values: [7] });
  assert.deepEqual(h.extractOutputValues(), [
    { kind: '+I', values: [7, 1] },
    { kind: '-U', values: [7, 1] },
    { kind: '+U', values: [7, 2] },
    { kind: '-U', values: [7, 2] },
    { kind: '+U', values: [7, 3] },
    { kind: '+I', values: [7, 1] },
  ]);
});
