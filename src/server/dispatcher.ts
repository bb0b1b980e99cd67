import type { TaskMetrics } from '../core/task-metrics.ts';

/**
 * The JobManager as the REST API sees it. The REST layer (src/server/) is only HTTP: it validates a
 * request, confines its paths, and asks the {@link Dispatcher} (the JobManager's job registry). The
 * response types are Flink's REST resource shapes where they fit (hyphenated keys included), so the
 * JSON the server sends is exactly what the dispatcher returns, checked against the route's schema.
 */

/** A job's status, in Flink's spelling (`CANCELED` with one L). */
export type JobState =
  | 'CREATED'
  | 'RUNNING'
  | 'RESTARTING'
  | 'FINISHED'
  | 'FAILED'
  | 'CANCELLING'
  | 'CANCELED'
  | 'SUSPENDED';

/** One job in `GET /jobs/overview`. Times are epoch milliseconds; `end-time` is -1 while the job runs. */
export interface JobSummary {
  jid: string;
  name: string;
  state: JobState;
  'start-time': number;
  'end-time': number;
  duration: number;
  parallelism: number;
}

/** Counters of one job vertex (a chain of operators), summed over its subtasks. */
export interface VertexMetrics {
  'read-records': number;
  'write-records': number;
  'read-bytes': number;
  'write-bytes': number;
  'backpressured-ms': number;
  'busy-ms': number;
  'idle-ms': number;
  /** Rates over the tasks' recent past, summed over the subtasks. */
  'read-records-per-second': number;
  'write-records-per-second': number;
  /**
   * Shares of time (0..1) busy, back-pressured and idle, the maximum over the subtasks: Flink colours
   * a vertex by its busiest (most back-pressured) subtask.
   */
  'busy-ratio': number;
  'backpressure-ratio': number;
  'idle-ratio': number;
  /** The vertex's input watermark: the minimum over its subtasks (epoch ms; null: none yet). */
  'current-input-watermark': number | null;
}

/** Flink's back-pressure levels: a ratio up to 0.10 is `ok`, up to 0.5 `low`, above that `high`. */
export type BackPressureLevel = 'ok' | 'low' | 'high';

/**
 * A vertex's or subtask's status, Flink's execution states (a vertex shows the most advanced state
 * of its subtasks: FAILED over CANCELED over RUNNING over FINISHED...).
 */
export type ExecutionState =
  | 'CREATED'
  | 'SCHEDULED'
  | 'DEPLOYING'
  | 'RUNNING'
  | 'FINISHED'
  | 'CANCELING'
  | 'CANCELED'
  | 'FAILED';

/** One vertex of `GET /jobs/:jobid`. */
export interface JobVertexSummary {
  id: string;
  name: string;
  parallelism: number;
  status: ExecutionState;
  /** How many subtasks are in each state (Flink's `tasks`). */
  tasks: Partial<Record<ExecutionState, number>>;
  metrics: VertexMetrics;
  'backpressure-level': BackPressureLevel;
}

/** `GET /jobs/:jobid`. */
export interface JobDetails extends JobSummary {
  now: number;
  vertices: JobVertexSummary[];
  restarts: number;
}

/** One subtask of `GET /jobs/:jobid/vertices/:vertexid`. */
export interface SubtaskDetails {
  subtask: number;
  status: ExecutionState;
  /** The TaskManager whose slot runs it (null: not known, e.g. not deployed). */
  'taskmanager-id': string | null;
  'backpressure-level': BackPressureLevel;
  /** Its metrics as the task reports them (src/core/task-metrics.ts), camelCase keys; null before its first report. */
  metrics: TaskMetrics | null;
}

/** `GET /jobs/:jobid/vertices/:vertexid`: a vertex with its operators and subtasks. */
export interface VertexDetails {
  id: string;
  name: string;
  parallelism: number;
  maxParallelism: number;
  now: number;
  status: ExecutionState;
  /** The operators chained in the vertex, head first. */
  operators: Array<{ uid: string; name: string; kind: string }>;
  metrics: VertexMetrics;
  'backpressure-level': BackPressureLevel;
  subtasks: SubtaskDetails[];
}

