import { MAX_WATERMARK, NO_TIMESTAMP } from '../../core/stream-element.ts';
import { operatorConfig } from '../../graph/operator-spec.ts';
import {
  resolveTimestampAssigner,
  type TimestampAssigner,
  watermarkStrategyFromSpec,
} from '../../time/watermark-strategy.ts';
import { AbstractStreamOperator } from './abstract-stream-operator.ts';
import type { OperatorContext } from './operator-context.ts';
import { WatermarkEmitter } from './watermark-emitter.ts';

/**
 * `assignTimestampsAndWatermarks`: gives each record its event time and generates watermarks,
 * periodically every `autoWatermarkInterval` of processing time and from `onEvent`. Upstream
 * watermarks are replaced by this operator's own, except the final one that ends the input.
 */
export class TimestampsAndWatermarksOperator extends AbstractStreamOperator {
  private readonly assigner: TimestampAssigner<unknown> | undefined;
  private readonly watermarks: WatermarkEmitter;

  constructor(ctx: OperatorContext) {
    super(ctx);
    const strategy = watermarkStrategyFromSpec(
      operatorConfig(ctx.spec, 'timestamps-watermarks').watermarkStrategy,
      ctx.functions.extra?.strategy,
    );
    this.assigner = resolveTimestampAssigner(strategy, () => ctx.clock.now());
    this.watermarks = new WatermarkEmitter(ctx, strategy, (time) => (this.currentWatermark = time));
  }

  override async open(): Promise<void> {
    await super.open();
    this.watermarks.start();
  }

  processElement(value: unknown, timestamp: number): void {
    const ts = this.assigner
      ? this.assigner(value, timestamp === NO_TIMESTAMP ? undefined : timestamp)
      : timestamp;
    // The record first, then the watermark it may cause (Flink's order): never behind its own.
    this.output.collect(value, ts);
    this.watermarks.onEvent(value, ts);
  }

  override processWatermark(time: number): void {
    if (time === MAX_WATERMARK) this.watermarks.emitWatermark(MAX_WATERMARK);
  }

  /** Idleness comes from this operator's own generator, not from upstream. */
  override processWatermarkStatus(): void {}

  override endInput(): void {
    this.watermarks.stop();
  }

  override async close(): Promise<void> {
    this.watermarks.stop();
    await super.close();
  }
}
