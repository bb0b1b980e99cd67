import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWeirError } from '../../core/errors.ts';
import { NO_TIMESTAMP } from '../../core/stream-element.ts';
import { ContinuousEventTimeTrigger } from './continuous-event-time-trigger.ts';
import { FakeTriggerHarness } from './test-support.ts';
import { GlobalWindow, TimeWindow } from './window.ts';

const times = (firings: { time: number; result: string }[]) => firings.map((f) => `${f.time}:${f.result}`);

describe('ContinuousEventTimeTrigger', () => {
  it('fires every interval from the first multiple after the first element, and at the window end', () => {
    const trigger = ContinuousEventTimeTrigger.of(10);
    const h = new FakeTriggerHarness();
    const w = new TimeWindow(0, 100);
    assert.equal(trigger.onElement('a', 23, w, h.context(w)), 'CONTINUE');
    assert.deepEqual(h.eventTimers(w), [30, 99]);
    assert.equal(h.rawState(w, 'fire-time'), 30);
    assert.equal(trigger.onElement('b', 25, w, h.context(w)), 'CONTINUE');
    assert.equal(trigger.onElement('c', 3, w, h.context(w)), 'CONTINUE');
    assert.deepEqual(h.eventTimers(w), [30, 99], 'later elements keep the scheduled firing');

    assert.deepEqual(times(h.advanceWatermark(29, trigger)), []);
    assert.deepEqual(times(h.advanceWatermark(45, trigger)), ['30:FIRE', '40:FIRE']);
    assert.deepEqual(h.eventTimers(w), [50, 99]);
    assert.deepEqual(times(h.advanceWatermark(99, trigger)), [
      '50:FIRE',
      '60:FIRE',
      '70:FIRE',
      '80:FIRE',
      '90:FIRE',
      '99:FIRE',
    ]);
    assert.deepEqual(h.eventTimers(w), []);
  });

  it('fires at once for an element that arrives after the watermark passed the window end', () => {
    const trigger = ContinuousEventTimeTrigger.of(10);
    const h = new FakeTriggerHarness();
    const w = new TimeWindow(0, 100);
    h.watermark = 100;
    assert.equal(trigger.onElement('late', 50, w, h.context(w)), 'FIRE');
    assert.deepEqual(h.eventTimers(w), []);
  });

  it("first fires a negative timestamp at t - t % interval + interval, with Flink's remainder (toward zero)", () => {
    const trigger = ContinuousEventTimeTrigger.of(10);
    const h = new FakeTriggerHarness();
    const w = new TimeWindow(-100, 100);
    trigger.onElement('a', -5, w, h.context(w));
    assert.deepEqual(h.eventTimers(w), [10, 99]); // -5 - (-5) + 10, not the next multiple (0)
  });

  it('caps the next firing at the window end, and ignores unrelated event and processing timers', () => {
    const trigger = ContinuousEventTimeTrigger.of(1_000);
    const h = new FakeTriggerHarness();
    const w = new TimeWindow(0, 500);
    trigger.onElement('a', 100, w, h.context(w));
    assert.deepEqual(h.eventTimers(w), [499]);
    assert.equal(trigger.onEventTime(300, w, h.context(w)), 'CONTINUE');
    assert.equal(trigger.onProcessingTime(499, w, h.context(w)), 'CONTINUE');
  });

  it('keeps the earliest next firing when windows merge, with a timer for it and the merged end', () => {
    const trigger = ContinuousEventTimeTrigger.of(10);
    assert.equal(trigger.canMerge(), true);
    const h = new FakeTriggerHarness();
    const a = new TimeWindow(0, 50);
    const b = new TimeWindow(40, 90);
    const merged = new TimeWindow(0, 90);
    trigger.onElement('x', 23, a, h.context(a));
    trigger.onElement('y', 45, b, h.context(b));
    assert.deepEqual([h.rawState(a, 'fire-time'), h.rawState(b, 'fire-time')], [30, 50]);
    h.watermark = 25;
    trigger.onMerge(merged, h.mergeContext(merged, [a, b]));
    assert.equal(h.rawState(merged, 'fire-time'), 30);
    assert.deepEqual(h.eventTimers(merged), [30, 89]);
    // The operator clears the merged-away windows. Their state moved to the merged window, so the
    // timers at their old firing times stay behind, and answer CONTINUE when they go off.
    trigger.clear(a, h.context(a));
    trigger.clear(b, h.context(b));
    assert.deepEqual([h.eventTimers(a), h.eventTimers(b)], [[30], [50]]);
    assert.deepEqual(h.advanceWatermark(55, trigger), [
      { window: '0:50', time: 30, result: 'CONTINUE' },
      { window: '0:90', time: 30, result: 'FIRE' },
      { window: '0:90', time: 40, result: 'FIRE' },
      { window: '40:90', time: 50, result: 'CONTINUE' },
      { window: '0:90', time: 50, result: 'FIRE' },
    ]);
  });

  it('removes its state and timers on clear', () => {
    const trigger = ContinuousEventTimeTrigger.of(10);
    const h = new FakeTriggerHarness();
    const w = new TimeWindow(0, 100);
    trigger.onElement('a', 5, w, h.context(w));
    trigger.clear(w, h.context(w));
    assert.equal(h.rawState(w, 'fire-time'), undefined);
    assert.deepEqual(h.eventTimers(w), []);
  });

  it('needs element timestamps, for example in a global window', () => {
    const trigger = ContinuousEventTimeTrigger.of(10);
    const h = new FakeTriggerHarness();
    const g = GlobalWindow.INSTANCE;
    assert.throws(
      () => trigger.onElement('x', NO_TIMESTAMP, g, h.context(g)),
      (e) => isWeirError(e, 'INVALID_ARGUMENT') && /ContinuousEventTimeTrigger/.test(e.message),
    );
    assert.equal(trigger.onElement('y', 1_234, g, h.context(g)), 'CONTINUE');
    assert.deepEqual(h.eventTimers(g), [1_240, Number.MAX_SAFE_INTEGER]);
  });

  it('rejects an interval that is not a whole number of milliseconds > 0', () => {
    for (const interval of [0, -1, 0.5]) {
      assert.throws(
        () => ContinuousEventTimeTrigger.of(interval),
        (e) => isWeirError(e, 'INVALID_ARGUMENT'),
      );
    }
  });
});
