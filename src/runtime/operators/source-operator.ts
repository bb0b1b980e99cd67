import {
  type InputStatus,
  RECORDS_IN_ERRORS,
  type ReaderOutput,
  type Source,
  type SourceReader,
  type SourceSplit,
} from '../../core/source.ts';
import { MAX_WATERMARK, NO_TIMESTAMP } from '../../core/stream-element.ts';
import { operatorConfig } from '../../graph/operator-spec.ts';
import type { ListState } from '../../state/state.ts';
import { ListStateDescriptor } from '../../state/state-descriptor.ts';
import {
  resolveTimestampAssigner,
  type TimestampAssigner,
  watermarkStrategyFromSpec,
} from '../../time/watermark-strategy.ts';
import { OperatorFailure } from '../task/operator-failure.ts';
import { AbstractStreamOperator } from './abstract-stream-operator.ts';
import type { OperatorContext } from './operator-context.ts';
import type { Output } from './output.ts';
import { type SplitWatermarks, WatermarkEmitter } from './watermark-emitter.ts';

/**
 * The head of a source task: polls its reader for records, assigns event time with the source's
 * watermark strategy, and emits periodic watermarks. At the end of a bounded input it emits the
 * final watermark, which fires every remaining event-time timer downstream.
 *
 * Watermarks are per split, as in Flink: each split assigned to the subtask gets an output with its
 * own watermark generator (`createOutputForSplit`) from the start, and the subtask's watermark is
 * the minimum over its splits (idle splits left out, released splits gone), so a split read behind
 * another does not make its records late. Records a reader collects directly go through one
 * generator for the whole subtask.
 */
export class SourceOperator extends AbstractStreamOperator implements ReaderOutput<unknown> {
  readonly reader: SourceReader<unknown, SourceSplit>;
  private readonly source: Source<unknown, SourceSplit>;
  private readonly assigner: TimestampAssigner<unknown> | undefined;
  private splits: SourceSplit[] = [];
  private readonly splitState: ListState<SourceSplit>;
  private readonly watermarks: WatermarkEmitter;
  private readonly splitOutputs = new Map<string, SplitOutput>();
  /** Records emitted, for metrics. */
  records = 0;

  constructor(ctx: OperatorContext) {
    super(ctx);
    const source = ctx.functions.fn as Source<unknown, SourceSplit>;
    const strategy = watermarkStrategyFromSpec(
      operatorConfig(ctx.spec, 'source').watermarkStrategy,
      ctx.functions.extra?.watermarkStrategy,
    );
    this.assigner = resolveTimestampAssigner(strategy, () => ctx.clock.now());
    this.watermarks = new WatermarkEmitter(ctx, strategy, (time) => (this.currentWatermark = time));
    this.source = source;
    // A source that assigns its splits by a rule gets them all back on restore and keeps its own.
    this.splitState =
      source.assignSplit === undefined
        ? ctx.operatorStateStore.getListState(new ListStateDescriptor<SourceSplit>('source-splits'))
        : ctx.operatorStateStore.getUnionListState(
            new ListStateDescriptor<SourceSplit>('source-splits-assigned'),
          );
    this.reader = source.createReader({
      subtaskIndex: ctx.subtaskIndex,
      parallelism: ctx.parallelism,
      now: () => ctx.clock.now(),
      sourceName: ctx.spec.name,
      logger: ctx.logger,
      addAccumulator: (name, accumulator) => ctx.accumulators.set(name, accumulator),
    });
  }

  /** Splits assigned before `open`. */
  assignSplits(splits: SourceSplit[]): void {
    this.splits = splits;
  }

  override async open(): Promise<void> {
    await this.reader.start?.();
    // After a restore the splits and their positions come from the checkpoint, not the plan.
    if (this.ctx.isRestored) this.splits = this.restoredSplits();
    // Every split holds the watermark back from the start, also before its first record is read.
    for (const split of this.splits) this.createOutputForSplit(split.splitId);
    if (this.splits.length > 0) this.reader.addSplits(this.splits);
    this.reader.noMoreSplits();
    this.watermarks.start();
  }

