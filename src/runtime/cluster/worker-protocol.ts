import type { MessagePort } from 'node:worker_threads';
import type { SourceSplit } from '../../core/source.ts';
import type { TaskMetrics } from '../../core/task-metrics.ts';

/**
 * Messages between the coordinating thread (job master) and the worker threads that run task
 * slots. Workers evaluate the job module themselves; only plain data crosses.
 */
export interface WorkerData {
  jobId: string;
  jobModule: string;
  jobIndex: number;
  workerIndex: number;
  workerCount: number;
  /** The coordinator's job graph as JSON: a worker that builds another graph fails fast. */
  graphJson: string;
  parallelism: number | undefined;
  /** Splits by vertex id, by subtask. */
  splits: Record<string, SourceSplit[][]>;
  /** Ports to the other workers, by worker index. */
  peers: Record<number, MessagePort>;
}

export interface SerializedError {
  code: string;
  message: string;
  stack?: string;
  cause?: string;
}

export type CoordinatorMessage =
  | { type: 'job'; data: WorkerData }
  | { type: 'start'; jobId: string }
  | { type: 'cancel'; jobId: string };

/** Every message names the job it belongs to: a slot runs one job after another. */
export type WorkerMessage = { jobId: string } & (
  | { type: 'deployed'; subtasks: string[] }
  | { type: 'failed'; error: SerializedError }
  | { type: 'collect'; uid: string; subtask: number; values: unknown[] }
  | { type: 'metrics'; tasks: TaskMetrics[] }
  | { type: 'done'; accumulators: Array<[string, unknown]>; tasks: TaskMetrics[] }
  | { type: 'cancelled' }
);

/** Stable numeric id of the channel from producer `p` to consumer `c` of edge number `e`. */
export function channelKey(edgeIndex: number, p: number, c: number, maxP: number): number {
  return (edgeIndex * maxP + p) * maxP + c;
}

/** The worker thread that runs subtask `i` (of any vertex): subtask i of every vertex shares a slot. */
export function workerOf(subtask: number, workerCount: number): number {
  return subtask % workerCount;
}
