import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Row } from '../../../core/row.ts';
import { T } from '../../../core/sql-type.ts';
import { KeySelectors } from '../../../graph/key-selector-spec.ts';
import type { SqlWindowOutputField } from '../../../graph/operator-spec.ts';
import { OperatorHarness } from '../../../testing/operator-harness.ts';

/** SUM(amount) of [product, amount] rows in CUMULATE windows of step 1 s, size 3 s, by product. */
function cumulate(rowtime: boolean | undefined): OperatorHarness<Row> {
  const output: SqlWindowOutputField[] = [
    { kind: 'key', index: 0 },
    { kind: 'window', prop: 'start' },
    { kind: 'window', prop: 'end' },
    { kind: 'agg', index: 0 },
  ];
  return new OperatorHarness<Row>({
    kind: 'sql-cumulate-window-aggregate',
    keySelector: KeySelectors.rowFields(0),
    config: {
      keyCount: 1,
      aggs: [{ fn: 'SUM', args: [1], distinct: false, filter: null, name: 'total' }],
      inputTypes: [T.string(), T.int()],
      resultTypes: [T.bigint()],
      step: 1_000,
      size: 3_000,
      offset: 0,
      output,
      ...(rowtime === undefined ? {} : { rowtime }),
    },
  });
}

const sale = (product: string, amount: number): Row => ({ kind: '+I', values: [product, amount] });
const results = (h: OperatorHarness<Row>): string[] => h.extractOutputValues().map((r) => r.values.join(' '));

test('on processing time, rows go into the slice of the clock and the clock ends the windows', async () => {
  const h = cumulate(false);
  await h.open();
  h.setProcessingTime(100);
  h.processElement(sale('a', 1));
  h.setProcessingTime(998);
  assert.deepEqual(results(h), []);
  h.setProcessingTime(999);
  assert.deepEqual(results(h), ['a 0 1000 1']);
  h.setProcessingTime(1_500);
  h.processElement(sale('a', 2));
  h.processElement(sale('b', 5));
  // Watermarks play no part on processing time (a row is never late).
  h.processWatermark(Number.MAX_SAFE_INTEGER);
  h.processElement(sale('a', 4));
  h.setProcessingTime(2_999);
  assert.deepEqual(results(h), ['a 0 1000 1', 'a 0 2000 7', 'b 0 2000 5', 'a 0 3000 7', 'b 0 3000 5']);
  // A new cycle starts from nothing.
  h.setProcessingTime(3_200);
  h.processElement(sale('a', 8));
  h.setProcessingTime(6_000);
  assert.deepEqual(results(h).slice(5), ['a 3000 4000 8', 'a 3000 5000 8', 'a 3000 6000 8']);
  assert.equal(h.numProcessingTimeTimers(), 0);
});

test('on processing time, a row in the millisecond whose windows just fired counts in the next ones', async () => {
  const h = cumulate(false);
  await h.open();
  h.setProcessingTime(500);
  h.processElement(sale('a', 1));
  h.setProcessingTime(999);
  h.processElement(sale('a', 2));
  h.setProcessingTime(1_999);
  assert.deepEqual(results(h), ['a 0 1000 1', 'a 0 2000 3']);
});

test('on event time (the default), rows behind the watermark are late and dropped', async () => {
  const h = cumulate(undefined);
  await h.open();
  h.processElement(sale('a', 1), 500);
  h.processWatermark(2_999);
  h.processElement(sale('a', 2), 1_000);
  h.processElement(sale('a', 4), 3_000);
  h.setProcessingTime(10_000);
  h.processWatermark(3_999);
  assert.deepEqual(results(h), ['a 0 1000 1', 'a 0 2000 1', 'a 0 3000 1', 'a 3000 4000 4']);
});