  private restoredSplits(): SourceSplit[] {
    const restored = [...this.splitState.get()];
    const assign = this.source.assignSplit;
    if (assign === undefined) return restored;
    const { subtaskIndex, parallelism } = this.ctx;
    return restored.filter((split) => assign.call(this.source, split, parallelism) === subtaskIndex);
  }

  /** The reader's splits with their positions go into operator state, divided on a rescale. */
  snapshotState(checkpointId: number): void {
    this.splitState.update(this.reader.snapshotState(checkpointId));
  }

  /** The checkpoint is durable: the reader may act on it (e.g. commit offsets back to Kafka). */
  notifyCheckpointComplete(checkpointId: number): void {
    this.reader.notifyCheckpointComplete?.(checkpointId);
  }

  /** The reader's count of records it could not read, if it keeps one (RECORDS_IN_ERRORS). */
  recordsInErrors(): number | undefined {
    const counter = this.ctx.accumulators.get(RECORDS_IN_ERRORS);
    return counter === undefined ? undefined : Number(counter.getLocalValue());
  }

  /** Polls the reader for up to `maxRecords` records. */
  emitNext(maxRecords: number): InputStatus {
    return this.reader.pollNext(this, maxRecords);
  }

  /** ReaderOutput: called by the reader once per record. */
  collect(value: unknown, timestamp?: number): void {
    this.records++;
    const ts =
      this.assigner === undefined ? orNone(timestamp) : assign(this, this.assigner, value, timestamp);
    // The record first, then the watermark it may cause (Flink's order): never behind its own.
    this.output.collect(value, ts);
    this.watermarks.onEvent(value, ts);
  }

  /** ReaderOutput: the output of split `splitId`, with the split's own watermark generator. */
  createOutputForSplit(splitId: string): ReaderOutput<unknown> {
    let output = this.splitOutputs.get(splitId);
    if (output === undefined) {
      output = new SplitOutput(this, this.output, this.assigner, this.watermarks.split(splitId));
      this.splitOutputs.set(splitId, output);
    }
    return output;
  }

  /** ReaderOutput: the split was read to its end and no longer holds the watermark back. */
  releaseOutputForSplit(splitId: string): void {
    if (!this.splitOutputs.delete(splitId)) return;
    this.watermarks.releaseSplit(splitId);
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

/**
 * The output of one split: records get their event time as on the main output, and go through the
 * split's own watermark generator.
 */
class SplitOutput implements ReaderOutput<unknown> {
  private readonly operator: SourceOperator;
  private readonly output: Output;
  private readonly assigner: TimestampAssigner<unknown> | undefined;
  private readonly watermarks: SplitWatermarks;

  constructor(
    operator: SourceOperator,
    output: Output,
    assigner: TimestampAssigner<unknown> | undefined,
    watermarks: SplitWatermarks,
  ) {
    this.operator = operator;
    this.output = output;
    this.assigner = assigner;
    this.watermarks = watermarks;
  }

  collect(value: unknown, timestamp?: number): void {
    this.operator.records++;
    const ts =
      this.assigner === undefined
        ? orNone(timestamp)
        : assign(this.operator, this.assigner, value, timestamp);
    // As on the main output: the record, then its watermark.
    this.output.collect(value, ts);
    this.watermarks.onEvent(value, ts);
  }
}

function orNone(timestamp: number | undefined): number {
  return timestamp === undefined ? NO_TIMESTAMP : timestamp;
}

/** The record's event time from the strategy's assigner; a failure fails the source. */
function assign(
  operator: SourceOperator,
  assigner: TimestampAssigner<unknown>,
  value: unknown,
  timestamp: number | undefined,
): number {
  try {
    return assigner(value, timestamp);
  } catch (error) {
    throw new OperatorFailure(
      operator,
      new Error(`the timestamp assigner failed: ${message(error)}`, { cause: error }),
      value,
      true,
    );
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
