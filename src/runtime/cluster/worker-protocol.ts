import type { MessagePort } from 'node:worker_threads';
import type { CheckpointMetadata, TaskStateEntry } from '../../checkpoint/checkpoint-metadata.ts';
import type { CheckpointingMode } from '../../core/checkpointing.ts';
import type { SourceSplit } from '../../core/source.ts';
import type { TaskFailureContext } from '../../core/task-failure.ts';
import type { TaskMetrics } from '../../core/task-metrics.ts';

/**
 * Messages between the coordinating thread (job master) and the worker threads that run task
 * slots. Workers evaluate the job module themselves; only plain data crosses.
 */
export interface WorkerData extends SlotDeployment {
  workerIndex: number;
  /** Ports to the other workers, by worker index. */
  peers: Record<number, MessagePort>;
  /** For messages: "worker thread 2", "slot 2 on TaskManager tm-1". */
  description?: string;
}

/** What every slot of a job attempt gets (its own number and its peers' ports come on top). */
export interface SlotDeployment {
  jobId: string;
  jobModule: string;
  jobIndex: number;
  workerCount: number;
  /** The coordinator's job graph as JSON: a worker that builds another graph fails fast. */
  graphJson: string;
  parallelism: number | undefined;
  /** Splits by vertex id, by subtask. */
  splits: Record<string, SourceSplit[][]>;
  /** Restarts of the job so far. */
  attemptNumber: number;
  /**
   * The coordinator's environment variables when the job started: slots outlive jobs, and a job
   * module that reads process.env must see what the job's own thread sees.
   */
  env: Record<string, string | undefined>;
  /** Set when the job takes checkpoints: the mode and the storage URL (null: in memory). */
  checkpointing: { mode: CheckpointingMode; storage: string | null } | null;
  /** The checkpoint or savepoint to start from; each worker reads the state of its subtasks. */
  restore: { directory: string; metadata: CheckpointMetadata } | null;
  /** Arguments of a job submitted to a cluster: the module sees them as `process.argv.slice(2)`. */
  args?: string[];
  /** The cluster's `metrics.latency.interval` (ms), for a job graph that sets no interval itself. */
  latencyTrackingInterval?: number;
  /**
   * Set on a TaskManager: the directory of job artifacts, whose bare imports (`weir`, ...) resolve
   * from the TaskManager's own Weir (artifact-loader.ts).
   */
  artifactsDir?: string;
}

/**
 * An error crossing from a slot to the coordinator, with its chain of causes, so that it reads the
 * same at every parallelism: each cause keeps its name (or WeirError code) and message.
 */
export interface SerializedError {
  /** The WeirError's code; TASK_FAILED for any other error at the top of the chain. */
  code: string;
  /** Set when the error was a WeirError (its code is then `code`). */
  weir?: boolean;
  /** The error's name (TypeError...); absent for a thrown value that is not an Error. */
  name?: string;
  message: string;
  stack?: string;
  cause?: SerializedError;
  /** Where a task failed, as data (core/task-failure.ts). */
  taskFailure?: Partial<TaskFailureContext>;
}

export type CoordinatorMessage =
  | { type: 'job'; data: WorkerData }
  | { type: 'start'; jobId: string }
  | { type: 'cancel'; jobId: string }
  | {
      type: 'trigger-checkpoint';
      jobId: string;
      id: number;
      savepoint: boolean;
      location: string;
      /** The savepoint of a stop-with-savepoint: sources emit nothing after its barrier. */
      synchronous?: boolean;
    }
  | { type: 'checkpoint-complete'; jobId: string; id: number }
  | { type: 'checkpoint-aborted'; jobId: string; id: number }
  /** The client took `count` records of collect operator `uid` from this slot (credit to send more). */
  | { type: 'collect-ack'; jobId: string; uid: string; count: number }
  /**
   * After every slot is done: merge these local values of other slots into this slot's accumulators
   * of the same names (`Accumulator.merge`), and reply with the results.
   */
  | { type: 'merge-accumulators'; jobId: string; values: Array<[string, unknown[]]> };

/** Every message names the job it belongs to: a slot runs one job after another. */
export type WorkerMessage = { jobId: string } & (
  | { type: 'deployed'; subtasks: string[] }
  | { type: 'failed'; error: SerializedError }
  /** Records of a collect operator for the client, encoded as records between threads are. */
  | { type: 'collect'; uid: string; subtask: number; values: Uint8Array | Float64Array }
  | { type: 'metrics'; tasks: TaskMetrics[] }
  /** The slot's subtasks finished; `accumulators` are their local values merged per name. */
  | { type: 'done'; accumulators: Array<[string, unknown]>; tasks: TaskMetrics[] }
  | { type: 'accumulators-merged'; accumulators: Array<[string, unknown]> }
  | { type: 'cancelled' }
  | { type: 'ack'; task: string; id: number; entry: TaskStateEntry; alignmentMs?: number }
  | { type: 'decline'; task: string; id: number; reason: string; failure: boolean }
  | { type: 'task-finished'; task: string }
);

/** Stable numeric id of the channel from producer `p` to consumer `c` of edge number `e`. */
export function channelKey(edgeIndex: number, p: number, c: number, maxP: number): number {
  return (edgeIndex * maxP + p) * maxP + c;
}

/** The worker thread that runs subtask `i` (of any vertex): subtask i of every vertex shares a slot. */
export function workerOf(subtask: number, workerCount: number): number {
  return subtask % workerCount;
}
