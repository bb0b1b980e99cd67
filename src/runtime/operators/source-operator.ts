import type { Cancellable } from '../../core/clock.ts';
import type { InputStatus, ReaderOutput, Source, SourceReader, SourceSplit } from '../../core/source.ts';
import { MAX_WATERMARK, NO_TIMESTAMP } from '../../core/stream-element.ts';
import type { WatermarkGenerator, WatermarkOutput } from '../../time/watermark-generator.ts';
import type { TimestampAssigner, WatermarkStrategy } from '../../time/watermark-strategy.ts';
import { OperatorFailure } from '../task/operator-failure.ts';
import { AbstractStreamOperator } from './abstract-stream-operator.ts';
import type { OperatorContext } from './operator-context.ts';

/**
 * The head of a source task: polls its reader for records, assigns event time with the source's
 * watermark strategy, and emits periodic watermarks. At the end of a bounded input it emits the
 * final watermark, which fires every remaining event-time timer downstream.
 */
export class SourceOperator extends AbstractStreamOperator implements ReaderOutput<unknown>, WatermarkOutput {
  readonly reader: SourceReader<unknown, SourceSplit>;
  private readonly assigner: TimestampAssigner<unknown> | undefined;
  private readonly generator: WatermarkGenerator<unknown>;
  private readonly emitsWatermarks: boolean;
  private readonly interval: number;
  private emitted = Number.NEGATIVE_INFINITY;
  private idle = false;
  private timer: Cancellable | undefined;
  private splits: SourceSplit[] = [];
  /** Records emitted, for metrics. */
  records = 0;

  constructor(ctx: OperatorContext) {
    super(ctx);
    const source = ctx.functions.fn as Source<unknown, SourceSplit>;
    const strategy = ctx.functions.extra!.watermarkStrategy as WatermarkStrategy<unknown>;
    this.assigner = strategy.timestampAssigner;
    this.generator = strategy.createWatermarkGenerator({ currentProcessingTime: () => ctx.clock.now() });
    this.emitsWatermarks = strategy.emitsWatermarks;
    this.interval = ctx.jobConfig.autoWatermarkInterval;
    this.reader = source.createReader({
      subtaskIndex: ctx.subtaskIndex,
      parallelism: ctx.parallelism,
      now: () => ctx.clock.now(),
      sourceName: ctx.spec.name,
    });
  }

  /** Splits assigned before `open`. */
  assignSplits(splits: SourceSplit[]): void {
    this.splits = splits;
  }

  override async open(): Promise<void> {
    await this.reader.start?.();
    if (this.splits.length > 0) this.reader.addSplits(this.splits);
    this.reader.noMoreSplits();
    if (this.emitsWatermarks && this.interval > 0) this.schedule();
  }

  private schedule(): void {
    this.timer = this.ctx.registerProcessingTimer(this.ctx.clock.now() + this.interval, () => {
      this.generator.onPeriodicEmit(this);
      this.schedule();
    });
  }

  /** Polls the reader for up to `maxRecords` records. */
  emitNext(maxRecords: number): InputStatus {
    return this.reader.pollNext(this, maxRecords);
  }

  /** ReaderOutput: called by the reader once per record. */
  collect(value: unknown, timestamp?: number): void {
    this.records++;
    let ts = timestamp === undefined ? NO_TIMESTAMP : timestamp;
    if (this.assigner) {
      try {
        ts = this.assigner(value, timestamp);
      } catch (error) {
        throw new OperatorFailure(
          this,
          new Error(`the timestamp assigner failed: ${message(error)}`, { cause: error }),
          value,
          true,
        );
      }
    }
    this.generator.onEvent(value, ts, this);
    this.output.collect(value, ts);
  }

  processElement(): void {
    throw new Error('a source operator has no input');
  }

  /** Ends the input: the final watermark, then nothing more. */
  override endInput(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.emitWatermark(MAX_WATERMARK);
  }

  emitWatermark(time: number): void {
    if (time <= this.emitted) return;
    if (this.idle) this.markActive();
    this.emitted = time;
    this.currentWatermark = time;
    this.output.emitWatermark(time);
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

  currentPosition(): string | undefined {
    return this.reader.currentPosition?.();
  }

  override async close(): Promise<void> {
    this.timer?.cancel();
    await this.reader.close?.();
    await super.close();
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
