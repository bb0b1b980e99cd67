import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWeirError } from '../../core/errors.ts';
import { NO_TIMESTAMP } from '../../core/stream-element.ts';
import { ProcessingTimeTrigger } from './processing-time-trigger.ts';
import { SlidingProcessingTimeWindows } from './sliding-processing-time-windows.ts';

const at = (now: number) => ({ getCurrentProcessingTime: () => now });
const spans = (windows: { start: number; end: number }[]) => windows.map((w) => [w.start, w.end]);

describe('SlidingProcessingTimeWindows', () => {
  it('assigns by the clock to size/slide windows, most recent first', () => {
    const sliding = SlidingProcessingTimeWindows.of(3_000, 1_000);
    assert.deepEqual(spans(sliding.assignWindows('x', NO_TIMESTAMP, at(5_500))), [
      [5_000, 8_000],
      [4_000, 7_000],
      [3_000, 6_000],
    ]);
    assert.deepEqual(spans(sliding.assignWindows('x', 99_999, at(-500))), [
      [-1_000, 2_000],
      [-2_000, 1_000],
      [-3_000, 0],
    ]);
  });

  it('applies the offset', () => {
    const sliding = SlidingProcessingTimeWindows.of(2_000, 1_000, -200);
    assert.deepEqual(spans(sliding.assignWindows('x', 0, at(900))), [
      [800, 2_800],
      [-200, 1_800],
    ]);
  });

  it('validates its arguments and defaults to the processing-time trigger', () => {
    assert.throws(
      () => SlidingProcessingTimeWindows.of(10, 5, 7),
      (e) => isWeirError(e, 'INVALID_ARGUMENT'),
    );
    assert.throws(
      () => SlidingProcessingTimeWindows.of(0, 5),
      (e) => isWeirError(e, 'INVALID_ARGUMENT'),
    );
    const sliding = SlidingProcessingTimeWindows.of(10, 5);
    assert.equal(sliding.isEventTime(), false);
    assert.ok(sliding.getDefaultTrigger() instanceof ProcessingTimeTrigger);
  });
});
