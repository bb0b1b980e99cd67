/**
 * A job module made of a job graph of data: what a SQL job becomes when it is submitted to a
 * cluster (cli/sql-job-artifact.ts). A cluster runs job modules: the JobManager evaluates the
 * module up to its job to plan it, and each task slot evaluates it again to build its subtasks.
 * A graph of data needs no code besides the engine's, except the modules of the SQL user functions
 * it names, which the artifact carries and hands over here, so that no slot has to import a file
 * of the submitting machine.
 */
import { systemClock } from '../core/clock.ts';
import { WeirError } from '../core/errors.ts';
import type { JobClient } from '../core/job-client.ts';
import { registerUserFunctionModules } from '../core/user-function.ts';
import { moduleNeeds, resolveGraphFunctions } from '../graph/graph-functions.ts';
import type { JobGraph } from '../graph/job-graph.ts';
import { executeJobGraph } from './execute-job-graph.ts';
import { getExecutionContext } from './executor.ts';

/**
 * Runs `graph` as the job of the module that calls it, as `env.execute()` does for a DataStream
 * job: in a cluster's JobManager or task slot, the graph is handed to the runtime there (and the
 * returned promise never settles, as `execute()` does not in a slot); anywhere else it runs on the
 * local mini-cluster (`executeJobGraph`). `userFunctionModules` are the modules of the graph's SQL
 * user functions, by the URL the graph names them with. Call it once per module, synchronously at
 * its top level.
 *
 * @throws WeirError INVALID_ARGUMENT when the graph needs a job module (a function of its own).
 *
 * @example
 * // a SQL job's artifact
 * import { executeJobGraphModule } from 'weir';
 * import * as m0 from '/home/me/udfs.ts';
 * executeJobGraphModule({ jobName: 'insert-into_sink', vertices: [...], edges: [...] },
 *   { 'file:///home/me/udfs.ts': m0 });
 */
export function executeJobGraphModule(
  graph: JobGraph,
  userFunctionModules: Record<string, Record<string, unknown>> = {},
): Promise<JobClient> {
  registerUserFunctionModules(userFunctionModules);
  const context = getExecutionContext();
  if (context.worker) {
    const needs = moduleNeeds(graph);
    if (needs.length > 0) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `job graph "${graph.jobName}" needs a job module: ${needs.join('; ')}`,
      );
    }
    const jobIndex = context.jobsSubmitted ?? 0;
    context.jobsSubmitted = jobIndex + 1;
    // Synchronously: the slot checks, once the module is evaluated, that it submitted its job.
    if (jobIndex === context.worker.jobIndex) {
      context.worker.deploy({ graph, functions: resolveGraphFunctions(graph), clock: systemClock });
    }
    return new Promise<never>(() => {});
  }
  return executeJobGraph(graph);
}
