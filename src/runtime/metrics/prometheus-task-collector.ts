import type { MetricSnapshot, OperatorMetrics, TaskMetrics } from '../../core/task-metrics.ts';
import { type FamilySet, type Labels, labelName, metricName } from './prometheus-families.ts';

/** What the task and operator scopes of one process read at scrape time. */
export interface TaskManagerMetricsView {
  /** The `host` label. */
  host: string;
  /** The `tm_id` label: the TaskManager's id (in `weir run`, the process's). */
  taskManagerId: string;
  /** The subtasks of this process's running attempts, by job. */
  jobs(): readonly JobTasksView[];
}

/** The subtasks of one job attempt that run in this process. */
export interface JobTasksView {
  jobId: string;
  jobName: string;
  /** The attempt (restarts so far), when known: the `task_attempt_num` label. */
  attempt?: number;
  tasks: readonly TaskMetrics[];
}

const TASK = 'weir_taskmanager_job_task_';
const OPERATOR = 'weir_taskmanager_job_task_operator_';

/** A task metric: its Flink name, help and where its value is in a TaskMetrics. */
type TaskGauge = [name: string, help: string, value: (t: TaskMetrics) => number | null | undefined];

const TASK_GAUGES: readonly TaskGauge[] = [
  ['numRecordsIn', 'Records the task received.', (t) => t.recordsIn],
  ['numRecordsOut', 'Records the task emitted.', (t) => t.recordsOut],
  ['numRecordsInPerSecond', 'Records received per second.', (t) => t.recordsInPerSecond],
  ['numRecordsOutPerSecond', 'Records emitted per second.', (t) => t.recordsOutPerSecond],
  ['numBytesIn', 'Serialized bytes read from channels across threads or processes.', (t) => t.bytesIn],
  ['numBytesOut', 'Serialized bytes written to channels across threads or processes.', (t) => t.bytesOut],
  ['numBytesInPerSecond', 'Bytes read per second.', (t) => t.bytesInPerSecond],
  ['numBytesOutPerSecond', 'Bytes written per second.', (t) => t.bytesOutPerSecond],
  [
    'busyTimeMsPerSecond',
    'Milliseconds per second the task was busy (0..1000).',
    (t) => t.busyTimeMsPerSecond,
  ],
  [
    'idleTimeMsPerSecond',
    'Milliseconds per second the task was idle (0..1000).',
    (t) => t.idleTimeMsPerSecond,
  ],
  [
    'backPressuredTimeMsPerSecond',
    'Milliseconds per second the task was back-pressured (0..1000).',
    (t) => t.backPressuredTimeMsPerSecond,
  ],
  ['accumulateBusyTimeMs', 'Milliseconds the task was busy in total.', (t) => t.busyMs],
  ['accumulateIdleTimeMs', 'Milliseconds the task was idle in total.', (t) => t.idleMs],
  [
    'accumulateBackPressuredTimeMs',
    'Milliseconds the task was back-pressured in total.',
    (t) => t.backPressuredMs,
  ],
  ['buffers_inputQueueLength', 'Elements waiting in the input channels.', (t) => t.inputQueue],
  [
    'currentInputWatermark',
    'The input watermark: the minimum over the input channels (epoch ms).',
    (t) => t.currentInputWatermark,
  ],
  ['currentOutputWatermark', 'The watermark last emitted (epoch ms).', (t) => t.currentOutputWatermark],
  ['stateSize', 'Bytes of state in the last completed checkpoint.', (t) => t.stateSize],
  [
    'pendingCommits',
    'Commits or acknowledged writes of the sink not yet completed.',
    (t) => t.pendingCommits,
  ],
  [
    'numRecordsInErrors',
    'Records the source could not read (skipped or dead-lettered).',
    (t) => t.recordsInErrors,
  ],
];

type OperatorGauge = [name: string, help: string, value: (o: OperatorMetrics) => number | null | undefined];

const OPERATOR_GAUGES: readonly OperatorGauge[] = [
  ['numRecordsIn', 'Records the operator received.', (o) => o.recordsIn],
  ['numRecordsOut', 'Records the operator emitted.', (o) => o.recordsOut],
  ['currentInputWatermark', "The operator's input watermark (epoch ms).", (o) => o.currentInputWatermark],
  [
    'currentOutputWatermark',
    'The watermark the operator last emitted (epoch ms).',
    (o) => o.currentOutputWatermark,
  ],
  [
    'numLateRecordsDropped',
    'Records dropped by a window operator for being late.',
    (o) => o.lateRecordsDropped,
  ],
];

