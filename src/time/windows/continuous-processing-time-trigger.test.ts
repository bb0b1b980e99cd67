import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWeirError } from '../../core/errors.ts';
import { ContinuousProcessingTimeTrigger } from './continuous-processing-time-trigger.ts';
import { FakeTriggerHarness } from './test-support.ts';
import { GlobalWindow, TimeWindow } from './window.ts';

const times = (firings: { time: number; result: string }[]) => firings.map((f) => `${f.time}:${f.result}`);

describe('ContinuousProcessingTimeTrigger', () => {
  it('fires every interval of processing time from the first multiple after the first element', () => {
    const trigger = ContinuousProcessingTimeTrigger.of(10);
    const h = new FakeTriggerHarness();
    const w = new TimeWindow(0, 100);
    h.processingTime = 23;
    assert.equal(trigger.onElement('a', 99_999, w, h.context(w)), 'CONTINUE');
    assert.deepEqual(h.processingTimers(w), [30]);
    assert.deepEqual(h.eventTimers(w), []);
    h.processingTime = 27;
    trigger.onElement('b', 0, w, h.context(w));
    assert.deepEqual(h.processingTimers(w), [30]);
    assert.deepEqual(times(h.advanceProcessingTime(45, trigger)), ['30:FIRE', '40:FIRE']);
    assert.deepEqual(h.processingTimers(w), [50]);
  });

  it('fires a last time at the window end and schedules nothing after it', () => {
    const trigger = ContinuousProcessingTimeTrigger.of(10);
    const h = new FakeTriggerHarness();
    const w = new TimeWindow(0, 35);
    h.processingTime = 12;
    trigger.onElement('a', 0, w, h.context(w));
    assert.deepEqual(times(h.advanceProcessingTime(1_000, trigger)), ['20:FIRE', '30:FIRE', '34:FIRE']);
    assert.deepEqual(h.processingTimers(w), []);
    assert.equal(h.rawState(w, 'fire-time'), undefined);
  });

  it('ignores timers it did not schedule, and event time', () => {
    const trigger = ContinuousProcessingTimeTrigger.of(10);
    const h = new FakeTriggerHarness();
    const w = GlobalWindow.INSTANCE;
    assert.equal(trigger.onProcessingTime(10, w, h.context(w)), 'CONTINUE', 'no state yet');
    h.processingTime = 5;
    trigger.onElement('a', 0, w, h.context(w));
    assert.equal(trigger.onProcessingTime(7, w, h.context(w)), 'CONTINUE');
    assert.equal(trigger.onEventTime(10, w, h.context(w)), 'CONTINUE');
    assert.equal(trigger.onProcessingTime(10, w, h.context(w)), 'FIRE');
    assert.deepEqual(h.processingTimers(w), [10, 20], 'the fake does not remove timers fired by hand');
  });

  it('keeps the earliest next firing when windows merge', () => {
    const trigger = ContinuousProcessingTimeTrigger.of(10);
    assert.equal(trigger.canMerge(), true);
    const h = new FakeTriggerHarness();
    const a = new TimeWindow(0, 100);
    const b = new TimeWindow(50, 150);
    const merged = new TimeWindow(0, 150);
    h.processingTime = 41;
    trigger.onElement('x', 0, b, h.context(b));
    h.processingTime = 3;
    trigger.onElement('y', 0, a, h.context(a));
    trigger.onMerge(merged, h.mergeContext(merged, [a, b]));
    assert.equal(h.rawState(merged, 'fire-time'), 10);
    assert.deepEqual(h.processingTimers(merged), [10]);
  });

  it('removes its state and timer on clear', () => {
    const trigger = ContinuousProcessingTimeTrigger.of(10);
    const h = new FakeTriggerHarness();
    const w = new TimeWindow(0, 100);
    trigger.onElement('a', 0, w, h.context(w));
    trigger.clear(w, h.context(w));
    assert.deepEqual(h.processingTimers(w), []);
    assert.equal(h.rawState(w, 'fire-time'), undefined);
  });

  it('rejects an interval that is not a whole number of milliseconds > 0', () => {
    assert.throws(
      () => ContinuousProcessingTimeTrigger.of(0),
      (e) => isWeirError(e, 'INVALID_ARGUMENT'),
    );
    assert.equal(String(ContinuousProcessingTimeTrigger.of(5)), 'ContinuousProcessingTimeTrigger(5)');
  });
});
