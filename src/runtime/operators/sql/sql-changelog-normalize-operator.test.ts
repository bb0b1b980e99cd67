import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Row } from '../../../core/row.ts';
import { KeySelectors } from '../../../graph/key-selector-spec.ts';
import { OperatorHarness } from '../../../testing/operator-harness.ts';

/** A ChangelogNormalize keyed by field 0 of [id, name] rows. */
async function normalize(stateTtl = 0): Promise<OperatorHarness> {
  const h = new OperatorHarness({
    kind: 'sql-changelog-normalize',
    keySelector: KeySelectors.rowFields(0),
    config: { stateTtl },
  });
  await h.open();
  return h;
}

const text = (rows: unknown[]) => (rows as Row[]).map((r) => `${r.kind}${JSON.stringify(r.values)}`);

test('upserts become +I, then -U/+U of the previous row; an unchanged row emits nothing', async () => {
  const h = await normalize();
  h.processElement({ kind: '+I', values: [1, 'a'] } satisfies Row);
  h.processElement({ kind: '+U', values: [1, 'b'] } satisfies Row);
  h.processElement({ kind: '+I', values: [1, 'b'] } satisfies Row);
  h.processElement({ kind: '+I', values: [2, 'x'] } satisfies Row);
  assert.deepEqual(text(h.extractOutputValues()), ['+I[1,"a"]', '-U[1,"a"]', '+U[1,"b"]', '+I[2,"x"]']);
});

test('a delete emits -D of the whole row held (a tombstone carries only the key); of an unknown key, nothing', async () => {
  const h = await normalize();
  h.processElement({ kind: '+I', values: [1, 'a'] } satisfies Row);
  h.processElement({ kind: '-D', values: [1, null] } satisfies Row);
  h.processElement({ kind: '-D', values: [1, null] } satisfies Row);
  h.processElement({ kind: '-D', values: [7, null] } satisfies Row);
  h.processElement({ kind: '+I', values: [1, 'c'] } satisfies Row);
  assert.deepEqual(text(h.extractOutputValues()), ['+I[1,"a"]', '-D[1,"a"]', '+I[1,"c"]']);
});

test('with a state TTL, an unchanged row is passed on (to refresh the state downstream)', async () => {
  const h = await normalize(60_000);
  h.processElement({ kind: '+I', values: [1, 'a'] } satisfies Row);
  h.processElement({ kind: '+I', values: [1, 'a'] } satisfies Row);
  assert.deepEqual(text(h.extractOutputValues()), ['+I[1,"a"]', '-U[1,"a"]', '+U[1,"a"]']);
});
