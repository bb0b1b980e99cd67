import { createHash } from 'node:crypto';
import { WeirError } from '../core/errors.ts';

/**
 * Where one subtask's state of a checkpoint is: a file next to the metadata, or (for checkpoints
 * kept in memory) the bytes themselves.
 */
export type StateHandle =
  | { kind: 'file'; file: string; bytes: number; sha256: string }
  | { kind: 'inline'; data: Uint8Array }
  /** The subtask had finished (all its input processed) before the checkpoint: nothing to restore. */
  | { kind: 'finished' };

export interface TaskStateEntry {
  vertex: string;
  subtask: number;
  parallelism: number;
  /** Operator uids whose state is in the handle. */
  operators: string[];
  handle: StateHandle;
  /**
   * Incremental checkpoints (checkpoint/incremental-snapshots.ts): the key groups that did not
   * change since an earlier checkpoint, read from the state files that wrote them. Absent in full
   * checkpoints and in savepoints, which are self-contained.
   */
  references?: StateReference[];
}

/** Key groups of a subtask's keyed state and timers kept in the state file of an earlier checkpoint. */
export interface StateReference {
  /** The checkpoint that wrote the file. */
  checkpointId: number;
  /** Its file (relative to the referencing checkpoint's directory, as every handle is), or its bytes. */
  handle: Extract<StateHandle, { kind: 'file' } | { kind: 'inline' }>;
  /** Per operator uid, the key groups read from the file, as `[first, last]` ranges. */
  keyGroups: Record<string, Array<[number, number]>>;
}

/**
 * The `_metadata` file of a checkpoint or savepoint: what it is, and where every subtask's state
 * is. Written last and atomically (temporary file, then rename), with a SHA-256 checksum of its
 * content, so that a checkpoint either has complete, valid metadata or does not count.
 */
export interface CheckpointMetadata {
  format: 'weir-checkpoint';
  version: 1;
  kind: 'checkpoint' | 'savepoint';
  jobName: string;
  jobId: string;
  checkpointId: number;
  /** Wall-clock time the checkpoint was triggered (ms since the epoch). */
  timestamp: number;
  /**
   * Wall-clock time the checkpoint completed (ms since the epoch): when its metadata was written.
   * Absent in metadata written before this field existed; readers then use the time `_metadata`
   * was last modified (see {@link completionTime}).
   */
  completedAt?: number;
  maxParallelism: number;
  tasks: TaskStateEntry[];
}

export const METADATA_FILE = '_metadata';

/** The metadata as text: the JSON of the metadata followed by a checksum line. */
export function encodeMetadata(metadata: CheckpointMetadata): string {
  const body = JSON.stringify(metadata, null, 1);
  return `${body}\nsha256:${sha256(body)}\n`;
}

/** Parses and verifies metadata; `where` names the file in errors. */
export function decodeMetadata(text: string, where: string): CheckpointMetadata {
  const marker = text.lastIndexOf('\nsha256:');
  if (marker < 0) {
    throw new WeirError(
      'CHECKPOINT_CORRUPT',
      `checkpoint metadata ${where} is truncated: its checksum line is missing`,
    );
  }
  const body = text.slice(0, marker);
  const expected = text.slice(marker + 8).trim();
  const actual = sha256(body);
  if (expected !== actual) {
    throw new WeirError(
      'CHECKPOINT_CORRUPT',
      `checkpoint metadata ${where} is corrupted: checksum ${actual} does not match the recorded ${expected}`,
    );
  }
  let parsed: CheckpointMetadata;
  try {
    parsed = JSON.parse(body) as CheckpointMetadata;
  } catch (error) {
    throw new WeirError('CHECKPOINT_CORRUPT', `checkpoint metadata ${where} is not valid JSON`, {
      cause: error,
    });
  }
  if (parsed.format !== 'weir-checkpoint' || parsed.version !== 1) {
    throw new WeirError(
      'CHECKPOINT_CORRUPT',
      `${where} is not Weir checkpoint metadata of a known version (format ${String(parsed.format)}, version ${String(parsed.version)})`,
    );
  }
  return parsed;
}

/**
 * When a checkpoint completed: `completedAt`, or for older metadata without it, `fileTime` (the
 * modification time of its `_metadata`, written when it completed), or else its trigger time.
 *
 * @example
 * const when = completionTime(stored.metadata, (await stat(join(dir, METADATA_FILE))).mtimeMs);
 */
export function completionTime(metadata: CheckpointMetadata, fileTime?: number): number {
  return metadata.completedAt ?? fileTime ?? metadata.timestamp;
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
