import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RuntimeContext } from '../../../api/runtime-context.ts';
import { KeySelectors } from '../../../graph/key-selector-spec.ts';
import type { SqlWindowJoinOperatorConfig, SqlWindowJoinSide } from '../../../graph/operator-spec.ts';
import type { TableWindow } from '../../../sql/plan/rel.ts';
import type { Rex } from '../../../sql/plan/rex.ts';
import { OperatorHarness } from '../../../testing/operator-harness.ts';
import type { HeapInternalTimerService } from '../../../time/internal-timer-service.ts';
import { forEachWindow } from './sql-window-join-operator.ts';
import { ins, outputChanges } from './test-support.ts';

/** A window join of [key, name, window_start, window_end] rows (a window aggregate's output) on key. */
function join(joinType: SqlWindowJoinOperatorConfig['joinType']): OperatorHarness {
  const side: SqlWindowJoinSide = { end: 3, assign: null };
  return new OperatorHarness({
    kind: 'sql-window-join',
    keySelector: KeySelectors.rowFields(0),
    keySelector2: KeySelectors.rowFields(0),
    config: {
      joinType,
      leftWidth: 4,
      rightWidth: 4,
      leftKeys: [0],
      rightKeys: [0],
      left: side,
      right: side,
      residual: null,
    } satisfies SqlWindowJoinOperatorConfig,
  });
}

test('a window joins when the watermark passes its end, then its rows are gone', async () => {
  const h = join('INNER');
  await h.open();
  h.processElement(ins('a', 'L1', 0, 10));
  h.processElement2(ins('a', 'R1', 0, 10));
  h.processElement2(ins('a', 'R2', 10, 20)); // another window
  h.processElement2(ins('b', 'R3', 0, 10)); // another key
  h.processWatermark(8);
  assert.deepEqual(outputChanges(h), [], 'nothing before the window ends');
  h.processWatermark(9); // end - 1
  assert.deepEqual(outputChanges(h), ['+I["a","L1",0,10,"a","R1",0,10]']);
  const record = h.getOutput().find((o) => o.kind === 'record');
  assert.equal(
    record?.kind === 'record' && record.timestamp,
    9,
    "the window's end - 1 is the row's timestamp",
  );
  assert.equal(h.numEventTimeTimers(), 1, 'only the window [10, 20) is kept');
  h.processWatermark(19);
  assert.equal(h.numEventTimeTimers(), 0);
});

test('a row of a window that has fired is late: dropped', async () => {
  const h = join('LEFT');
  await h.open();
  h.processWatermark(9);
  h.processElement(ins('a', 'late', 0, 10));
  h.processElement(ins('a', 'on time', 10, 20));
  h.processWatermark(19);
  assert.deepEqual(outputChanges(h), ['+I["a","on time",10,20,null,null,null,null]']);
  // Counted as Flink's numLateRecordsDropped, the accumulator the operator registers when it opens.
  const context = (h.operator as unknown as { getRuntimeContext(): RuntimeContext }).getRuntimeContext();
  assert.equal(context.getAccumulator<number>('numLateRecordsDropped')?.getLocalValue(), 1);
});

test('outer window joins pad the rows of their outer sides that joined nothing in the window', async () => {
  const full = join('FULL');
  await full.open();
  full.processElement(ins('a', 'L1', 0, 10));
  full.processElement(ins('b', 'L2', 0, 10));
  full.processElement2(ins('b', 'R2', 0, 10));
  full.processElement2(ins('c', 'R3', 0, 10));
  full.processElement(ins(null, 'L4', 0, 10)); // a NULL key joins nothing
  full.processElement2(ins(null, 'R4', 0, 10));
  full.processWatermark(100);
  assert.deepEqual(outputChanges(full).sort(), [
    '+I["a","L1",0,10,null,null,null,null]',
    '+I["b","L2",0,10,"b","R2",0,10]',
    '+I[null,"L4",0,10,null,null,null,null]',
    '+I[null,null,null,null,"c","R3",0,10]',
    '+I[null,null,null,null,null,"R4",0,10]',
  ]);
  const right = join('RIGHT');
  await right.open();
  right.processElement(ins('a', 'L1', 0, 10));
  right.processElement2(ins('c', 'R3', 0, 10));
  right.processWatermark(100);
  assert.deepEqual(outputChanges(right), ['+I[null,null,null,null,"c","R3",0,10]']);
});

