import { WeirError } from '../../core/errors.ts';
import type { ConfinedRoot } from '../confined-path.ts';
import type { Dispatcher } from '../dispatcher.ts';

/** What the route modules share: the JobManager's registry and the roots client paths must stay in. */
export interface RouteContext {
  dispatcher: Dispatcher;
  roots: { savepoints?: ConfinedRoot; checkpoints?: ConfinedRoot };
}

/** `value`, or a 404 `JOB_NOT_FOUND` error when the dispatcher knows no job `jobId`. */
export function found<T>(value: T | undefined, jobId: string): T {
  if (value === undefined) throw jobNotFound(jobId);
  return value;
}

export function jobNotFound(jobId: string): WeirError {
  return new WeirError('JOB_NOT_FOUND', `no job ${jobId} on this JobManager (GET /jobs lists the jobs)`);
}
