import type { CheckpointStatistics, JobPlan, JobStatus } from '../../api/executor.ts';
import {
  CheckpointCoordinator,
  type CheckpointGateway,
  type CompletedCheckpoint,
} from '../../checkpoint/checkpoint-coordinator.ts';
import { type CheckpointStorage, createCheckpointStorage } from '../../checkpoint/checkpoint-storage.ts';
import { WeirError } from '../../core/errors.ts';

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

  constructor(
    plan: JobPlan,
    jobId: string,
    restoredFrom: CompletedCheckpoint | undefined,
    gateway: CheckpointGateway,
    onTolerableFailuresExceeded: (error: WeirError) => void,
  ) {
    this.plan = plan;
    this.restoredFrom = restoredFrom;
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
      gateway,
      onTolerableFailuresExceeded,
    });
  }

  /** Statistics of a job that may not have got as far as creating its checkpointing. */
  static statisticsOf(c: JobCheckpointing | undefined, restarts: number): CheckpointStatistics {
    return c ? c.statistics(restarts) : { ...NO_CHECKPOINTS, restarts };
  }

  static savepointOf(
    c: JobCheckpointing | undefined,
    status: JobStatus,
    targetDirectory: string,
  ): Promise<string> {
    return c
      ? c.savepoint(status, targetDirectory)
      : Promise.reject(new WeirError('CHECKPOINT_FAILED', `the job is ${status}`));
  }

  statistics(restarts: number): CheckpointStatistics {
    return { ...(this.coordinator?.stats ?? NO_CHECKPOINTS), restarts };
  }

  /** The checkpoint to restart from: the latest completed, or the one the job started from. */
  latest(): CompletedCheckpoint | undefined {
    return this.coordinator?.latestCompleted() ?? this.restoredFrom;
  }

  async savepoint(status: JobStatus, targetDirectory: string): Promise<string> {
    if (!this.coordinator) {
      throw new WeirError(
        'CHECKPOINT_FAILED',
        'savepoints need checkpointing to be enabled (env.enableCheckpointing)',
      );
    }
    if (status !== 'running') throw new WeirError('CHECKPOINT_FAILED', `the job is ${status}`);
    return (await this.coordinator.triggerSavepoint(targetDirectory)).location;
  }

  /** When the job ends (finished or cancelled): the retained checkpoint goes unless configured to stay. */
  async cleanUp(): Promise<void> {
    const settings = this.plan.graph.config.checkpointing;
    if (!settings || !this.storage || !this.coordinator) return;
    await this.coordinator.discarded();
    if (settings.retention === 'RETAIN_ON_CANCELLATION') return;
    const latest = this.coordinator.latestCompleted();
    if (latest && latest !== this.restoredFrom) await this.storage.discard(latest.location).catch(() => {});
  }
}
