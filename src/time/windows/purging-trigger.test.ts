import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CountTrigger } from './count-trigger.ts';
import { EventTimeTrigger } from './event-time-trigger.ts';
import { ProcessingTimeTrigger } from './processing-time-trigger.ts';
import { PurgingTrigger } from './purging-trigger.ts';
import { FakeTriggerHarness } from './test-support.ts';
import { type Trigger, TriggerResult } from './trigger.ts';
import { GlobalWindow, TimeWindow, type Window } from './window.ts';

/** A trigger that answers what it is told to, and records clear calls. */
function scripted(result: TriggerResult): Trigger<unknown, Window> & { cleared: number } {
  return {
    cleared: 0,
    onElement: () => result,
    onEventTime: () => result,
    onProcessingTime: () => result,
    clear() {
      this.cleared++;
    },
  };
}

describe('PurgingTrigger', () => {
  it('turns FIRE into FIRE_AND_PURGE, for elements and both kinds of timers', () => {
    const h = new FakeTriggerHarness();
    const w = new TimeWindow(0, 10);
    const fire = PurgingTrigger.of(scripted(TriggerResult.FIRE));
    assert.equal(fire.onElement('a', 1, w, h.context(w)), 'FIRE_AND_PURGE');
    assert.equal(fire.onEventTime(9, w, h.context(w)), 'FIRE_AND_PURGE');
    assert.equal(fire.onProcessingTime(9, w, h.context(w)), 'FIRE_AND_PURGE');
    assert.equal(
      PurgingTrigger.of(scripted('FIRE_AND_PURGE')).onElement('a', 1, w, h.context(w)),
      'FIRE_AND_PURGE',
    );
  });

  it('passes CONTINUE and PURGE through unchanged', () => {
    const h = new FakeTriggerHarness();
    const w = new TimeWindow(0, 10);
    assert.equal(PurgingTrigger.of(scripted('CONTINUE')).onElement('a', 1, w, h.context(w)), 'CONTINUE');
    assert.equal(PurgingTrigger.of(scripted('PURGE')).onEventTime(9, w, h.context(w)), 'PURGE');
  });

  it('purges the event-time trigger on the window end', () => {
    const trigger = PurgingTrigger.of(EventTimeTrigger.create());
    const h = new FakeTriggerHarness();
    const w = new TimeWindow(0, 10);
    assert.equal(trigger.onElement('a', 1, w, h.context(w)), 'CONTINUE');
    assert.deepEqual(h.advanceWatermark(9, trigger), [{ window: '0:10', time: 9, result: 'FIRE_AND_PURGE' }]);
  });

  it('merges and clears through the wrapped trigger', () => {
    const trigger = PurgingTrigger.of(CountTrigger.of(3));
    assert.equal(trigger.canMerge(), true);
    const h = new FakeTriggerHarness();
    const a = new TimeWindow(0, 10);
    const b = new TimeWindow(5, 15);
    const merged = new TimeWindow(0, 15);
    trigger.onElement('1', 0, a, h.context(a));
    trigger.onElement('2', 5, b, h.context(b));
    trigger.onMerge(merged, h.mergeContext(merged, [a, b]));
    assert.equal(trigger.onElement('3', 6, merged, h.context(merged)), 'FIRE_AND_PURGE');

    const nested = scripted('CONTINUE');
    const purging = PurgingTrigger.of(nested);
    assert.equal(purging.canMerge(), false, 'a trigger without canMerge cannot merge');
    purging.clear(GlobalWindow.INSTANCE, h.context(GlobalWindow.INSTANCE));
    assert.equal(nested.cleared, 1);
    assert.equal(
      PurgingTrigger.of(ProcessingTimeTrigger.create()).nested instanceof ProcessingTimeTrigger,
      true,
    );
    assert.equal(String(PurgingTrigger.of(CountTrigger.of(3))), 'PurgingTrigger(CountTrigger(3))');
  });
});
