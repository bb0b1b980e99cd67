/**
 * A SQL session's jobs on a cluster (`weir sql -m host:port`): the session plans each INSERT or
 * statement set locally and submits the job graph to the JobManager's REST API as an artifact
 * (sql-job-artifact.ts), as `weir submit` submits a job; `SHOW JOBS` lists the cluster's jobs and
 * `STOP JOB` cancels one or stops it with a savepoint, through the same API.
 *
 * A query's rows cannot come back: the REST API has no route that streams a job's results to a
 * client yet, so SELECT on a cluster is refused with what to do instead.
 */
import type { CollectTarget } from '../api/collect.ts';
import type { JobClient, JobStatus, RestoreSettings } from '../api/executor.ts';
import { WeirError, type WeirErrorCode } from '../core/errors.ts';
import { JobExecutionResult } from '../core/job-execution-result.ts';
import type { TaskMetrics } from '../core/task-metrics.ts';
import type { JobGraph } from '../graph/job-graph.ts';
import type { SqlJobExecutor, SqlJobInfo, StopJobOptions } from '../sql/sql-job-executor.ts';
import { type JobState, type RestClient, type SubmitRequest, TERMINAL_STATES } from './rest-client.ts';
import { buildSqlJobArtifact } from './sql-job-artifact.ts';

/** How often a waiting client asks for a job's state. */
const POLL_INTERVAL_MS = 200;

/**
 * Runs a SQL session's jobs on the cluster behind `client`.
 *
 * @example
 * const executor = new ClusterSqlJobExecutor(new RestClient({ url: 'http://127.0.0.1:8081' }));
 * const tEnv = TableEnvironment.create({ executor });
 * await tEnv.executeSql("INSERT INTO sink SELECT * FROM src"); // submitted; the job runs on the cluster
 */
export class ClusterSqlJobExecutor implements SqlJobExecutor {
  readonly target: string;
  readonly syncByDefault = false;
  private readonly client: RestClient;

  constructor(client: RestClient) {
    this.client = client;
    this.target = client.url;
  }

  async executeQuery(
    _graph: JobGraph,
    _options: { collect: Record<string, CollectTarget>; restore?: RestoreSettings },
  ): Promise<JobClient> {
    throw new WeirError(
      'SQL_UNSUPPORTED',
      `a query's rows cannot come back from the cluster at ${this.target}: Weir's REST API cannot stream a job's results to a client yet. ` +
        'Write them to a table (INSERT INTO a print, filesystem or kafka table), or run the query on the local cluster (weir sql without -m)',
    );
  }

  async executeInserts(graph: JobGraph, options: { restore?: RestoreSettings }): Promise<JobClient> {
    const artifact = await buildSqlJobArtifact(graph);
    const request: SubmitRequest = {
      artifact: { name: artifact.name, code: artifact.code },
      args: [],
      env: {},
      allowNonRestoredState: options.restore?.allowNonRestoredState ?? false,
    };
    if (options.restore) request.savepointPath = options.restore.path;
    const { jobid } = await this.client.submit(request);
    return new ClusterJobClient(this.client, jobid, graph.jobName);
  }

  async listJobs(): Promise<SqlJobInfo[]> {
    const { jobs } = await this.client.jobsOverview();
    return jobs.map((j) => ({ jobId: j.jid, jobName: j.name, status: j.state, startTime: j['start-time'] }));
  }

  async stopJob(jobId: string, options: StopJobOptions): Promise<string | null> {
    if (options.drain) throw new WeirError('NOT_SUPPORTED', 'STOP JOB ... WITH DRAIN is not supported yet');
    if (!options.savepoint) {
      await this.client.cancel(jobId);
      return null;
    }
    // Without a directory of the session's, the cluster's state.savepoints.dir.
    const trigger = await this.client.stopWithSavepoint(jobId, options.savepointDir);
    return this.client.awaitSavepoint(jobId, trigger);
  }
}

/** Flink's job states as the runtime's statuses. */
function jobStatus(state: JobState): JobStatus {
  return state === 'CANCELED' ? 'cancelled' : (state.toLowerCase() as JobStatus);
}

/**
 * The client of a job that runs on a cluster, over its REST API: its status is the one last seen,
 * and its result is had by asking for the job's state until it has ended.
 */
export class ClusterJobClient implements JobClient {
  readonly jobId: string;
  private readonly client: RestClient;
  private readonly jobName: string;
  private status: JobStatus = 'created';
  private result: Promise<JobExecutionResult> | undefined;

  constructor(client: RestClient, jobId: string, jobName: string) {
    this.client = client;
    this.jobId = jobId;
    this.jobName = jobName;
  }

  getJobStatus(): JobStatus {
    return this.status;
  }

  /** Resolves when the job has finished; rejects with its root exception when it failed, or when it was cancelled. */
  getJobExecutionResult(): Promise<JobExecutionResult> {
    this.result ??= this.follow();
    return this.result;
  }

  async cancel(): Promise<void> {
    await this.client.cancel(this.jobId);
  }

  /** The cluster keeps the metrics: see `weir info <job id>`. */
  getMetrics(): TaskMetrics[] {
    return [];
  }

  async stopWithSavepoint(targetDirectory: string): Promise<string> {
    const trigger = await this.client.stopWithSavepoint(this.jobId, targetDirectory);
    return this.client.awaitSavepoint(this.jobId, trigger);
  }

  async triggerSavepoint(targetDirectory: string): Promise<string> {
    const trigger = await this.client.triggerSavepoint(this.jobId, targetDirectory);
    return this.client.awaitSavepoint(this.jobId, trigger);
  }

  private async follow(): Promise<JobExecutionResult> {
    for (;;) {
      const job = await this.client.job(this.jobId);
      this.status = jobStatus(job.state);
      if (TERMINAL_STATES.has(job.state)) {
        if (job.state === 'FINISHED') {
          return new JobExecutionResult(this.jobId, this.jobName, job.duration, new Map());
        }
        if (job.state === 'CANCELED') {
          throw new WeirError('JOB_CANCELLED', `job ${this.jobId} ("${this.jobName}") was cancelled`);
        }
        const exceptions = await this.client.exceptions(this.jobId).catch(() => undefined);
        const last = exceptions?.['all-exceptions']?.at(-1);
        const code = (last?.code || 'JOB_FAILED') as WeirErrorCode;
        // The root exception's first line, without the code it may start with (the error has it).
        const root = exceptions?.['root-exception']?.split('\n')[0].replace(`${code}: `, '');
        throw new WeirError(code, `job ${this.jobId} ("${this.jobName}") failed${root ? `: ${root}` : ''}`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
  }
}
