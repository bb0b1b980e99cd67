import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_WATERMARK } from '../core/stream-element.ts';
import { WatermarkValve } from './watermark-valve.ts';

describe('WatermarkValve', () => {
  it('emits the minimum over the channels, only when it advances', () => {
    const valve = new WatermarkValve(2);
    assert.equal(valve.inputWatermark(0, 1_000), undefined, 'channel 1 has no watermark yet');
    assert.equal(valve.inputWatermark(1, 500), 500);
    assert.equal(valve.inputWatermark(1, 800), 800);
    assert.equal(valve.inputWatermark(1, 700), undefined, 'a lower watermark of a channel is ignored');
    assert.equal(valve.inputWatermark(1, 2_000), 1_000);
    assert.equal(valve.watermark, 1_000);
  });

  it('leaves an idle channel out of the minimum until it produces again', () => {
    const valve = new WatermarkValve(3);
    valve.inputWatermark(0, 5_000);
    valve.inputWatermark(1, 3_000);
    assert.equal(valve.inputWatermark(2, 1_000), 1_000);
    assert.equal(valve.inputIdle(2, true), 3_000);
    assert.equal(valve.allIdle(), false);
    // Back with a watermark below the output: it does not pull it back, it holds it until it catches up.
    assert.equal(valve.inputWatermark(2, 2_000), undefined);
    assert.equal(valve.inputWatermark(1, 6_000), undefined);
    assert.equal(valve.inputWatermark(2, 4_000), 4_000);
  });

  it('when the last active channel goes idle, advances to the highest watermark of all channels', () => {
    const valve = new WatermarkValve(3);
    valve.inputWatermark(0, 24_999);
    valve.inputWatermark(1, 10_000);
    assert.equal(valve.inputWatermark(2, 499), 499);
    assert.equal(valve.inputIdle(0, true), undefined, 'the channel ahead goes idle: the minimum stays');
    assert.equal(valve.inputIdle(1, true), undefined);
    assert.equal(valve.inputIdle(2, true), 24_999, 'no channel can advance it any more: the flush');
    assert.equal(valve.allIdle(), true);
    assert.equal(valve.watermark, 24_999);
  });

  it('never goes back after the flush: a channel that comes back lower holds the watermark until it catches up', () => {
    const valve = new WatermarkValve(2);
    valve.inputWatermark(0, 24_999);
    valve.inputWatermark(1, 499);
    valve.inputIdle(0, true);
    assert.equal(valve.inputIdle(1, true), 24_999);
    assert.equal(valve.inputWatermark(1, 600), undefined, 'back active at 600: nothing is emitted');
    assert.equal(valve.watermark, 24_999);
    assert.equal(valve.allIdle(), false);
    assert.equal(valve.inputIdle(1, true), undefined, 'idle again: the maximum is still 24 999');
    assert.equal(valve.inputIdle(1, false), undefined, 'active again without a watermark');
    assert.equal(valve.inputWatermark(1, 24_000), undefined);
    assert.equal(valve.inputWatermark(1, 30_000), 30_000, 'channel 0 is still idle');
  });

  it('does not flush while no channel has a watermark', () => {
    const valve = new WatermarkValve(2);
    assert.equal(valve.inputIdle(0, true), undefined);
    assert.equal(valve.inputIdle(1, true), undefined);
    assert.equal(valve.allIdle(), true);
  });

  it('an ended channel does not hold the watermark back, and does not count in the flush of idle channels', () => {
    const valve = new WatermarkValve(3);
    valve.inputWatermark(0, 100);
    valve.inputWatermark(1, 200);
    valve.inputWatermark(2, 300);
    assert.equal(valve.inputWatermark(0, MAX_WATERMARK), 200);
    assert.equal(valve.inputEnded(0), undefined);
    assert.equal(valve.inputIdle(1, true), 300);
    // Channel 0 ended with the final watermark; channels 1 and 2 are only idle: the flush takes 300.
    assert.equal(valve.inputIdle(2, true), undefined);
    assert.equal(valve.watermark, 300);
    assert.equal(valve.allIdle(), true);
  });

  it('lets the final watermark through once every channel has ended', () => {
    const valve = new WatermarkValve(2);
    valve.inputWatermark(0, MAX_WATERMARK);
    valve.inputEnded(0);
    valve.inputIdle(1, true);
    assert.equal(valve.inputWatermark(1, MAX_WATERMARK), MAX_WATERMARK);
    assert.equal(valve.inputEnded(1), undefined);
  });

  it('when the channels all end without a final watermark, the highest ended one decides', () => {
    const valve = new WatermarkValve(2);
    valve.inputWatermark(0, 700);
    assert.equal(valve.inputWatermark(1, 400), 400);
    assert.equal(valve.inputEnded(1), 700);
    assert.equal(valve.inputEnded(0), undefined);
  });
});
