import type { TaskMetrics } from '../core/task-metrics.ts';
import type { JobVertex } from '../graph/job-graph.ts';
import type {
  BackPressureLevel,
  ChannelWatermark,
  ExecutionState,
  JobState,
  JobVertexSummary,
  SubtaskDetails,
  VertexDetails,
  VertexMetrics,
  VertexWatermarks,
} from './dispatcher.ts';

/**
 * A job vertex as the REST API shows it, computed from its subtasks' {@link TaskMetrics}: pure
 * functions, so every dispatcher (the cluster's, `weir run --web`'s) answers the same shapes.
 *
 * Flink's rules: counts, bytes and rates add up over the subtasks; the busy, back-pressured and idle
 * ratios are the maximum over the subtasks (a vertex is as back-pressured as its most back-pressured
 * subtask, which is what the dashboard colours); a vertex's input watermark is the minimum over its
 * subtasks, and a subtask's is the minimum over its non-idle input channels.
 */

/** Flink's thresholds: a back-pressure ratio up to 0.10 is ok, up to 0.5 low, above that high. */
export function backPressureLevel(ratio: number): BackPressureLevel {
  return ratio <= 0.1 ? 'ok' : ratio <= 0.5 ? 'low' : 'high';
}

/** Shares of time (0..1) a subtask was busy, back-pressured and idle, recently. */
export function timeRatios(t: TaskMetrics): { busy: number; backPressured: number; idle: number } {
  if (t.busyTimeMsPerSecond !== undefined) {
    return {
      busy: clamp01((t.busyTimeMsPerSecond ?? 0) / 1000),
      backPressured: clamp01((t.backPressuredTimeMsPerSecond ?? 0) / 1000),
      idle: clamp01((t.idleTimeMsPerSecond ?? 0) / 1000),
    };
  }
  // No rates reported: the shares since the task started.
  const total = t.busyMs + t.backPressuredMs + t.idleMs;
  if (!(total > 0)) return { busy: 0, backPressured: 0, idle: 0 };
  return {
    busy: clamp01(t.busyMs / total),
    backPressured: clamp01(t.backPressuredMs / total),
    idle: clamp01(t.idleMs / total),
  };
}

/** A subtask's execution state, from its task's state and the job's (a terminal job ends its tasks). */
export function executionStateOf(task: TaskMetrics | undefined, job: JobState): ExecutionState {
  const own = task === undefined ? undefined : TASK_STATE[task.state];
  if (own === 'FINISHED' || own === 'FAILED' || own === 'CANCELED') return own;
  switch (job) {
    case 'FINISHED':
      return 'FINISHED';
    case 'FAILED':
    case 'CANCELED':
    case 'SUSPENDED':
      return 'CANCELED';
    case 'CANCELLING':
      return 'CANCELING';
    case 'CREATED':
      return own ?? 'CREATED';
    default:
      return own ?? 'DEPLOYING';
  }
}

const TASK_STATE: Record<string, ExecutionState> = {
  created: 'DEPLOYING',
  running: 'RUNNING',
  finishing: 'RUNNING',
  finished: 'FINISHED',
  failed: 'FAILED',
  cancelled: 'CANCELED',
};

/** Flink's aggregate state of a vertex: failures and cancellation first, then running, then all finished. */
export function aggregateState(states: readonly ExecutionState[]): ExecutionState {
  for (const s of ['FAILED', 'CANCELING', 'CANCELED', 'RUNNING'] as const) if (states.includes(s)) return s;
  if (states.length > 0 && states.every((s) => s === 'FINISHED')) return 'FINISHED';
  for (const s of ['DEPLOYING', 'SCHEDULED', 'CREATED'] as const) if (states.includes(s)) return s;
  return 'CREATED';
}

/** The vertex's metrics from those of its subtasks. */
export function vertexMetricsOf(tasks: readonly TaskMetrics[]): VertexMetrics {
  const m: VertexMetrics = {
    'read-records': 0,
    'write-records': 0,
    'read-bytes': 0,
    'write-bytes': 0,
    'backpressured-ms': 0,
    'busy-ms': 0,
    'idle-ms': 0,
    'read-records-per-second': 0,
    'write-records-per-second': 0,
    'busy-ratio': 0,
    'backpressure-ratio': 0,
    'idle-ratio': 0,
    'current-input-watermark': null,
  };
  let watermark = Number.POSITIVE_INFINITY;
  let anyWithout = false;
  for (const t of tasks) {
    m['read-records'] += t.recordsIn;
    m['write-records'] += t.recordsOut;
    m['read-bytes'] += t.bytesIn ?? 0;
    m['write-bytes'] += t.bytesOut ?? 0;
    m['backpressured-ms'] += t.backPressuredMs;
    m['busy-ms'] += t.busyMs;
    m['idle-ms'] += t.idleMs;
    m['read-records-per-second'] += t.recordsInPerSecond ?? 0;
    m['write-records-per-second'] += t.recordsOutPerSecond ?? 0;
    const r = timeRatios(t);
    m['busy-ratio'] = Math.max(m['busy-ratio'], r.busy);
    m['backpressure-ratio'] = Math.max(m['backpressure-ratio'], r.backPressured);
    m['idle-ratio'] = Math.max(m['idle-ratio'], r.idle);
    const w = t.currentInputWatermark;
    if (w === null || w === undefined) anyWithout = true;
    else watermark = Math.min(watermark, w);
  }
  m['current-input-watermark'] = anyWithout || !Number.isFinite(watermark) ? null : watermark;
  return m;
}

