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
}

/** `GET /jobs/:jobid`. */
export interface JobDetails extends JobSummary {
  now: number;
  vertices: Array<{ id: string; name: string; parallelism: number; metrics: VertexMetrics }>;
  restarts: number;
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
  'all-exceptions': Array<{ exception: string; timestamp: number; code: string }>;
  truncated: boolean;
}

/** `GET /jobs/:jobid/checkpoints`, Flink's checkpointing statistics (a subset). */
export interface CheckpointingStatistics {
  counts: { restored: number; total: number; in_progress: number; completed: number; failed: number };
  latest: {
    completed: { id: number; external_path: string; end_to_end_duration: number } | null;
    restored: { id: number; external_path: string } | null;
    failure: string | null;
  };
  history: Array<{
    id: number;
    status: 'COMPLETED' | 'FAILED' | 'IN_PROGRESS';
    is_savepoint: boolean;
    end_to_end_duration: number;
    external_path: string | null;
  }>;
}

/** One registered TaskManager in `GET /taskmanagers`. */
export interface TaskManagerInfo {
  id: string;
  address: string;
  dataPort: number;
  slotsNumber: number;
  freeSlots: number;
  timeSinceLastHeartbeat: number;
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
  taskManagers(): TaskManagerInfo[];
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
