import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Row } from '../../../core/row.ts';
import { KeySelectors } from '../../../graph/key-selector-spec.ts';
import { materialize } from '../../../sql/result-printer.ts';
import { OperatorHarness } from '../../../testing/operator-harness.ts';

/** Top-2 of [group, score] rows by score, highest first. */
function top2(rankFn: 'ROW_NUMBER' | 'RANK' | 'DENSE_RANK'): OperatorHarness {
  return new OperatorHarness({
    kind: 'sql-rank',
    keySelector: KeySelectors.rowFields(0),
    config: { rankFn, orderBy: [{ field: 1, descending: true, nullsFirst: false }], limit: 2, dedup: null },
  });
}

async function final(rankFn: 'ROW_NUMBER' | 'RANK' | 'DENSE_RANK', scores: number[]): Promise<string[]> {
  const h = top2(rankFn);
  await h.open();
  for (const s of scores) h.processElement({ kind: '+I', values: ['g', s] } satisfies Row);
  return materialize(h.extractOutputValues() as Row[])
    .map((r) => r.values.slice(1).join('@'))
    .sort();
}

test('ROW_NUMBER numbers the top rows, ties by arrival; RANK shares ranks and skips; DENSE_RANK does not skip', async () => {
  assert.deepEqual(await final('ROW_NUMBER', [10, 20, 20]), ['20@1', '20@2']);
  // RANK: 20, 20, 10 rank 1, 1, 3: the 10 leaves the top 2.
  assert.deepEqual(await final('RANK', [10, 20, 20]), ['20@1', '20@1']);
  // DENSE_RANK: 1, 1, 2: the 10 stays, so ties can keep more rows than the limit.
  assert.deepEqual(await final('DENSE_RANK', [10, 20, 20]), ['10@2', '20@1', '20@1']);
  assert.deepEqual(await final('DENSE_RANK', [10, 20, 30]), ['20@2', '30@1']);
});

test('a rank that moves is retracted and emitted again', async () => {
  const h = top2('RANK');
  await h.open();
  h.processElement({ kind: '+I', values: ['g', 10] });
  h.processElement({ kind: '+I', values: ['g', 20] });
  assert.deepEqual(h.extractOutputValues(), [
    { kind: '+I', values: ['g', 10, 1] },
    { kind: '+I', values: ['g', 20, 1] },
    { kind: '-U', values: ['g', 10, 1] },
    { kind: '+U', values: ['g', 10, 2] },
  ]);
});
