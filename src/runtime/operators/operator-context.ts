import type { Accumulator } from '../../api/accumulators.ts';
import type { Cancellable, Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import type { JobConfig, OperatorFunctions, OperatorSpec } from '../../graph/job-graph.ts';
import type { KeyedStateBackend } from '../../state/keyed-state-backend.ts';
import type { OperatorStateStore } from '../../state/operator-state-store.ts';
import type { InternalTimerService, Triggerable } from '../../time/timer-service.ts';
import type { MetricRegistry } from '../metrics/metric-registry.ts';
import type { Output } from './output.ts';

/** What the task gives an operator it creates. */
export interface OperatorContext {
  readonly spec: OperatorSpec;
  readonly functions: OperatorFunctions;
  readonly output: Output;
  readonly jobId: string;
  readonly jobConfig: JobConfig;
  readonly taskName: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly attemptNumber: number;
  readonly clock: Clock;
  /** Runs `callback` in the task's mailbox once processing time reaches `time`. */
  registerProcessingTimer(time: number, callback: (time: number) => void): Cancellable;
  /** Keyed state of this operator; only when the operator is keyed. */
  readonly keyedStateBackend: KeyedStateBackend | undefined;
  /** Creates the keyed timer service of this operator; only when keyed. */
  createTimerService(triggerable: Triggerable): InternalTimerService;
  readonly operatorStateStore: OperatorStateStore;
  /** True when the job started from a checkpoint or savepoint (state stores hold restored state). */
  readonly isRestored: boolean;
  /** The id of the checkpoint or savepoint the state was restored from; undefined when not restored. */
  readonly restoredCheckpointId: number | undefined;
  readonly accumulators: Map<string, Accumulator<unknown>>;
  /** The operator's logger (the task's ids and its name); a context without one logs to the process's. */
  readonly logger?: Logger;
  /** The task's user metrics; a context without one (a harness) makes its own on first use. */
  readonly metricRegistry?: MetricRegistry;
  /** Delivers records to the job's client (collect). */
  sendToClient(values: unknown[]): void;
  /** A promise while the job's client cannot take more records (collect back-pressure). */
  clientBlocked?(): Promise<void> | undefined;
  /** Runs `fn` in the task's mailbox (for results of asynchronous work). */
  enqueueMail(fn: () => void): void;
  /**
   * Hands the task work that would emit too much at once (a watermark firing a million windows):
   * the task calls `work` while its outputs have credit, between its other duties, until it returns
   * false, and reads no input meanwhile, so the rows go downstream (and die young) instead of piling
   * up in memory. Before a snapshot and at the end of input the task finishes it at once. A context
   * without it (a test harness) leaves the operator to run its work to the end itself.
   */
  deferWork?(work: () => boolean): void;
  /** Fails the task from asynchronous code. */
  fail(error: unknown): void;
}
