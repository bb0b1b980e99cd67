/**
 * The Prometheus exporter of a process: a prom-client registry whose families are read from the
 * runtime's snapshots when Prometheus scrapes (see prometheus-families.ts for names and labels).
 * The task metrics are the ones the slots already send every second; the job and cluster numbers
 * are read from the job masters and the resource manager. Nothing is recorded per record for it,
 * so a process that is never scraped pays nothing but its idle HTTP server.
 */
import { collectDefaultMetrics, type Metric, Registry } from 'prom-client';
import { type Family, FamilySet } from './prometheus-families.ts';
import { collectJobManager, type JobManagerMetricsView } from './prometheus-job-manager-collector.ts';
import { collectTasks, type TaskManagerMetricsView } from './prometheus-task-collector.ts';

/** The scopes a process exposes. */
export type PrometheusScope =
  /** The JobManager: the cluster (`weir_jobmanager_*`) and its jobs (`weir_jobmanager_job_*`). */
  | { kind: 'jobmanager'; view: JobManagerMetricsView }
  /** A TaskManager: its subtasks (`weir_taskmanager_job_task_*`) and their operators. */
  | { kind: 'taskmanager'; view: TaskManagerMetricsView };

export interface PrometheusExporterOptions {
  scopes: readonly PrometheusScope[];
  /** prom-client's process and Node.js metrics, prefixed `weir_` (`weir_process_cpu_seconds_total`...); default true. */
  processMetrics?: boolean;
  /** Where a warning goes (a user metric named like a built-in one of another type). */
  log?: (line: string) => void;
}

/** A family in the registry: `get()` returns what the latest scrape collected. */
class SnapshotFamily {
  readonly name: string;
  family: Family;

  constructor(family: Family) {
    this.name = family.name;
    this.family = family;
  }

  get(): Family {
    return this.family;
  }
}

export class PrometheusExporter {
  readonly registry = new Registry();
  private readonly scopes: readonly PrometheusScope[];
  private readonly live = new Map<string, SnapshotFamily>();
  private readonly log: (line: string) => void;
  /** Warnings already given: a scrape every second must not repeat them every second. */
  private readonly warned = new Set<string>();

  constructor(options: PrometheusExporterOptions) {
    this.scopes = options.scopes;
    this.log = options.log ?? ((line) => console.error(line));
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'weir_' });
  }

  /** The exposition's content type (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * Collects every scope now and renders the exposition. Families that have no sample any more (a
   * job that ended) leave the registry, so Prometheus sees their series end.
   */
  async metrics(): Promise<string> {
    const set = new FamilySet(Date.now(), (line) => {
      if (this.warned.has(line)) return;
      this.warned.add(line);
      this.log(line);
    });
    for (const scope of this.scopes) {
      switch (scope.kind) {
        case 'jobmanager':
          collectJobManager(scope.view, set);
          break;
        case 'taskmanager':
          collectTasks(scope.view, set);
          break;
      }
    }
    for (const name of [...this.live.keys()]) {
      if (set.has(name)) continue;
      this.registry.removeSingleMetric(name);
      this.live.delete(name);
    }
    for (const family of set.all()) {
      const live = this.live.get(family.name);
      if (live !== undefined) {
        live.family = family;
        continue;
      }
      const created = new SnapshotFamily(family);
      this.live.set(family.name, created);
      this.registry.registerMetric(created as unknown as Metric);
    }
    return this.registry.metrics();
  }
}