test('right over a window table function, the operator assigns the windows and runs the projection', async () => {
  // Rows [key, time] through HOP(slide 5, size 10), projected to [key, time, window_start, window_end].
  const input = (i: number): Rex => ({ kind: 'input', index: i, type: { kind: 'BIGINT', nullable: true } });
  const side: SqlWindowJoinSide = {
    end: 3,
    assign: {
      window: { kind: 'hop', slide: 5, size: 10, offset: 0 },
      time: 1,
      exprs: [input(0), input(1), input(2), input(3)],
      condition: null,
    },
  };
  const h = new OperatorHarness({
    kind: 'sql-window-join',
    keySelector: KeySelectors.rowFields(0),
    keySelector2: KeySelectors.rowFields(0),
    config: {
      joinType: 'INNER',
      leftWidth: 4,
      rightWidth: 4,
      leftKeys: [0],
      rightKeys: [0],
      left: side,
      right: side,
      residual: null,
    } satisfies SqlWindowJoinOperatorConfig,
  });
  await h.open();
  h.processElement(ins('a', 7)); // windows [0, 10) and [5, 15)
  h.processElement2(ins('a', 12)); // windows [5, 15) and [10, 20)
  h.processWatermark(100);
  assert.deepEqual(outputChanges(h), ['+I["a",7,5,15,"a",12,5,15]']);
});

test('window assignment of TUMBLE, HOP and CUMULATE, offsets included', () => {
  const windows = (w: TableWindow, t: number): string[] => {
    const out: string[] = [];
    forEachWindow(w, t, (s, e) => out.push(`[${s},${e})`));
    return out;
  };
  assert.deepEqual(windows({ kind: 'tumble', size: 10, offset: 0 }, 15), ['[10,20)']);
  assert.deepEqual(windows({ kind: 'tumble', size: 10, offset: 3 }, 12), ['[3,13)']);
  assert.deepEqual(windows({ kind: 'tumble', size: 10, offset: 0 }, -5), ['[-10,0)']);
  assert.deepEqual(windows({ kind: 'hop', slide: 5, size: 15, offset: 0 }, 12), [
    '[0,15)',
    '[5,20)',
    '[10,25)',
  ]);
  assert.deepEqual(windows({ kind: 'cumulate', step: 5, size: 15, offset: 0 }, 22), ['[15,25)', '[15,30)']);
});

test('the buffered windows and their timers restore from a snapshot', async () => {
  const h = join('LEFT');
  await h.open();
  h.processElement(ins('a', 'L1', 0, 10));
  h.processElement(ins('b', 'L2', 0, 10));
  const state = structuredClone(h.stateBackend()!.snapshot());
  const timers = structuredClone(timerService(h).snapshot());
  const restored = join('LEFT');
  restored.stateBackend()!.restore([state]);
  await restored.open();
  timerService(restored).restore([timers]);
  restored.processElement2(ins('a', 'R1', 0, 10));
  restored.processWatermark(9);
  assert.deepEqual(outputChanges(restored).sort(), [
    '+I["a","L1",0,10,"a","R1",0,10]',
    '+I["b","L2",0,10,null,null,null,null]',
  ]);
  assert.equal(restored.numEventTimeTimers(), 0);
});

/** The harness's timer service (created when the operator was built). */
function timerService(h: OperatorHarness): HeapInternalTimerService {
  return (h as unknown as { timerService: HeapInternalTimerService }).timerService;
}
