/**
 * What each kind of process exposes to Prometheus, read from what it already has: the JobManager
 * its dispatcher's jobs and resource manager; a TaskManager the metrics its slots report every
 * second (TaskMetricsTap); `weir run` both scopes, from its job clients.
 */
import { hostname } from 'node:os';
import type { JobClient } from '../../core/job-client.ts';
import type { TaskMetrics } from '../../core/task-metrics.ts';
import type { ClusterConfig } from '../cluster/cluster-config.ts';
import type { ClusterDispatcher } from '../cluster/cluster-dispatcher.ts';
import type { WorkerMessage } from '../cluster/worker-protocol.ts';
import { isTerminal } from '../scheduler/job-status.ts';
import { PrometheusExporter, type PrometheusScope } from './prometheus-exporter.ts';
import type { JobManagerMetricsView, JobMetricsView } from './prometheus-job-manager-collector.ts';
import { type PrometheusServer, startPrometheusServer } from './prometheus-server.ts';
import type { JobTasksView, TaskManagerMetricsView } from './prometheus-task-collector.ts';

/**
 * Starts a cluster process's endpoint from its configuration (`metrics.reporter.prom.*`, the token
 * `rest.auth.token`); undefined when its port is busy (said on `log`).
 */
export function startClusterMetrics(
  config: ClusterConfig,
  scopes: readonly PrometheusScope[],
  log: (line: string) => void,
): Promise<PrometheusServer | undefined> {
  const { port, host } = config.metrics.reporter.prom;
  return startPrometheusServer({
    exporter: new PrometheusExporter({ scopes, log }),
    host,
    port,
    token: config.rest.auth.token,
    settings: { port: 'metrics.reporter.prom.port', host: 'metrics.reporter.prom.host' },
    log,
  });
}

/** The JobManager scope of a standalone cluster's JobManager. */
export function dispatcherView(dispatcher: ClusterDispatcher): JobManagerMetricsView {
  return {
    overview: () => {
      const o = dispatcher.overview();
      return {
        taskManagers: o.taskmanagers,
        slotsTotal: o['slots-total'],
        slotsAvailable: o['slots-available'],
      };
    },
    jobs: () =>
      dispatcher.running().map((master) => ({
        jobId: master.jobId,
        jobName: master.jobName,
        startTime: master.startTime,
        statistics: master.getCheckpointStatistics(),
      })),
  };
}

/** A job of `weir run`: its client and name. */
export interface LocalJob {
  client: JobClient;
  name: string;
}

/**
 * Both scopes of a `weir run` process: its local mini-cluster is one TaskManager of `slots` slots,
 * each job using as many as its widest vertex's parallelism (at most all of them).
 */
export function localRunScopes(jobs: () => readonly LocalJob[], slots: number): PrometheusScope[] {
  const running = () => jobs().filter((j) => !isTerminal(j.client.getJobStatus()));
  const jobView: JobManagerMetricsView = {
    overview: () => {
      let used = 0;
      for (const j of running()) {
        let widest = 0;
        for (const t of j.client.getMetrics()) widest = Math.max(widest, t.parallelism);
        used += Math.min(slots, widest);
      }
      return { taskManagers: 1, slotsTotal: slots, slotsAvailable: Math.max(0, slots - used) };
    },
    jobs: () =>
      running().map(
        (j): JobMetricsView => ({
          jobId: j.client.jobId,
          jobName: j.name,
          // JobMaster's, which the JobClient contract leaves out.
          startTime: (j.client as Partial<{ startTime: number }>).startTime,
          statistics: j.client.getCheckpointStatistics?.(),
        }),
      ),
  };
  const taskView: TaskManagerMetricsView = {
    host: hostname(),
    taskManagerId: String(process.pid),
    jobs: () =>
      running().map((j) => ({
        jobId: j.client.jobId,
        jobName: j.name,
        attempt: j.client.getCheckpointStatistics?.().restarts,
        tasks: j.client.getMetrics(),
      })),
  };
  return [
    { kind: 'jobmanager', view: jobView },
    { kind: 'taskmanager', view: taskView },
  ];
}

/**
 * A TaskManager's view of its own subtasks: the latest metrics each of its slots sent (the
 * `metrics` and `done` messages it forwards to the JobManager anyway), per job attempt, until the
 * attempt is released or discarded.
 */
export class TaskMetricsTap implements TaskManagerMetricsView {
  readonly host = hostname();
  readonly taskManagerId: string;
  private readonly attempts = new Map<string, { job: JobTasksView; byTask: Map<string, TaskMetrics> }>();

  constructor(taskManagerId: string) {
    this.taskManagerId = taskManagerId;
  }

  /** An attempt deployed here; `graphJson` is the job graph, for the job's name. */
  deployed(jobId: string, attempt: number, graphJson: string): void {
    let jobName = jobId;
    try {
      jobName = (JSON.parse(graphJson) as { jobName?: string }).jobName ?? jobId;
    } catch {
      // A graph that does not parse fails the deployment elsewhere; the id names the job meanwhile.
    }
    this.attempts.set(key(jobId, attempt), {
      job: { jobId, jobName, attempt, tasks: [] },
      byTask: new Map(),
    });
  }

  /** A message of one of the attempt's slots. */
  message(jobId: string, attempt: number, m: WorkerMessage): void {
    if (m.type !== 'metrics' && m.type !== 'done') return;
    const entry = this.attempts.get(key(jobId, attempt));
    if (entry === undefined) return;
    for (const t of m.tasks) entry.byTask.set(`${t.vertexId}#${t.subtask}`, t);
  }

  /** The attempt's slots here are released or discarded. */
  ended(jobId: string, attempt: number): void {
    this.attempts.delete(key(jobId, attempt));
  }

  jobs(): JobTasksView[] {
    return [...this.attempts.values()].map(({ job, byTask }) => ({ ...job, tasks: [...byTask.values()] }));
  }
}

function key(jobId: string, attempt: number): string {
  return `${jobId}/${attempt}`;
}
