import { MIN_WATERMARK } from '../core/stream-element.ts';

/**
 * Watermark tracking. A task's watermark is the minimum of its active input channels' watermarks;
 * a channel marked idle does not hold it back until it produces again, and an ended channel never
 * does. When the last active channel goes idle, no channel can advance the watermark any more, so
 * it moves to the highest watermark of the idle channels (Flink's StatusWatermarkValve flushes the
 * maximum the same way); ended channels are left out of that maximum, since their final watermark
 * says nothing about the idle ones. Watermarks never go backwards: a channel's lower watermark
 * after a higher one is ignored, and the combined watermark only advances, so a channel that comes
 * back below it holds the watermark where it is until it catches up.
 */
export class WatermarkValve {
  private readonly watermarks: number[];
  private readonly idle: boolean[];
  private readonly ended: boolean[];
  private current = MIN_WATERMARK;

  constructor(channels: number) {
    this.watermarks = new Array<number>(channels).fill(MIN_WATERMARK);
    this.idle = new Array<boolean>(channels).fill(false);
    this.ended = new Array<boolean>(channels).fill(false);
  }

  get watermark(): number {
    return this.current;
  }

  /** Returns the new combined watermark if it advanced, otherwise undefined. */
  inputWatermark(channel: number, time: number): number | undefined {
    if (time > this.watermarks[channel]) this.watermarks[channel] = time;
    this.idle[channel] = false;
    return this.recompute();
  }

  inputIdle(channel: number, idle: boolean): number | undefined {
    this.idle[channel] = idle;
    return this.recompute();
  }

  inputEnded(channel: number): number | undefined {
    this.ended[channel] = true;
    return this.recompute();
  }

  /** True when every channel is idle (the task should then be idle downstream too). */
  allIdle(): boolean {
    for (let i = 0; i < this.idle.length; i++) if (!this.idle[i] && !this.ended[i]) return false;
    return true;
  }

  private recompute(): number | undefined {
    let min = Number.POSITIVE_INFINITY;
    let active = false;
    for (let i = 0; i < this.watermarks.length; i++) {
      if (this.idle[i] || this.ended[i]) continue;
      active = true;
      if (this.watermarks[i] < min) min = this.watermarks[i];
    }
    if (!active) {
      // Nothing active. If some channels are idle, the highest of them decides (the flush); if all
      // have ended, the highest ended one does, so that the end of all inputs lets the final
      // watermark through.
      let maxIdle = Number.NEGATIVE_INFINITY;
      let maxEnded = Number.NEGATIVE_INFINITY;
      let allEnded = true;
      for (let i = 0; i < this.watermarks.length; i++) {
        if (!this.ended[i]) {
          allEnded = false;
          if (this.watermarks[i] > maxIdle) maxIdle = this.watermarks[i];
        } else if (this.watermarks[i] > maxEnded) maxEnded = this.watermarks[i];
      }
      min = allEnded ? maxEnded : maxIdle;
    }
    if (min > this.current) {
      this.current = min;
      return min;
    }
    return undefined;
  }
}