/** A channel's watermark, in a subtask's input. */
export interface ChannelWatermark {
  /** The input (0, or 1 for the second input of a two-input operator). */
  input: number;
  /** The channel in that input (the upstream subtask). */
  channel: number;
  watermark: number | null;
  idle: boolean;
}

/** `GET /jobs/:jobid/vertices/:vertexid/watermarks`. Watermarks are epoch ms, or null while none arrived. */
export interface VertexWatermarks {
  id: string;
  name: string;
  /** The minimum input watermark over the subtasks. */
  currentInputWatermark: number | null;
  /** The subtask with the lowest input watermark (null: none has one). */
  slowestSubtask: number | null;
  subtasks: Array<{
    subtask: number;
    currentInputWatermark: number | null;
    currentOutputWatermark: number | null;
    channels: ChannelWatermark[];
    /** The non-idle channel with the minimum watermark: what holds this subtask back (null: none). */
    slowestInput: ChannelWatermark | null;
  }>;
}

/** `GET /jobs/:jobid/plan`: the job graph, as Flink's `plan` (nodes with their inputs). */
export interface JobPlanResponse {
  plan: {
    jid: string;
    name: string;
    nodes: Array<{
      id: string;
      parallelism: number;
      operator: string;
      description: string;
      inputs: Array<{ num: number; id: string; ship_strategy: string }>;
    }>;
  };
}

/** `GET /jobs/:jobid/exceptions`: the failure that ended or restarted the job, and earlier ones. */
export interface JobExceptions {
  'root-exception': string | null;
  timestamp: number | null;
  'all-exceptions': JobExceptionEntry[];
  truncated: boolean;
}

/** One failure of a job, newest first in `all-exceptions`. */
export interface JobExceptionEntry {
  exception: string;
  timestamp: number;
  code: string;
  /** The task (vertex name) that failed; null for a failure of no one task (a lost TaskManager, a deploy). */
  taskName: string | null;
  /** `vertexId#subtask` (subtask from 0) of the failed task; null when not known. */
  location: string | null;
  /** The record being processed when it failed, as text, at most 1 KiB (null: none, or not known). */
  record: string | null;
  /** Where that record came from: `topic "t" partition 3 offset 18422`, `file "in.csv" line 7` (null: not known). */
  position: string | null;
  /** The source that read it, when the position is a source's. */
  source: string | null;
}

/** `GET /jobs/:jobid/checkpoints`, Flink's checkpointing statistics (a subset). */
export interface CheckpointingStatistics {
  counts: { restored: number; total: number; in_progress: number; completed: number; failed: number };
  latest: {
    completed: {
      id: number;
      external_path: string;
      end_to_end_duration: number;
      trigger_timestamp: number;
      latest_ack_timestamp: number;
      state_size: number;
    } | null;
    restored: { id: number; external_path: string } | null;
    failure: string | null;
  };
  /** Newest first. */
  history: CheckpointHistoryItem[];
}

/** One checkpoint of `GET /jobs/:jobid/checkpoints`' history (Flink's names). Times: epoch ms; durations: ms. */
export interface CheckpointHistoryItem {
  id: number;
  status: 'COMPLETED' | 'FAILED' | 'IN_PROGRESS';
  is_savepoint: boolean;
  trigger_timestamp: number;
  /** When the last subtask acknowledged (0: none yet, or not known). */
  latest_ack_timestamp: number;
  end_to_end_duration: number;
  /** Bytes (0: not known). */
  state_size: number;
  /** The longest barrier alignment of a subtask, ms. */
  alignment_duration: number;
  num_subtasks: number;
  num_acknowledged_subtasks: number;
  external_path: string | null;
  failure_message: string | null;
}

