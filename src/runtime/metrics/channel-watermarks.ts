import { watermarkMetric } from './watermark-tracking-output.ts';

/**
 * The last watermark and idleness of each input channel of a task, updated on watermark and idle
 * elements only (never per record); the task's WatermarkValve combines them, this keeps them for
 * metrics (the slowest channel is the one with the lowest watermark).
 */
export class ChannelWatermarks {
  private readonly watermarks: Float64Array;
  private readonly idle: Uint8Array;

  constructor(channels: number) {
    this.watermarks = new Float64Array(channels).fill(Number.NEGATIVE_INFINITY);
    this.idle = new Uint8Array(channels);
  }

  onWatermark(channel: number, time: number): void {
    if (time > this.watermarks[channel]) this.watermarks[channel] = time;
    this.idle[channel] = 0;
  }

  onIdle(channel: number, idle: boolean): void {
    this.idle[channel] = idle ? 1 : 0;
  }

  /** Per channel, in channel order, with the logical input of the head it feeds. */
  snapshot(
    inputOf: ArrayLike<number>,
  ): Array<{ input: number; channel: number; watermark: number | null; idle: boolean }> {
    const out = [];
    for (let c = 0; c < this.watermarks.length; c++) {
      out.push({
        input: inputOf[c],
        channel: c,
        watermark: watermarkMetric(this.watermarks[c]),
        idle: this.idle[c] === 1,
      });
    }
    return out;
  }
}
