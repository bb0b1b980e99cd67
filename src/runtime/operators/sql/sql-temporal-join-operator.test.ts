import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Row } from '../../../core/row.ts';
import { KeySelectors } from '../../../graph/key-selector-spec.ts';
import type { Rex } from '../../../sql/plan/rex.ts';
import { OperatorHarness } from '../../../testing/operator-harness.ts';
import type { HeapInternalTimerService } from '../../../time/internal-timer-service.ts';
import { sqlStateDescriptor } from './sql-state.ts';

/** Orders [currency, amount, time] joined with rates [currency, rate, time] as of the order's time. */
function temporalJoin(joinType: 'INNER' | 'LEFT', residual: Rex | null = null): OperatorHarness<Row> {
  return new OperatorHarness<Row>({
    kind: 'sql-temporal-join',
    keySelector: KeySelectors.rowFields(0),
    keySelector2: KeySelectors.rowFields(0),
    config: {
      joinType,
      leftTime: 2,
      rightTime: 2,
      rightWidth: 3,
      leftKeys: [0],
      rightKeys: [0],
      residual,
    },
  });
}

const order = (currency: string | null, amount: number, time: number): Row => ({
  kind: '+I',
  values: [currency, amount, time],
});
const rate = (kind: Row['kind'], currency: string | null, value: number, time: number): Row => ({
  kind,
  values: [currency, value, time],
});
/** Both inputs' watermarks at `time`. */
function watermark(h: OperatorHarness<Row>, time: number): void {
  h.processWatermark1(time);
  h.processWatermark2(time);
}
/** What was emitted, as `amount@time->rate` (rate null: padded), in order. */
function joined(h: OperatorHarness<Row>): string[] {
  return h.extractOutputValues().map((r) => `${r.kind}${r.values[1]}@${r.values[2]}->${r.values[4]}`);
}

test('each left row joins the version valid at its time, once the watermark passes it, in arrival order', async () => {
  const h = temporalJoin('INNER');
  await h.open();
  h.processElement2(rate('+I', 'EUR', 114, 1_000));
  h.processElement2(rate('+I', 'EUR', 110, 5_000));
  h.processElement(order('EUR', 1, 6_000));
  h.processElement(order('EUR', 2, 2_000));
  h.processElement(order('EUR', 3, 5_000));
  h.processElement(order('EUR', 4, 999));
  assert.deepEqual(joined(h), [], 'nothing before the watermark');
  watermark(h, 4_000);
  assert.deepEqual(joined(h), ['+I2@2000->114'], 'the inner join drops the row before any version');
  watermark(h, 7_000);
  assert.deepEqual(joined(h), ['+I2@2000->114', '+I1@6000->110', '+I3@5000->110']);
  // A joined row keeps the left row's time as its timestamp.
  assert.deepEqual(
    h
      .getOutput()
      .filter((o) => o.kind === 'record')
      .map((o) => (o as { timestamp: number }).timestamp),
    [2_000, 6_000, 5_000],
  );
});

test('a LEFT join pads a row without a valid version; a deletion ends validity, a later insert starts it again', async () => {
  const h = temporalJoin('LEFT');
  await h.open();
  h.processElement2(rate('+I', 'EUR', 114, 1_000));
  h.processElement2(rate('-D', 'EUR', 114, 3_000));
  h.processElement2(rate('+I', 'EUR', 120, 4_000));
  h.processElement(order('EUR', 1, 500));
  h.processElement(order('EUR', 2, 2_000));
  h.processElement(order('EUR', 3, 3_500));
  h.processElement(order('EUR', 4, 4_000));
  h.processElement(order('USD', 5, 4_000));
  watermark(h, 10_000);
  assert.deepEqual(joined(h).sort(), [
    '+I1@500->null',
    '+I2@2000->114',
    '+I3@3500->null',
    '+I4@4000->120',
    '+I5@4000->null',
  ]);
});

