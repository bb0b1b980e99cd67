import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Row } from '../../../core/row.ts';
import type { SqlType } from '../../../core/sql-type.ts';
import { KeySelectors } from '../../../graph/key-selector-spec.ts';
import type { AggCall } from '../../../sql/plan/rel.ts';
import { materialize } from '../../../sql/result-printer.ts';
import { OperatorHarness } from '../../../testing/operator-harness.ts';

const BIGINT: SqlType = { kind: 'BIGINT', nullable: true };
const call = (fn: string, args: number[], distinct = false): AggCall => ({
  fn,
  args,
  distinct,
  filter: null,
  name: fn,
});
const row = (kind: Row['kind'], ...values: unknown[]): Row => ({ kind, values });

/** [key, value] rows: COUNT(*), SUM(value), MAX(value), COUNT(DISTINCT value) per key. */
const AGGS = [call('COUNT', []), call('SUM', [1]), call('MAX', [1]), call('COUNT', [1], true)];
const TYPES = [BIGINT, BIGINT];
const RESULTS = [BIGINT, BIGINT, BIGINT, BIGINT];

function miniBatch(size: number, latency = 1000): OperatorHarness<Row> {
  return new OperatorHarness<Row>({
    kind: 'sql-mini-batch-group-aggregate',
    keySelector: KeySelectors.rowFields(0),
    config: {
      groupKeys: [0],
      aggs: AGGS,
      inputTypes: TYPES,
      resultTypes: RESULTS,
      miniBatch: { latency, size },
    },
  });
}

function local(size: number): OperatorHarness<Row> {
  return new OperatorHarness<Row>({
    kind: 'sql-local-group-aggregate',
    config: {
      groupKeys: [0],
      aggs: AGGS,
      inputTypes: TYPES,
      resultTypes: RESULTS,
      miniBatch: { latency: 1000, size },
    },
  });
}

function global(size: number): OperatorHarness<Row> {
  return new OperatorHarness<Row>({
    kind: 'sql-global-group-aggregate',
    keySelector: KeySelectors.rowFields(0),
    config: {
      keyCount: 1,
      aggs: AGGS,
      inputTypes: TYPES,
      resultTypes: RESULTS,
      miniBatch: { latency: 1000, size },
    },
  });
}

test('a bundle folds each key once: one change per key, at the bundle size', () => {
  const h = miniBatch(4);
  h.processElement(row('+I', 'a', 1));
  h.processElement(row('+I', 'a', 5));
  h.processElement(row('+I', 'b', 2));
  assert.deepEqual(h.extractOutputValues(), []);
  h.processElement(row('+I', 'a', 5));
  assert.deepEqual(h.extractOutputValues(), [row('+I', 'a', 3, 11, 5, 2), row('+I', 'b', 1, 2, 2, 1)]);
  h.clearOutput();
  // The next bundle retracts a's 5s and b's only row: -U/+U for a, -D for b.
  h.processElement(row('-U', 'a', 5));
  h.processElement(row('-D', 'b', 2));
  h.processElement(row('-U', 'a', 5));
  h.processElement(row('+U', 'a', 4));
  assert.deepEqual(h.extractOutputValues(), [
    row('-U', 'a', 3, 11, 5, 2),
    row('+U', 'a', 2, 5, 4, 2),
    row('-D', 'b', 1, 2, 2, 1),
  ]);
});

test('a bundle ends after the latency in processing time, on a watermark, and at end of input', async () => {
  const h = miniBatch(1000, 500);
  h.setProcessingTime(100);
  h.processElement(row('+I', 'a', 1));
  h.setProcessingTime(599);
  assert.deepEqual(h.extractOutputValues(), []);
  h.setProcessingTime(600);
  assert.deepEqual(h.extractOutputValues(), [row('+I', 'a', 1, 1, 1, 1)]);
  h.clearOutput();
  h.processElement(row('+I', 'a', 2));
  h.processWatermark(10);
  // The change goes before the watermark.
  assert.deepEqual(h.getOutput(), [
    { kind: 'record', value: row('-U', 'a', 1, 1, 1, 1), timestamp: undefined },
    { kind: 'record', value: row('+U', 'a', 2, 3, 2, 2), timestamp: undefined },
    { kind: 'watermark', time: 10 },
  ]);
  h.clearOutput();
  h.processElement(row('+I', 'c', 7));
  await h.endInput();
  assert.deepEqual(h.extractOutputValues(), [row('+I', 'c', 1, 7, 7, 1)]);
  // The bundle's timer was cancelled with it: nothing fires later.
  h.setProcessingTime(10_000);
  assert.equal(h.extractOutputValues().length, 1);
});

test('retractions first of a group that holds nothing are dropped, as in Flink', () => {
  const h = miniBatch(3);
  h.processElement(row('-U', 'a', 1));
  h.processElement(row('+I', 'a', 2));
  h.processElement(row('-D', 'b', 1));
  assert.deepEqual(h.extractOutputValues(), [row('+I', 'a', 1, 2, 2, 1)]);
});

test('a checkpoint emits the bundle before its snapshot: a restore mid-bundle loses nothing', () => {
  const h = miniBatch(100);
  h.processElement(row('+I', 'a', 1));
  h.processElement(row('+I', 'b', 2));
  h.operator.snapshotState!(1);
  const emitted = h.extractOutputValues();
  assert.deepEqual(emitted, [row('+I', 'a', 1, 1, 1, 1), row('+I', 'b', 1, 2, 2, 1)]);
  const snapshot = h.stateBackend()!.snapshot();
  // Rows after the barrier are not in the checkpoint: the restored job reads them again.
  h.processElement(row('+I', 'a', 9));

  const restored = miniBatch(100);
  restored.stateBackend()!.restore([structuredClone(snapshot)]);
  restored.processElement(row('+I', 'a', 3));
  restored.processElement(row('-D', 'b', 2));
  restored.processWatermark(Number.POSITIVE_INFINITY);
  assert.deepEqual(materialize([...emitted, ...restored.extractOutputValues()]), [
    row('+I', 'a', 2, 4, 3, 2),
  ]);
});

