import { systemClock } from '../core/clock.ts';
import { WeirError } from '../core/errors.ts';
import { moduleNeeds, resolveGraphFunctions } from '../graph/graph-functions.ts';
import type { JobGraph } from '../graph/job-graph.ts';
import type { CollectTarget } from './collect.ts';
import { getPipelineExecutor, type JobClient, type RestoreSettings } from './executor.ts';

export interface ExecuteJobGraphOptions {
  /** Worker threads to run task slots on (default: the number of cores, at most the graph's parallelism). */
  taskSlots?: number;
  /**
   * Where the records of each `collect` operator go, by operator uid (a CollectSink, say). A collect
   * operator without a target fails the call.
   */
  collect?: Record<string, CollectTarget>;
  /** Start from a savepoint or checkpoint: operators are matched by uid, as for any job. */
  restore?: RestoreSettings;
}

/**
 * Runs a job graph that is data all through (a SQL planner's, or one written by hand as JSON) on
 * the local mini-cluster, with no job module: every slot, a worker thread, builds the operators from
 * the graph alone, connector sources and sinks from their registered factories. Resolves with the
 * job's client once it is deployed.
 *
 * @throws WeirError INVALID_ARGUMENT when the graph needs a job module (`graphNeedsModule`): the
 * message names each operator or edge that needs a function.
 *
 * @example
 * const sink = new CollectSink<Bid>();
 * const client = await executeJobGraph(JSON.parse(planJson), { collect: { 'collect-5': sink } });
 * await client.getJobExecutionResult();
 */
export async function executeJobGraph(
  graph: JobGraph,
  options: ExecuteJobGraphOptions = {},
): Promise<JobClient> {
  const needs = moduleNeeds(graph);
  if (needs.length > 0) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `job graph "${graph.jobName}" needs a job module: ${needs.join('; ')}`,
    );
  }
  const functions = resolveGraphFunctions(graph);
  for (const vertex of graph.vertices) {
    for (const op of vertex.operators) {
      if (op.kind !== 'collect') continue;
      const target = options.collect?.[op.uid];
      if (target === undefined || typeof target.receive !== 'function') {
        throw new WeirError(
          'INVALID_ARGUMENT',
          `collect operator "${op.name}" (uid ${op.uid}) has no target: pass one in options.collect["${op.uid}"]`,
        );
      }
      functions.operators.set(op.uid, { ...functions.operators.get(op.uid), fn: target });
    }
  }
  return getPipelineExecutor().execute(
    { graph, functions, clock: systemClock },
    { jobIndex: 0, taskSlots: options.taskSlots, dataOnly: true, restore: options.restore },
  );
}
