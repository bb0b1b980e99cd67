/**
 * Flink conformance: the continuous triggers compute their first firing time as Flink does,
 * `t - t % interval + interval`, where `%` truncates toward zero (Java's and JavaScript's remainder).
 * For a negative time that is not a multiple of the interval this is not the next multiple of the
 * interval: for t = −7 500 and an interval of 3 000, it is −7 500 + 1 500 + 3 000 = −3 000 (the next
 * multiple would be −6 000). Window assigners, by contrast, floor negative timestamps (Flink's
 * getWindowStartWithOffset), which these tests leave as they are.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ContinuousEventTimeTrigger,
  ContinuousProcessingTimeTrigger,
  type DataStream,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
} from 'weir';
import { windowHarness } from 'weir/testing';
import { type Ev, show, sum } from '../window-support.ts';

describe("Flink semantics: continuous triggers' first firing with negative times", () => {
  it('ContinuousEventTimeTrigger: an element at -7500 with an interval of 3000 first fires at -3000, not -6000', async () => {
    const h = await windowHarness((s: DataStream<Ev>) =>
      s
        .keyBy((e) => e.k)
        .window(TumblingEventTimeWindows.of(10_000)) // [-10 000, 0)
        .trigger(ContinuousEventTimeTrigger.of(3_000))
        .aggregate(sum, show),
    );
    h.processElement({ k: 'a', v: 1 }, -7_500);
    h.processWatermark(-6_000);
    assert.deepEqual(h.extractOutputValues(), [], 'no firing at -6000');
    h.processWatermark(-3_001);
    assert.deepEqual(h.extractOutputValues(), []);
    h.processWatermark(-3_000);
    assert.deepEqual(h.extractOutputValues(), ['a [-10000,0) 1']);
    // The next one, 0, is capped at the window's end - 1: one more firing at -1.
    h.processWatermark(-1);
    assert.deepEqual(h.extractOutputValues(), ['a [-10000,0) 1', 'a [-10000,0) 1']);
    assert.equal(h.numEventTimeTimers(), 0);
  });

  it('ContinuousEventTimeTrigger: at a negative multiple of the interval, the first firing is one interval later', async () => {
    const h = await windowHarness((s: DataStream<Ev>) =>
      s
        .keyBy((e) => e.k)
        .window(TumblingEventTimeWindows.of(10_000))
        .trigger(ContinuousEventTimeTrigger.of(3_000))
        .aggregate(sum, show),
    );
    h.processElement({ k: 'a', v: 1 }, -9_000);
    h.processWatermark(-6_001);
    assert.deepEqual(h.extractOutputValues(), []);
    h.processWatermark(-6_000);
    assert.deepEqual(h.extractOutputValues(), ['a [-10000,0) 1']);
  });

  it('ContinuousProcessingTimeTrigger: an element at processing time -7500 with an interval of 3000 first fires at -3000, not -6000', async () => {
    const h = await windowHarness(
      (s: DataStream<Ev>) =>
        s
          .keyBy((e) => e.k)
          .window(TumblingProcessingTimeWindows.of(10_000)) // [-10 000, 0)
          .trigger(ContinuousProcessingTimeTrigger.of(3_000))
          .aggregate(sum, show),
      { processingTime: -7_500 },
    );
    h.processElement({ k: 'a', v: 1 });
    h.setProcessingTime(-6_000);
    assert.deepEqual(h.extractOutputValues(), [], 'no firing at -6000');
    h.setProcessingTime(-3_001);
    assert.deepEqual(h.extractOutputValues(), []);
    h.setProcessingTime(-3_000);
    assert.deepEqual(h.extractOutputValues(), ['a [-10000,0) 1']);
  });
});
