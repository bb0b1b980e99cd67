import type { Clock } from '../core/clock.ts';
import { WeirError } from '../core/errors.ts';
import type { JobClient } from '../core/job-client.ts';
import type { JobFunctions, JobGraph } from '../graph/job-graph.ts';

/**
 * The API builds plans; an executor runs them. The API never imports the runtime:
 * the package entry point registers the local executor, and a remote executor can take its place.
 * The job's status, client and checkpoint statistics are in core/job-client.ts.
 */
export interface JobPlan {
  graph: JobGraph;
  functions: JobFunctions;
  clock: Clock;
}

/** Where a job starts from: a checkpoint (or a directory of them: the latest) or a savepoint. */
export interface RestoreSettings {
  path: string;
  kind: 'checkpoint' | 'savepoint';
  /** Drop state of operators the job no longer has instead of failing. */
  allowNonRestoredState: boolean;
}

/**
 * Settings of the local cluster (Flink's cluster configuration), given to `weir run` as
 * `-D key=value`. They belong to the process that runs the job, not to the job graph.
 */
export interface ClusterSettings {
  /**
   * `task.cancellation.timeout`: how long a cancelled or suspended slot may take to end its tasks
   * before its thread is terminated (a user function stuck in a loop ignores cancellation).
   * Default 5000 ms; 0 waits forever.
   */
  cancellationTimeoutMs?: number;
  /**
   * `taskmanager.memory.slot.heap.size`: the V8 old-generation limit of each slot thread, in MB
   * (`resourceLimits.maxOldGenerationSizeMb`). A slot that exceeds it fails with OUT_OF_MEMORY.
   * Default: this process's heap limit, at most the machine's (or container's) memory divided
   * by the number of slots plus one.
   */
  slotHeapMb?: number;
  /**
   * `metrics.latency.interval`: latency markers from the sources every this many ms, for jobs that
   * do not call `env.getConfig().setLatencyTrackingInterval`. Default 0 (off).
   */
  latencyTrackingIntervalMs?: number;
}

/** Where a plan came from: the job module and which of its `execute()` calls it is. */
export interface Submission {
  /** URL of the job module, when the job was started from one (`weir run`, `runJob`). */
  jobModule?: string;
  /**
   * Set for a graph that is data all through (`executeJobGraph`): there is no module, and every
   * slot builds the job from the graph alone.
   */
  dataOnly?: boolean;
  /** 0 for the module's first `execute()`, 1 for the second... */
  jobIndex: number;
  /** Parallelism given from outside (`weir run -p`), which workers must apply too. */
  parallelism?: number;
  /** Worker threads to run task slots on (default: the number of cores). */
  taskSlots?: number;
  /** Start from a checkpoint or savepoint (`weir run --from-checkpoint/--from-savepoint`). */
  restore?: RestoreSettings;
  /** Settings of the local cluster (`weir run -D key=value`). */
  cluster?: ClusterSettings;
  /**
   * The environment variables the job module sees in every slot (default: this process's, when
   * the job starts). A job submitted to a cluster gets the ones the submitter passed.
   */
  env?: Record<string, string | undefined>;
  /** Arguments of a job submitted to a cluster (`weir submit job.ts -- args`): its `process.argv.slice(2)`. */
  args?: string[];
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
  /** Worker threads for task slots (default: the number of cores, at most the job's parallelism). */
  taskSlots?: number;
  /** Start from a checkpoint or savepoint. */
  restore?: RestoreSettings;
  /** Settings of the local cluster (`weir run -D key=value`). */
  cluster?: ClusterSettings;
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

export type { CheckpointStatistics, JobClient, JobStatus, Suspension } from '../core/job-client.ts';
