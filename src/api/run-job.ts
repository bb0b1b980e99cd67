import type { JobExecutionResult } from '../core/job-execution-result.ts';
import type { JobClient } from './executor.ts';
import { setExecutionContext } from './executor.ts';

export interface RunJobOptions {
  /** Default parallelism of the job's operators, overriding the module's `setParallelism`. */
  parallelism?: number;
  /** Worker threads for task slots (default: the number of cores, at most the job's parallelism). */
  taskSlots?: number;
  /** Print each job's graph instead of running it. */
  planOnly?: boolean;
}

export interface RunJobResult<M> {
  /** The module's exports (a CollectSink it exports holds the job's output). */
  module: M;
  /** The results of every job the module ran, in order. */
  results: JobExecutionResult[];
  clients: JobClient[];
}

let runs = 0;

/**
 * Runs a job module — a module that builds a pipeline and calls `execute()` — as `weir run` does.
 * Because the module is known, the local cluster runs its subtasks on task slots in worker threads,
 * at every parallelism: each worker evaluates the same module, and this thread only coordinates.
 * Each call evaluates the module afresh.
 *
 * @example
 * const { module, results } = await runJob<typeof import('./jobs/count.ts')>(
 *   new URL('./jobs/count.ts', import.meta.url), { parallelism: 2 });
 * module.sink.values; // what the job collected
 */
export async function runJob<M = Record<string, unknown>>(
  moduleUrl: string | URL,
  options: RunJobOptions = {},
): Promise<RunJobResult<M>> {
  const url = new URL(String(moduleUrl));
  // A fresh module instance per run: ES modules are evaluated once per URL.
  if (runs++ > 0) url.searchParams.set('weir-run', String(runs));
  const clients: JobClient[] = [];
  setExecutionContext({
    parallelism: options.parallelism,
    taskSlots: options.taskSlots,
    planOnly: options.planOnly,
    jobModule: url.href,
    onJobSubmitted: (client) => clients.push(client),
  });
  try {
    const module = (await import(url.href)) as M;
    const results = await Promise.all(clients.map((c) => c.getJobExecutionResult()));
    return { module, results, clients };
  } finally {
    setExecutionContext(undefined);
  }
}
