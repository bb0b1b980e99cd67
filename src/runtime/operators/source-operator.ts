import type { InputStatus, ReaderOutput, Source, SourceReader, SourceSplit } from '../../core/source.ts';
import { MAX_WATERMARK, NO_TIMESTAMP } from '../../core/stream-element.ts';
import type { ListState } from '../../state/state.ts';
import { ListStateDescriptor } from '../../state/state-descriptor.ts';
import type { TimestampAssigner, WatermarkStrategy } from '../../time/watermark-strategy.ts';
import { OperatorFailure } from '../task/operator-failure.ts';
import { AbstractStreamOperator } from './abstract-stream-operator.ts';
import type { OperatorContext } from './operator-context.ts';
import { WatermarkEmitter } from './watermark-emitter.ts';

/**
 * The head of a source task: polls its reader for records, assigns event time with the source's
 * watermark strategy, and emits periodic watermarks. At the end of a bounded input it emits the
 * final watermark, which fires every remaining event-time timer downstream.
 */
export class SourceOperator extends AbstractStreamOperator implements ReaderOutput<unknown> {
  readonly reader: SourceReader<unknown, SourceSplit>;
  private readonly assigner: TimestampAssigner<unknown> | undefined;
  private splits: SourceSplit[] = [];
  private readonly splitState: ListState<SourceSplit>;
  private readonly watermarks: WatermarkEmitter;
  /** Records emitted, for metrics. */
  records = 0;

  constructor(ctx: OperatorContext) {
    super(ctx);
    const source = ctx.functions.fn as Source<unknown, SourceSplit>;
    const strategy = ctx.functions.extra!.watermarkStrategy as WatermarkStrategy<unknown>;
    this.assigner = strategy.timestampAssigner;
    this.watermarks = new WatermarkEmitter(ctx, strategy, (time) => (this.currentWatermark = time));
    this.splitState = ctx.operatorStateStore.getListState(
      new ListStateDescriptor<SourceSplit>('source-splits'),
    );
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
    // After a restore the splits and their positions come from the checkpoint, not the plan.
    if (this.ctx.isRestored) this.splits = [...this.splitState.get()];
    if (this.splits.length > 0) this.reader.addSplits(this.splits);
    this.reader.noMoreSplits();
    this.watermarks.start();
  }

  /** The reader's splits with their positions go into operator state, divided on a rescale. */
  snapshotState(checkpointId: number): void {
    this.splitState.update(this.reader.snapshotState(checkpointId));
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
    this.watermarks.onEvent(value, ts);
    this.output.collect(value, ts);
  }

  processElement(): void {
    throw new Error('a source operator has no input');
  }

  /** Ends the input: the final watermark, then nothing more. */
  override endInput(): void {
    this.watermarks.stop();
    this.watermarks.emitWatermark(MAX_WATERMARK);
  }

  currentPosition(): string | undefined {
    return this.reader.currentPosition?.();
  }

  override async close(): Promise<void> {
    this.watermarks.stop();
    await this.reader.close?.();
    await super.close();
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
