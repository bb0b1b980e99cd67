import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { CompletedCheckpoint } from '../../checkpoint/checkpoint-coordinator.ts';
import { WeirError } from '../../core/errors.ts';
import type { JobStatus } from '../../core/job-client.ts';
import type {
  CheckpointingStatistics,
  ClusterOverview,
  Dispatcher,
  JobDetails,
  JobExceptions,
  JobPlanResponse,
  JobState,
  JobSummary,
  SavepointOperation,
  SubmitRequest,
  TaskManagerInfo,
  VertexMetrics,
} from '../../server/dispatcher.ts';
import type { JobMaster } from '../scheduler/job-master.ts';
import { isTerminal } from '../scheduler/job-status.ts';

/** Starts a submitted job: stores and evaluates its artifact, builds a JobMaster and starts it. */
export interface JobLauncher {
  /**
   * Resolves with the job's master once its first attempt is being deployed (JobMaster.start() may
   * still be running: the launcher calls `void master.start()` or awaits it, its choice). Rejects
   * with a WeirError when the job cannot be planned (GRAPH_MISMATCH, NO_JOB_EXECUTED, INVALID_ARGUMENT...).
   */
  launch(request: SubmitRequest, jobId: string): Promise<JobMaster>;
  /** Called once a job reached a terminal state: drop its artifacts. Optional. */
  ended?(jobId: string): void;
}

export interface ClusterResources {
  /** The registered TaskManagers, for GET /taskmanagers and /overview. */
  taskManagers(): TaskManagerInfo[];
}

export interface ClusterDispatcherOptions {
  launcher: JobLauncher;
  resources: ClusterResources;
  /** GET /config: the effective configuration without secrets (ClusterConfig.toDisplay()). */
  config: () => Record<string, string>;
  /** Weir's version, for /overview. */
  version: string;
  /** Ended jobs kept for the reads (oldest dropped first); default 1000. */
  maxEndedJobs?: number;
}

/** Exceptions listed by GET /jobs/:jobid/exceptions, newest first; older ones are left out (`truncated`). */
const MAX_EXCEPTIONS = 100;

/** Savepoint operations kept per job for the status reads; beyond it, the oldest settled ones go. */
const MAX_SAVEPOINT_OPERATIONS = 100;

/** The REST spelling of each job status (Flink's: `CANCELED` with one L). */
const STATE: Record<JobStatus, JobState> = {
  created: 'CREATED',
  running: 'RUNNING',
  restarting: 'RESTARTING',
  finished: 'FINISHED',
  failed: 'FAILED',
  cancelling: 'CANCELLING',
  cancelled: 'CANCELED',
  suspended: 'SUSPENDED',
};

/** One submitted job: its master and the savepoints triggered on it. */
interface JobEntry {
  master: JobMaster;
  /** Savepoint operations by trigger id, in trigger order. */
  savepoints: Map<string, SavepointOperation>;
}

/**
 * The JobManager's dispatcher: the registry of the jobs submitted to the cluster, each run by its
 * own {@link JobMaster}. Submitting asks the {@link JobLauncher} to plan and start the job under a
 * fresh job id and registers its master; every read (the REST API's job resources) is a snapshot
 * taken from the masters when asked, so nothing is copied or polled in between. Savepoints are
 * asynchronous operations: a trigger id at once, its outcome kept with the job for the status reads.
 *
 * A job that ended stays readable until `maxEndedJobs` later ones have ended (Flink's job history,
 * in memory): then the oldest goes, with its savepoint operations.
 */
export class ClusterDispatcher implements Dispatcher {
  private readonly options: ClusterDispatcherOptions;
  private readonly maxEndedJobs: number;
  /** Every known job, in submission order. */
  private readonly jobsById = new Map<string, JobEntry>();
  /** Ids of the ended jobs still kept, oldest first. */
  private readonly ended: string[] = [];

  constructor(options: ClusterDispatcherOptions) {
    const max = options.maxEndedJobs ?? 1000;
    if (!Number.isSafeInteger(max) || max < 0) {
      throw new WeirError('INVALID_ARGUMENT', `maxEndedJobs must be a non-negative integer, got ${max}`);
    }
    this.options = options;
    this.maxEndedJobs = max;
  }

  /** Every job master still running (the JobManager cancels/suspends them at shutdown). */
  running(): JobMaster[] {
    const masters: JobMaster[] = [];
    for (const { master } of this.jobsById.values()) {
      if (!isTerminal(master.getJobStatus())) masters.push(master);
    }
    return masters;
  }

