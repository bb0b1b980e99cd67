import type { Clock } from '../core/clock.ts';
import { WeirError } from '../core/errors.ts';
import type { TaskMetrics } from '../core/task-metrics.ts';
import type { JobFunctions, JobGraph } from '../graph/job-graph.ts';
import type { JobExecutionResult } from './job-execution-result.ts';

/**
 * The API builds plans; an executor runs them. The API never imports the runtime (DESIGN.md §3):
 * the package entry point registers the local executor, and a remote executor can take its place.
 */
export interface JobPlan {
  graph: JobGraph;
  functions: JobFunctions;
  clock: Clock;
}

export type JobStatus =
  | 'created'
  | 'running'
  | 'restarting'
  | 'finished'
  | 'failed'
  | 'cancelling'
  | 'cancelled';

/** Where a job starts from: a checkpoint (or a directory of them: the latest) or a savepoint. */
export interface RestoreSettings {
  path: string;
  kind: 'checkpoint' | 'savepoint';
  /** Drop state of operators the job no longer has instead of failing. */
  allowNonRestoredState: boolean;
}

/** Checkpoint counts of a running job. */
export interface CheckpointStatistics {
  triggered: number;
  completed: number;
  failed: number;
  inProgress: number;
  lastCompletedId: number | null;
  lastDurationMs: number | null;
  lastFailure: string | null;
  /** Restarts of the job so far. */
  restarts: number;
}

export interface JobClient {
  readonly jobId: string;
  getJobStatus(): JobStatus;
  /** Resolves when the job finishes; rejects with the job's error when it fails. */
  getJobExecutionResult(): Promise<JobExecutionResult>;
  cancel(): Promise<void>;
  /** Metrics of every subtask: records in/out, busy, idle and back-pressured time, queues. */
  getMetrics(): TaskMetrics[];
  /** Takes a savepoint into a new directory under `targetDirectory`; resolves with its path. */
  triggerSavepoint?(targetDirectory: string): Promise<string>;
  /** Takes a savepoint, then cancels the job; resolves with the savepoint's path. */
  stopWithSavepoint?(targetDirectory: string): Promise<string>;
  getCheckpointStatistics?(): CheckpointStatistics;
}

/** Where a plan came from: the job module and which of its `execute()` calls it is. */
export interface Submission {
  /** URL of the job module, when the job was started from one (`weir run`, `runJob`). */
  jobModule?: string;
  /** 0 for the module's first `execute()`, 1 for the second... */
  jobIndex: number;
  /** Parallelism given from outside (`weir run -p`), which workers must apply too. */
  parallelism?: number;
  /** Worker threads to run task slots on (default: the number of cores). */
  taskSlots?: number;
  /** Start from a checkpoint or savepoint (`weir run --from-checkpoint/--from-savepoint`). */
  restore?: RestoreSettings;
}

export interface PipelineExecutor {
  execute(plan: JobPlan, submission: Submission): Promise<JobClient>;
}

/** Settings from outside the job module: the CLI's `--parallelism`, for instance. */
export interface ExecutionContext {
  parallelism?: number;
  maxParallelism?: number;
  /** `weir plan`: print each job's graph instead of running it. */
  planOnly?: boolean;
  /**
   * With `planOnly`: called once the first job's graph is printed, and that `execute()` then never
   * settles, so no code after it runs (`weir plan` stops the module there). Without it, every
   * `execute()` prints its graph and resolves.
   */
  onPlanned?: () => void;
  /** Called with each job the module starts and its name (the CLI uses it to cancel on Ctrl-C). */
  onJobSubmitted?: (client: JobClient, jobName: string) => void;
  /** URL of the job module being run: lets the local cluster run task slots on worker threads. */
  jobModule?: string;
  /** Worker threads for task slots (default: the number of cores; 1 runs everything in this thread). */
  taskSlots?: number;
  /** Start from a checkpoint or savepoint. */
  restore?: RestoreSettings;
  /** `execute()` calls made so far in this context. */
  jobsSubmitted?: number;
  /** Set inside a worker thread: the plan of job `jobIndex` is handed to the worker's runtime. */
  worker?: { jobIndex: number; deploy(plan: JobPlan): void };
}

const EXECUTOR = Symbol.for('weir.pipeline-executor');
const CONTEXT = Symbol.for('weir.execution-context');
type Globals = { [EXECUTOR]?: PipelineExecutor; [CONTEXT]?: ExecutionContext };

export function setPipelineExecutor(executor: PipelineExecutor): void {
  (globalThis as Globals)[EXECUTOR] = executor;
}

export function getPipelineExecutor(): PipelineExecutor {
  const executor = (globalThis as Globals)[EXECUTOR];
  if (!executor) {
    throw new WeirError(
      'INTERNAL',
      'no executor is registered: import the environment from "weir", not from an internal path',
    );
  }
  return executor;
}

export function setExecutionContext(context: ExecutionContext | undefined): void {
  (globalThis as Globals)[CONTEXT] = context;
}

export function getExecutionContext(): ExecutionContext {
  return (globalThis as Globals)[CONTEXT] ?? {};
}