/** One registered TaskManager in `GET /taskmanagers`. */
export interface TaskManagerInfo {
  id: string;
  address: string;
  dataPort: number;
  slotsNumber: number;
  freeSlots: number;
  timeSinceLastHeartbeat: number;
  /** The TaskManager's machine, as it last reported it (registration, then with its heartbeats). Bytes. */
  hardware: { cpuCores: number; physicalMemory: number; freeMemory: number };
  /** The TaskManager process's memory (all its slot threads), bytes. */
  memory: { heapUsed: number; heapTotal: number; rss: number };
}

/** `GET /taskmanagers/:tmid`: a TaskManager and what runs in each of its slots. */
export interface TaskManagerDetails extends TaskManagerInfo {
  slots: Array<{
    /** The slot's index on the TaskManager. */
    index: number;
    /** The job running in it (null: free). */
    jobId: string | null;
    jobName: string | null;
    /** Its subtasks (slot sharing: one subtask of several vertices). */
    tasks: Array<{ vertexId: string; vertexName: string; subtask: number }>;
  }>;
}

/** `GET /overview`. */
export interface ClusterOverview {
  taskmanagers: number;
  'slots-total': number;
  'slots-available': number;
  'jobs-running': number;
  'jobs-finished': number;
  'jobs-cancelled': number;
  'jobs-failed': number;
  'weir-version': string;
}

/** A job submission, as the REST server hands it to the dispatcher after its checks. */
export interface SubmitRequest {
  /** The bundled job module. `name` is a plain file name (checked); the JobManager never uses it as a path. */
  artifact: { name: string; code: string };
  /** Weir evaluates a module, it has no entry class: always absent. */
  entryClass?: never;
  parallelism?: number;
  args: string[];
  env: Record<string, string>;
  /** Absolute, already resolved by the server inside the savepoint or checkpoint root. */
  savepointPath?: string;
  allowNonRestoredState: boolean;
}

/** Flink's asynchronous operation result for a savepoint trigger. */
export type SavepointOperation =
  | { status: { id: 'IN_PROGRESS' } }
  | {
      status: { id: 'COMPLETED' };
      operation: { location: string } | { 'failure-cause': { code: string; message: string } };
    };

/**
 * The JobManager's job registry, as used by the REST routes. Reads are synchronous snapshots; a read
 * of an unknown job returns `undefined` (the server answers 404 `JOB_NOT_FOUND`). Failures are thrown
 * as `WeirError`s, whose codes the server maps to HTTP statuses (src/server/error-status.ts).
 */
export interface Dispatcher {
  overview(): ClusterOverview;
  jobs(): JobSummary[];
  job(jobId: string): JobDetails | undefined;
  plan(jobId: string): JobPlanResponse | undefined;
  exceptions(jobId: string): JobExceptions | undefined;
  checkpoints(jobId: string): CheckpointingStatistics | undefined;
  /** A vertex with its subtasks and their metrics; `undefined` for an unknown job or vertex. */
  vertex(jobId: string, vertexId: string): VertexDetails | undefined;
  /** A vertex's watermarks per subtask and input channel; `undefined` for an unknown job or vertex. */
  watermarks(jobId: string, vertexId: string): VertexWatermarks | undefined;
  taskManagers(): TaskManagerInfo[];
  /** `undefined` for an unknown TaskManager (404 `NOT_FOUND`). */
  taskManager(taskManagerId: string): TaskManagerDetails | undefined;
  /** The effective configuration, already without secrets (the server redacts secret-looking keys again). */
  config(): Record<string, string>;
  /** Plans and deploys a job; may throw `GRAPH_MISMATCH`, `NOT_ENOUGH_SLOTS`, `INVALID_ARGUMENT`, ... */
  submit(request: SubmitRequest): Promise<{ jobid: string }>;
  cancel(jobId: string): Promise<void>;
  /** Starts a savepoint (stop=true: stop-with-savepoint); targetDirectory is absolute, inside the savepoint root. */
  savepoint(jobId: string, targetDirectory: string, stop: boolean): { triggerId: string };
  /** The state of a savepoint started by {@link savepoint}; `undefined` for an unknown trigger. */
  savepointStatus(jobId: string, triggerId: string): SavepointOperation | undefined;
}
