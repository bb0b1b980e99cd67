/**
 * The shared state registry of a job's checkpoints (Flink's `SharedStateRegistry`). Incremental
 * checkpoints (incremental-snapshots.ts) write their state files into the job's shared directory,
 * and a checkpoint references the files of earlier ones for the key groups that did not change. A
 * file is in use while a retained checkpoint references it (its own file, or a reference), so the
 * registry counts, per file, the retained checkpoints that use it: a checkpoint registers its files
 * when it completes and releases them when it is subsumed; a file whose count falls to zero is
 * deleted. The counts are rebuilt from the metadata of the checkpoints a coordinator starts with
 * (the one restored from), which are never released.
 *
 * Deletion waits for the next completed checkpoint: a subtask learns that a checkpoint completed
 * asynchronously, so a checkpoint already under way may still reference files of the base it knew;
 * its completion registers them again before they would go. A file deleted all the same makes the
 * checkpoint that references it fail before its metadata is written ({@link missingFiles}).
 */
import { join } from 'node:path';
import type { CheckpointMetadata, TaskStateEntry } from './checkpoint-metadata.ts';

/** The part of a checkpoint the registry reads. */
export interface RegisteredCheckpoint {
  location: string;
  metadata: CheckpointMetadata;
}

/** Deleted files remembered for {@link SharedStateRegistry.missingFiles}. */
const REMEMBERED_DELETIONS = 10_000;

export class SharedStateRegistry {
  private readonly counts = new Map<string, number>();
  /** Files whose count fell to zero, deleted at the next completion if still unused. */
  private released = new Set<string>();
  private readonly deleted = new Set<string>();

  /** A registry holding `checkpoints` (those a coordinator starts with). */
  static of(checkpoints: readonly RegisteredCheckpoint[]): SharedStateRegistry {
    const registry = new SharedStateRegistry();
    for (const c of checkpoints) registry.register(c);
    return registry;
  }

  /** The shared files a checkpoint uses, as paths: its subtasks' files in the shared directory and their references. */
  static sharedFiles(checkpoint: RegisteredCheckpoint): string[] {
    const files = new Set<string>();
    for (const task of checkpoint.metadata.tasks) {
      for (const file of sharedFilesOfTask(task)) files.add(join(checkpoint.location, file));
    }
    return [...files];
  }

  register(checkpoint: RegisteredCheckpoint): void {
    for (const file of SharedStateRegistry.sharedFiles(checkpoint)) {
      this.counts.set(file, (this.counts.get(file) ?? 0) + 1);
      this.released.delete(file);
    }
  }

  /** A retained checkpoint is subsumed: its files count one user less. */
  release(checkpoint: RegisteredCheckpoint): void {
    for (const file of SharedStateRegistry.sharedFiles(checkpoint)) {
      const count = (this.counts.get(file) ?? 1) - 1;
      if (count > 0) {
        this.counts.set(file, count);
      } else {
        this.counts.delete(file);
        this.released.add(file);
      }
    }
  }

  /** Whether a retained checkpoint uses `file` (a path). */
  isRegistered(file: string): boolean {
    return this.counts.has(file);
  }

  /** The released files no checkpoint took up again since: to delete now. */
  takeUnused(): string[] {
    const unused = [...this.released].filter((file) => !this.counts.has(file));
    this.released = new Set();
    for (const file of unused) {
      this.deleted.add(file);
      if (this.deleted.size > REMEMBERED_DELETIONS) this.deleted.delete(this.deleted.values().next().value!);
    }
    return unused;
  }

  /** The shared files `checkpoint` uses that were deleted already (it must not complete). */
  missingFiles(checkpoint: RegisteredCheckpoint): string[] {
    return SharedStateRegistry.sharedFiles(checkpoint).filter((file) => this.deleted.has(file));
  }
}

/** A task's files outside its checkpoint's directory (incremental ones), own and referenced. */
export function sharedFilesOfTask(task: TaskStateEntry): string[] {
  const files: string[] = [];
  if (task.handle.kind === 'file' && isShared(task.handle.file)) files.push(task.handle.file);
  for (const ref of task.references ?? []) if (ref.handle.kind === 'file') files.push(ref.handle.file);
  return files;
}

/** Whether a handle's file lies outside the checkpoint's own directory (in the shared one). */
export function isShared(file: string): boolean {
  return file.startsWith('../');
}
