/**
 * The user metrics of one task (a subtask's chain of operators). Each operator instance gets a
 * metric group on first use of `getRuntimeContext().getMetricGroup()`; the registry lists every
 * metric registered under any of them with its scope, for reporters (REST, Prometheus) to read.
 * Nothing here runs per record: groups and metrics are created by user code, usually in `open()`.
 */
import { hostname } from 'node:os';
import {
  type Counter,
  DescriptiveStatisticsHistogram,
  type Gauge,
  type Histogram,
  type Meter,
  MeterView,
  type Metric,
  type MetricGroup,
  SimpleCounter,
} from '../../api/metrics.ts';
import type { Clock } from '../../core/clock.ts';
import { WeirError } from '../../core/errors.ts';
import { processLogger } from '../../core/logger.ts';

/** What kind of metric an entry holds. */
export type MetricKind = 'counter' | 'gauge' | 'histogram' | 'meter';

/** One registered metric with where it lives. */
export interface RegisteredMetric {
  kind: MetricKind;
  /** The name given at registration. */
  name: string;
  /** The scope's components and the name, joined by dots. */
  identifier: string;
  /** The group's scope components (`host`, `taskmanager`, TaskManager id, job, operator, subtask, user groups). */
  scopeComponents: readonly string[];
  /** The group's variables (`job_name`, `operator_name`, `subtask_index`, user key-value groups): labels. */
  scope: Readonly<Record<string, string>>;
  metric: Metric;
}

/** Where a task runs and what it is: the variables at the root of its operators' scopes. */
export interface TaskMetricScope {
  jobId: string;
  /** The job's name; the job id when unknown. */
  jobName?: string;
  /** The task's (vertex's) name. */
  taskName: string;
  subtaskIndex: number;
  attemptNumber: number;
  /** The host; `os.hostname()` by default. */
  host?: string;
  /** The TaskManager; this process's id by default (slots are threads of one process). */
  taskManagerId?: string;
}

/** The registry of one task. */
export class MetricRegistry {
  private readonly task: TaskMetricScope;
  private readonly clock: Pick<Clock, 'now'> | undefined;
  private readonly operators = new Map<string, TaskMetricGroup>();
  private readonly entries: RegisteredMetric[] = [];

  /** `clock` times the meters the groups create (the task's clock). */
  constructor(task: TaskMetricScope, clock?: Pick<Clock, 'now'>) {
    this.task = task;
    this.clock = clock;
  }

  /** The group of operator `operatorId` (uid) in this task: created once, then the same. */
  operatorGroup(operatorId: string, operatorName: string): MetricGroup {
    let group = this.operators.get(operatorId);
    if (group === undefined) {
      const t = this.task;
      const host = t.host ?? hostname();
      const taskManagerId = t.taskManagerId ?? String(process.pid);
      const jobName = t.jobName ?? t.jobId;
      const subtask = String(t.subtaskIndex);
      group = new TaskMetricGroup(
        this,
        [host, 'taskmanager', taskManagerId, jobName, operatorName, subtask],
        {
          host,
          tm_id: taskManagerId,
          job_id: t.jobId,
          job_name: jobName,
          task_name: t.taskName,
          task_attempt_num: String(t.attemptNumber),
          subtask_index: subtask,
          operator_id: operatorId,
          operator_name: operatorName,
        },
      );
      this.operators.set(operatorId, group);
    }
    return group;
  }

  /** Every metric registered in this task, in registration order. */
  metrics(): RegisteredMetric[] {
    return this.entries.slice();
  }

  /** @internal A group records its new metric. */
  add(entry: RegisteredMetric): void {
    this.entries.push(entry);
  }

  /** @internal The clock of meters created by default. */
  meterClock(): Pick<Clock, 'now'> | undefined {
    return this.clock;
  }
}

