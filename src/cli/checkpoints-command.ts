import { rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type CatalogCheckpoint,
  type CatalogJob,
  type InvalidCheckpoint,
  lastCompletion,
  readCatalog,
} from '../checkpoint/checkpoint-catalog.ts';
import {
  deleteJobDirectory,
  deleteUnusedSharedFiles,
  directorySize,
  formatBytes,
  type JobDeletion,
  pruneJobs,
} from '../checkpoint/checkpoint-pruning.ts';
import { isoTime } from '../checkpoint/checkpoint-selection.ts';
import { checkpointPath } from '../checkpoint/checkpoint-storage.ts';
import { WeirError } from '../core/errors.ts';

export const CHECKPOINTS_HELP = `Usage:
  weir checkpoints list <dir>                  the jobs and checkpoints under <dir> (a storage root,
                                               a job's directory or a checkpoint)
  weir checkpoints delete <dir>...             delete job directories or checkpoints (chk-<n>)
  weir checkpoints delete <root> --keep-jobs N delete all but the N jobs that completed a checkpoint last

A running job's directory (its _owner names a live process) is never deleted, nor anything in it:
it is skipped and said so.`;

/**
 * `weir checkpoints list|delete`: what a checkpoint storage holds, and its retention by hand. A
 * storage root collects one directory per job run (`<root>/<job id>/chk-<n>`); nothing else removes
 * the directories of jobs that failed, were suspended or ran with RETAIN_ON_CANCELLATION.
 *
 * @example
 * // weir checkpoints list /var/lib/weir/checkpoints
 * // weir checkpoints delete /var/lib/weir/checkpoints --keep-jobs 3
 * process.exitCode = await checkpointsCommand(['list', '/var/lib/weir/checkpoints']);
 */
export async function checkpointsCommand(
  argv: string[],
  out: (line: string) => void = (line) => console.log(line),
  err: (line: string) => void = (line) => console.error(line),
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'keep-jobs': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      verbose: { type: 'boolean' },
    },
  });
  const [action, ...paths] = positionals;
  if (values.help) {
    out(CHECKPOINTS_HELP);
    return 0;
  }
  if (action === 'list') {
    if (paths.length !== 1) throw usage('weir checkpoints list needs one directory');
    await list(paths[0], out);
    return 0;
  }
  if (action === 'delete') {
    if (paths.length === 0) throw usage('weir checkpoints delete needs a directory');
    const keep = values['keep-jobs'];
    if (keep !== undefined) {
      if (!/^(0|[1-9][0-9]*)$/.test(keep)) throw usage(`--keep-jobs must be a whole number, got "${keep}"`);
      if (paths.length !== 1) throw usage('--keep-jobs takes one storage root');
      return prune(paths[0], Number(keep), out, err);
    }
    let code = 0;
    for (const path of paths) code = Math.max(code, await remove(path, out, err));
    return code;
  }
  throw usage(action === undefined ? 'weir checkpoints needs list or delete' : `unknown action "${action}"`);
}

async function list(path: string, out: (line: string) => void): Promise<void> {
  const entry = await readCatalog(path);
  if (entry.kind === 'checkpoint') {
    out(await checkpointLine(entry.checkpoint));
    return;
  }
  const jobs = entry.kind === 'job' ? [entry.job] : entry.jobs;
  if (entry.kind === 'root') {
    out(`${entry.directory}: ${jobs.length} job${jobs.length === 1 ? '' : 's'}, the latest first`);
  }
  for (const job of jobs) {
    out(await jobLine(job));
    for (const c of job.checkpoints) out(`  ${await checkpointLine(c)}`);
    for (const bad of job.invalid) out(`  ${await invalidLine(bad)}`);
  }
}

async function jobLine(job: CatalogJob): Promise<string> {
  const last = lastCompletion(job);
  const parts = [
    `job ${job.jobId}`,
    job.jobName === undefined ? 'name unknown' : `"${job.jobName}"`,
    last === undefined ? 'no complete checkpoint' : `last completed ${isoTime(last)}`,
    `${job.checkpoints.length} checkpoint${job.checkpoints.length === 1 ? '' : 's'}`,
    formatBytes(await directorySize(job.directory)),
  ];
  if (job.owner) parts.push(`running (pid ${job.owner.pid} on ${job.owner.host})`);
  return `${parts.join(', ')}\n  ${job.directory}`;
}

