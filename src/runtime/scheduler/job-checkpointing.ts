import { dirname, resolve } from 'node:path';
import type { JobPlan } from '../../api/executor.ts';
import { readCatalog } from '../../checkpoint/checkpoint-catalog.ts';
import {
  CheckpointCoordinator,
  type CheckpointGateway,
  type CompletedCheckpoint,
} from '../../checkpoint/checkpoint-coordinator.ts';
import { formatBytes, pruneJobs } from '../../checkpoint/checkpoint-pruning.ts';
import {
  type CheckpointStorage,
  createCheckpointStorage,
  FileCheckpointStorage,
} from '../../checkpoint/checkpoint-storage.ts';
import {
  loadCheckpointState,
  type RestoredJobState,
  verifyCheckpointState,
} from '../../checkpoint/restored-state.ts';
import { WeirError } from '../../core/errors.ts';
import type { CheckpointStatistics, JobStatus } from '../../core/job-client.ts';
import { processLogger } from '../../core/logger.ts';

/**
 * Restarts caused by failing checkpoints (storage that became unwritable, full, or checkpoints that
 * time out) allowed in a row without a checkpoint completing in between; the next such failure fails
 * the job, whatever the restart strategy: restarting cannot repair the storage.
 */
export const MAX_CHECKPOINT_FAILOVERS = 3;

const NO_CHECKPOINTS = {
  triggered: 0,
  completed: 0,
  failed: 0,
  inProgress: 0,
  lastCompletedId: null,
  lastDurationMs: null,
  lastFailure: null,
} as const;

/**
 * The checkpoint side of a job master, shared by the in-thread and the worker-thread one: the
 * storage and coordinator of a job that takes checkpoints (none otherwise), savepoints, statistics
 * and the retention of checkpoints when the job ends. Only how barriers are triggered and how
 * notifications reach the tasks differ between the two: that is the gateway.
 */
export class JobCheckpointing {
  readonly coordinator: CheckpointCoordinator | undefined;
  readonly storage: CheckpointStorage | undefined;
  private readonly plan: JobPlan;
  private readonly restoredFrom: CompletedCheckpoint | undefined;
  private readonly jobId: string;
  /** Fail-overs caused by failing checkpoints since the last completed checkpoint. */
  private checkpointFailovers = 0;
  /** The error of the fail-over that went over MAX_CHECKPOINT_FAILOVERS: the job fails with it. */
  private fatal: { cause: WeirError; error: WeirError } | undefined;

  constructor(
    plan: JobPlan,
    jobId: string,
    restoredFrom: CompletedCheckpoint | undefined,
    gateway: CheckpointGateway,
    onTolerableFailuresExceeded: (error: WeirError) => void,
  ) {
    this.plan = plan;
    this.restoredFrom = restoredFrom;
    this.jobId = jobId;
    const { graph, clock } = plan;
    const settings = graph.config.checkpointing;
    if (!settings) return;
    this.storage = createCheckpointStorage(settings.storage);
    const tasks: string[] = [];
    for (const v of graph.vertices) for (let i = 0; i < v.parallelism; i++) tasks.push(`${v.id}#${i}`);
    this.coordinator = new CheckpointCoordinator({
      jobId,
      jobName: graph.jobName,
      maxParallelism: graph.maxParallelism,
      settings,
      storage: this.storage,
      tasks,
      clock,
      firstId: (restoredFrom?.id ?? 0) + 1,
      restoredFrom,
      vertexInfo: (id) => {
        const v = graph.vertices.find((x) => x.id === id)!;
        return { operators: v.operators.map((o) => o.uid), parallelism: v.parallelism };
      },
      gateway: {
        ...gateway,
        notifyComplete: (id) => {
          this.checkpointFailovers = 0;
          gateway.notifyComplete(id);
        },
      },
      onTolerableFailuresExceeded: (error) =>
        void this.checkpointFailover(error, onTolerableFailuresExceeded),
    });
  }

  /**
   * At the job's start: checks that the checkpoint storage can be written (see
   * CheckpointStorage.prepareJob), so that a read-only or misconfigured storage fails the job at
   * once with the reason instead of failing every checkpoint and restarting forever.
   */
  async prepareStorage(): Promise<void> {
    await this.storage?.prepareJob(this.jobId);
    await this.pruneEarlierRuns();
  }

