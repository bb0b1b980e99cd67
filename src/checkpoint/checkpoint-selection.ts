import { join } from 'node:path';
import { WeirError } from '../core/errors.ts';
import {
  type CatalogCheckpoint,
  type CatalogJob,
  type InvalidCheckpoint,
  lastCompletion,
  readCatalog,
} from './checkpoint-catalog.ts';
import { loadCheckpointState, type RestoredJobState } from './restored-state.ts';

/**
 * Which checkpoint `--from-checkpoint <path>` resumes. A storage root collects the directories of
 * every job that used it, each run under a new job id, and checkpoint ids start again at each
 * restore's id + 1, so ids say nothing across directories: the choice is by job name and completion
 * time.
 *
 * - A checkpoint directory (`chk-<n>`, or any directory holding `_metadata`) is used as it is.
 * - A job's directory: its checkpoints, the latest completed first.
 * - A storage root: the checkpoints of every job directory whose checkpoints carry the name of the
 *   job being run (and, given `operatorUids`, only operators it has, when some do and some do
 *   not), the latest completed first. When no directory has that name, a root holding one
 *   job uses it; a root holding several is an error listing them (id, name, latest checkpoint and
 *   its completion time) and asking for the job's directory.
 *
 * The restore then takes the first candidate whose state files all match their recorded size and
 * SHA-256; a damaged one is reported through `warn` (which file, and why) and the one completed
 * before it is used instead.
 */
export async function restoreCandidates(
  path: string,
  jobName: string,
  warn: (message: string) => void,
  operatorUids?: ReadonlySet<string>,
): Promise<{ explicit: boolean; checkpoints: CatalogCheckpoint[] }> {
  const entry = await readCatalog(path);
  if (entry.kind === 'checkpoint') return { explicit: true, checkpoints: [entry.checkpoint] };
  if (entry.kind === 'job') {
    const job = entry.job;
    reportInvalid([job], warn);
    if (job.checkpoints.length === 0) throw noCompleteCheckpoint(job.directory, job.invalid);
    if (job.jobName !== undefined && job.jobName !== jobName) {
      warn(`the checkpoints in ${job.directory} are of job "${job.jobName}", not "${jobName}"; using them`);
    }
    return { explicit: false, checkpoints: job.checkpoints };
  }
  const withCheckpoints = entry.jobs.filter((j) => j.checkpoints.length > 0);
  if (withCheckpoints.length === 0) {
    throw noCompleteCheckpoint(
      entry.directory,
      entry.jobs.flatMap((j) => j.invalid),
    );
  }
  let chosen = withCheckpoints.filter((j) => j.jobName === jobName);
  if (operatorUids !== undefined && chosen.length > 1) chosen = ofThisJob(chosen, operatorUids, warn);
  if (chosen.length === 0) {
    if (withCheckpoints.length > 1) throw ambiguous(entry.directory, jobName, withCheckpoints);
    chosen = withCheckpoints;
    warn(
      `no checkpoints of job "${jobName}" in ${entry.directory}; using those of job "${chosen[0].jobName}" (${chosen[0].directory}), the only job there`,
    );
  }
  reportInvalid(chosen, warn);
  for (const job of chosen) {
    if (job.owner && job.owner.pid !== process.pid) {
      warn(
        `the checkpoints in ${job.directory} belong to a job that is still running (pid ${job.owner.pid} on ${job.owner.host}); two runs of one job write the same output`,
      );
    }
  }
  const checkpoints = chosen
    .flatMap((j) => j.checkpoints)
    .sort((a, b) => b.completedAt - a.completedAt || b.id - a.id);
  return { explicit: false, checkpoints };
}

/**
 * Directories of jobs with the same name may be of different jobs (two jobs left with the default
 * name 'Weir Job'): those whose latest checkpoint has operators this job does not have are left
 * out, unless that leaves none (then the restore's own check explains what does not match).
 */
