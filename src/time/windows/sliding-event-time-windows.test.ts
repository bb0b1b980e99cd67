import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { minutes, seconds } from '../../core/duration.ts';
import { isWeirError } from '../../core/errors.ts';
import { NO_TIMESTAMP } from '../../core/stream-element.ts';
import { EventTimeTrigger } from './event-time-trigger.ts';
import { SlidingEventTimeWindows, slidingWindowsContaining } from './sliding-event-time-windows.ts';

const noClock = {
  getCurrentProcessingTime: (): number => {
    throw new Error('event-time assigners must not read the clock');
  },
};

const spans = (windows: { start: number; end: number }[]) => windows.map((w) => [w.start, w.end]);

describe('SlidingEventTimeWindows', () => {
  it('assigns an element to every window containing it, most recent first', () => {
    const sliding = SlidingEventTimeWindows.of(10_000, 2_000);
    assert.deepEqual(spans(sliding.assignWindows('x', 12_345, noClock)), [
      [12_000, 22_000],
      [10_000, 20_000],
      [8_000, 18_000],
      [6_000, 16_000],
      [4_000, 14_000],
    ]);
  });

  it('puts every element in exactly size/slide windows when the slide divides the size', () => {
    const cases: [size: number, slide: number, offset: number][] = [
      [minutes(1), seconds(10), 0],
      [10_000, 2_000, 500],
      [10_000, 2_000, -1_500],
      [9, 3, 1],
      [5, 5, 0],
      [12, 1, 0],
    ];
    for (const [size, slide, offset] of cases) {
      const sliding = SlidingEventTimeWindows.of(size, slide, offset);
      for (const ts of [-100_001, -size, -1, 0, 1, slide - 1, slide, size, 12_345, 1_700_000_000_123]) {
        const windows = sliding.assignWindows('x', ts, noClock);
        assert.equal(windows.length, size / slide, `size ${size} slide ${slide} offset ${offset} ts ${ts}`);
        for (const w of windows) {
          assert.ok(w.start <= ts && ts < w.end, `${w} contains ${ts}`);
          assert.equal(w.end - w.start, size);
          assert.equal((((w.start - offset) % slide) + slide) % slide, 0, `${w} is aligned`);
        }
        assert.equal(new Set(windows.map((w) => w.start)).size, windows.length);
      }
    }
  });

  it('handles negative timestamps', () => {
    const sliding = SlidingEventTimeWindows.of(10, 5);
    assert.deepEqual(spans(sliding.assignWindows('x', -1, noClock)), [
      [-5, 5],
      [-10, 0],
    ]);
    assert.deepEqual(spans(sliding.assignWindows('x', -5, noClock)), [
      [-5, 5],
      [-10, 0],
    ]);
    assert.deepEqual(spans(sliding.assignWindows('x', -6, noClock)), [
      [-10, 0],
      [-15, -5],
    ]);
  });

  it('gives floor or ceil of size/slide windows when the slide does not divide the size', () => {
    const sliding = SlidingEventTimeWindows.of(10, 3);
    assert.deepEqual(spans(sliding.assignWindows('x', 9, noClock)), [
      [9, 19],
      [6, 16],
      [3, 13],
      [0, 10],
    ]);
    assert.deepEqual(spans(sliding.assignWindows('x', 10, noClock)), [
      [9, 19],
      [6, 16],
      [3, 13],
    ]);
  });

  it('assigns no window to an element between windows when the slide exceeds the size', () => {
    const sampling = SlidingEventTimeWindows.of(5, 10);
    assert.deepEqual(spans(sampling.assignWindows('x', 13, noClock)), [[10, 15]]);
    assert.deepEqual(spans(sampling.assignWindows('x', 17, noClock)), []);
    assert.deepEqual(spans(slidingWindowsContaining(-3, 5, 10, 0)), []);
  });

  it('applies the offset to the window starts', () => {
    const sliding = SlidingEventTimeWindows.of(10_000, 5_000, 1_000);
    assert.deepEqual(spans(sliding.assignWindows('x', 6_000, noClock)), [
      [6_000, 16_000],
      [1_000, 11_000],
    ]);
  });

  it('fails for an element without a timestamp', () => {
    assert.throws(
      () => SlidingEventTimeWindows.of(10, 5).assignWindows('x', NO_TIMESTAMP, noClock),
      (e) => isWeirError(e, 'INVALID_ARGUMENT') && /assignTimestampsAndWatermarks/.test(e.message),
    );
  });

  it('rejects size or slide <= 0 and an offset with |offset| >= slide', () => {
    for (const [size, slide, offset] of [
      [0, 5, 0],
      [10, 0, 0],
      [10, -5, 0],
      [10, 5, 5],
      [10, 5, -5],
      [10, 2.5, 0],
    ]) {
      assert.throws(
        () => SlidingEventTimeWindows.of(size, slide, offset),
        (e) => isWeirError(e, 'INVALID_ARGUMENT'),
        `of(${size}, ${slide}, ${offset})`,
      );
    }
    assert.equal(SlidingEventTimeWindows.of(10, 5, -4).offset, -4);
  });

  it('is an event-time assigner with the event-time trigger by default', () => {
    const sliding = SlidingEventTimeWindows.of(10, 5);
    assert.equal(sliding.isEventTime(), true);
    assert.ok(sliding.getDefaultTrigger() instanceof EventTimeTrigger);
    assert.equal(String(sliding), 'SlidingEventTimeWindows(10, 5)');
  });
});