  /**
   * The job's retention rule for whole runs (CheckpointConfig.setMaxRetainedJobs): deletes the
   * directories of earlier runs of this job but the latest `retainedJobs`, never this run's own nor
   * the one it restores from. A failure to delete is logged, not fatal: the job runs as it would
   * without the rule.
   */
  private async pruneEarlierRuns(): Promise<void> {
    const keep = this.plan.graph.config.checkpointing?.retainedJobs;
    if (keep === undefined || !(this.storage instanceof FileCheckpointStorage)) return;
    const jobName = this.plan.graph.jobName;
    const restoredJob = this.restoredFrom ? resolve(dirname(this.restoredFrom.location)) : undefined;
    try {
      const entry = await readCatalog(this.storage.root);
      if (entry.kind !== 'root') return;
      const earlier = entry.jobs.filter(
        (job) =>
          job.jobName === jobName && job.jobId !== this.jobId && resolve(job.directory) !== restoredJob,
      );
      for (const outcome of await pruneJobs(earlier, keep)) {
        const dir = outcome.job.directory;
        if (outcome.kind === 'deleted') {
          processLogger().info(
            `deleted ${dir}, checkpoints of an earlier run of "${jobName}" (${formatBytes(outcome.bytes)}; setMaxRetainedJobs(${keep}))`,
            { job_id: this.jobId, console: true },
          );
        } else {
          processLogger().warn(`kept ${dir}, an earlier run of "${jobName}": ${outcome.reason}`, {
            job_id: this.jobId,
          });
        }
      }
    } catch (error) {
      processLogger().warn(`could not prune earlier runs of "${jobName}": ${(error as Error).message}`, {
        job_id: this.jobId,
      });
    }
  }

  /**
   * The error to fail the job with, without a restart, when `error` is one no restart can repair:
   * a restore point whose state is damaged with nothing earlier left (CHECKPOINT_CORRUPT), or a
   * checkpoint fail-over beyond MAX_CHECKPOINT_FAILOVERS in a row. Undefined otherwise.
   */
  failsJob(error: WeirError): WeirError | undefined {
    if (error.code === 'CHECKPOINT_CORRUPT') return error;
    return this.fatal?.cause === error ? this.fatal.error : undefined;
  }

  /**
   * Consecutive checkpoint failures went over the tolerated number: the job fails over, at most
   * MAX_CHECKPOINT_FAILOVERS times in a row without a completed checkpoint. The storage is probed
   * first, so that the error says why (read-only, permission denied, not a directory).
   */
  private async checkpointFailover(error: WeirError, failOver: (error: WeirError) => void): Promise<void> {
    this.checkpointFailovers++;
    let cause = error;
    try {
      await this.storage?.prepareJob(this.jobId);
    } catch (probe) {
      if (probe instanceof WeirError) {
        cause = new WeirError('CHECKPOINT_FAILED', `${error.message}; ${probe.message}`, { cause: error });
      }
    }
    if (this.checkpointFailovers > MAX_CHECKPOINT_FAILOVERS) {
      this.fatal = {
        cause,
        error: new WeirError(
          'CHECKPOINT_FAILED',
          `checkpoints kept failing through ${MAX_CHECKPOINT_FAILOVERS} restarts in a row without one completing, so the job fails instead of restarting again: ${cause.message}`,
          { cause },
        ),
      };
    }
    failOver(cause);
  }

  /**
   * The checkpoint a restart resumes, its state files verified: the latest completed one, or when
   * its state is damaged (a file missing, truncated or altered), the one completed before it (kept
   * when `setNumRetainedCheckpoints` is 2 or more), then the one the job started from. Each
   * fall-back is reported through `warn`. Throws CHECKPOINT_CORRUPT when none is intact (the job
   * must fail: restarting from nothing would replay its input into state that already counted it).
   *
   * @example
   * const from = await checkpointing.restartPoint((m) => console.warn(`weir: ${m}`));
   */
  async restartPoint(warn: (message: string) => void): Promise<CompletedCheckpoint | undefined> {
    return (await this.firstIntact(warn, false))?.checkpoint;
  }

