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
  /** Takes a savepoint, then cancels the job; resolves with the savepoint's path. */
  stopWithSavepoint?(targetDirectory: string): Promise<string>;
  getCheckpointStatistics?(): CheckpointStatistics;
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
