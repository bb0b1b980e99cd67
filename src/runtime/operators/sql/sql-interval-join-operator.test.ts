import assert from 'node:assert/strict';
import { test } from 'node:test';
import { T } from '../../../core/sql-type.ts';
import { KeySelectors } from '../../../graph/key-selector-spec.ts';
import type { SqlIntervalJoinOperatorConfig } from '../../../graph/operator-spec.ts';
import { OperatorHarness } from '../../../testing/operator-harness.ts';
import type { HeapInternalTimerService } from '../../../time/internal-timer-service.ts';
import { ins, outputChanges } from './test-support.ts';

/**
 * An interval join of [key, time, name] rows with [key, time, amount] rows on key, with
 * `-10 <= left.time - right.time <= 5`: a left row at t joins right rows at [t - 5, t + 10].
 */
function join(joinType: SqlIntervalJoinOperatorConfig['joinType']): OperatorHarness {
  const config: SqlIntervalJoinOperatorConfig = {
    joinType,
    leftWidth: 3,
    rightWidth: 3,
    leftKeys: [0],
    rightKeys: [0],
    leftTime: 1,
    rightTime: 1,
    lowerBound: -10,
    upperBound: 5,
    rowtime: true,
    residual: null,
  };
  return new OperatorHarness({
    kind: 'sql-interval-join',
    keySelector: KeySelectors.rowFields(0),
    keySelector2: KeySelectors.rowFields(0),
    config,
  });
}

test('a row joins the rows of the other side within its bounds, whichever comes first', async () => {
  const h = join('INNER');
  await h.open();
  h.processElement(ins('a', 100, 'x'));
  h.processElement2(ins('a', 94, 1)); // 100 - 94 = 6 > 5: no
  h.processElement2(ins('a', 95, 2)); // 5: yes
  h.processElement2(ins('a', 110, 3)); // -10: yes
  h.processElement2(ins('a', 111, 4)); // -11: no
  h.processElement2(ins('b', 100, 5)); // another key
  h.processElement(ins('a', 106, 'y')); // joins 110, 111 (and not 95 or 94)
  assert.deepEqual(outputChanges(h), [
    '+I["a",100,"x","a",95,2]',
    '+I["a",100,"x","a",110,3]',
    '+I["a",106,"y","a",110,3]',
    '+I["a",106,"y","a",111,4]',
  ]);
});

test('the watermark drops the rows that can no longer match, and is held back by the bounds', async () => {
  const h = join('INNER');
  await h.open();
  h.processElement(ins('a', 100, 'x')); // right rows up to 110 can match it: kept while wm <= 110
  h.processElement2(ins('a', 100, 1)); // left rows up to 105 can match it: kept while wm <= 105
  assert.equal(h.numEventTimeTimers(), 2);
  h.processWatermark(105);
  assert.equal(h.numEventTimeTimers(), 2);
  h.processWatermark(106);
  assert.equal(h.numEventTimeTimers(), 1, 'the right row is dropped');
  h.processWatermark(111);
  assert.equal(h.numEventTimeTimers(), 0, 'the left row is dropped');
  // Emitted watermarks wait max(-lower, upper) + 1 = 11 ms behind the inputs'.
  assert.deepEqual(h.getWatermarks(), [94, 95, 100]);
  h.clearOutput();
  // A right row at 110 would have joined the left row at 100, which is gone.
  h.processElement2(ins('a', 110, 2));
  assert.deepEqual(outputChanges(h), [], 'the left row at 100 is gone');
});

test('a late row joins what is still kept and is not kept itself; on an outer side it is padded at once', async () => {
  const h = join('LEFT');
  await h.open();
  h.processElement2(ins('a', 200, 1)); // kept while wm <= 205
  h.processElement2(ins('a', 193, 2)); // kept while wm <= 198
  h.processWatermark(195);
  // Left rows at 185 and 182 could only match right rows up to 195 and 192: none of those can come
  // any more, so they are not kept; they join what is kept.
  h.processElement(ins('a', 185, 'late')); // matches 180..195: the row at 193
  h.processElement(ins('a', 182, 'alone')); // matches 177..192: nothing, padded at once
  assert.equal(h.numEventTimeTimers(), 2, 'the late rows are not kept');
  // A left row at 190 is behind the watermark too, but right rows up to 200 may still come: it is kept.
  h.processElement(ins('a', 190, 'joins'));
  assert.equal(h.numEventTimeTimers(), 3);
  assert.deepEqual(outputChanges(h), [
    '+I["a",185,"late","a",193,2]',
    '+I["a",182,"alone",null,null,null]',
    '+I["a",190,"joins","a",200,1]',
    '+I["a",190,"joins","a",193,2]',
  ]);
});