  /** As {@link restartPoint}, and the checkpoint's state read: for a restart in this thread. */
  async restartState(warn: (message: string) => void): Promise<RestoredJobState | undefined> {
    return (await this.firstIntact(warn, true))?.state;
  }

  private async firstIntact(
    warn: (message: string) => void,
    load: boolean,
  ): Promise<{ checkpoint: CompletedCheckpoint; state: RestoredJobState | undefined } | undefined> {
    const candidates = [...(this.coordinator?.completedCheckpoints() ?? [])].reverse();
    if (this.restoredFrom && !candidates.includes(this.restoredFrom)) candidates.push(this.restoredFrom);
    let last: WeirError | undefined;
    for (const [i, checkpoint] of candidates.entries()) {
      try {
        if (!load) {
          await verifyCheckpointState(checkpoint.location, checkpoint.metadata);
          return { checkpoint, state: undefined };
        }
        return { checkpoint, state: await loadCheckpointState(checkpoint.location, checkpoint.metadata) };
      } catch (error) {
        if (!(error instanceof WeirError) || error.code !== 'CHECKPOINT_CORRUPT') throw error;
        last = error;
        const next = candidates[i + 1];
        warn(
          `checkpoint ${checkpoint.id} cannot be restored: ${error.message}; ` +
            (next
              ? `falling back to checkpoint ${next.id} (${next.location})`
              : 'no earlier checkpoint is left'),
        );
      }
    }
    if (last) {
      throw new WeirError(
        'CHECKPOINT_CORRUPT',
        `job "${this.plan.graph.jobName}" cannot restart: no intact checkpoint is left (the last tried: ${last.message})`,
        { cause: last },
      );
    }
    return undefined;
  }

  /** Statistics of a job that may not have got as far as creating its checkpointing. */
  static statisticsOf(c: JobCheckpointing | undefined, restarts: number): CheckpointStatistics {
    return c ? c.statistics(restarts) : { ...NO_CHECKPOINTS, restarts };
  }

  static savepointOf(
    c: JobCheckpointing | undefined,
    status: JobStatus,
    targetDirectory: string,
    synchronous = false,
  ): Promise<string> {
    return c
      ? c.savepoint(status, targetDirectory, synchronous)
      : Promise.reject(new WeirError('CHECKPOINT_FAILED', `the job is ${status}`));
  }

  statistics(restarts: number): CheckpointStatistics {
    return { ...(this.coordinator?.stats ?? NO_CHECKPOINTS), restarts };
  }

  /** The checkpoint to restart from: the latest completed, or the one the job started from. */
  latest(): CompletedCheckpoint | undefined {
    return this.coordinator?.latestCompleted() ?? this.restoredFrom;
  }

  /** `synchronous`: the savepoint of a stop-with-savepoint (see CheckpointCoordinator.triggerSavepoint). */
  async savepoint(status: JobStatus, targetDirectory: string, synchronous = false): Promise<string> {
    if (!this.coordinator) {
      throw new WeirError(
        'CHECKPOINT_FAILED',
        'savepoints need checkpointing to be enabled (env.enableCheckpointing)',
      );
    }
    if (status !== 'running') throw new WeirError('CHECKPOINT_FAILED', `the job is ${status}`);
    return (await this.coordinator.triggerSavepoint(targetDirectory, { synchronous })).location;
  }

  /** When the job ends (finished or cancelled): the retained checkpoint goes unless configured to stay. */
  async cleanUp(): Promise<void> {
    const settings = this.plan.graph.config.checkpointing;
    if (!settings || !this.storage || !this.coordinator) return;
    await this.coordinator.discarded();
    // The latest goes unless retained, with the shared files (incremental checkpoints) only it used.
    const latest = this.coordinator.latestCompleted();
    await this.coordinator.discardOnEnd(settings.retention !== 'RETAIN_ON_CANCELLATION' ? latest : undefined);
    // The job no longer runs: its mark goes, and its directory if nothing is retained in it.
    await this.storage.releaseJob(this.jobId);
  }
}
