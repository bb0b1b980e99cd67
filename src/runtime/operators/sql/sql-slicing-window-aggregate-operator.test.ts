import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RuntimeContext } from '../../../api/runtime-context.ts';
import type { Row } from '../../../core/row.ts';
import { KeySelectors } from '../../../graph/key-selector-spec.ts';
import type { SqlWindowAggregateOperatorConfig } from '../../../graph/operator-spec.ts';
import { OperatorHarness } from '../../../testing/operator-harness.ts';

const BIGINT = { kind: 'BIGINT', nullable: false } as const;

/** HOP(size 10, slide 5) of [key, amount] rows: key, COUNT(*), MAX(amount), window_start, window_end. */
function hop(): OperatorHarness {
  return new OperatorHarness({
    kind: 'sql-slicing-window-aggregate',
    keySelector: KeySelectors.rowFields(0),
    config: {
      keyCount: 1,
      aggs: [
        { fn: 'COUNT', args: [], distinct: false, filter: null, name: 'c' },
        { fn: 'MAX', args: [1], distinct: false, filter: null, name: 'm' },
      ],
      inputTypes: [BIGINT, BIGINT],
      resultTypes: [BIGINT, BIGINT],
      assigner: { kind: 'sliding-event-time', size: 10, slide: 5, offset: 0 },
      output: [
        { kind: 'key', index: 0 },
        { kind: 'agg', index: 0 },
        { kind: 'agg', index: 1 },
        { kind: 'window', prop: 'start' },
        { kind: 'window', prop: 'end' },
      ],
      insertOnly: true,
    } satisfies SqlWindowAggregateOperatorConfig,
  });
}

const ins = (...values: unknown[]): Row => ({ kind: '+I', values });

function records(h: OperatorHarness): string[] {
  return h
    .getOutput()
    .flatMap((o) =>
      o.kind === 'record' ? [`${JSON.stringify((o.value as Row).values)}@${o.timestamp}`] : [],
    );
}

test('each window of every key fires when the watermark passes its end - 1, every key in time order of its windows, then its slices go', async () => {
  const h = hop();
  await h.open();
  h.processElement(ins('a', 3), 1);
  h.processElement(ins('b', 4), 2);
  h.processElement(ins('a', 7), 6);
  h.processWatermark(3);
  assert.deepEqual(records(h), []);
  h.processWatermark(4); // the end - 1 of [-5, 5)
  assert.deepEqual(records(h), ['["a",1,3,-5,5]@4', '["b",1,4,-5,5]@4']);
  h.clearOutput();
  h.processWatermark(100);
  // A watermark past several ends fires all of a key's windows at its first, in time order (keys
  // may interleave differently: Flink orders timers of one time by nothing either).
  assert.deepEqual(records(h), ['["a",2,7,0,10]@9', '["a",1,7,5,15]@14', '["b",1,4,0,10]@9']);
  assert.equal(h.stateBackend()!.size(), 0, 'no slice is kept after its last window');
});

test('a row late for every window is counted and dropped; one late for some counts in the others', async () => {
  const h = hop();
  await h.open();
  h.processElement(ins('a', 1), 7);
  h.processWatermark(9); // [0, 10) has fired
  h.processElement(ins('a', 50), 3); // in [-5, 5) and [0, 10): both fired
  h.processElement(ins('a', 20), 8); // in [0, 10), fired, and [5, 15), still to come
  h.processWatermark(100);
  assert.deepEqual(records(h), ['["a",1,1,0,10]@9', '["a",2,20,5,15]@14']);
  const context = (h.operator as unknown as { getRuntimeContext(): RuntimeContext }).getRuntimeContext();
  assert.equal(context.getAccumulator<number>('numLateRecordsDropped')?.getLocalValue(), 1);
});

test('restored state fires at the restored due times (the operator keeps no timers of its own in snapshots)', async () => {
  const h = hop();
  await h.open();
  h.processElement(ins('a', 3), 1);
  h.processElement(ins('b', 4), 6);
  const restored = hop();
  restored.stateBackend()!.restore([h.stateBackend()!.snapshot()]);
  await restored.open();
  restored.processElement(ins('a', 5), 7);
  restored.processWatermark(100);
  // Keys due at the same time may come in another order than before the restore.
  const byTime = (r: string) => Number(r.slice(r.indexOf('@') + 1));
  assert.deepEqual(
    records(restored).sort((x, y) => byTime(x) - byTime(y) || x.localeCompare(y)),
    ['["a",1,3,-5,5]@4', '["a",2,5,0,10]@9', '["b",1,4,0,10]@9', '["a",1,5,5,15]@14', '["b",1,4,5,15]@14'],
  );
});
