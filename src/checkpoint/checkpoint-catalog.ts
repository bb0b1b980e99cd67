import { readdir, readFile, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { WeirError } from '../core/errors.ts';
import { isProcessAlive } from '../core/process-alive.ts';
import { type CheckpointMetadata, completionTime, METADATA_FILE } from './checkpoint-metadata.ts';
import { checkpointPath, OWNER_FILE, readCheckpoint } from './checkpoint-storage.ts';

/**
 * What a checkpoint storage directory holds, read from disk: the layout is
 * `<root>/<job id>/chk-<n>/_metadata`, so a root holds job directories and a job directory holds
 * checkpoints. A checkpoint counts once its `_metadata` is complete and valid; others (a checkpoint
 * that was being written when the process died, a damaged one) are listed as invalid with the
 * reason. A running job marks its directory with an owner file (`_owner`: its process id and host),
 * so that tools can tell a live job's checkpoints from a dead one's.
 */
export interface CatalogCheckpoint {
  directory: string;
  id: number;
  metadata: CheckpointMetadata;
  /** When it completed (ms since the epoch), see `completionTime`. */
  completedAt: number;
  /** Bytes of its state files, from the metadata. */
  bytes: number;
}

export interface InvalidCheckpoint {
  directory: string;
  id: number;
  error: WeirError;
}

export interface CatalogJob {
  directory: string;
  /** The directory's name, which is the job id for directories Weir wrote. */
  jobId: string;
  /** From its checkpoints' metadata; undefined when none is valid. */
  jobName: string | undefined;
  /** Valid checkpoints, the latest completed first. */
  checkpoints: CatalogCheckpoint[];
  invalid: InvalidCheckpoint[];
  /** The live process that owns the directory (a running job), if any. */
  owner: JobOwner | undefined;
}

export interface JobOwner {
  pid: number;
  host: string;
  /** When the job started (ms since the epoch). */
  startedAt?: number;
}

/** What a path given by the user is: one checkpoint, one job's directory, or a storage root. */
export type CatalogEntry =
  | { kind: 'checkpoint'; checkpoint: CatalogCheckpoint }
  | { kind: 'job'; job: CatalogJob }
  | { kind: 'root'; directory: string; jobs: CatalogJob[] };

/**
 * Reads what is stored under `path` (a checkpoint or savepoint directory, a job's directory or a
 * storage root). Throws CHECKPOINT_NOT_FOUND when the path does not exist.
 *
 * @example
 * const entry = await readCatalog('/var/lib/weir/checkpoints');
 * if (entry.kind === 'root') for (const job of entry.jobs) console.log(job.jobName, job.checkpoints[0]?.id);
 */
export async function readCatalog(path: string): Promise<CatalogEntry> {
  const dir = checkpointPath(path);
  if (await exists(join(dir, METADATA_FILE))) {
    return { kind: 'checkpoint', checkpoint: await readCatalogCheckpoint(dir) };
  }
  const entries = await listDirectory(dir);
  if (entries.some((name) => CHECKPOINT_DIR.test(name)) || entries.includes(OWNER_FILE)) {
    return { kind: 'job', job: await readJob(dir, entries) };
  }
  const jobs: CatalogJob[] = [];
  for (const name of entries) {
    const sub = join(dir, name);
    const inner = await readdir(sub).catch(() => undefined);
    if (inner === undefined) continue; // not a directory
    if (inner.some((n) => CHECKPOINT_DIR.test(n)) || inner.includes(OWNER_FILE)) {
      jobs.push(await readJob(sub, inner));
    }
  }
  jobs.sort((a, b) => (lastCompletion(b) ?? 0) - (lastCompletion(a) ?? 0));
  return { kind: 'root', directory: dir, jobs };
}

/** The completion time of a job's latest valid checkpoint. */
export function lastCompletion(job: CatalogJob): number | undefined {
  return job.checkpoints[0]?.completedAt;
}

const CHECKPOINT_DIR = /^chk-(\d+)$/;

async function readJob(dir: string, entries: string[]): Promise<CatalogJob> {
  const checkpoints: CatalogCheckpoint[] = [];
  const invalid: InvalidCheckpoint[] = [];
  for (const name of entries) {
    const match = CHECKPOINT_DIR.exec(name);
    if (!match) continue;
    const full = join(dir, name);
    try {
      checkpoints.push(await readCatalogCheckpoint(full));
    } catch (error) {
      if (!(error instanceof WeirError)) throw error;
      invalid.push({ directory: full, id: Number(match[1]), error });
    }
  }
  checkpoints.sort((a, b) => b.completedAt - a.completedAt || b.id - a.id);
  invalid.sort((a, b) => b.id - a.id);
  return {
    directory: dir,
    jobId: basename(dir),
    jobName: checkpoints[0]?.metadata.jobName,
    checkpoints,
    invalid,
    owner: await readOwner(dir),
  };
}

async function readCatalogCheckpoint(dir: string): Promise<CatalogCheckpoint> {
  const stored = await readCheckpoint(dir);
  const fileTime = await stat(join(dir, METADATA_FILE)).then(
    (s) => s.mtimeMs,
    () => undefined,
  );
  let bytes = 0;
  for (const t of stored.metadata.tasks) if (t.handle.kind === 'file') bytes += t.handle.bytes;
  return {
    directory: stored.directory,
    id: stored.metadata.checkpointId,
    metadata: stored.metadata,
    completedAt: completionTime(stored.metadata, fileTime),
    bytes,
  };
}

/** The owner of a job directory if that process is alive on this host. */
async function readOwner(dir: string): Promise<JobOwner | undefined> {
  let owner: JobOwner;
  try {
    owner = JSON.parse(await readFile(join(dir, OWNER_FILE), 'utf8')) as JobOwner;
  } catch {
    return undefined;
  }
  if (typeof owner.pid !== 'number') return undefined;
  // A process on another host cannot be checked from here: count it as alive.
  if (owner.host !== hostname()) return owner;
  if (!isProcessAlive(owner.pid)) return undefined;
  // The pid of a process that started after the owner's job did is a reuse (containers restart
  // with the same small pids): not the owner.
  const started = await processStartTime(owner.pid);
  if (started !== undefined && owner.startedAt !== undefined && started > owner.startedAt + 2_000) {
    return undefined;
  }
  return owner;
}

/**
 * When process `pid` started (ms since the epoch), from /proc on Linux: its start in clock ticks
 * after boot (field 22 of /proc/<pid>/stat, at 100 ticks per second) plus the boot time. Undefined
 * elsewhere.
 */
async function processStartTime(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    const boot = /^btime (\d+)$/m.exec(await readFile('/proc/stat', 'utf8'))?.[1];
    if (!Number.isFinite(ticks) || boot === undefined) return undefined;
    return Number(boot) * 1000 + ticks * 10;
  } catch {
    return undefined;
  }
}

async function listDirectory(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new WeirError('CHECKPOINT_NOT_FOUND', `the checkpoint or savepoint path ${dir} does not exist`);
    }
    if (code === 'ENOTDIR') {
      throw new WeirError(
        'CHECKPOINT_NOT_FOUND',
        `the checkpoint or savepoint path ${dir} is not a directory`,
      );
    }
    throw new WeirError('CHECKPOINT_NOT_FOUND', `cannot read ${dir}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
