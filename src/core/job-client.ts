import type { JobExecutionResult } from './job-execution-result.ts';
import type { TaskMetrics } from './task-metrics.ts';

/**
 * The contract between whoever submits a job (the DataStream API, the CLI, the REST API) and the
 * runtime that runs it: the job's status, its client handle and its checkpoint statistics. The API
 * and the runtime both depend on it; neither on the other.
 */
export type JobStatus =
  | 'created'
  | 'running'
  | 'restarting'
  | 'finished'
  | 'failed'
  | 'cancelling'
  | 'cancelled'
  | 'suspended';

/** Checkpoint counts of a running job. */
export interface CheckpointStatistics {
  triggered: number;
  completed: number;
  failed: number;
  inProgress: number;
  lastCompletedId: number | null;
  lastDurationMs: number | null;
  lastFailure: string | null;
  /** Restarts of the job so far. */
  restarts: number;
  /** Size in bytes of the last completed checkpoint: the sum of the state sizes its tasks acknowledged. */
  lastSizeBytes?: number | null;
}

/** Status of a checkpoint in the history, with Flink's names. */
export type CheckpointHistoryStatus = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

/**
 * One checkpoint or savepoint of the job's recent history (Flink's checkpoint history, whose
 * length is `web.checkpoints.history`, default 10), newest first.
 */
export interface CheckpointHistoryEntry {
  id: number;
  status: CheckpointHistoryStatus;
  isSavepoint: boolean;
  /** When the coordinator triggered it (epoch ms). */
  triggerTimestamp: number;
  /** Epoch ms when it completed or failed (null while in progress). */
  endTimestamp: number | null;
  /** Epoch ms of the latest acknowledgement of a subtask (Flink's latest_ack_timestamp; null: none yet). */
  latestAckTimestamp: number | null;
  /** From trigger to completion or failure, in ms; while in progress, from trigger to now. */
  endToEndDuration: number;
  /** Sum of the state sizes acknowledged so far, in bytes. */
  stateSize: number;
  /** Longest barrier alignment of any subtask (first to last barrier), in ms; 0 when unaligned. */
  alignmentDuration: number;
  /** Subtasks that acknowledged, of how many. */
  numAcknowledgedSubtasks: number;
  numSubtasks: number;
  /** Where its metadata was written (null: in memory, failed or in progress). */
  externalPath: string | null;
  /** Why it failed (null unless FAILED). */
  failureMessage: string | null;
}

export interface JobClient {
  readonly jobId: string;
  getJobStatus(): JobStatus;
  /** Resolves when the job finishes; rejects with the job's error when it fails. */
  getJobExecutionResult(): Promise<JobExecutionResult>;
  cancel(): Promise<void>;
  /** Metrics of every subtask: records in/out, busy, idle and back-pressured time, queues. */
  getMetrics(): TaskMetrics[];
  /** Takes a savepoint into a new directory under `targetDirectory`; resolves with its path. */
  triggerSavepoint?(targetDirectory: string): Promise<string>;
  /**
   * Stops the job with a synchronous savepoint (Flink's `flink stop`): the sources emit nothing
   * after its barrier, no task processes a record after its snapshot, the tasks commit the
   * savepoint and end, and the job ends as finished. Resolves with the savepoint's path once the job
   * has ended; rejects, leaving the job running, when the savepoint fails. See docs/checkpoints.md.
   *
   * @example
   * const path = await client.stopWithSavepoint!('/savepoints'); // resume with --from-savepoint path
   */
  stopWithSavepoint?(targetDirectory: string): Promise<string>;
  getCheckpointStatistics?(): CheckpointStatistics;
  /** The last checkpoints and savepoints (at most 10 by default), newest first. */
  getCheckpointHistory?(): CheckpointHistoryEntry[];
  /**
   * Suspends the job, as Flink does when its cluster shuts down (what `weir run` does on SIGTERM and
   * SIGINT): sources stop, no new checkpoint starts, in-flight ones are abandoned, and completed
   * checkpoints stay on disk whatever the retention setting. The job ends as `suspended`; its
   * result rejects with `JOB_SUSPENDED`. Resolves with what the job can be resumed from.
   *
   * @example
   * process.once('SIGTERM', async () => {
   *   const { checkpoint } = await client.suspend!();
   *   console.error(checkpoint ? `resume with --from-checkpoint ${checkpoint}` : 'cannot be resumed');
   * });
   */
  suspend?(): Promise<Suspension>;
}

/** What a suspended job can be resumed from. */
export interface Suspension {
  /** Location of the latest completed checkpoint (null: none completed, or none on disk). */
  checkpoint: string | null;
  /** The job's checkpoint storage (null: the job takes no checkpoints or keeps them in memory). */
  storage: string | null;
}
