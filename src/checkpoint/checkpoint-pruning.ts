import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CatalogJob } from './checkpoint-catalog.ts';
import { OWNER_FILE } from './checkpoint-storage.ts';
import { SHARED_STATE_DIRECTORY } from './incremental-snapshots.ts';
import { SharedStateRegistry } from './shared-state-registry.ts';

/**
 * Retention of whole job directories. A storage root collects one directory per job run
 * (`<root>/<job id>/`); checkpoint retention (`setNumRetainedCheckpoints`) bounds the checkpoints
 * inside one run, this bounds the runs. Both `weir checkpoints delete --keep-jobs N` and a job's
 * own rule (`CheckpointConfig.setMaxRetainedJobs`, applied at its start) use it. A directory is
 * deleted only when no live process owns it and it holds only what Weir writes there.
 */
export type JobDeletion =
  | { kind: 'deleted'; job: CatalogJob; bytes: number }
  | { kind: 'skipped'; job: CatalogJob; reason: string };

/**
 * Keeps the first `keep` of `jobs` (give them the latest completed first, as readCatalog sorts a
 * root) and deletes the others, in order.
 */
export async function pruneJobs(jobs: readonly CatalogJob[], keep: number): Promise<JobDeletion[]> {
  const outcomes: JobDeletion[] = [];
  for (const job of jobs.slice(keep)) outcomes.push(await deleteJobDirectory(job));
  return outcomes;
}

/** Deletes one job's directory, unless a live process owns it or it holds files Weir did not write. */
export async function deleteJobDirectory(job: CatalogJob): Promise<JobDeletion> {
  if (job.owner) {
    return {
      kind: 'skipped',
      job,
      reason: `job "${job.jobName ?? job.jobId}" is running (pid ${job.owner.pid})`,
    };
  }
  const foreign = (await readdir(job.directory)).filter(
    (name) =>
      !/^chk-\d+$/.test(name) &&
      name !== OWNER_FILE &&
      name !== SHARED_STATE_DIRECTORY &&
      !name.startsWith('.probe-'),
  );
  if (foreign.length > 0) {
    const shown = `${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', ...' : ''}`;
    return { kind: 'skipped', job, reason: `it holds files Weir did not write (${shown})` };
  }
  const bytes = await directorySize(job.directory);
  await rm(job.directory, { recursive: true, force: true });
  return { kind: 'deleted', job, bytes };
}

/**
 * Deletes the files of a job's shared directory (incremental checkpoints) that none of its complete
 * checkpoints uses, after one of them was deleted by hand; returns the bytes freed. Nothing is
 * deleted while the job runs, nor when a damaged checkpoint (whose references are unknown) is left.
 */
export async function deleteUnusedSharedFiles(job: CatalogJob): Promise<number> {
  if (job.owner || job.invalid.length > 0) return 0;
  const used = new Set<string>();
  for (const c of job.checkpoints) {
    for (const file of SharedStateRegistry.sharedFiles({ location: c.directory, metadata: c.metadata })) {
      used.add(file);
    }
  }
  const shared = join(job.directory, SHARED_STATE_DIRECTORY);
  let freed = 0;
  for (const name of await readdir(shared).catch(() => [] as string[])) {
    const file = join(shared, name);
    if (used.has(file)) continue;
    freed += (await stat(file).catch(() => undefined))?.size ?? 0;
    await rm(file, { force: true });
  }
  if (used.size === 0) await rm(shared, { recursive: true, force: true });
  return freed;
}

/** Bytes of the files under `dir`, recursively (0 for what cannot be read). */
export async function directorySize(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isDirectory()) total += await directorySize(full);
    else total += (await stat(full).catch(() => undefined))?.size ?? 0;
  }
  return total;
}

/** A byte count for people: `412.0 KiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