test('outer rows that never matched are padded with NULLs when they expire, by the watermark', async () => {
  const h = join('FULL');
  await h.open();
  h.processElement(ins('a', 100, 'x'));
  h.processElement2(ins('a', 200, 1));
  h.processElement(ins('b', 100, 'y'));
  h.processElement2(ins('b', 100, 2));
  h.processElement(ins(null, 100, 'n')); // a NULL key joins nothing: padded at once
  assert.deepEqual(outputChanges(h), ['+I["b",100,"y","b",100,2]', '+I[null,100,"n",null,null,null]']);
  h.clearOutput();
  h.processWatermark(110);
  assert.deepEqual(outputChanges(h), [], 'the left row at 100 can still match right rows at 110');
  h.processWatermark(111);
  assert.deepEqual(outputChanges(h), ['+I["a",100,"x",null,null,null]']);
  h.clearOutput();
  h.processWatermark(206);
  assert.deepEqual(outputChanges(h), ['+I[null,null,null,"a",200,1]']);
  // The padded rows carry their own time as timestamp.
  h.clearOutput();
  h.processElement2(ins('c', 300, 3));
  h.processWatermark(400);
  assert.deepEqual(
    h
      .getOutput()
      .filter((o) => o.kind === 'record')
      .map((o) => (o as { timestamp: number }).timestamp),
    [300],
  );
});

test('a residual condition decides which rows in bounds join; a row it rejects stays unmatched', async () => {
  const h = new OperatorHarness({
    kind: 'sql-interval-join',
    keySelector: KeySelectors.rowFields(0),
    keySelector2: KeySelectors.rowFields(0),
    config: {
      joinType: 'LEFT',
      leftWidth: 3,
      rightWidth: 3,
      leftKeys: [0],
      rightKeys: [0],
      leftTime: 1,
      rightTime: 1,
      lowerBound: 0,
      upperBound: 0,
      rowtime: true,
      // left.name <> 'skip'
      residual: {
        kind: 'call',
        op: '<>',
        args: [
          { kind: 'input', index: 2, type: T.string() },
          { kind: 'literal', value: 'skip', type: T.string(false) },
        ],
        type: { kind: 'BOOLEAN', nullable: true },
      },
    } satisfies SqlIntervalJoinOperatorConfig,
  });
  await h.open();
  h.processElement(ins('a', 10, 'keep'));
  h.processElement(ins('a', 10, 'skip'));
  h.processElement2(ins('a', 10, 1));
  h.processWatermark(20);
  assert.deepEqual(outputChanges(h), ['+I["a",10,"keep","a",10,1]', '+I["a",10,"skip",null,null,null]']);
});

test('the buffered rows and their cleanup timers restore from a snapshot', async () => {
  const h = join('LEFT');
  await h.open();
  h.processElement(ins('a', 100, 'x'));
  h.processElement(ins('b', 100, 'y'));
  h.processElement2(ins('b', 95, 1));
  const state = structuredClone(h.stateBackend()!.snapshot());
  const timers = structuredClone(timerService(h).snapshot());

  const restored = join('LEFT');
  restored.stateBackend()!.restore([state]);
  await restored.open();
  timerService(restored).restore([timers]);
  restored.processElement2(ins('a', 110, 2)); // joins the restored left row
  restored.processWatermark(200); // expires what is left: y matched, x matched now
  restored.processElement(ins('a', 300, 'z'));
  restored.processWatermark(400);
  assert.deepEqual(outputChanges(restored), ['+I["a",100,"x","a",110,2]', '+I["a",300,"z",null,null,null]']);
  assert.equal(restored.numEventTimeTimers(), 0);
});

/** The harness's timer service (created when the operator was built). */
function timerService(h: OperatorHarness): HeapInternalTimerService {
  return (h as unknown as { timerService: HeapInternalTimerService }).timerService;
}

test('on processing time a row’s time is when it arrives, and the clock drops the rows', async () => {
  const h = new OperatorHarness({
    kind: 'sql-interval-join',
    keySelector: KeySelectors.rowFields(0),
    keySelector2: KeySelectors.rowFields(0),
    processingTime: 100,
    config: {
      joinType: 'LEFT',
      leftWidth: 3,
      rightWidth: 3,
      leftKeys: [0],
      rightKeys: [0],
      leftTime: 1,
      rightTime: 1,
      lowerBound: -10,
      upperBound: 5,
      rowtime: false,
      residual: null,
    } satisfies SqlIntervalJoinOperatorConfig,
  });
  await h.open();
  h.processElement(ins('a', null, 'x')); // at 100: right rows until 110 match it
  h.processElement(ins('b', null, 'y'));
  h.setProcessingTime(104);
  h.processElement2(ins('a', null, 1));
  assert.deepEqual(outputChanges(h), ['+I["a",null,"x","a",null,1]']);
  h.setProcessingTime(111);
  assert.deepEqual(outputChanges(h).slice(1), ['+I["b",null,"y",null,null,null]'], 'y expired unmatched');
  h.processElement2(ins('a', null, 2));
  assert.equal(outputChanges(h).length, 2, 'x is gone');
  h.processWatermark(50);
  assert.deepEqual(h.getWatermarks(), [50], 'processing time does not hold the watermark back');
});
