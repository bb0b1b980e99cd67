import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProcessingTimeTrigger } from './processing-time-trigger.ts';
import { FakeTriggerHarness } from './test-support.ts';
import { TimeWindow } from './window.ts';

describe('ProcessingTimeTrigger', () => {
  it('registers one processing-time timer at the window end - 1 and fires when the clock gets there', () => {
    const trigger = ProcessingTimeTrigger.create();
    const h = new FakeTriggerHarness();
    const w = new TimeWindow(1_000, 2_000);
    h.processingTime = 1_100;
    assert.equal(trigger.onElement('a', 5, w, h.context(w)), 'CONTINUE');
    assert.equal(trigger.onElement('b', 6, w, h.context(w)), 'CONTINUE');
    assert.deepEqual(h.processingTimers(w), [1_999]);
    assert.deepEqual(h.eventTimers(w), []);
    assert.deepEqual(h.advanceProcessingTime(1_998, trigger), []);
    assert.deepEqual(h.advanceProcessingTime(2_500, trigger), [
      { window: '1000:2000', time: 1_999, result: 'FIRE' },
    ]);
  });

  it('ignores event time and the watermark', () => {
    const trigger = ProcessingTimeTrigger.create();
    const h = new FakeTriggerHarness();
    const w = new TimeWindow(0, 10);
    h.watermark = 1_000;
    assert.equal(trigger.onElement('a', 5, w, h.context(w)), 'CONTINUE');
    assert.equal(trigger.onEventTime(9, w, h.context(w)), 'CONTINUE');
  });

  it('registers a timer for the merged window unless the clock has passed its end', () => {
    const trigger = ProcessingTimeTrigger.create();
    assert.equal(trigger.canMerge(), true);
    const merged = new TimeWindow(0, 30);
    const sources = [new TimeWindow(0, 10), new TimeWindow(10, 30)];
    const h = new FakeTriggerHarness();
    h.processingTime = 28;
    trigger.onMerge(merged, h.mergeContext(merged, sources));
    assert.deepEqual(h.processingTimers(merged), [29]);
    const late = new FakeTriggerHarness();
    late.processingTime = 29;
    trigger.onMerge(merged, late.mergeContext(merged, sources));
    assert.deepEqual(late.processingTimers(merged), []);
  });

  it('deletes its timer on clear', () => {
    const trigger = ProcessingTimeTrigger.create();
    const h = new FakeTriggerHarness();
    const w = new TimeWindow(0, 10);
    trigger.onElement('a', 1, w, h.context(w));
    trigger.clear(w, h.context(w));
    assert.deepEqual(h.processingTimers(w), []);
  });
});
