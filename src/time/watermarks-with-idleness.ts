import type { WatermarkGenerator, WatermarkOutput } from './watermark-generator.ts';

/**
 * Idleness: an input that has produced no record for `timeout` ms of processing time is marked
 * idle, so that it stops holding back the watermark of the operators downstream; its next watermark
 * marks it active again. Activity is counted per record (an increment, no clock read on the record
 * path) and checked at each periodic emit.
 */
export class WatermarksWithIdleness<T> implements WatermarkGenerator<T> {
  private readonly inner: WatermarkGenerator<T>;
  private readonly timeout: number;
  private readonly now: () => number;
  private events = 0;
  private seen = -1;
  private inactiveSince = 0;

  constructor(inner: WatermarkGenerator<T>, timeout: number, now: () => number) {
    this.inner = inner;
    this.timeout = timeout;
    this.now = now;
  }

  onEvent(event: T, timestamp: number, output: WatermarkOutput): void {
    this.events++;
    this.inner.onEvent(event, timestamp, output);
  }

  onPeriodicEmit(output: WatermarkOutput): void {
    if (this.events !== this.seen) {
      this.seen = this.events;
      this.inactiveSince = this.now();
      this.inner.onPeriodicEmit(output);
      return;
    }
    if (this.now() - this.inactiveSince >= this.timeout) output.markIdle();
    else this.inner.onPeriodicEmit(output);
  }
}
