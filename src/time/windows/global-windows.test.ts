import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NO_TIMESTAMP } from '../../core/stream-element.ts';
import { CountTrigger } from './count-trigger.ts';
import { GlobalWindows } from './global-windows.ts';
import { NeverTrigger } from './never-trigger.ts';
import { PurgingTrigger } from './purging-trigger.ts';
import { FakeTriggerHarness } from './test-support.ts';
import { GlobalWindow } from './window.ts';
import { isMergingAssigner } from './window-assigner.ts';

const at = (now: number) => ({ getCurrentProcessingTime: () => now });

describe('GlobalWindows', () => {
  it('assigns every element, with or without a timestamp, to the one global window', () => {
    const global = GlobalWindows.create();
    assert.deepEqual(global.assignWindows('a', 5, at(0)), [GlobalWindow.INSTANCE]);
    assert.equal(global.assignWindows('b', NO_TIMESTAMP, at(99))[0], GlobalWindow.INSTANCE);
  });

  it('never fires by default, not even at the maximum watermark', () => {
    const global = GlobalWindows.create();
    const trigger = global.getDefaultTrigger();
    assert.ok(trigger instanceof NeverTrigger);
    const h = new FakeTriggerHarness();
    const ctx = h.context(GlobalWindow.INSTANCE);
    for (let i = 0; i < 5; i++) assert.equal(trigger.onElement(i, i, GlobalWindow.INSTANCE, ctx), 'CONTINUE');
    assert.deepEqual(h.advanceWatermark(Number.POSITIVE_INFINITY, trigger), []);
    assert.equal(trigger.onEventTime(Number.MAX_SAFE_INTEGER, GlobalWindow.INSTANCE, ctx), 'CONTINUE');
  });

  it('is neither event-time nor merging', () => {
    const global = GlobalWindows.create();
    assert.equal(global.isEventTime(), false);
    assert.equal(isMergingAssigner(global), false);
  });

  it('with a purging count trigger, makes tumbling count windows', () => {
    const trigger = PurgingTrigger.of(CountTrigger.of(3));
    const h = new FakeTriggerHarness();
    const ctx = h.context(GlobalWindow.INSTANCE);
    const results = [1, 2, 3, 4, 5, 6, 7].map((v) => trigger.onElement(v, v, GlobalWindow.INSTANCE, ctx));
    assert.deepEqual(results, [
      'CONTINUE',
      'CONTINUE',
      'FIRE_AND_PURGE',
      'CONTINUE',
      'CONTINUE',
      'FIRE_AND_PURGE',
      'CONTINUE',
    ]);
  });
});