  overview(): ClusterOverview {
    const taskManagers = this.options.resources.taskManagers();
    const count = (status: JobStatus) =>
      [...this.jobsById.values()].filter((e) => e.master.getJobStatus() === status).length;
    return {
      taskmanagers: taskManagers.length,
      'slots-total': taskManagers.reduce((sum, tm) => sum + tm.slotsNumber, 0),
      'slots-available': taskManagers.reduce((sum, tm) => sum + tm.freeSlots, 0),
      'jobs-running': this.running().length,
      'jobs-finished': count('finished'),
      'jobs-cancelled': count('cancelled'),
      'jobs-failed': count('failed'),
      'weir-version': this.options.version,
    };
  }

  jobs(): JobSummary[] {
    return [...this.jobsById.values()].map((e) => summaryOf(e.master, Date.now()));
  }

  job(jobId: string): JobDetails | undefined {
    const master = this.jobsById.get(jobId)?.master;
    if (master === undefined) return undefined;
    const now = Date.now();
    const metrics = master.getMetrics();
    return {
      ...summaryOf(master, now),
      now,
      vertices: master.graph.vertices.map((v) => {
        const sum: VertexMetrics = {
          'read-records': 0,
          'write-records': 0,
          // Bytes are not counted (records in one thread are never serialized).
          'read-bytes': 0,
          'write-bytes': 0,
          'backpressured-ms': 0,
          'busy-ms': 0,
        };
        for (const t of metrics) {
          if (t.vertexId !== v.id) continue;
          sum['read-records'] += t.recordsIn;
          sum['write-records'] += t.recordsOut;
          sum['backpressured-ms'] += t.backPressuredMs;
          sum['busy-ms'] += t.busyMs;
        }
        return { id: v.id, name: v.name, parallelism: v.parallelism, metrics: sum };
      }),
      restarts: master.getCheckpointStatistics().restarts,
    };
  }

  plan(jobId: string): JobPlanResponse | undefined {
    const master = this.jobsById.get(jobId)?.master;
    if (master === undefined) return undefined;
    const { graph } = master;
    return {
      plan: {
        jid: jobId,
        name: graph.jobName,
        nodes: graph.vertices.map((v) => ({
          id: v.id,
          parallelism: v.parallelism,
          operator: v.name,
          description: v.operators.map((o) => `${o.name} (${o.uid})`).join(' -> '),
          inputs: graph.edges
            .filter((e) => e.target === v.id)
            .map((e, num) => ({ num, id: e.source, ship_strategy: e.partitioner.kind.toUpperCase() })),
        })),
      },
    };
  }

  exceptions(jobId: string): JobExceptions | undefined {
    const master = this.jobsById.get(jobId)?.master;
    if (master === undefined) return undefined;
    const newest = master.failures.at(-1);
    const listed = master.failures.slice(-MAX_EXCEPTIONS).reverse();
    return {
      'root-exception': newest ? `${newest.error.code}: ${newest.error.message}` : null,
      timestamp: newest?.timestamp ?? null,
      'all-exceptions': listed.map(({ error, timestamp }) => ({
        exception: error.message,
        timestamp,
        code: error.code,
      })),
      truncated: master.failures.length > listed.length,
    };
  }

  /**
   * The coordinator keeps the latest completed checkpoints (`setNumRetainedCheckpoints`) and counts
   * of the others, so the history holds those; only the latest completed one has a known duration
   * (the others show 0). Savepoints are counted but not in the history.
   */
  checkpoints(jobId: string): CheckpointingStatistics | undefined {
    const entry = this.jobsById.get(jobId);
    if (entry === undefined) return undefined;
    const { master } = entry;
    const stats = master.getCheckpointStatistics();
    const retained = master.getCheckpointCoordinator()?.completedCheckpoints() ?? [];
    const restores = master.getRestores();
    const restored = restores.latest;
    const own = retained.filter((c) => c.metadata.jobId === master.jobId).reverse();
    const durationOf = (c: CompletedCheckpoint) =>
      c.id === stats.lastCompletedId ? (stats.lastDurationMs ?? 0) : 0;
    const latest = own[0];
    return {
      counts: {
        restored: restores.count,
        total: stats.triggered,
        in_progress: stats.inProgress,
        completed: stats.completed,
        failed: stats.failed,
      },
      latest: {
        completed: latest
          ? { id: latest.id, external_path: latest.location, end_to_end_duration: durationOf(latest) }
          : null,
        restored: restored ? { id: restored.id, external_path: restored.location } : null,
        failure: stats.lastFailure,
      },
      history: own.map((c) => ({
        id: c.id,
        status: 'COMPLETED' as const,
        is_savepoint: c.kind === 'savepoint',
        end_to_end_duration: durationOf(c),
        external_path: c.location,
      })),
    };
  }

  taskManagers(): TaskManagerInfo[] {
    return this.options.resources.taskManagers();
  }

  config(): Record<string, string> {
    return this.options.config();
  }

