/**
 * The sink SPI: a sink is opened once per subtask, invoked per record, and closed at the end.
 * `invoke` may return a Promise for I/O; the runtime keeps at most `maxInFlight` of them pending and
 * back-pressures the task beyond that. Records are handed over in order; completion order is free.
 * A checkpoint is acknowledged only once every invocation before its barrier has settled (records
 * after the barrier wait meanwhile), so a rejected invocation is replayed after the restore.
 */
import type { Accumulator } from './accumulators.ts';
import type { Logger } from './logger.ts';

export interface SinkContext {
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly operatorName: string;
  /** Processing time from the job's Clock. */
  now(): number;
  /** Registers an accumulator; its merged value is in the job's result under `name`. */
  addAccumulator<V>(name: string, accumulator: Accumulator<V>): void;
  /** True when the job takes checkpoints (transactional sinks then commit on checkpoints). */
  readonly checkpointing: boolean;
  /** Milliseconds between checkpoints, when the job takes them (a transaction must outlive one interval). */
  readonly checkpointInterval?: number;
  /** Unique per run of this subtask (job id and attempt): names things this attempt creates. */
  readonly attemptTag: string;
  /** Lines with the job, task and subtask ids (src/core/logger.ts); absent in contexts without (tests). */
  readonly logger?: Logger;
}

export interface InvokeContext {
  /** Event time of the record, if it has one. */
  readonly timestamp: number | undefined;
  /** The task's current watermark. */
  readonly currentWatermark: number;
}

export interface Sink<T> {
  open?(context: SinkContext): void | Promise<void>;
  invoke(value: T, context: InvokeContext): void | Promise<void>;
  /** Called once after the last record of a bounded input, before close. */
  finish?(): void | Promise<void>;
  close?(): void | Promise<void>;
  /** Maximum number of pending `invoke` promises (default 16). */
  readonly maxInFlight?: number;
  /**
   * Checkpoint `checkpointId` is being taken (after every earlier record was invoked and settled):
   * pre-commit, and return what must survive a failure, as plain data.
   */
  snapshotState?(checkpointId: number): unknown[];
  /**
   * The asynchronous rest of the pre-commit of `checkpointId`, called right after `snapshotState`
   * (e.g. flushing the transaction it just closed). Records after the barrier keep flowing; the
   * checkpoint is acknowledged once the promise resolves, and a rejection fails the job (the
   * pre-commit is lost, so the checkpoint must not complete).
   */
  snapshotStateAsync?(checkpointId: number): Promise<void> | undefined;
  /**
   * A promise while the sink cannot take more records (a sink that buffers internally and writes
   * in the background, at its limit); the task stops feeding it until the promise resolves.
   */
  blocked?(): Promise<void> | undefined;
  /**
   * After a restore, before `open`: what every subtask of the restored checkpoint returned from
   * `snapshotState`, concatenated in subtask order. Every new subtask receives all of it (whatever
   * the new parallelism), so that it can clean up what no one owns; each element should be handled
   * by one subtask, e.g. element j by subtask j mod parallelism.
   */
  initializeState?(state: unknown[], context: SinkContext): void | Promise<void>;
  /** Checkpoint `checkpointId` is complete: commit what it pre-committed. */
  notifyCheckpointComplete?(checkpointId: number): void | Promise<void>;
  /**
   * For metrics (read about once a second, never per record): what this subtask has started and
   * not completed — transactions pre-committed and not yet committed, or writes sent and not yet
   * acknowledged. Invocations the runtime itself holds in flight (`invoke` promises) are added to it.
   */
  pendingCommits?(): number;
  notifyCheckpointAborted?(checkpointId: number): void;
}
