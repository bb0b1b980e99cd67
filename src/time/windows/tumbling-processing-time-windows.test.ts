import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWeirError } from '../../core/errors.ts';
import { NO_TIMESTAMP } from '../../core/stream-element.ts';
import { ProcessingTimeTrigger } from './processing-time-trigger.ts';
import { TumblingProcessingTimeWindows } from './tumbling-processing-time-windows.ts';
import { isMergingAssigner } from './window-assigner.ts';

const at = (now: number) => ({ getCurrentProcessingTime: () => now });

describe('TumblingProcessingTimeWindows', () => {
  it('assigns by the clock, not by the element timestamp', () => {
    const tumbling = TumblingProcessingTimeWindows.of(1_000);
    const [w] = tumbling.assignWindows('x', 123_456, at(2_500));
    assert.deepEqual([w.start, w.end], [2_000, 3_000]);
    const [w2] = tumbling.assignWindows('x', NO_TIMESTAMP, at(2_999));
    assert.deepEqual([w2.start, w2.end], [2_000, 3_000]);
    const [w3] = tumbling.assignWindows('x', NO_TIMESTAMP, at(3_000));
    assert.deepEqual([w3.start, w3.end], [3_000, 4_000]);
  });

  it('applies positive and negative offsets, and aligns negative times', () => {
    const [w] = TumblingProcessingTimeWindows.of(1_000, 300).assignWindows('x', 0, at(250));
    assert.deepEqual([w.start, w.end], [-700, 300]);
    const [w2] = TumblingProcessingTimeWindows.of(1_000, -300).assignWindows('x', 0, at(700));
    assert.deepEqual([w2.start, w2.end], [700, 1_700]);
    const [w3] = TumblingProcessingTimeWindows.of(1_000).assignWindows('x', 0, at(-1));
    assert.deepEqual([w3.start, w3.end], [-1_000, 0]);
  });

  it('validates size and offset like the event-time assigner', () => {
    for (const [size, offset] of [
      [0, 0],
      [100, 100],
      [100, -100],
      [2.5, 0],
    ]) {
      assert.throws(
        () => TumblingProcessingTimeWindows.of(size, offset),
        (e) => isWeirError(e, 'INVALID_ARGUMENT'),
      );
    }
  });

  it('is a processing-time assigner whose default trigger is the processing-time trigger', () => {
    const tumbling = TumblingProcessingTimeWindows.of(1_000);
    assert.equal(tumbling.isEventTime(), false);
    assert.equal(isMergingAssigner(tumbling), false);
    assert.ok(tumbling.getDefaultTrigger() instanceof ProcessingTimeTrigger);
    assert.equal(String(tumbling), 'TumblingProcessingTimeWindows(1000)');
  });
});
