import { type Accumulator, Counter, RecordsInErrorsBySource } from './accumulators.ts';
import type { Logger } from './logger.ts';

/**
 * The source SPI (docs/architecture.md): a source plans splits, and a reader in each subtask is polled for
 * records. A reader never blocks the task's loop: when it has nothing, it says so and resolves
 * `isAvailable()` once it has more. Positions live in splits, so a checkpoint can store them.
 */

/** A unit of source work: a file, a range of a sequence, a Kafka partition. */
export interface SourceSplit {
  /** Stable and unique within the source. */
  readonly splitId: string;
}

export type Boundedness = 'bounded' | 'unbounded';

/**
 * Where a reader emits records; `collect` is synchronous and called once per record.
 *
 * A reader holding several splits emits each split's records through that split's output
 * (`createOutputForSplit`), as Flink's readers do: the source then runs the watermark strategy per
 * split, and its watermark is the minimum over the splits, so a split behind the others does not
 * make its records late; a split's idleness is its own too. Outputs of the splits assigned to a
 * subtask exist from the start (a split not read yet holds the watermark back); a reader releases a
 * split's output once it has read the split to its end. Records collected here directly (readers
 * that do not use split outputs) go through one watermark generator for the whole subtask.
 * Resolve a split's output when switching splits, not per record.
 */
export interface ReaderOutput<T> {
  /** Emits a record; `timestamp` is the source's own event time, if it has one. */
  collect(value: T, timestamp?: number): void;
  /**
   * The output for the records of split `splitId` (the split's own `splitId`): the same object for
   * the same split until it is released. Optional for outputs that track no watermarks (tests);
   * use {@link splitOutput}.
   */
  createOutputForSplit?(splitId: string): ReaderOutput<T>;
  /** The split was read to its end: its watermark no longer holds the source's back. */
  releaseOutputForSplit?(splitId: string): void;
}

/** `output`'s output for split `splitId`, or `output` itself if it has no split outputs. */
export function splitOutput<T>(output: ReaderOutput<T>, splitId: string): ReaderOutput<T> {
  return output.createOutputForSplit === undefined ? output : output.createOutputForSplit(splitId);
}

/** Releases split `splitId`'s output, if `output` has split outputs. */
export function releaseSplitOutput<T>(output: ReaderOutput<T>, splitId: string): void {
  output.releaseOutputForSplit?.(splitId);
}

/** 'more': call again; 'nothing-available': wait for isAvailable(); 'end': this reader is done. */
export type InputStatus = 'more' | 'nothing-available' | 'end';

/**
 * The accumulator a reader counts the records it could not read under (skipped or dead-lettered),
 * Flink's `numRecordsInErrors`: in the job result, and live in the source task's metrics.
 */
export const RECORDS_IN_ERRORS = 'numRecordsInErrors';

/**
 * The accumulator of the same counts by source name, with each source's policy
 * (`JobExecutionResult.getRecordsInErrors()` reads it; `weir run` prints it at the end).
 */
export const RECORDS_IN_ERRORS_BY_SOURCE = 'numRecordsInErrorsBySource';

/**
 * The counter a reader adds each record it could not read to (skipped or dead-lettered), registered
 * as {@link RECORDS_IN_ERRORS} and, under the reader's source name with `policy`, as
 * {@link RECORDS_IN_ERRORS_BY_SOURCE}.
 *
 * @example
 * ```ts
 * // in a reader's constructor, when bad records are skipped rather than failing the job:
 * this.errors = countRecordsInErrors(context, 'onError: skip');
 * // ... for each record skipped:
 * this.errors.add(1);
 * ```
 */
export function countRecordsInErrors(context: SourceReaderContext, policy: string): Counter {
  const counter = new Counter();
  context.addAccumulator?.(RECORDS_IN_ERRORS, counter as Accumulator<unknown>);
  context.addAccumulator?.(
    RECORDS_IN_ERRORS_BY_SOURCE,
    new RecordsInErrorsBySource({ name: context.sourceName, policy, counter }) as Accumulator<unknown>,
  );
  return counter;
}

export interface SourceReaderContext {
  readonly subtaskIndex: number;
  readonly parallelism: number;
  /** Processing time, from the job's Clock. */
  now(): number;
  /** Name of the source operator, for error messages. */
  readonly sourceName: string;
  /** Lines with the job, task and subtask ids (src/core/logger.ts); absent in contexts without (tests). */
  readonly logger?: Logger;
  /**
   * Registers an accumulator of this subtask (e.g. a count of records skipped as unreadable); the
   * job result merges the subtasks' values by name. Optional for contexts that keep none (tests).
   */
  addAccumulator?(name: string, accumulator: Accumulator<unknown>): void;
}

export interface SourceReader<T, S extends SourceSplit = SourceSplit> {
  /** Prepares the reader (opens connections, files). */
  start?(): void | Promise<void>;
  /**
   * Emits records to `output`, about `maxRecords` of them at most, and says what to do next.
   * Returns 'end' only after every assigned split is exhausted and `noMoreSplits` was called.
   */
  pollNext(output: ReaderOutput<T>, maxRecords: number): InputStatus;
  /** Resolves when `pollNext` has work again after it returned 'nothing-available'. */
  isAvailable(): Promise<void>;
  addSplits(splits: S[]): void;
  /** No split will be assigned any more: once the assigned ones are done, the reader ends. */
  noMoreSplits(): void;
  /** The splits with their current positions, for a checkpoint. */
  snapshotState(checkpointId: number): S[];
  /**
   * Checkpoint `checkpointId` is complete (every task acknowledged it and its metadata is written),
   * so what `snapshotState` returned for it is durable; e.g. commit offsets back to the system read.
   */
  notifyCheckpointComplete?(checkpointId: number): void;
  /** Where the record being emitted right now comes from (file and line, offset...), for errors. */
  currentPosition?(): string | undefined;
  /**
   * What the reader knows about its progress, for the task's metrics: read when they are taken
   * (about once a second), never per record, so it must be cheap and must not wait for I/O (start
   * any lookup it needs in the background and report what it has).
   */
  readerMetrics?(): SourceReaderMetrics;
  close?(): void | Promise<void>;
}

/** A reader's own metrics (all optional). */
export interface SourceReaderMetrics {
  /**
   * Records between the reader's position and the end of each partition it reads, as Kafka's
   * records-lag: `partition` names it ("topic-partition"); partitions whose end is not known yet are left out.
   */
  consumerLag?: Array<{ partition: string; lag: number }>;
}

/** A source: how to split the work and how to read a split. Must be creatable in every worker. */
export interface Source<T, S extends SourceSplit = SourceSplit> {
  readonly boundedness: Boundedness;
  /** The splits of the whole source for the given parallelism (deterministic). */
  createSplits(parallelism: number): S[] | Promise<S[]>;
  createReader(context: SourceReaderContext): SourceReader<T, S>;
  /** Largest parallelism this source supports (1 for non-parallel sources). */
  readonly maxParallelism?: number;
  /**
   * The subtask that reads `split`, when the source has a rule for it (Kafka: by topic and
   * partition). Without one, planned splits go round-robin and restored splits are divided evenly.
   * With one, planned splits go to their owner, and restored splits are given to every subtask,
   * which keeps those it owns: a reader can then tell which splits found later are its own (Kafka
   * partition discovery) without a coordinator, at any parallelism.
   *
   * @example assignSplit: (split, parallelism) => hash(split.splitId) % parallelism
   */
  assignSplit?(split: S, parallelism: number): number;
}