function ofThisJob(
  jobs: CatalogJob[],
  operatorUids: ReadonlySet<string>,
  warn: (message: string) => void,
): CatalogJob[] {
  const foreignOf = (job: CatalogJob) =>
    [...new Set(job.checkpoints[0].metadata.tasks.flatMap((t) => t.operators))].filter(
      (uid) => !operatorUids.has(uid),
    );
  const matching = jobs.filter((j) => foreignOf(j).length === 0);
  if (matching.length === 0 || matching.length === jobs.length) return jobs;
  for (const job of jobs) {
    const foreign = foreignOf(job);
    if (foreign.length === 0) continue;
    warn(
      `leaving out the checkpoints in ${job.directory}: job "${job.jobName}" there has operators this job does not (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', ...' : ''})`,
    );
  }
  return matching;
}

/** A checkpoint chosen for a restore, with its state read and verified. */
export interface SelectedRestore {
  checkpoint: CatalogCheckpoint;
  state: RestoredJobState;
}

/**
 * Reads the state of the checkpoint `--from-checkpoint <path>` resumes (see {@link restoreCandidates}),
 * falling back to the previous complete checkpoint when a state file is missing, truncated or
 * altered; each fall-back is reported through `warn`.
 *
 * @example
 * const { checkpoint, state } = await selectRestore('/var/lib/weir/checkpoints', 'orders', console.warn);
 */
export async function selectRestore(
  path: string,
  jobName: string,
  warn: (message: string) => void,
  operatorUids?: ReadonlySet<string>,
): Promise<SelectedRestore> {
  const { explicit, checkpoints } = await restoreCandidates(path, jobName, warn, operatorUids);
  let last: WeirError | undefined;
  for (const [i, checkpoint] of checkpoints.entries()) {
    try {
      return { checkpoint, state: await loadCheckpointState(checkpoint.directory, checkpoint.metadata) };
    } catch (error) {
      if (!(error instanceof WeirError) || error.code !== 'CHECKPOINT_CORRUPT') throw error;
      if (explicit) {
        throw new WeirError(
          'CHECKPOINT_CORRUPT',
          `${error.message}; give the job's directory to fall back to an earlier checkpoint`,
          { cause: error },
        );
      }
      last = error;
      const next = checkpoints[i + 1];
      warn(
        next
          ? `checkpoint ${checkpoint.id} (${checkpoint.directory}) cannot be restored: ${error.message}; falling back to checkpoint ${next.id} (${next.directory}), completed ${isoTime(next.completedAt)}`
          : `checkpoint ${checkpoint.id} (${checkpoint.directory}) cannot be restored: ${error.message}; no earlier complete checkpoint is left`,
      );
    }
  }
  throw new WeirError(
    'CHECKPOINT_CORRUPT',
    `no complete checkpoint under ${path} can be restored; the last tried: ${last?.message}`,
    { cause: last },
  );
}

/** ISO-8601 time of day and date, UTC, to the second. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Invalid checkpoints newer than a job's latest valid one: they were skipped, say so. */
function reportInvalid(jobs: readonly CatalogJob[], warn: (message: string) => void): void {
  for (const job of jobs) {
    const newest = Math.max(0, ...job.checkpoints.map((c) => c.id));
    for (const bad of job.invalid) {
      if (bad.id > newest) {
        warn(`skipping checkpoint ${bad.directory}: ${bad.error.message}; falling back to an earlier one`);
      }
    }
  }
}

function noCompleteCheckpoint(directory: string, invalid: readonly InvalidCheckpoint[]): WeirError {
  const reasons = invalid.map((i) => `\n  ${i.directory}: ${i.error.message}`).join('');
  return new WeirError(
    'CHECKPOINT_CORRUPT',
    `no complete checkpoint under ${directory}${reasons ? `; found only incomplete or damaged ones:${reasons}` : ''}`,
  );
}

function ambiguous(root: string, jobName: string, jobs: readonly CatalogJob[]): WeirError {
  const lines = jobs.map((j) => {
    const latest = j.checkpoints[0];
    return `\n  ${j.jobId}  "${j.jobName}"  chk-${latest.id}, completed ${isoTime(lastCompletion(j) ?? 0)}`;
  });
  return new WeirError(
    'CHECKPOINT_NOT_FOUND',
    `${root} holds checkpoints of ${jobs.length} jobs, none named "${jobName}":${lines.join('')}\n` +
      `give the directory of the job to resume, e.g. --from-checkpoint ${join(root, jobs[0].jobId)}`,
  );
}