/** The labels the scopes set; a user group's key with one of these names does not override them. */
const RESERVED = new Set([
  'host',
  'tm_id',
  'job_id',
  'job_name',
  'task_id',
  'task_name',
  'subtask_index',
  'task_attempt_num',
  'operator_id',
  'operator_name',
]);

/**
 * The task scope (`weir_taskmanager_job_task_*`: labels host, tm_id, job_id, job_name, task_id,
 * task_name, subtask_index, task_attempt_num) and the operator scope
 * (`weir_taskmanager_job_task_operator_*`: the task's labels and operator_id, operator_name), with
 * the operators' user metrics, the sinks' latency and the Kafka readers' lag per partition.
 */
export function collectTasks(view: TaskManagerMetricsView, out: FamilySet): void {
  for (const job of view.jobs()) {
    for (const t of job.tasks) {
      const labels: Record<string, string> = {
        host: view.host,
        tm_id: view.taskManagerId,
        job_id: job.jobId,
        job_name: job.jobName,
        task_id: t.vertexId,
        task_name: t.vertex,
        subtask_index: String(t.subtask),
      };
      if (job.attempt !== undefined) labels.task_attempt_num = String(job.attempt);
      for (const [name, help, value] of TASK_GAUGES) out.gauge(TASK + name, help, labels, value(t));
      const input = t.currentInputWatermark;
      if (typeof input === 'number') {
        out.gauge(
          `${TASK}watermarkLag`,
          'Milliseconds between now and the input watermark (event-time lag).',
          labels,
          out.now - input,
        );
      }
      const operators = t.operators ?? [];
      for (const o of operators)
        collectOperator(o, { ...labels, operator_id: o.uid, operator_name: o.name }, out);
      if (t.consumerLag !== undefined) {
        // The Kafka source reader is the chain's head operator.
        const head = operators[0];
        const readerLabels = head ? { ...labels, operator_id: head.uid, operator_name: head.name } : labels;
        for (const { partition, lag } of t.consumerLag) {
          out.gauge(
            `${OPERATOR}KafkaSourceReader_consumerLag`,
            "Records between the reader's position and the end of a Kafka partition.",
            { ...readerLabels, ...topicPartition(partition) },
            lag,
          );
        }
      }
    }
  }
}

function collectOperator(o: OperatorMetrics, labels: Labels, out: FamilySet): void {
  for (const [name, help, value] of OPERATOR_GAUGES) out.gauge(OPERATOR + name, help, labels, value(o));
  out.summary(
    `${OPERATOR}latency`,
    'Milliseconds latency markers took from the sources to this sink.',
    labels,
    o.latency,
  );
  for (const m of o.user ?? []) collectUserMetric(m, labels, out);
}

/** A user metric, as Flink's reporter exports it: a counter and a meter (its rate) as gauges, a histogram as a summary. */
function collectUserMetric(m: MetricSnapshot, operatorLabels: Labels, out: FamilySet): void {
  let labels = operatorLabels;
  for (const [key, value] of Object.entries(m.scope)) {
    const name = labelName(key);
    if (RESERVED.has(name)) continue;
    if (labels === operatorLabels) labels = { ...operatorLabels };
    (labels as Record<string, string>)[name] = value;
  }
  const name = OPERATOR + metricName(m.name);
  const help = `User metric ${m.name} (${m.kind}).`;
  switch (m.kind) {
    case 'counter':
      out.gauge(name, help, labels, m.count);
      return;
    case 'gauge':
      // Numbers and booleans only, as Flink's reporter: a string gauge has no Prometheus value.
      if (typeof m.value === 'number') out.gauge(name, help, labels, m.value);
      else if (typeof m.value === 'boolean') out.gauge(name, help, labels, m.value ? 1 : 0);
      return;
    case 'meter':
      out.gauge(name, help, labels, m.rate);
      return;
    case 'histogram':
      out.summary(name, help, labels, m.statistics);
      return;
  }
}

/** `payments-3` -> topic `payments`, partition `3`; anything else is the partition as written. */
function topicPartition(text: string): Record<string, string> {
  const m = /^(.*)-(\d+)$/.exec(text);
  return m ? { topic: m[1], partition: m[2] } : { partition: text };
}
