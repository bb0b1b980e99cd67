import { WeirError } from '../../core/errors.ts';
import type { Source, SourceSplit } from '../../core/source.ts';
import type { JobFunctions, JobGraph } from '../../graph/job-graph.ts';

/**
 * The split enumerator of the local cluster: plans each source's splits once, in the coordinating
 * thread, and assigns them to the source's subtasks: by the source's own rule (`assignSplit`) if it
 * has one, else round-robin. Splits are plain data, so they travel to worker threads as they are.
 */
export async function planSplits(
  graph: JobGraph,
  functions: JobFunctions,
): Promise<Map<string, SourceSplit[][]>> {
  const result = new Map<string, SourceSplit[][]>();
  for (const vertex of graph.vertices) {
    if (!vertex.source) continue;
    const head = vertex.operators[0];
    const source = functions.operators.get(head.uid)?.fn as Source<unknown, SourceSplit>;
    let splits: SourceSplit[];
    try {
      splits = await source.createSplits(vertex.parallelism);
    } catch (error) {
      throw new WeirError(
        'SOURCE_FAILED',
        `source "${head.name}" cannot plan its splits: ${(error as Error)?.message ?? error}`,
        { cause: error },
      );
    }
    const assignment: SourceSplit[][] = Array.from({ length: vertex.parallelism }, () => []);
    splits.forEach((split, k) => {
      const owner = source.assignSplit?.(split, vertex.parallelism) ?? k % vertex.parallelism;
      if (!Number.isInteger(owner) || owner < 0 || owner >= vertex.parallelism) {
        throw new WeirError(
          'INTERNAL',
          `source "${head.name}" assigns split ${split.splitId} to subtask ${owner} of ${vertex.parallelism}`,
        );
      }
      assignment[owner].push(split);
    });
    result.set(vertex.id, assignment);
  }
  return result;
}
