/**
 * The REST API's resource shapes as the dashboard reads them (Flink's shapes, hyphenated keys as the
 * server sends them; see src/server/dispatcher.ts). Fields added by newer servers are optional so
 * the dashboard degrades to what an older server answers.
 */

export type JobState =
  | 'CREATED'
  | 'RUNNING'
  | 'RESTARTING'
  | 'FINISHED'
  | 'FAILED'
  | 'CANCELLING'
  | 'CANCELED'
  | 'SUSPENDED';

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

export interface JobSummary {
  jid: string;
  name: string;
  state: JobState;
  'start-time': number;
  'end-time': number;
  duration: number;
  parallelism: number;
}

export type BackPressureLevel = 'ok' | 'low' | 'high';

export interface VertexMetrics {
  'read-records': number;
  'write-records': number;
  'read-bytes'?: number;
  'write-bytes'?: number;
  'read-records-per-second'?: number;
  'write-records-per-second'?: number;
  'busy-ratio'?: number;
  'backpressure-ratio'?: number;
  'idle-ratio'?: number;
}

export interface JobVertex {
  id: string;
  name: string;
  parallelism: number;
  status?: string;
  metrics: VertexMetrics;
  'backpressure-level'?: BackPressureLevel;
}

export interface JobDetails extends JobSummary {
  now: number;
  vertices: JobVertex[];
  restarts: number;
}

export interface PlanNode {
  id: string;
  parallelism: number;
  operator: string;
  description: string;
  inputs?: Array<{ num: number; id: string; ship_strategy: string }>;
}

export interface JobPlan {
  plan: { jid: string; name: string; nodes: PlanNode[] };
}

export interface SubtaskDetails {
  subtask: number;
  status?: string;
  'taskmanager-id'?: string | null;
  'backpressure-level'?: BackPressureLevel;
  /** The subtask's TaskMetrics (src/core/task-metrics.ts), null before its first report. */
  metrics?: Record<string, unknown> | null;
}

export interface VertexDetails {
  id: string;
  name: string;
  parallelism: number;
  maxParallelism?: number;
  /** The chained operators, head first. */
  operators?: Array<{ uid: string; name: string; kind: string }>;
  subtasks: SubtaskDetails[];
}

export interface ChannelWatermark {
  input: number;
  channel: number;
  watermark: number | null;
  idle: boolean;
}

export interface SubtaskWatermarks {
  subtask: number;
  currentInputWatermark: number | null;
  currentOutputWatermark: number | null;
  channels?: ChannelWatermark[];
  slowestInput?: ChannelWatermark | null;
}

export interface VertexWatermarks {
  id?: string;
  subtasks: SubtaskWatermarks[];
  slowestSubtask?: number | null;
}

export interface CheckpointEntry {
  id: number;
  status: 'COMPLETED' | 'FAILED' | 'IN_PROGRESS';
  is_savepoint: boolean;
  end_to_end_duration: number;
  external_path: string | null;
  trigger_timestamp?: number;
  latest_ack_timestamp?: number;
  state_size?: number;
  alignment_duration?: number;
  failure_message?: string | null;
}

export interface CheckpointingStatistics {
  counts: { restored: number; total: number; in_progress: number; completed: number; failed: number };
  latest: {
    completed: { id: number; external_path: string; end_to_end_duration: number } | null;
    restored: { id: number; external_path: string } | null;
    failure: string | null;
  };
  history: CheckpointEntry[];
}

export interface ExceptionEntry {
  exception: string;
  timestamp: number;
  code: string;
  taskName?: string | null;
  location?: string | null;
  record?: string | null;
  position?: string | null;
  source?: string | null;
}

export interface JobExceptions {
  'root-exception': string | null;
  timestamp: number | null;
  'all-exceptions': ExceptionEntry[];
  truncated: boolean;
}

export interface TaskManagerMemory {
  cpuCores?: number;
  physicalMemory?: number;
  freeMemory?: number;
  heapUsed?: number;
  heapTotal?: number;
  rss?: number;
}

export interface TaskManagerInfo {
  id: string;
  address: string;
  dataPort: number;
  slotsNumber: number;
  freeSlots: number;
  timeSinceLastHeartbeat: number;
  hardware?: TaskManagerMemory;
  memory?: TaskManagerMemory;
}

/** The `overview` event of `GET /events`. */
export interface OverviewEvent {
  overview: ClusterOverview;
  jobs: JobSummary[];
  taskmanagers: TaskManagerInfo[];
}

/** The `job` event of `GET /jobs/:jobid/events`. */
export interface JobEvent {
  job: JobDetails;
  plan: JobPlan;
  checkpoints?: CheckpointingStatistics;
  exceptions?: JobExceptions;
  watermarks?: Record<string, VertexWatermarks>;
}

export type SavepointOperation =
  | { status: { id: 'IN_PROGRESS' } }
  | {
      status: { id: 'COMPLETED' };
      operation: { location: string } | { 'failure-cause': { code: string; message: string } };
    };