/** The subtasks' latest metrics of one vertex, by subtask index. */
export function tasksOf(vertex: JobVertex, metrics: readonly TaskMetrics[]): Array<TaskMetrics | undefined> {
  const byIndex: Array<TaskMetrics | undefined> = new Array(vertex.parallelism).fill(undefined);
  for (const t of metrics) {
    if (t.vertexId === vertex.id && t.subtask >= 0 && t.subtask < vertex.parallelism) byIndex[t.subtask] = t;
  }
  return byIndex;
}

/** One vertex of `GET /jobs/:jobid`. */
export function vertexSummary(
  vertex: JobVertex,
  metrics: readonly TaskMetrics[],
  job: JobState,
): JobVertexSummary {
  const tasks = tasksOf(vertex, metrics);
  const reported = tasks.filter((t): t is TaskMetrics => t !== undefined);
  const states = tasks.map((t) => executionStateOf(t, job));
  const counts: Partial<Record<ExecutionState, number>> = {};
  for (const s of states) counts[s] = (counts[s] ?? 0) + 1;
  const vm = vertexMetricsOf(reported);
  return {
    id: vertex.id,
    name: vertex.name,
    parallelism: vertex.parallelism,
    status: aggregateState(states),
    tasks: counts,
    metrics: vm,
    'backpressure-level': backPressureLevel(vm['backpressure-ratio']),
  };
}

/**
 * `GET /jobs/:jobid/vertices/:vertexid`. `taskManagerOf` names the TaskManager running a subtask
 * (undefined: not deployed, or not known).
 */
export function vertexDetails(
  vertex: JobVertex,
  metrics: readonly TaskMetrics[],
  job: JobState,
  now: number,
  taskManagerOf: (subtask: number) => string | undefined,
): VertexDetails {
  const summary = vertexSummary(vertex, metrics, job);
  const subtasks: SubtaskDetails[] = tasksOf(vertex, metrics).map((t, subtask) => ({
    subtask,
    status: executionStateOf(t, job),
    'taskmanager-id': taskManagerOf(subtask) ?? null,
    'backpressure-level': backPressureLevel(t === undefined ? 0 : timeRatios(t).backPressured),
    metrics: t ?? null,
  }));
  return {
    id: vertex.id,
    name: vertex.name,
    parallelism: vertex.parallelism,
    maxParallelism: vertex.maxParallelism,
    now,
    status: summary.status,
    operators: vertex.operators.map((o) => ({ uid: o.uid, name: o.name, kind: o.kind })),
    metrics: summary.metrics,
    'backpressure-level': summary['backpressure-level'],
    subtasks,
  };
}

/**
 * `GET /jobs/:jobid/vertices/:vertexid/watermarks`. A channel or subtask without a watermark yet
 * holds the others back, so it counts as the lowest.
 */
export function vertexWatermarks(vertex: JobVertex, metrics: readonly TaskMetrics[]): VertexWatermarks {
  const subtasks = tasksOf(vertex, metrics).map((t, subtask) => {
    const channels: ChannelWatermark[] = (t?.inputChannelWatermarks ?? []).map((c) => ({
      input: c.input,
      channel: c.channel,
      watermark: c.watermark,
      idle: c.idle,
    }));
    let slowestInput: ChannelWatermark | null = null;
    for (const c of channels) {
      if (c.idle) continue;
      if (slowestInput === null || lower(c.watermark, slowestInput.watermark)) slowestInput = c;
    }
    return {
      subtask,
      currentInputWatermark: t?.currentInputWatermark ?? null,
      currentOutputWatermark: t?.currentOutputWatermark ?? null,
      channels,
      slowestInput,
    };
  });
  let slowest: (typeof subtasks)[number] | undefined;
  for (const s of subtasks) {
    if (slowest === undefined || lower(s.currentInputWatermark, slowest.currentInputWatermark)) slowest = s;
  }
  const anyWatermark = subtasks.some((s) => s.currentInputWatermark !== null);
  return {
    id: vertex.id,
    name: vertex.name,
    currentInputWatermark: anyWatermark && slowest !== undefined ? slowest.currentInputWatermark : null,
    slowestSubtask: anyWatermark && slowest !== undefined ? slowest.subtask : null,
    subtasks,
  };
}

/** True when watermark `a` is lower than `b`, none (null) being the lowest. */
function lower(a: number | null, b: number | null): boolean {
  if (a === null) return b !== null;
  return b !== null && a < b;
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}
