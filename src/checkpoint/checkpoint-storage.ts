import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, open, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WeirError } from '../core/errors.ts';
import {
  type CheckpointMetadata,
  decodeMetadata,
  encodeMetadata,
  METADATA_FILE,
  type StateHandle,
  sha256,
} from './checkpoint-metadata.ts';

/**
 * Where checkpoints and savepoints are written. Subtasks write their state files themselves (the
 * asynchronous part of a snapshot) and acknowledge with a handle; the coordinator writes the
 * metadata last. The interface is small so that object storage (S3-compatible) can implement it:
 * a directory is a key prefix, and the rename of the metadata becomes a single conditional put.
 */
export interface CheckpointStorage {
  readonly description: string;
  /** The directory of checkpoint `id` of job `jobId`. */
  checkpointLocation(jobId: string, id: number): string;
  /** A new directory for a savepoint under `targetDirectory`. */
  savepointLocation(targetDirectory: string, jobId: string, id: number): string;
  writeState(location: string, name: string, data: Uint8Array): Promise<StateHandle>;
  /**
   * Writes a state file from parts produced while it is written (a streamed snapshot,
   * streamed-task-state.ts). Optional: without it the parts are collected and given to `writeState`.
   */
  writeStateStream?(location: string, name: string, data: AsyncIterable<Uint8Array>): Promise<StateHandle>;
  writeMetadata(location: string, metadata: CheckpointMetadata): Promise<void>;
  discard(location: string): Promise<void>;
  /**
   * Deletes one state file of incremental checkpoints (`file` relative to `location`, in the job's
   * shared directory), and that directory once it is empty. Optional: storages that keep state in
   * memory have nothing to delete.
   */
  discardFile?(location: string, file: string): Promise<void>;
  /**
   * Checks, at the start of job `jobId`, that its checkpoints can be written: creates the job's
   * directory, writes and removes a probe file, and marks the directory as owned by this process
   * (OWNER_FILE). Throws CHECKPOINT_FAILED naming the storage and the reason (read-only, permission
   * denied, not a directory, no space).
   */
  prepareJob(jobId: string): Promise<void>;
  /** At the end of the job: removes the owner mark, and the job's directory if nothing is left in it. */
  releaseJob(jobId: string): Promise<void>;
}

/** The file a running job keeps in its checkpoint directory: `{ pid, host, startedAt }`. */
export const OWNER_FILE = '_owner';

/** Checkpoints kept in memory only (no storage configured): they survive task failures, not the process. */
export class MemoryCheckpointStorage implements CheckpointStorage {
  readonly description = 'memory';
  checkpointLocation(jobId: string, id: number): string {
    return `memory:${jobId}/chk-${id}`;
  }
  savepointLocation(): string {
    throw new WeirError('INVALID_ARGUMENT', 'savepoints need a directory');
  }
  async writeState(_location: string, _name: string, data: Uint8Array): Promise<StateHandle> {
    // A copy: the caller may reuse its buffer once the write is done (task-state.ts).
    return { kind: 'inline', data: Buffer.from(data) };
  }
  async writeStateStream(
    _location: string,
    _name: string,
    data: AsyncIterable<Uint8Array>,
  ): Promise<StateHandle> {
    const parts: Uint8Array[] = [];
    for await (const part of data) parts.push(part);
    return { kind: 'inline', data: Buffer.concat(parts) };
  }
  async writeMetadata(): Promise<void> {}
  async discard(): Promise<void> {}
  async prepareJob(): Promise<void> {}
  async releaseJob(): Promise<void> {}
}

/** Checkpoints in a directory: `<root>/<jobId>/chk-<id>/` with one file per subtask and `_metadata`. */
export class FileCheckpointStorage implements CheckpointStorage {
  readonly root: string;
  readonly description: string;

  constructor(urlOrPath: string) {
    this.root = toPath(urlOrPath);
    this.description = `file://${this.root}`;
  }

  checkpointLocation(jobId: string, id: number): string {
    return join(this.root, jobId, `chk-${id}`);
  }

