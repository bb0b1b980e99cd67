import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { days, hours, seconds } from '../../core/duration.ts';
import { isWeirError } from '../../core/errors.ts';
import { NO_TIMESTAMP } from '../../core/stream-element.ts';
import { EventTimeTrigger } from './event-time-trigger.ts';
import { TumblingEventTimeWindows } from './tumbling-event-time-windows.ts';
import { TimeWindow } from './window.ts';
import { isMergingAssigner, type WindowAssigner } from './window-assigner.ts';

const noClock = {
  getCurrentProcessingTime: (): number => {
    throw new Error('event-time assigners must not read the clock');
  },
};

function windowOf(assigner: TumblingEventTimeWindows, timestamp: number): [number, number] {
  const windows = assigner.assignWindows({}, timestamp, noClock);
  assert.equal(windows.length, 1);
  return [windows[0].start, windows[0].end];
}

describe('TumblingEventTimeWindows', () => {
  it('assigns each timestamp to the one epoch-aligned window [start, start + size) containing it', () => {
    const tumbling = TumblingEventTimeWindows.of(seconds(10));
    assert.deepEqual(windowOf(tumbling, 0), [0, 10_000]);
    assert.deepEqual(windowOf(tumbling, 9_999), [0, 10_000]);
    assert.deepEqual(windowOf(tumbling, 10_000), [10_000, 20_000]);
    assert.deepEqual(windowOf(tumbling, 12_345), [10_000, 20_000]);
    assert.ok(tumbling.assignWindows({}, 5, noClock)[0] instanceof TimeWindow);
  });

  it('aligns negative timestamps to the epoch too: the start is never after the timestamp', () => {
    const tumbling = TumblingEventTimeWindows.of(10);
    assert.deepEqual(windowOf(tumbling, -1), [-10, 0]);
    assert.deepEqual(windowOf(tumbling, -10), [-10, 0]);
    assert.deepEqual(windowOf(tumbling, -11), [-20, -10]);
  });

  it('shifts every boundary by a positive offset', () => {
    const tumbling = TumblingEventTimeWindows.of(10_000, 2_000);
    assert.deepEqual(windowOf(tumbling, 1_999), [-8_000, 2_000]);
    assert.deepEqual(windowOf(tumbling, 2_000), [2_000, 12_000]);
    assert.deepEqual(windowOf(tumbling, 11_999), [2_000, 12_000]);
    assert.deepEqual(windowOf(tumbling, -8_001), [-18_000, -8_000]);
  });

  it('shifts every boundary by a negative offset: days in UTC+8 start at 16:00 UTC', () => {
    const daily = TumblingEventTimeWindows.of(days(1), hours(-8));
    assert.deepEqual(windowOf(daily, Date.UTC(2024, 0, 1, 15, 59)), [
      Date.UTC(2023, 11, 31, 16),
      Date.UTC(2024, 0, 1, 16),
    ]);
    assert.deepEqual(windowOf(daily, Date.UTC(2024, 0, 1, 16)), [
      Date.UTC(2024, 0, 1, 16),
      Date.UTC(2024, 0, 2, 16),
    ]);
  });

  it('fails for an element without a timestamp, saying how to give it one', () => {
    const tumbling = TumblingEventTimeWindows.of(1_000);
    assert.throws(
      () => tumbling.assignWindows({ id: 7 }, NO_TIMESTAMP, noClock),
      (e) =>
        isWeirError(e, 'INVALID_ARGUMENT') &&
        /without a timestamp/.test(e.message) &&
        /assignTimestampsAndWatermarks/.test(e.message) &&
        /WatermarkStrategy/.test(e.message) &&
        /\{"id":7\}/.test(e.message),
    );
    assert.throws(
      () => tumbling.assignWindows({}, Number.NaN, noClock),
      (e) => isWeirError(e, 'INVALID_ARGUMENT'),
    );
  });

  it('rejects a size <= 0, a fractional size, and an offset with |offset| >= size', () => {
    for (const [size, offset] of [
      [0, 0],
      [-5, 0],
      [1.5, 0],
      [Number.NaN, 0],
      [Number.POSITIVE_INFINITY, 0],
      [10, 10],
      [10, -10],
      [10, 0.5],
    ]) {
      assert.throws(
        () => TumblingEventTimeWindows.of(size, offset),
        (e) => isWeirError(e, 'INVALID_ARGUMENT'),
        `of(${size}, ${offset})`,
      );
    }
    assert.equal(TumblingEventTimeWindows.of(10, -9).offset, -9);
  });

  it('is an event-time, non-merging assigner whose default trigger is the event-time trigger', () => {
    const tumbling = TumblingEventTimeWindows.of(1_000, 500);
    assert.equal(tumbling.isEventTime(), true);
    assert.equal(isMergingAssigner(tumbling), false);
    assert.ok(tumbling.getDefaultTrigger() instanceof EventTimeTrigger);
    assert.equal(String(tumbling), 'TumblingEventTimeWindows(1000, 500)');
    // Element-agnostic: usable for any element type.
    const typed: WindowAssigner<{ amount: number }, TimeWindow> = tumbling;
    assert.ok(typed);
  });
});
