import type { JobStatus } from '../../api/executor.ts';
import { WeirError } from '../../core/errors.ts';

/** Allowed job status transitions; anything else is a bug. */
const transitions: Record<JobStatus, readonly JobStatus[]> = {
  created: ['running', 'failed', 'cancelling'],
  running: ['finished', 'failed', 'cancelling', 'restarting'],
  restarting: ['running', 'failed', 'cancelling'],
  cancelling: ['cancelled', 'failed'],
  finished: [],
  failed: [],
  cancelled: [],
};

export function checkTransition(from: JobStatus, to: JobStatus): void {
  if (!transitions[from].includes(to)) {
    throw new WeirError('INTERNAL', `illegal job status transition ${from} -> ${to}`);
  }
}

export function isTerminal(status: JobStatus): boolean {
  return transitions[status].length === 0;
}
