/**
 * Where a SQL session's jobs run, and the job statements of Flink's SQL client (`SHOW JOBS`,
 * `STOP JOB '<id>' [WITH SAVEPOINT] [WITH DRAIN]`). A session plans every job itself; the executor
 * only runs the graph: on the local mini-cluster ({@link LocalSqlJobExecutor}, the default), or on a
 * cluster's JobManager (cli/sql-cluster-executor.ts, `weir sql -m host:port`), which the SQL layer
 * does not import.
 */
import type { CollectTarget } from '../api/collect.ts';
import { executeJobGraph } from '../api/execute-job-graph.ts';
import type { JobClient, JobStatus, RestoreSettings } from '../api/executor.ts';
import { WeirError } from '../core/errors.ts';
import type { JobGraph } from '../graph/job-graph.ts';

/** A job as `SHOW JOBS` lists it (Flink's columns). */
export interface SqlJobInfo {
  jobId: string;
  jobName: string;
  /** Flink's state names: `RUNNING`, `FINISHED`, `CANCELED`, `FAILED`, ... */
  status: string;
  /** Epoch milliseconds. */
  startTime: number;
}

/** What `STOP JOB` asks for. */
export interface StopJobOptions {
  /** `WITH SAVEPOINT`: take a savepoint, then stop. */
  savepoint: boolean;
  /** `WITH DRAIN`: end the event time first (not supported yet). */
  drain: boolean;
  /** `state.savepoints.dir` of the session, when set. */
  savepointDir?: string;
}

/** Runs a SQL session's job graphs and manages the jobs (see the top of this module). */
export interface SqlJobExecutor {
  /** `local` or the cluster's URL, for messages. */
  readonly target: string;
  /** Whether an INSERT's job is awaited when `table.dml-sync` is not set (the local cluster: yes). */
  readonly syncByDefault: boolean;
  /** Runs a query's job, whose collect operators deliver to `collect` (by operator uid). */
  executeQuery(
    graph: JobGraph,
    options: { collect: Record<string, CollectTarget>; restore?: RestoreSettings; taskSlots?: number },
  ): Promise<JobClient>;
  /** Runs the job of an INSERT or a statement set; resolves once it is submitted. */
  executeInserts(
    graph: JobGraph,
    options: { restore?: RestoreSettings; taskSlots?: number },
  ): Promise<JobClient>;
  /** The jobs `SHOW JOBS` lists. */
  listJobs(): Promise<SqlJobInfo[]>;
  /** Stops a job; resolves with the savepoint's path (`WITH SAVEPOINT`), else null. */
  stopJob(jobId: string, options: StopJobOptions): Promise<string | null>;
}

/**
 * A session's jobs run where it started: `SET 'execution.target'` (or `rest.address`, `rest.port`)
 * to another target than the session's is refused rather than ignored; give them when the client
 * starts (`weir sql -m host:port`, `-D execution.target=remote`).
 * @throws WeirError SQL_UNSUPPORTED for such a SET.
 */
export function checkExecutionTarget(executor: SqlJobExecutor, key: string, value: string): void {
  const local = executor.target === 'local';
  const changes =
    (key === 'execution.target' && value !== (local ? 'local' : 'remote')) ||
    key === 'rest.address' ||
    key === 'rest.port';
  if (!changes) return;
  throw new WeirError(
    'SQL_UNSUPPORTED',
    `SET '${key}' in a session: its jobs run ${local ? 'on the local cluster' : `on the cluster at ${executor.target}`}; ` +
      'choose the cluster when the client starts: weir sql -m host:port (or -D execution.target=remote -D rest.address=... -D rest.port=...)',
  );
}

/** Flink's name of a job status (`cancelled` -> `CANCELED`, `cancelling` -> `CANCELLING`). */
export function flinkJobState(status: JobStatus): string {
  return status === 'cancelled' ? 'CANCELED' : status.toUpperCase();
}

/**
 * The local mini-cluster, in this process: the jobs of the session run on slots in worker threads
 * and end with the process. `SHOW JOBS` lists the session's jobs.
 *
 * @example
 * const tEnv = TableEnvironment.create({ executor: new LocalSqlJobExecutor() }); // the default
 */
export class LocalSqlJobExecutor implements SqlJobExecutor {
  readonly target = 'local';
  readonly syncByDefault = true;
  private readonly jobs: { client: JobClient; name: string; startTime: number }[] = [];

  async executeQuery(
    graph: JobGraph,
    options: { collect: Record<string, CollectTarget>; restore?: RestoreSettings; taskSlots?: number },
  ): Promise<JobClient> {
    return this.track(graph, await executeJobGraph(graph, options));
  }

  async executeInserts(
    graph: JobGraph,
    options: { restore?: RestoreSettings; taskSlots?: number },
  ): Promise<JobClient> {
    return this.track(graph, await executeJobGraph(graph, options));
  }

  async listJobs(): Promise<SqlJobInfo[]> {
    return this.jobs.map(({ client, name, startTime }) => ({
      jobId: client.jobId,
      jobName: name,
      status: flinkJobState(client.getJobStatus()),
      startTime,
    }));
  }

  async stopJob(jobId: string, options: StopJobOptions): Promise<string | null> {
    const job = this.jobs.find((j) => j.client.jobId === jobId);
    if (!job) throw new WeirError('JOB_NOT_FOUND', `this session has started no job with the id '${jobId}'`);
    if (options.drain) throw new WeirError('NOT_SUPPORTED', 'STOP JOB ... WITH DRAIN is not supported yet');
    if (!options.savepoint) {
      await job.client.cancel();
      return null;
    }
    if (!options.savepointDir) {
      throw new WeirError(
        'INVALID_CONFIG',
        "STOP JOB ... WITH SAVEPOINT needs a savepoint directory: SET 'state.savepoints.dir' = '/path'",
      );
    }
    if (!job.client.stopWithSavepoint) {
      throw new WeirError('NOT_SUPPORTED', `job ${jobId} cannot be stopped with a savepoint`);
    }
    return job.client.stopWithSavepoint(options.savepointDir);
  }

  private track(graph: JobGraph, client: JobClient): JobClient {
    this.jobs.push({ client, name: graph.jobName, startTime: Date.now() });
    // Ended jobs stay listed, as Flink's; their failures are the statement's to report.
    client.getJobExecutionResult().catch(() => {});
    return client;
  }
}