async function checkpointLine(c: CatalogCheckpoint): Promise<string> {
  const kind = c.metadata.kind === 'savepoint' ? 'savepoint ' : '';
  return `${kind}${basename(c.directory)}  completed ${isoTime(c.completedAt)}  ${formatBytes(await directorySize(c.directory))}  id ${c.id}`;
}

async function invalidLine(bad: InvalidCheckpoint): Promise<string> {
  return `${basename(bad.directory)}  incomplete or damaged (${bad.error.message})  ${formatBytes(await directorySize(bad.directory))}`;
}

/** Deletes one job's directory or one checkpoint; 1 when it was skipped. */
async function remove(
  path: string,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  // Inside a running job's directory: skipped before anything else (its checkpoints come and go).
  const parent = await readCatalog(dirname(checkpointPath(path))).catch(() => undefined);
  if (parent?.kind === 'job' && parent.job.owner) {
    err(
      `skipped ${path}: it belongs to job "${parent.job.jobName ?? parent.job.jobId}", which is running (pid ${parent.job.owner.pid})`,
    );
    return 1;
  }
  const entry = await readCatalog(path);
  if (entry.kind === 'root') {
    throw usage(
      `${entry.directory} is a checkpoint storage root (${entry.jobs.length} jobs): give job directories or checkpoints, or --keep-jobs N`,
    );
  }
  if (entry.kind === 'job') {
    return report(await deleteJobDirectory(entry.job), out, err) ? 0 : 1;
  }
  const c = entry.checkpoint;
  let bytes = await directorySize(c.directory);
  await rm(c.directory, { recursive: true, force: true });
  // Incremental checkpoints: the shared files only it used go too (those others use stay).
  if (c.metadata.kind === 'checkpoint') {
    const jobDirectory = dirname(c.directory);
    const job = await readCatalog(jobDirectory).catch(() => undefined);
    if (job?.kind === 'job') bytes += await deleteUnusedSharedFiles(job.job);
    else if (job?.kind === 'root' && job.jobs.length === 0) {
      // Its last checkpoint gone, the job's directory holds only shared files, which nothing uses.
      const empty = { directory: jobDirectory, jobId: basename(jobDirectory), checkpoints: [], invalid: [] };
      bytes += await deleteUnusedSharedFiles({ ...empty, jobName: undefined, owner: undefined });
    }
  }
  out(
    `deleted ${c.directory} (${c.metadata.kind} ${c.id} of job "${c.metadata.jobName}", ${formatBytes(bytes)})`,
  );
  return 0;
}

/** Keeps the `keep` jobs that completed a checkpoint last, deletes the others that are not running. */
async function prune(
  path: string,
  keep: number,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const entry = await readCatalog(path);
  if (entry.kind !== 'root')
    throw usage(`--keep-jobs needs a checkpoint storage root; ${path} is a ${entry.kind}`);
  // readCatalog sorts the latest completed first; jobs without a complete checkpoint come last.
  for (const job of entry.jobs.slice(0, keep))
    out(`kept ${job.directory} (job "${job.jobName ?? 'unknown'}")`);
  let code = 0;
  for (const outcome of await pruneJobs(entry.jobs, keep)) {
    // A running job is skipped on purpose; a directory with foreign files is worth an exit code.
    if (!report(outcome, out, err) && !outcome.job.owner) code = 1;
  }
  return code;
}

/** Says what happened to one job's directory; false when it was skipped. */
function report(outcome: JobDeletion, out: (line: string) => void, err: (line: string) => void): boolean {
  const { job } = outcome;
  if (outcome.kind === 'skipped') {
    err(`skipped ${job.directory}: ${outcome.reason}`);
    return false;
  }
  out(
    `deleted ${job.directory} (job "${job.jobName ?? 'unknown'}", ${job.checkpoints.length} checkpoints, ${formatBytes(outcome.bytes)})`,
  );
  return true;
}

function usage(message: string): WeirError {
  return new WeirError('CLI_USAGE', `${message}\n${CHECKPOINTS_HELP}`);
}
