import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventTimeTrigger } from './event-time-trigger.ts';
import { FakeTriggerHarness } from './test-support.ts';
import { TimeWindow } from './window.ts';

describe('EventTimeTrigger', () => {
  it('registers one timer at the window end - 1 for its elements, and fires there, not before', () => {
    const trigger = EventTimeTrigger.create();
    const h = new FakeTriggerHarness();
    const w = new TimeWindow(0, 10_000);
    assert.equal(trigger.onElement('a', 1_000, w, h.context(w)), 'CONTINUE');
    assert.equal(trigger.onElement('b', 5_000, w, h.context(w)), 'CONTINUE');
    assert.deepEqual(h.eventTimers(w), [9_999]);
    assert.deepEqual(h.advanceWatermark(9_998, trigger), []);
    assert.deepEqual(h.advanceWatermark(9_999, trigger), [
      { window: '0:10000', time: 9_999, result: 'FIRE' },
    ]);
  });

  it('fires at once for an element of a window the watermark has passed (a late firing)', () => {
    const trigger = EventTimeTrigger.create();
    const h = new FakeTriggerHarness();
    const w = new TimeWindow(0, 10_000);
    h.watermark = 9_999;
    assert.equal(trigger.onElement('late', 2_000, w, h.context(w)), 'FIRE');
    assert.deepEqual(h.eventTimers(w), []);
    h.watermark = 9_998;
    assert.equal(trigger.onElement('on time', 2_000, w, h.context(w)), 'CONTINUE');
  });

  it('fires only for the window end, and ignores processing time', () => {
    const trigger = EventTimeTrigger.create();
    const h = new FakeTriggerHarness();
    const w = new TimeWindow(-20, -10);
    assert.equal(trigger.onEventTime(-11, w, h.context(w)), 'FIRE');
    assert.equal(trigger.onEventTime(-12, w, h.context(w)), 'CONTINUE');
    assert.equal(trigger.onEventTime(-10, w, h.context(w)), 'CONTINUE');
    assert.equal(trigger.onProcessingTime(-11, w, h.context(w)), 'CONTINUE');
  });

  it('registers a timer for the merged window unless the watermark has passed its end', () => {
    const trigger = EventTimeTrigger.create();
    assert.equal(trigger.canMerge(), true);
    const h = new FakeTriggerHarness();
    const a = new TimeWindow(0, 10);
    const b = new TimeWindow(5, 20);
    const merged = new TimeWindow(0, 20);
    h.watermark = 3;
    trigger.onMerge(merged, h.mergeContext(merged, [a, b]));
    assert.deepEqual(h.eventTimers(merged), [19]);

    const h2 = new FakeTriggerHarness();
    h2.watermark = 19;
    trigger.onMerge(merged, h2.mergeContext(merged, [a, b]));
    assert.deepEqual(h2.eventTimers(merged), []);
  });

  it('deletes its timer on clear', () => {
    const trigger = EventTimeTrigger.create();
    const h = new FakeTriggerHarness();
    const w = new TimeWindow(0, 10);
    trigger.onElement('a', 1, w, h.context(w));
    trigger.clear(w, h.context(w));
    assert.deepEqual(h.eventTimers(w), []);
    assert.deepEqual(h.advanceWatermark(100, trigger), []);
  });
});
