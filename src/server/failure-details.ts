import { taskFailureOf } from '../core/task-failure.ts';
import type { JobGraph } from '../graph/job-graph.ts';
import type { JobExceptionEntry } from './dispatcher.ts';

/** What an exception entry says of where a failure happened, beyond its code and message. */
export type FailureDetails = Pick<
  JobExceptionEntry,
  'taskName' | 'location' | 'record' | 'position' | 'source'
>;

/**
 * Where a job's failure happened: from the context its task attached (core/task-failure.ts), or,
 * for an error without one, from the words every task failure starts with (`operator "x" (uid u) in
 * subtask 2/4 failed`, stream-task.ts): the task and subtask, but no record. A failure of no one
 * task (a lost TaskManager, a deploy) has none of them.
 */
export function failureDetails(error: Error, graph: JobGraph): FailureDetails {
  const context = taskFailureOf(error);
  if (context?.vertexId !== undefined && context.subtask !== undefined) {
    return {
      taskName: context.taskName ?? null,
      location: `${context.vertexId}#${context.subtask}`,
      record: context.record ?? null,
      position: context.position ?? null,
      source: context.source ?? null,
    };
  }
  const none: FailureDetails = { taskName: null, location: null, record: null, position: null, source: null };
  const match = /^(?:operator|source) "[^"]*" \(uid (.+?)\) in subtask (\d+)\/\d+ failed/.exec(error.message);
  if (match === null) return none;
  const vertex = graph.vertices.find((v) => v.operators.some((o) => o.uid === match[1]));
  if (vertex === undefined) return none;
  return { ...none, taskName: vertex.name, location: `${vertex.id}#${Number(match[2]) - 1}` };
}
