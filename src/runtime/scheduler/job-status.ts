import { WeirError } from '../../core/errors.ts';
import type { JobStatus } from '../../core/job-client.ts';

/** Allowed job status transitions; anything else is a bug. */
const transitions: Record<JobStatus, readonly JobStatus[]> = {
  created: ['running', 'failed', 'cancelling', 'suspended'],
  running: ['finished', 'failed', 'cancelling', 'restarting', 'suspended'],
  restarting: ['running', 'failed', 'cancelling', 'suspended'],
  cancelling: ['cancelled', 'failed'],
  finished: [],
  failed: [],
  cancelled: [],
  // Terminal for this process, not for the job: it resumes from its retained checkpoints.
  suspended: [],
};

export function checkTransition(from: JobStatus, to: JobStatus): void {
  if (!transitions[from].includes(to)) {
    throw new WeirError('INTERNAL', `illegal job status transition ${from} -> ${to}`);
  }
}

export function isTerminal(status: JobStatus): boolean {
  return transitions[status].length === 0;
}