test('updates: -U carries nothing, +U is the next version; NULL keys match nothing', async () => {
  const h = temporalJoin('LEFT');
  await h.open();
  h.processElement2(rate('+I', 'EUR', 114, 1_000));
  h.processElement2(rate('-U', 'EUR', 114, 1_000));
  h.processElement2(rate('+U', 'EUR', 119, 2_000));
  h.processElement2(rate('+I', null, 1, 0));
  h.processElement(order('EUR', 1, 1_500));
  h.processElement(order('EUR', 2, 2_500));
  h.processElement(order(null, 3, 2_500));
  watermark(h, 3_000);
  assert.deepEqual(joined(h).sort(), ['+I1@1500->114', '+I2@2500->119', '+I3@2500->null']);
});

test('the rest of the ON condition filters the version found; LEFT pads the row when it fails', async () => {
  // r.rate > 115: the joined row's field 4.
  const residual: Rex = {
    kind: 'call',
    op: '>',
    args: [
      { kind: 'input', index: 4, type: { kind: 'INT', nullable: true } },
      { kind: 'literal', value: 115, type: { kind: 'INT', nullable: false } },
    ],
    type: { kind: 'BOOLEAN', nullable: true },
  };
  const h = temporalJoin('LEFT', residual);
  await h.open();
  h.processElement2(rate('+I', 'EUR', 114, 1_000));
  h.processElement2(rate('+I', 'EUR', 119, 2_000));
  h.processElement(order('EUR', 1, 1_500));
  h.processElement(order('EUR', 2, 2_500));
  watermark(h, 3_000);
  assert.deepEqual(joined(h), ['+I1@1500->null', '+I2@2500->119']);
});

test('versions behind the watermark go but the latest; a late left row is joined at the next watermark with what is kept', async () => {
  const h = temporalJoin('LEFT');
  await h.open();
  h.processElement2(rate('+I', 'EUR', 114, 1_000));
  h.processElement2(rate('+I', 'EUR', 110, 5_000));
  h.processElement2(rate('+I', 'EUR', 105, 9_000));
  watermark(h, 6_000);
  // The version of 1 s is no longer needed: 5 s is the latest at or before the watermark.
  h.processElement(order('EUR', 1, 2_000)); // late: its version is gone
  h.processElement(order('EUR', 2, 5_500)); // late, its version is kept
  assert.deepEqual(joined(h), [], 'late rows also wait for a watermark');
  watermark(h, 7_000);
  assert.deepEqual(joined(h), ['+I1@2000->null', '+I2@5500->110']);
  watermark(h, 10_000);
  // One version left (9 s), no left row: one key's state, no timer.
  assert.equal(h.numEventTimeTimers(), 0);
  const backend = h.stateBackend()!;
  backend.setCurrentKey('EUR');
  const state = backend
    .getState(sqlStateDescriptor<{ times: number[]; left: unknown[] }>('sql-temporal-join', undefined))
    .value()!;
  assert.deepEqual(state.times, [9_000]);
  assert.deepEqual(state.left, []);
});

test('its state and timers are snapshotted and restored with the keyed state', async () => {
  const h = temporalJoin('INNER');
  await h.open();
  h.processElement2(rate('+I', 'EUR', 114, 1_000));
  h.processElement(order('EUR', 1, 2_000));
  h.processElement(order('EUR', 2, 3_000));
  watermark(h, 2_500);
  assert.deepEqual(joined(h), ['+I1@2000->114']);
  const state = h.stateBackend()!.snapshot();
  const timers = (h as unknown as { timerService: HeapInternalTimerService }).timerService.snapshot();

  const restored = temporalJoin('INNER');
  restored.stateBackend()!.restore([JSON.parse(JSON.stringify(state))]);
  (restored as unknown as { timerService: HeapInternalTimerService }).timerService.restore([timers]);
  await restored.open();
  restored.processElement2(rate('+I', 'EUR', 119, 2_800));
  watermark(restored, 4_000);
  assert.deepEqual(joined(restored), ['+I2@3000->119']);
});
