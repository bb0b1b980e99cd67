import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWeirError } from '../../core/errors.ts';
import { NO_TIMESTAMP } from '../../core/stream-element.ts';
import type { TimestampedValue } from './evictor.ts';
import { TimeEvictor } from './time-evictor.ts';
import { TimeWindow } from './window.ts';

const ctx = { getCurrentProcessingTime: () => 1e12, getCurrentWatermark: () => 1e12 };
const w = new TimeWindow(0, 10_000);
const at = (...timestamps: (number | undefined)[]): TimestampedValue<string>[] =>
  timestamps.map((timestamp, i) => ({ value: `e${i}`, timestamp }));
const stamps = (es: TimestampedValue<string>[]) => es.map((e) => e.timestamp);

describe('TimeEvictor', () => {
  it('keeps the elements newer than the newest timestamp minus the window length', () => {
    const es = at(1_000, 2_000, 3_000, 4_000, 5_000);
    TimeEvictor.of(2_000).evictBefore(es, es.length, w, ctx);
    assert.deepEqual(stamps(es), [4_000, 5_000]);
  });

  it('finds the newest timestamp wherever it is, and keeps the order of the survivors', () => {
    const es = at(5_000, 1_000, 4_500, 3_000, 4_001);
    TimeEvictor.of(1_000).evictBefore(es, es.length, w, ctx);
    assert.deepEqual(stamps(es), [5_000, 4_500, 4_001]);
  });

  it('evicts after the window function instead when asked', () => {
    const es = at(0, 10, 20);
    const evictor = TimeEvictor.of(10, true);
    evictor.evictBefore(es, es.length, w, ctx);
    assert.deepEqual(stamps(es), [0, 10, 20]);
    evictor.evictAfter(es, es.length, w, ctx);
    assert.deepEqual(stamps(es), [20]);
  });

  it('does nothing when the elements have no timestamps, judging by the first one', () => {
    const none = at(undefined, undefined);
    TimeEvictor.of(0).evictBefore(none, none.length, w, ctx);
    assert.equal(none.length, 2);
    const noTimestamp = at(NO_TIMESTAMP, 5);
    TimeEvictor.of(0).evictBefore(noTimestamp, noTimestamp.length, w, ctx);
    assert.equal(noTimestamp.length, 2);
    const empty: TimestampedValue<string>[] = [];
    TimeEvictor.of(0).evictBefore(empty, 0, w, ctx);
    assert.deepEqual(empty, []);
  });

  it('keeps an element without a timestamp among timestamped ones', () => {
    const es = at(100, undefined, 300);
    TimeEvictor.of(50).evictBefore(es, es.length, w, ctx);
    assert.deepEqual(stamps(es), [undefined, 300]);
  });

  it('rejects a window length that is not a whole number of milliseconds >= 0', () => {
    for (const length of [-1, 0.5, Number.NaN]) {
      assert.throws(
        () => TimeEvictor.of(length),
        (e) => isWeirError(e, 'INVALID_ARGUMENT'),
      );
    }
  });
});
