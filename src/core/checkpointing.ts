/** Checkpointing and restart settings as plain data: they travel in the job graph. */

/**
 * How checkpoints are taken. EXACTLY_ONCE aligns barriers: a task that has the barrier of a
 * checkpoint from one input channel stops reading that channel until the barrier has arrived on all
 * of them, so that its snapshot reflects exactly the records before the barrier. AT_LEAST_ONCE does
 * not block: records after the barrier on one channel may be in the snapshot and are replayed after
 * a restore.
 */
export type CheckpointingMode = 'EXACTLY_ONCE' | 'AT_LEAST_ONCE';

/** What happens to retained checkpoints when the job is cancelled. */
export type CheckpointRetention = 'DELETE_ON_CANCELLATION' | 'RETAIN_ON_CANCELLATION';

/** Checkpoint settings as plain data: they travel in the job graph. */
export interface CheckpointSettings {
  /** Milliseconds between the start of two checkpoints. */
  interval: number;
  mode: CheckpointingMode;
  /** A checkpoint not complete after this many milliseconds is aborted. */
  timeout: number;
  /** Milliseconds between the end of one checkpoint and the start of the next. */
  minPause: number;
  maxConcurrent: number;
  /** Consecutive failed checkpoints tolerated before the job fails. */
  tolerableFailures: number;
  retention: CheckpointRetention;
  /** Where checkpoints go: a `file://` URL or a directory path; null keeps them in memory. */
  storage: string | null;
  /** Completed checkpoints kept (the latest N). */
  retained: number;
  /**
   * Incremental checkpoints (Flink's `execution.checkpointing.incremental`): a checkpoint writes
   * only the key groups that changed since the last completed one and references the others.
   * Unset: off. Savepoints are always full.
   */
  incremental?: boolean;
  /**
   * Directories of earlier runs of the same job (by name) kept in the storage root, the latest
   * completed first; older ones are deleted when a run starts. Unset: none is deleted.
   */
  retainedJobs?: number;
}

export const DEFAULT_CHECKPOINT_SETTINGS: Readonly<Omit<CheckpointSettings, 'interval'>> = {
  mode: 'EXACTLY_ONCE',
  timeout: 10 * 60_000,
  minPause: 0,
  maxConcurrent: 1,
  tolerableFailures: 0,
  retention: 'DELETE_ON_CANCELLATION',
  storage: null,
  retained: 1,
};

/**
 * What the job master does when a task fails, as plain data (it travels in the job graph). With
 * checkpointing enabled the default is exponential delay, as in Flink; without it, no restart.
 */
export type RestartStrategySpec =
  | { kind: 'none' }
  | { kind: 'fixed-delay'; attempts: number; delay: number }
  | { kind: 'failure-rate'; maxFailures: number; interval: number; delay: number }
  | {
      kind: 'exponential-delay';
      initialBackoff: number;
      maxBackoff: number;
      multiplier: number;
      /** After this long without a failure the backoff starts again from the initial value. */
      resetBackoffThreshold: number;
      /** Random extra delay, as a fraction of the backoff (0 to 1). */
      jitter: number;
      /** Restarts allowed in all; Infinity for no limit. */
      attempts: number;
    };

/** Flink's defaults for the exponential-delay strategy. */
export const DEFAULT_EXPONENTIAL_DELAY: Extract<RestartStrategySpec, { kind: 'exponential-delay' }> = {
  kind: 'exponential-delay',
  initialBackoff: 1_000,
  maxBackoff: 60_000,
  multiplier: 1.5,
  resetBackoffThreshold: 3_600_000,
  jitter: 0.1,
  attempts: Number.POSITIVE_INFINITY,
};
