import type { CheckpointStatistics } from '../../core/job-client.ts';
import type { FamilySet } from './prometheus-families.ts';

/** What the JobManager scope reads at scrape time. */
export interface JobManagerMetricsView {
  /** The cluster's TaskManagers and slots now. */
  overview(): { taskManagers: number; slotsTotal: number; slotsAvailable: number };
  /** The jobs that have not ended. */
  jobs(): readonly JobMetricsView[];
}

/** One job as the job scope reads it. */
export interface JobMetricsView {
  jobId: string;
  jobName: string;
  /** When the job started (epoch ms); unknown: no uptime. */
  startTime?: number;
  /** Unset when the job's client has no checkpoint statistics. */
  statistics?: CheckpointStatistics;
}

const JM = 'weir_jobmanager_';
const JOB = 'weir_jobmanager_job_';

/**
 * The JobManager scope (`weir_jobmanager_*`, no labels) and the job scope (`weir_jobmanager_job_*`,
 * labels `job_id` and `job_name`), with Flink's metric names.
 */
export function collectJobManager(view: JobManagerMetricsView, out: FamilySet): void {
  const cluster = view.overview();
  const jobs = view.jobs();
  out.gauge(`${JM}numRegisteredTaskManagers`, 'Registered TaskManagers.', {}, cluster.taskManagers);
  out.gauge(`${JM}taskSlotsTotal`, 'Task slots of all TaskManagers.', {}, cluster.slotsTotal);
  out.gauge(`${JM}taskSlotsAvailable`, 'Task slots not in use.', {}, cluster.slotsAvailable);
  out.gauge(`${JM}numRunningJobs`, 'Jobs that have not ended.', {}, jobs.length);
  for (const job of jobs) {
    const labels = { job_id: job.jobId, job_name: job.jobName };
    if (job.startTime !== undefined) {
      out.gauge(`${JOB}uptime`, 'Milliseconds since the job started.', labels, out.now - job.startTime);
    }
    const s = job.statistics;
    if (s === undefined) continue;
    out.gauge(`${JOB}numRestarts`, 'Restarts of the job since it was submitted.', labels, s.restarts);
    out.gauge(
      `${JOB}lastCheckpointDuration`,
      'Milliseconds the last completed checkpoint took.',
      labels,
      s.lastDurationMs,
    );
    out.gauge(
      `${JOB}lastCheckpointSize`,
      'Bytes of state in the last completed checkpoint.',
      labels,
      s.lastSizeBytes,
    );
    out.gauge(`${JOB}totalNumberOfCheckpoints`, 'Checkpoints triggered.', labels, s.triggered);
    out.gauge(`${JOB}numberOfCompletedCheckpoints`, 'Checkpoints completed.', labels, s.completed);
    out.gauge(`${JOB}numberOfFailedCheckpoints`, 'Checkpoints failed.', labels, s.failed);
    out.gauge(`${JOB}numberOfInProgressCheckpoints`, 'Checkpoints in progress.', labels, s.inProgress);
    out.gauge(
      `${JOB}lastCompletedCheckpointId`,
      'Id of the last completed checkpoint.',
      labels,
      s.lastCompletedId,
    );
  }
}