/** A metric group of a task: an operator's, or one nested under it with `addGroup`. */
export class TaskMetricGroup implements MetricGroup {
  readonly registry: MetricRegistry;
  private readonly components: readonly string[];
  private readonly variables: Readonly<Record<string, string>>;
  private readonly metrics = new Map<string, { kind: MetricKind; metric: Metric }>();
  private readonly groups = new Map<string, TaskMetricGroup>();
  private readonly warned = new Set<string>();

  constructor(
    registry: MetricRegistry,
    components: readonly string[],
    variables: Readonly<Record<string, string>>,
  ) {
    this.registry = registry;
    this.components = Object.freeze([...components]);
    this.variables = Object.freeze({ ...variables });
  }

  counter(name: string): Counter;
  counter<C extends Counter>(name: string, counter: C): C;
  counter(name: string, counter?: Counter): Counter {
    return this.register(name, 'counter', () => counter ?? new SimpleCounter()) as Counter;
  }

  gauge<T>(name: string, gauge: Gauge<T> | (() => T)): Gauge<T> {
    return this.register(name, 'gauge', () =>
      typeof gauge === 'function' ? { getValue: gauge } : gauge,
    ) as Gauge<T>;
  }

  histogram(name: string): Histogram;
  histogram<H extends Histogram>(name: string, histogram: H): H;
  histogram(name: string, histogram?: Histogram): Histogram {
    return this.register(
      name,
      'histogram',
      () => histogram ?? new DescriptiveStatisticsHistogram(),
    ) as Histogram;
  }

  meter(name: string): Meter;
  meter<M extends Meter>(name: string, meter: M): M;
  meter(name: string, meter?: Meter): Meter {
    return this.register(
      name,
      'meter',
      () => meter ?? new MeterView({ clock: this.registry.meterClock() }),
    ) as Meter;
  }

  addGroup(name: string): MetricGroup;
  addGroup(key: string, value: string): MetricGroup;
  addGroup(key: string, value?: string): MetricGroup {
    const id = value === undefined ? key : `${key}\u0000${value}`;
    let group = this.groups.get(id);
    if (group === undefined) {
      group =
        value === undefined
          ? new TaskMetricGroup(this.registry, [...this.components, key], this.variables)
          : new TaskMetricGroup(this.registry, [...this.components, key, value], {
              ...this.variables,
              [key]: value,
            });
      this.groups.set(id, group);
    }
    return group;
  }

  getScopeComponents(): readonly string[] {
    return this.components;
  }

  getAllVariables(): Readonly<Record<string, string>> {
    return this.variables;
  }

  getMetricIdentifier(name: string): string {
    return [...this.components, name].join('.');
  }

  /**
   * Registers `name` once: a second registration gets the first metric back and warns once per
   * name; a second registration as another kind throws, since what it returns would lie about its type.
   */
  private register(name: string, kind: MetricKind, create: () => Metric): Metric {
    if (typeof name !== 'string' || name.length === 0) {
      throw new WeirError('INVALID_ARGUMENT', `a metric needs a non-empty name, not ${JSON.stringify(name)}`);
    }
    const existing = this.metrics.get(name);
    if (existing !== undefined) {
      if (existing.kind !== kind) {
        throw new WeirError(
          'INVALID_ARGUMENT',
          `metric "${this.getMetricIdentifier(name)}" is a ${existing.kind}, it cannot be registered as a ${kind}`,
        );
      }
      if (!this.warned.has(name)) {
        this.warned.add(name);
        processLogger().warn(
          `metric "${this.getMetricIdentifier(name)}" is already registered; the first ${kind} is kept`,
        );
      }
      return existing.metric;
    }
    const metric = create();
    if (kind === 'gauge' && typeof (metric as Gauge<unknown>)?.getValue !== 'function') {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `gauge "${this.getMetricIdentifier(name)}" needs a function or an object with getValue()`,
      );
    }
    this.metrics.set(name, { kind, metric });
    this.registry.add({
      kind,
      name,
      identifier: this.getMetricIdentifier(name),
      scopeComponents: this.components,
      scope: this.variables,
      metric,
    });
    return metric;
  }
}
