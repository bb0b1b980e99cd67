import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWeirError } from '../../core/errors.ts';
import { DeltaEvictor } from './delta-evictor.ts';
import type { TimestampedValue } from './evictor.ts';
import { GlobalWindow } from './window.ts';

const ctx = { getCurrentProcessingTime: () => 0, getCurrentWatermark: () => 0 };
const g = GlobalWindow.INSTANCE;
const readings = (...celsius: number[]): TimestampedValue<{ celsius: number }>[] =>
  celsius.map((c) => ({ value: { celsius: c }, timestamp: undefined }));
const temps = (es: TimestampedValue<{ celsius: number }>[]) => es.map((e) => e.value.celsius);
const distance = (a: { celsius: number }, b: { celsius: number }) => Math.abs(a.celsius - b.celsius);

describe('DeltaEvictor', () => {
  it('evicts the elements whose delta to the last element is at least the threshold', () => {
    const es = readings(1, 5, 7, 20, 9, 10);
    DeltaEvictor.of(3, distance).evictBefore(es, es.length, g, ctx);
    // Deltas to 10: 9, 5, 3, 10, 1, 0: 3 is at the threshold and goes.
    assert.deepEqual(temps(es), [9, 10]);
  });

  it('passes each element first and the last element second', () => {
    const seen: [number, number][] = [];
    const es = readings(1, 2, 3);
    DeltaEvictor.of(100, (a: { celsius: number }, b: { celsius: number }) => {
      seen.push([a.celsius, b.celsius]);
      return 0;
    }).evictBefore(es, es.length, g, ctx);
    assert.deepEqual(seen, [
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
  });

  it('evicts after the window function instead when asked', () => {
    const es = readings(0, 10);
    const evictor = DeltaEvictor.of(5, distance, true);
    evictor.evictBefore(es, es.length, g, ctx);
    assert.deepEqual(temps(es), [0, 10]);
    evictor.evictAfter(es, es.length, g, ctx);
    assert.deepEqual(temps(es), [10]);
  });

  it('does nothing for an empty window and keeps elements whose delta is NaN', () => {
    const empty = readings();
    DeltaEvictor.of(1, distance).evictBefore(empty, 0, g, ctx);
    assert.deepEqual(empty, []);
    const es = readings(1, 2);
    DeltaEvictor.of(1, () => Number.NaN).evictBefore(es, es.length, g, ctx);
    assert.deepEqual(temps(es), [1, 2]);
  });

  it('rejects a threshold that is not a number and a delta that is not a function', () => {
    assert.throws(
      () => DeltaEvictor.of(Number.NaN, distance),
      (e) => isWeirError(e, 'INVALID_ARGUMENT'),
    );
    assert.throws(
      () => DeltaEvictor.of(1, 'abs' as never),
      (e) => isWeirError(e, 'INVALID_ARGUMENT'),
    );
  });
});
