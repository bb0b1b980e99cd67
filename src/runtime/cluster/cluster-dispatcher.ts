import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { WeirError } from '../../core/errors.ts';
import type { CheckpointHistoryEntry, JobStatus } from '../../core/job-client.ts';
import { processLogger } from '../../core/logger.ts';
import type {
  CheckpointHistoryItem,
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
  TaskManagerDetails,
  TaskManagerInfo,
  VertexDetails,
  VertexWatermarks,
} from '../../server/dispatcher.ts';
import { failureDetails } from '../../server/failure-details.ts';
import { vertexDetails, vertexSummary, vertexWatermarks } from '../../server/job-views.ts';
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
    const summary = summaryOf(master, now);
    return {
      ...summary,
      now,
      vertices: master.graph.vertices.map((v) => vertexSummary(v, metrics, summary.state)),
      restarts: master.getCheckpointStatistics().restarts,
    };
  }

  vertex(jobId: string, vertexId: string): VertexDetails | undefined {
    const master = this.jobsById.get(jobId)?.master;
    const vertex = master?.graph.vertices.find((v) => v.id === vertexId);
    if (master === undefined || vertex === undefined) return undefined;
    const slots = slotTaskManagers(master);
    return vertexDetails(
      vertex,
      master.getMetrics(),
      STATE[master.getJobStatus()],
      Date.now(),
      // Subtask i of every vertex runs in slot i mod slots (worker-protocol.ts workerOf).
      (subtask) => (slots.length === 0 ? undefined : slots[subtask % slots.length]),
    );
  }

  watermarks(jobId: string, vertexId: string): VertexWatermarks | undefined {
    const master = this.jobsById.get(jobId)?.master;
    const vertex = master?.graph.vertices.find((v) => v.id === vertexId);
    if (master === undefined || vertex === undefined) return undefined;
    return vertexWatermarks(vertex, master.getMetrics());
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
        ...failureDetails(error, master.graph),
      })),
      truncated: master.failures.length > listed.length,
    };
  }

  /**
   * Counts from the job's statistics; the history is the job master's (Flink's
   * `web.checkpoints.history` latest checkpoints, in progress and failed ones included), and the
   * latest completed one the newest completed entry of it.
   */
  checkpoints(jobId: string): CheckpointingStatistics | undefined {
    const entry = this.jobsById.get(jobId);
    if (entry === undefined) return undefined;
    const { master } = entry;
    const stats = master.getCheckpointStatistics();
    const restores = master.getRestores();
    const restored = restores.latest;
    const history = historyOf(master);
    const latest = history.find((c) => c.status === 'COMPLETED');
    // Older than the history (many failed since): the coordinator still retains it.
    const retained =
      latest === undefined
        ? master
            .getCheckpointCoordinator()
            ?.completedCheckpoints()
            .filter((c) => c.metadata.jobId === master.jobId)
            .at(-1)
        : undefined;
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
          ? {
              id: latest.id,
              external_path: latest.external_path ?? '',
              end_to_end_duration: latest.end_to_end_duration,
              trigger_timestamp: latest.trigger_timestamp,
              latest_ack_timestamp: latest.latest_ack_timestamp,
              state_size: latest.state_size,
            }
          : retained
            ? {
                id: retained.id,
                external_path: retained.location,
                end_to_end_duration: stats.lastCompletedId === retained.id ? (stats.lastDurationMs ?? 0) : 0,
                trigger_timestamp: 0,
                latest_ack_timestamp: 0,
                state_size: stats.lastCompletedId === retained.id ? (stats.lastSizeBytes ?? 0) : 0,
              }
            : null,
        restored: restored ? { id: restored.id, external_path: restored.location } : null,
        failure: stats.lastFailure,
      },
      history,
    };
  }

  taskManagers(): TaskManagerInfo[] {
    return this.options.resources.taskManagers();
  }

  /**
   * A TaskManager with what runs in its slots: the slots of each running job placed on it (subtask
   * i of every vertex runs in the job's slot i mod its slot count), then its free slots.
   */
  taskManager(taskManagerId: string): TaskManagerDetails | undefined {
    const info = this.options.resources.taskManagers().find((tm) => tm.id === taskManagerId);
    if (info === undefined) return undefined;
    const slots: TaskManagerDetails['slots'] = [];
    for (const master of this.running()) {
      const placement = slotTaskManagers(master);
      placement.forEach((tm, slot) => {
        if (tm !== taskManagerId) return;
        const tasks: TaskManagerDetails['slots'][number]['tasks'] = [];
        for (const v of master.graph.vertices) {
          for (let i = slot; i < v.parallelism; i += placement.length) {
            tasks.push({ vertexId: v.id, vertexName: v.name, subtask: i });
          }
        }
        slots.push({ index: slots.length, jobId: master.jobId, jobName: master.jobName, tasks });
      });
    }
    while (slots.length < info.slotsNumber) {
      slots.push({ index: slots.length, jobId: null, jobName: null, tasks: [] });
    }
    return { ...info, slots };
  }

  config(): Record<string, string> {
    return this.options.config();
  }

  async submit(request: SubmitRequest): Promise<{ jobid: string }> {
    const jobId = randomBytes(16).toString('hex');
    const master = await this.options.launcher.launch(request, jobId);
    this.register(jobId, master, true);
    return { jobid: jobId };
  }

  /**
   * Registers a job started outside the dispatcher, under its own id: what `weir run --web` does
   * with the jobs of its module. Its end is not logged (whoever started it reports it).
   */
  adopt(master: JobMaster): string {
    if (!this.jobsById.has(master.jobId)) this.register(master.jobId, master, false);
    return master.jobId;
  }

  private register(jobId: string, master: JobMaster, logEnd: boolean): void {
    this.jobsById.set(jobId, { master, savepoints: new Map() });
    master.getJobExecutionResult().then(
      () => this.onJobEnded(jobId, master, undefined, logEnd),
      (error: unknown) => this.onJobEnded(jobId, master, error, logEnd),
    );
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
      processLogger().error(`cancelling job "${master.jobName}" (${jobId}) failed: ${messageOf(error)}`, {
        job_id: jobId,
      });
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
  private onJobEnded(jobId: string, master: JobMaster, error: unknown, log: boolean): void {
    const state = STATE[master.getJobStatus()];
    if (log) {
      processLogger()[error === undefined ? 'info' : 'warn'](
        `job "${master.jobName}" (${jobId}) ${state}${error === undefined ? '' : `: ${messageOf(error)}`}`,
        { job_id: jobId, console: true },
      );
    }
    try {
      this.options.launcher.ended?.(jobId);
    } catch (e) {
      processLogger().error(`cleaning up after job "${master.jobName}" (${jobId}) failed: ${messageOf(e)}`, {
        job_id: jobId,
      });
    }
    this.ended.push(jobId);
    while (this.ended.length > this.maxEndedJobs) this.jobsById.delete(this.ended.shift()!);
  }
}

/** The TaskManager id of each slot of the job's current attempt (empty while none is deployed). */
function slotTaskManagers(master: JobMaster): string[] {
  return master.getSlotTaskManagers();
}

/** The job master's checkpoint history (newest first), as the REST API spells it. */
function historyOf(master: JobMaster): CheckpointHistoryItem[] {
  return master.getCheckpointHistory().map(historyItem);
}

function historyItem(c: CheckpointHistoryEntry): CheckpointHistoryItem {
  return {
    id: c.id,
    status: c.status,
    is_savepoint: c.isSavepoint,
    trigger_timestamp: c.triggerTimestamp,
    latest_ack_timestamp: c.endTimestamp ?? 0,
    end_to_end_duration: c.endToEndDuration,
    state_size: c.stateSize,
    alignment_duration: c.alignmentDuration,
    num_subtasks: c.numSubtasks,
    num_acknowledged_subtasks: c.numAcknowledgedSubtasks,
    external_path: c.externalPath,
    failure_message: c.failureMessage,
  };
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
