import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWeirError } from '../../core/errors.ts';
import { CountEvictor } from './count-evictor.ts';
import type { TimestampedValue } from './evictor.ts';
import { GlobalWindow } from './window.ts';

const ctx = { getCurrentProcessingTime: () => 0, getCurrentWatermark: () => 0 };
const g = GlobalWindow.INSTANCE;
const elements = (...values: number[]): TimestampedValue<number>[] =>
  values.map((value) => ({ value, timestamp: value * 10 }));
const values = (es: TimestampedValue<number>[]) => es.map((e) => e.value);

describe('CountEvictor', () => {
  it('keeps the last maxCount elements before the window function, in place', () => {
    const es = elements(1, 2, 3, 4, 5);
    const evictor = CountEvictor.of(3);
    evictor.evictBefore(es, es.length, g, ctx);
    assert.deepEqual(values(es), [3, 4, 5]);
    evictor.evictAfter(es, es.length, g, ctx);
    assert.deepEqual(values(es), [3, 4, 5]);
  });

  it('evicts after the window function instead when asked', () => {
    const es = elements(1, 2, 3, 4, 5);
    const evictor = CountEvictor.of(2, true);
    evictor.evictBefore(es, es.length, g, ctx);
    assert.deepEqual(values(es), [1, 2, 3, 4, 5]);
    evictor.evictAfter(es, es.length, g, ctx);
    assert.deepEqual(values(es), [4, 5]);
  });

  it('leaves windows with at most maxCount elements alone, and empties them for 0', () => {
    const few = elements(1, 2);
    CountEvictor.of(2).evictBefore(few, few.length, g, ctx);
    assert.deepEqual(values(few), [1, 2]);
    const none: TimestampedValue<number>[] = [];
    CountEvictor.of(2).evictBefore(none, 0, g, ctx);
    assert.deepEqual(none, []);
    const all = elements(1, 2);
    CountEvictor.of(0).evictBefore(all, all.length, g, ctx);
    assert.deepEqual(all, []);
  });

  it('rejects a count that is not a whole number >= 0', () => {
    for (const n of [-1, 1.5, Number.NaN]) {
      assert.throws(
        () => CountEvictor.of(n),
        (e) => isWeirError(e, 'INVALID_ARGUMENT'),
      );
    }
    assert.equal(String(CountEvictor.of(3, true)), 'CountEvictor(3, after)');
  });
});
