import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWeirError } from '../../core/errors.ts';
import { CountTrigger } from './count-trigger.ts';
import { FakeTriggerHarness } from './test-support.ts';
import { GlobalWindow, TimeWindow } from './window.ts';

describe('CountTrigger', () => {
  it('fires on every n-th element of a window and counts afresh after each firing', () => {
    const trigger = CountTrigger.of(3);
    const h = new FakeTriggerHarness();
    const w = GlobalWindow.INSTANCE;
    const results = [1, 2, 3, 4, 5, 6].map((v) => trigger.onElement(v, v, w, h.context(w)));
    assert.deepEqual(results, ['CONTINUE', 'CONTINUE', 'FIRE', 'CONTINUE', 'CONTINUE', 'FIRE']);
    assert.equal(h.rawState(w, 'count'), undefined);
    trigger.onElement(7, 7, w, h.context(w));
    assert.equal(h.rawState(w, 'count'), 1);
  });

  it('fires on every element when n is 1', () => {
    const trigger = CountTrigger.of(1);
    const h = new FakeTriggerHarness();
    const w = GlobalWindow.INSTANCE;
    assert.equal(trigger.onElement('a', 0, w, h.context(w)), 'FIRE');
    assert.equal(trigger.onElement('b', 0, w, h.context(w)), 'FIRE');
  });

  it('counts each window separately and registers no timers', () => {
    const trigger = CountTrigger.of(2);
    const h = new FakeTriggerHarness();
    const a = new TimeWindow(0, 10);
    const b = new TimeWindow(10, 20);
    assert.equal(trigger.onElement('x', 1, a, h.context(a)), 'CONTINUE');
    assert.equal(trigger.onElement('y', 11, b, h.context(b)), 'CONTINUE');
    assert.equal(trigger.onElement('z', 2, a, h.context(a)), 'FIRE');
    assert.deepEqual([h.eventTimers(a), h.processingTimers(a)], [[], []]);
    assert.equal(trigger.onEventTime(9, a, h.context(a)), 'CONTINUE');
    assert.equal(trigger.onProcessingTime(9, a, h.context(a)), 'CONTINUE');
  });

  it('adds up the counts of merged windows', () => {
    const trigger = CountTrigger.of(4);
    assert.equal(trigger.canMerge(), true);
    const h = new FakeTriggerHarness();
    const a = new TimeWindow(0, 10);
    const b = new TimeWindow(8, 18);
    const merged = new TimeWindow(0, 18);
    trigger.onElement('1', 0, a, h.context(a));
    trigger.onElement('2', 1, a, h.context(a));
    trigger.onElement('3', 8, b, h.context(b));
    trigger.onMerge(merged, h.mergeContext(merged, [a, b]));
    assert.equal(h.rawState(merged, 'count'), 3);
    assert.equal(h.rawState(a, 'count'), undefined);
    assert.equal(trigger.onElement('4', 9, merged, h.context(merged)), 'FIRE');
  });

  it('drops its count on clear', () => {
    const trigger = CountTrigger.of(2);
    const h = new FakeTriggerHarness();
    const w = GlobalWindow.INSTANCE;
    trigger.onElement('a', 0, w, h.context(w));
    trigger.clear(w, h.context(w));
    assert.equal(h.rawState(w, 'count'), undefined);
    assert.equal(trigger.onElement('b', 0, w, h.context(w)), 'CONTINUE');
  });

  it('rejects a count that is not a whole number > 0', () => {
    for (const n of [0, -1, 2.5, Number.NaN]) {
      assert.throws(
        () => CountTrigger.of(n),
        (e) => isWeirError(e, 'INVALID_ARGUMENT'),
      );
    }
    assert.equal(String(CountTrigger.of(5)), 'CountTrigger(5)');
  });
});