  savepointLocation(targetDirectory: string, jobId: string, id: number): string {
    const suffix = randomBytes(3).toString('hex');
    return join(toPath(targetDirectory), `savepoint-${jobId.slice(0, 6)}-${id}-${suffix}`);
  }

  async writeState(location: string, name: string, data: Uint8Array): Promise<StateHandle> {
    try {
      const file = join(location, name);
      // An incremental checkpoint's file goes to the job's shared directory (`../shared/...`).
      await mkdir(dirname(file), { recursive: true });
      await writeFileSynced(file, data);
      return { kind: 'file', file: name, bytes: data.byteLength, sha256: sha256(data) };
    } catch (error) {
      throw await ioError(`cannot write checkpoint state to ${location}`, error);
    }
  }

  /** Writes the parts as they come (each written before the next is asked for), hashing as it goes. */
  async writeStateStream(
    location: string,
    name: string,
    data: AsyncIterable<Uint8Array>,
  ): Promise<StateHandle> {
    try {
      await mkdir(dirname(join(location, name)), { recursive: true });
      const hash = createHash('sha256');
      let bytes = 0;
      const handle = await open(join(location, name), 'w');
      try {
        for await (const part of data) {
          hash.update(part);
          bytes += part.byteLength;
          for (let offset = 0; offset < part.byteLength; ) {
            offset += (await handle.write(part, offset, part.byteLength - offset)).bytesWritten;
          }
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      return { kind: 'file', file: name, bytes, sha256: hash.digest('hex') };
    } catch (error) {
      // The snapshot's own failure (a backend disposed while it was read) says what it is.
      if (error instanceof WeirError) throw error;
      throw await ioError(`cannot write checkpoint state to ${location}`, error);
    }
  }

  async writeMetadata(location: string, metadata: CheckpointMetadata): Promise<void> {
    try {
      await mkdir(location, { recursive: true });
      const tmp = join(location, `${METADATA_FILE}.inprogress`);
      await writeFileSynced(tmp, Buffer.from(encodeMetadata(metadata)));
      await rename(tmp, join(location, METADATA_FILE));
    } catch (error) {
      throw await ioError(`cannot write checkpoint metadata to ${location}`, error);
    }
  }

  async discard(location: string): Promise<void> {
    await rm(location, { recursive: true, force: true });
  }

  async discardFile(location: string, file: string): Promise<void> {
    const path = join(location, file);
    await rm(path, { force: true });
    await rmdir(dirname(path)).catch(() => {}); // only if empty
  }

  async prepareJob(jobId: string): Promise<void> {
    const dir = join(this.root, jobId);
    let step = `cannot create the directory ${dir}`;
    try {
      await mkdir(dir, { recursive: true });
      step = `cannot write in ${dir}`;
      const probe = join(dir, `.probe-${process.pid}`);
      await writeFileSynced(probe, Buffer.from('weir'));
      await rm(probe);
      const owner = { pid: process.pid, host: hostname(), startedAt: Date.now() };
      await writeFileSynced(join(dir, OWNER_FILE), Buffer.from(JSON.stringify(owner)));
    } catch (error) {
      throw new WeirError(
        'CHECKPOINT_FAILED',
        `checkpoint storage ${this.description} cannot be used: ${step}: ${await storageFailureReason(error)}`,
        { cause: error },
      );
    }
  }

  async releaseJob(jobId: string): Promise<void> {
    const dir = join(this.root, jobId);
    await rm(join(dir, OWNER_FILE), { force: true }).catch(() => {});
    await rmdir(dir).catch(() => {}); // only if empty: retained checkpoints stay
  }
}

/**
 * Why a file operation on checkpoint storage failed, in words: read-only, permission denied, a
 * part of the path that is a file, no space; the system's message otherwise.
 */
export async function storageFailureReason(error: unknown): Promise<string> {
  const e = error as NodeJS.ErrnoException;
  const code = e?.code ? ` (${e.code})` : '';
  switch (e?.code) {
    case 'EROFS':
      return `the file system is read-only${code}`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied${code}`;
    case 'ENOTDIR':
    case 'EEXIST': {
      const file = e.path ? await firstNonDirectory(e.path) : undefined;
      return file
        ? `${file} is a file, not a directory${code}`
        : `a part of the path is not a directory${code}`;
    }
    case 'ENOENT': {
      // A recursive mkdir reports ENOENT when it cannot create a directory on a read-only file
      // system or without permission: ask the deepest existing ancestor why.
      const why = e.path ? await ancestorNotWritable(e.path) : undefined;
      return why ?? e.message;
    }
    case 'ENOSPC':
      return `no space left on the device${code}`;
    case 'EDQUOT':
      return `the disk quota is exhausted${code}`;
    default:
      return e instanceof Error ? e.message : String(error);
  }
}

/** Why the deepest existing ancestor of `path` is not writable (read-only, permission denied), if it is not. */
async function ancestorNotWritable(path: string): Promise<string | undefined> {
  let dir = dirname(resolve(path));
  while (
    !(await stat(dir).then(
      () => true,
      () => false,
    ))
  ) {
    if (dirname(dir) === dir) return undefined;
    dir = dirname(dir);
  }
  try {
    await access(dir, constants.W_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EROFS' && code !== 'EACCES' && code !== 'EPERM') return undefined;
    return `${dir}: ${await storageFailureReason(error)}`;
  }
}

/** The first ancestor of `path` (or `path` itself) that exists and is not a directory. */
async function firstNonDirectory(path: string): Promise<string | undefined> {
  const parts: string[] = [];
  for (let p = resolve(path); ; p = dirname(p)) {
    parts.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const p of parts) {
    const info = await stat(p).catch(() => undefined);
    if (info === undefined) return undefined;
    if (!info.isDirectory()) return p;
  }
  return undefined;
}

/** Savepoints always go to files (in the directory given when one is taken), also when checkpoints stay in memory. */
export function savepointStorage(storage: CheckpointStorage): CheckpointStorage {
  return storage instanceof MemoryCheckpointStorage ? new FileCheckpointStorage(process.cwd()) : storage;
}

/** Storage for a job's settings: a directory when configured, memory otherwise. */
export function createCheckpointStorage(url: string | null): CheckpointStorage {
  return url === null ? new MemoryCheckpointStorage() : new FileCheckpointStorage(url);
}

/** The directory of a `file://` URL or a path (relative to the working directory). */
export function checkpointPath(urlOrPath: string): string {
  return toPath(urlOrPath);
}

function toPath(urlOrPath: string): string {
  if (urlOrPath.startsWith('file:')) return fileURLToPath(urlOrPath);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(urlOrPath)) {
    throw new WeirError(
      'NOT_SUPPORTED',
      `checkpoint storage ${urlOrPath}: only file:// URLs and directories are supported`,
    );
  }
  return isAbsolute(urlOrPath) ? urlOrPath : resolve(urlOrPath);
}

async function writeFileSynced(file: string, data: Uint8Array): Promise<void> {
  const handle = await open(file, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** CHECKPOINT_FAILED with the reason in words (read-only, permission denied, ...). */
async function ioError(message: string, cause: unknown): Promise<WeirError> {
  return new WeirError('CHECKPOINT_FAILED', `${message}: ${await storageFailureReason(cause)}`, { cause });
}

/** A checkpoint or savepoint found on disk. */
export interface StoredCheckpoint {
  directory: string;
  metadata: CheckpointMetadata;
}

/**
 * Reads the metadata of a checkpoint or savepoint directory (the one holding `_metadata`).
 * Throws CHECKPOINT_CORRUPT when it is missing, truncated or fails its checksum.
 */
export async function readCheckpoint(directory: string): Promise<StoredCheckpoint> {
  const dir = toPath(directory);
  await mustExist(dir);
  const file = join(dir, METADATA_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new WeirError('CHECKPOINT_CORRUPT', `no checkpoint metadata at ${file}`, { cause: error });
  }
  return { directory: dir, metadata: decodeMetadata(text, file) };
}

/** CHECKPOINT_NOT_FOUND for a path that is not there: a typo, not a damaged checkpoint. */
async function mustExist(path: string): Promise<void> {
  if (!(await exists(path))) {
    throw new WeirError('CHECKPOINT_NOT_FOUND', `the checkpoint or savepoint path ${path} does not exist`);
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
