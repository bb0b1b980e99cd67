import type { Cancellable } from '../../core/clock.ts';
import { MAX_WATERMARK, NO_TIMESTAMP } from '../../core/stream-element.ts';
import type { WatermarkGenerator, WatermarkOutput } from '../../time/watermark-generator.ts';
import type { TimestampAssigner, WatermarkStrategy } from '../../time/watermark-strategy.ts';
import { AbstractStreamOperator } from './abstract-stream-operator.ts';
import type { OperatorContext } from './operator-context.ts';

/**
 * `assignTimestampsAndWatermarks`: gives each record its event time and generates watermarks,
 * periodically every `autoWatermarkInterval` of processing time and from `onEvent`. Upstream
 * watermarks are replaced by this operator's own, except the final one that ends the input.
 */
export class TimestampsAndWatermarksOperator extends AbstractStreamOperator implements WatermarkOutput {
  private readonly assigner: TimestampAssigner<unknown> | undefined;
  private readonly generator: WatermarkGenerator<unknown>;
  private readonly interval: number;
  private readonly emits: boolean;
  private emitted = Number.NEGATIVE_INFINITY;
  private idle = false;
  private timer: Cancellable | undefined;

  constructor(ctx: OperatorContext) {
    super(ctx);
    const strategy = ctx.functions.extra!.strategy as WatermarkStrategy<unknown>;
    this.assigner = strategy.timestampAssigner;
    this.generator = strategy.createWatermarkGenerator({ currentProcessingTime: () => ctx.clock.now() });
    this.interval = ctx.jobConfig.autoWatermarkInterval;
    this.emits = strategy.emitsWatermarks;
  }

  override async open(): Promise<void> {
    await super.open();
    if (this.emits && this.interval > 0) this.schedule();
  }

  private schedule(): void {
    this.timer = this.ctx.registerProcessingTimer(this.ctx.clock.now() + this.interval, () => {
      this.generator.onPeriodicEmit(this);
      this.schedule();
    });
  }

  processElement(value: unknown, timestamp: number): void {
    const ts = this.assigner
      ? this.assigner(value, timestamp === NO_TIMESTAMP ? undefined : timestamp)
      : timestamp;
    this.generator.onEvent(value, ts, this);
    this.output.collect(value, ts);
  }

  override processWatermark(time: number): void {
    if (time === MAX_WATERMARK) this.emitWatermark(MAX_WATERMARK);
  }

  emitWatermark(time: number): void {
    if (time <= this.emitted) return;
    if (this.idle) this.markActive();
    this.emitted = time;
    this.currentWatermark = time;
    this.output.emitWatermark(time);
  }

  override endInput(): void {
    this.timer?.cancel();
  }

  markIdle(): void {
    if (this.idle) return;
    this.idle = true;
    this.output.emitWatermarkStatus(true);
  }

  markActive(): void {
    if (!this.idle) return;
    this.idle = false;
    this.output.emitWatermarkStatus(false);
  }

  override async close(): Promise<void> {
    this.timer?.cancel();
    await super.close();
  }
}