test('local then global: accumulators merge across bundles, retractions of earlier bundles included', () => {
  const l = local(3);
  const g = global(2);
  const forward = (): void => {
    for (const r of l.extractOutputValues()) g.processElement(r);
    l.clearOutput();
  };
  l.processElement(row('+I', 'a', 5));
  l.processElement(row('+I', 'a', 7));
  l.processElement(row('+I', 'b', 1));
  // One row per key and bundle: [key, accumulators], no state.
  assert.equal(l.extractOutputValues().length, 2);
  forward();
  assert.deepEqual(g.extractOutputValues(), [row('+I', 'a', 2, 12, 7, 2), row('+I', 'b', 1, 1, 1, 1)]);
  g.clearOutput();
  // A later bundle retracts a's 7 (its MAX, a DISTINCT value) and b's row: its local counts go below zero.
  l.processElement(row('-U', 'a', 7));
  l.processElement(row('-D', 'b', 1));
  l.processElement(row('+U', 'a', 6));
  forward();
  assert.deepEqual(g.extractOutputValues(), [
    row('-U', 'a', 2, 12, 7, 2),
    row('+U', 'a', 2, 11, 6, 2),
    row('-D', 'b', 1, 1, 1, 1),
  ]);
});

test('the global phase flushes its bundle before a snapshot and at end of input', async () => {
  const l = local(100);
  const g = global(100);
  l.processElement(row('+I', 'a', 5));
  l.operator.snapshotState!(1);
  for (const r of l.extractOutputValues()) g.processElement(r);
  assert.deepEqual(g.extractOutputValues(), []);
  g.operator.snapshotState!(1);
  assert.deepEqual(g.extractOutputValues(), [row('+I', 'a', 1, 5, 5, 1)]);
  l.clearOutput();
  l.processElement(row('+I', 'a', 6));
  await l.endInput();
  for (const r of l.extractOutputValues()) g.processElement(r);
  await g.endInput();
  assert.deepEqual(materialize(g.extractOutputValues()), [row('+I', 'a', 2, 11, 6, 2)]);
});

test('incremental: bucket results go to the final accumulator as the change from their old values', () => {
  // Partial: COUNT(DISTINCT value) per [key, bucket]; final: SUM0 of the buckets' counts per key.
  const partialAggs = [call('COUNT', [1], true)];
  const finalAggs = [call('SUM0', [2])];
  const local = new OperatorHarness<Row>({
    kind: 'sql-local-group-aggregate',
    config: {
      groupKeys: [0, 2],
      aggs: partialAggs,
      inputTypes: [BIGINT, BIGINT, BIGINT],
      resultTypes: [BIGINT],
      miniBatch: { latency: 1000, size: 100 },
    },
  });
  const incremental = new OperatorHarness<Row>({
    kind: 'sql-incremental-group-aggregate',
    keySelector: KeySelectors.rowFields(0, 1),
    config: {
      partialKeyCount: 2,
      partialAggs,
      partialInputTypes: [BIGINT, BIGINT, BIGINT],
      partialResultTypes: [BIGINT],
      finalKeyCount: 1,
      finalAggs,
      finalInputTypes: [BIGINT, BIGINT, BIGINT],
      finalResultTypes: [BIGINT],
      miniBatch: { latency: 1000, size: 100 },
    },
  });
  const g = new OperatorHarness<Row>({
    kind: 'sql-global-group-aggregate',
    keySelector: KeySelectors.rowFields(0),
    config: {
      keyCount: 1,
      aggs: finalAggs,
      inputTypes: [BIGINT, BIGINT, BIGINT],
      resultTypes: [BIGINT],
      miniBatch: { latency: 1000, size: 100 },
    },
  });
  const bundle = (rows: Row[]): Row[] => {
    for (const r of rows) local.processElement(r);
    local.operator.snapshotState!(1);
    for (const r of local.extractOutputValues()) incremental.processElement(r);
    local.clearOutput();
    incremental.operator.snapshotState!(1);
    for (const r of incremental.extractOutputValues()) g.processElement(r);
    incremental.clearOutput();
    g.clearOutput();
    g.operator.snapshotState!(1);
    return g.extractOutputValues();
  };
  // [key, value, bucket]: values 1 and 2 in bucket 0, 3 in bucket 1.
  assert.deepEqual(
    bundle([row('+I', 'a', 1, 0), row('+I', 'a', 2, 0), row('+I', 'a', 3, 1), row('+I', 'a', 1, 0)]),
    [row('+I', 'a', 3)],
  );
  // Bucket 0 loses value 2 and gains 4; bucket 1 loses its only value: 1 and 4 are left, then 3 again.
  assert.deepEqual(bundle([row('-D', 'a', 2, 0), row('+I', 'a', 4, 0), row('-D', 'a', 3, 1)]), [
    row('-U', 'a', 3),
    row('+U', 'a', 2),
  ]);
  assert.deepEqual(bundle([row('+I', 'a', 3, 1), row('+I', 'a', 4, 0)]), [
    row('-U', 'a', 2),
    row('+U', 'a', 3),
  ]);
  // Every row retracted: the final group is deleted.
  assert.deepEqual(
    bundle([
      row('-D', 'a', 1, 0),
      row('-D', 'a', 1, 0),
      row('-D', 'a', 4, 0),
      row('-D', 'a', 4, 0),
      row('-D', 'a', 3, 1),
    ]),
    [row('-D', 'a', 3)],
  );
});
