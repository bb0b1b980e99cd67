import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Row } from '../../../core/row.ts';
import { KeySelectors } from '../../../graph/key-selector-spec.ts';
import type { SqlWindowRankOperatorConfig } from '../../../graph/operator-spec.ts';
import type { Rex } from '../../../sql/plan/rex.ts';
import { OperatorHarness } from '../../../testing/operator-harness.ts';
import type { HeapInternalTimerService } from '../../../time/internal-timer-service.ts';
import { ins, outputChanges } from './test-support.ts';

/** A window Top-N of [key, score, window_start, window_end] rows (a window aggregate's output) by score, highest first. */
function topN(
  limit: number,
  rankFn: SqlWindowRankOperatorConfig['rankFn'] = 'ROW_NUMBER',
  dedup: SqlWindowRankOperatorConfig['dedup'] = null,
): OperatorHarness {
  return new OperatorHarness({
    kind: 'sql-window-rank',
    keySelector: KeySelectors.rowFields(0),
    config: {
      rankFn,
      orderBy: [{ field: 1, descending: true, nullsFirst: false }],
      limit,
      dedup,
      end: 3,
      assign: null,
    } satisfies SqlWindowRankOperatorConfig,
  });
}

test('a window ranks once, when the watermark passes its end, then its state and timer are gone', async () => {
  const h = topN(2);
  await h.open();
  for (const s of [10, 30, 20, 30]) h.processElement(ins('a', s, 0, 10));
  h.processElement(ins('b', 5, 0, 10));
  h.processElement(ins('a', 7, 10, 20));
  h.processWatermark(8);
  assert.deepEqual(outputChanges(h), [], 'nothing before the window ends');
  h.processWatermark(9);
  // Ties by arrival: the first 30 ranks first. Only N rows per window were kept.
  assert.deepEqual(outputChanges(h).sort(), ['+I["a",30,0,10,1]', '+I["a",30,0,10,2]', '+I["b",5,0,10,1]']);
  assert.equal(h.numEventTimeTimers(), 1, 'only the timer of the window [10, 20) is left');
  h.clearOutput();
  h.processWatermark(19);
  assert.deepEqual(outputChanges(h), ['+I["a",7,10,20,1]']);
  assert.equal(h.numEventTimeTimers(), 0);
  assert.deepEqual([...h.stateBackend()!.keys('sql-window-rank')], [], 'no window is kept');
});

test('a row of a window that fired already is late: counted and dropped', async () => {
  const h = topN(3);
  await h.open();
  h.processElement(ins('a', 1, 0, 10));
  h.processWatermark(9);
  h.clearOutput();
  h.processElement(ins('a', 2, 0, 10));
  h.processWatermark(30);
  assert.deepEqual(outputChanges(h), []);
  assert.equal(h.numEventTimeTimers(), 0);
  const late = (h as unknown as { operator: { late: { getLocalValue(): number } } }).operator.late;
  assert.equal(late.getLocalValue(), 1, 'the late row is counted');
});

test('RANK shares ranks and skips, DENSE_RANK does not skip; both keep the ties within the limit', async () => {
  const run = async (rankFn: 'RANK' | 'DENSE_RANK'): Promise<string[]> => {
    const h = topN(2, rankFn);
    await h.open();
    for (const s of [10, 20, 20, 5, 10]) h.processElement(ins('a', s, 0, 10));
    h.processWatermark(9);
    return (h.extractOutputValues() as Row[]).map((r) => `${r.values[1]}@${r.values[4]}`);
  };
  assert.deepEqual(await run('RANK'), ['20@1', '20@1']);
  assert.deepEqual(await run('DENSE_RANK'), ['20@1', '20@1', '10@2', '10@2']);
});

test('a deduplication keeping the last row takes the newer of equal rows', async () => {
  const h = topN(1, 'ROW_NUMBER', 'last');
  await h.open();
  h.processElement(ins('a', 5, 0, 10, 'first'));
  h.processElement(ins('a', 5, 0, 10, 'second'));
  h.processElement(ins('a', 4, 0, 10, 'older'));
  h.processWatermark(9);
  assert.deepEqual(outputChanges(h), ['+I["a",5,0,10,"second",1]']);
});

test('right over a window table function it assigns the windows and runs the calc per window', async () => {
  // Rows [key, score, time] in windows of 10 sliding by 5: time 2 is in [-5, 5) and [0, 10), time 7 in
  // [0, 10) and [5, 15); the NULL time has no window. Rows [key, score, time]; the calc keeps rows with score > 0 as [key, score, window_start, window_end].
  const int = { kind: 'INT', nullable: true } as const;
  const ts = { kind: 'TIMESTAMP', precision: 3, nullable: true } as const;
  const ref = (index: number, type: Rex['type']): Rex => ({ kind: 'input', index, type }) as Rex;
  const h = new OperatorHarness({
    kind: 'sql-window-rank',
    keySelector: KeySelectors.rowFields(0),
    config: {
      rankFn: 'ROW_NUMBER',
      orderBy: [{ field: 1, descending: true, nullsFirst: false }],
      limit: 1,
      dedup: null,
      end: 3,
      assign: {
        window: { kind: 'hop', slide: 5, size: 10, offset: 0 },
        time: 2,
        exprs: [ref(0, int), ref(1, int), ref(3, ts), ref(4, ts)],
        condition: {
          kind: 'call',
          op: '>',
          args: [ref(1, int), { kind: 'literal', value: 0, type: int }],
          type: { kind: 'BOOLEAN', nullable: true },
        } as Rex,
      },
    } satisfies SqlWindowRankOperatorConfig,
  });
  await h.open();
  h.processElement(ins('a', 3, 7));
  h.processElement(ins('a', 9, 2));
  h.processElement(ins('a', -1, 8));
  h.processElement(ins('a', 4, null));
  h.processWatermark(100);
  assert.deepEqual(
    outputChanges(h).sort(),
    ['+I["a",9,-5,5,1]', '+I["a",9,0,10,1]', '+I["a",3,5,15,1]'].sort(),
  );
});

test('the buffered windows and their timers restore from a snapshot', async () => {
  const h = topN(2);
  await h.open();
  h.processElement(ins('a', 1, 0, 10));
  h.processElement(ins('b', 2, 0, 10));
  const state = structuredClone(h.stateBackend()!.snapshot());
  const timers = structuredClone(timerService(h).snapshot());
  const restored = topN(2);
  restored.stateBackend()!.restore([state]);
  await restored.open();
  timerService(restored).restore([timers]);
  restored.processElement(ins('a', 3, 0, 10));
  restored.processWatermark(9);
  assert.deepEqual(outputChanges(restored).sort(), [
    '+I["a",1,0,10,2]',
    '+I["a",3,0,10,1]',
    '+I["b",2,0,10,1]',
  ]);
  assert.equal(restored.numEventTimeTimers(), 0);
});

/** The harness's timer service (created when the operator was built). */
function timerService(h: OperatorHarness): HeapInternalTimerService {
  return (h as unknown as { timerService: HeapInternalTimerService }).timerService;
}