  async submit(request: SubmitRequest): Promise<{ jobid: string }> {
    const jobId = randomBytes(16).toString('hex');
    const master = await this.options.launcher.launch(request, jobId);
    this.jobsById.set(jobId, { master, savepoints: new Map() });
    master.getJobExecutionResult().then(
      () => this.onJobEnded(jobId, master, undefined),
      (error: unknown) => this.onJobEnded(jobId, master, error),
    );
    return { jobid: jobId };
  }

  /**
   * Starts cancelling the job and resolves once it is under way (Flink answers 202 at once): the
   * job reads CANCELLING, then CANCELED once its slots have ended their tasks.
   */
  async cancel(jobId: string): Promise<void> {
    const master = this.master(jobId);
    const status = master.getJobStatus();
    if (isTerminal(status)) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `job "${master.jobName}" (${jobId}) cannot be cancelled: it is already ${STATE[status]}`,
      );
    }
    master.cancel().catch((error: unknown) => {
      console.error(`weir: cancelling job "${master.jobName}" (${jobId}) failed: ${messageOf(error)}`);
    });
  }

  savepoint(jobId: string, targetDirectory: string, stop: boolean): { triggerId: string } {
    const entry = this.jobsById.get(jobId);
    if (entry === undefined) throw notFound(jobId);
    const triggerId = randomBytes(16).toString('hex');
    const operations = entry.savepoints;
    forgetSettled(operations, MAX_SAVEPOINT_OPERATIONS - 1);
    operations.set(triggerId, { status: { id: 'IN_PROGRESS' } });
    const failed = (error: unknown) =>
      operations.set(triggerId, {
        status: { id: 'COMPLETED' },
        operation: { 'failure-cause': causeOf(error) },
      });
    const { master } = entry;
    const status = master.getJobStatus();
    if (isTerminal(status)) {
      // No directory is created for a savepoint that cannot be taken.
      failed(
        new WeirError(
          'CHECKPOINT_FAILED',
          `job "${master.jobName}" is ${STATE[status]}: no savepoint can be taken`,
        ),
      );
      return { triggerId };
    }
    try {
      mkdirSync(targetDirectory, { recursive: true });
    } catch (error) {
      failed(
        new WeirError(
          'IO_ERROR',
          `cannot create the savepoint directory ${targetDirectory}: ${messageOf(error)}`,
          { cause: error },
        ),
      );
      return { triggerId };
    }
    const taken = stop ? master.stopWithSavepoint(targetDirectory) : master.triggerSavepoint(targetDirectory);
    taken.then(
      (location) => operations.set(triggerId, { status: { id: 'COMPLETED' }, operation: { location } }),
      failed,
    );
    return { triggerId };
  }

  savepointStatus(jobId: string, triggerId: string): SavepointOperation | undefined {
    return this.jobsById.get(jobId)?.savepoints.get(triggerId);
  }

  private master(jobId: string): JobMaster {
    const entry = this.jobsById.get(jobId);
    if (entry === undefined) throw notFound(jobId);
    return entry.master;
  }

  /** A job reached a terminal state: log it, let the launcher drop its artifacts, keep the history bounded. */
  private onJobEnded(jobId: string, master: JobMaster, error: unknown): void {
    const state = STATE[master.getJobStatus()];
    console.error(
      `weir: job "${master.jobName}" (${jobId}) ${state}${error === undefined ? '' : `: ${messageOf(error)}`}`,
    );
    try {
      this.options.launcher.ended?.(jobId);
    } catch (e) {
      console.error(`weir: cleaning up after job "${master.jobName}" (${jobId}) failed: ${messageOf(e)}`);
    }
    this.ended.push(jobId);
    while (this.ended.length > this.maxEndedJobs) this.jobsById.delete(this.ended.shift()!);
  }
}

function summaryOf(master: JobMaster, now: number): JobSummary {
  const status = master.getJobStatus();
  const end = isTerminal(status) ? (master.endedAt ?? now) : -1;
  return {
    jid: master.jobId,
    name: master.jobName,
    state: STATE[status],
    'start-time': master.startTime,
    'end-time': end,
    duration: (end === -1 ? now : end) - master.startTime,
    parallelism: Math.max(...master.graph.vertices.map((v) => v.parallelism)),
  };
}

/** Drops the oldest settled operations until at most `keep` remain (those in progress always stay). */
function forgetSettled(operations: Map<string, SavepointOperation>, keep: number): void {
  for (const [id, operation] of operations) {
    if (operations.size <= keep) return;
    if (operation.status.id === 'COMPLETED') operations.delete(id);
  }
}

function notFound(jobId: string): WeirError {
  return new WeirError('JOB_NOT_FOUND', `no job ${jobId} on this JobManager (GET /jobs lists the jobs)`);
}

function causeOf(error: unknown): { code: string; message: string } {
  return error instanceof WeirError
    ? { code: error.code, message: error.message }
    : { code: 'INTERNAL', message: messageOf(error) };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
