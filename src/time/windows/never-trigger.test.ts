import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NeverTrigger } from './never-trigger.ts';
import { FakeTriggerHarness } from './test-support.ts';
import { GlobalWindow, TimeWindow } from './window.ts';

describe('NeverTrigger', () => {
  it('continues on everything and registers no timers and no state', () => {
    const trigger = NeverTrigger.create();
    const h = new FakeTriggerHarness();
    const g = GlobalWindow.INSTANCE;
    assert.equal(trigger.onElement('a', 1, g, h.context(g)), 'CONTINUE');
    assert.equal(trigger.onEventTime(Number.MAX_SAFE_INTEGER, g, h.context(g)), 'CONTINUE');
    assert.equal(trigger.onProcessingTime(Number.MAX_SAFE_INTEGER, g, h.context(g)), 'CONTINUE');
    const w = new TimeWindow(0, 10);
    trigger.onMerge(w, h.mergeContext(w, []));
    trigger.clear(g, h.context(g));
    assert.deepEqual([h.eventTimers(g), h.processingTimers(g), h.rawState(g, 'count')], [[], [], undefined]);
    assert.equal(trigger.canMerge(), true);
  });
});
