import type { Cancellable } from '../../core/clock.ts';
import type { WatermarkGenerator, WatermarkOutput } from '../../time/watermark-generator.ts';
import type { WatermarkStrategy } from '../../time/watermark-strategy.ts';
import type { OperatorContext } from './operator-context.ts';

/**
 * Runs a watermark strategy's generator for an operator (a source or `assignTimestampsAndWatermarks`):
 * feeds it events, asks it for a watermark every `autoWatermarkInterval` of processing time, and
 * emits what it produces — only ever increasing watermarks, and idle/active status changes.
 */
export class WatermarkEmitter implements WatermarkOutput {
  private readonly ctx: OperatorContext;
  private readonly generator: WatermarkGenerator<unknown>;
  private readonly periodic: boolean;
  private readonly onAdvance: (time: number) => void;
  private emitted = Number.NEGATIVE_INFINITY;
  private idle = false;
  private timer: Cancellable | undefined;

  /** `onAdvance` is told each emitted watermark (the operator's current watermark). */
  constructor(ctx: OperatorContext, strategy: WatermarkStrategy<unknown>, onAdvance: (time: number) => void) {
    this.ctx = ctx;
    this.generator = strategy.createWatermarkGenerator({ currentProcessingTime: () => ctx.clock.now() });
    this.periodic = strategy.emitsWatermarks && ctx.jobConfig.autoWatermarkInterval > 0;
    this.onAdvance = onAdvance;
  }

  /** Starts periodic emission. */
  start(): void {
    if (this.periodic) this.schedule();
  }

  /** Stops periodic emission. */
  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private schedule(): void {
    this.timer = this.ctx.registerProcessingTimer(
      this.ctx.clock.now() + this.ctx.jobConfig.autoWatermarkInterval,
      () => {
        this.generator.onPeriodicEmit(this);
        this.schedule();
      },
    );
  }

  onEvent(event: unknown, timestamp: number): void {
    this.generator.onEvent(event, timestamp, this);
  }

  emitWatermark(time: number): void {
    if (time <= this.emitted) return;
    if (this.idle) this.markActive();
    this.emitted = time;
    this.onAdvance(time);
    this.ctx.output.emitWatermark(time);
  }

  markIdle(): void {
    if (this.idle) return;
    this.idle = true;
    this.ctx.output.emitWatermarkStatus(true);
  }

  markActive(): void {
    if (!this.idle) return;
    this.idle = false;
    this.ctx.output.emitWatermarkStatus(false);
  }
}
