import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { previewRecord, WeirError } from '../../core/errors.ts';
import type { InvokeContext, SinkContext } from '../../core/sink.ts';
import { type TransactionState, TwoPhaseCommitSink } from '../../core/two-phase-commit-sink.ts';

/** One part file: written as `<name>.inprogress`, pre-committed as `<name>.pending`, committed as `<name>`. */
export interface PartFileTransaction {
  name: string;
}

interface OpenPart {
  fd: number;
  buffered: string[];
  bytes: number;
}

export interface ExactlyOnceFileSinkOptions<T> {
  /** Turns a record into one line (default: JSON). */
  format?: (value: T) => string;
  /** Extension of committed part files (default `.jsonl`). */
  extension?: string;
  /**
   * How part files are named. `weir` (the default): `part-<subtask>-<attempt>-<n><ext>`, written as
   * `<name>.inprogress` and pre-committed as `<name>.pending`. `flink`, as Flink's file sink of SQL
   * names them: `part-<uuid>-<subtask>-<n><ext>`, the uuid standing for the job's run (its id's first
   * 8 characters and the attempt), written and pre-committed as hidden files (`.<name>.inprogress`,
   * `.<name>.pending`), which readers of the directory skip as they skip every name with a leading dot.
   */
  naming?: 'weir' | 'flink';
}

/**
 * Writes records as lines into part files in a directory, exactly once with checkpoints (a
 * {@link TwoPhaseCommitSink}): each checkpoint interval's records go to a new part file, which is
 * `part-<subtask>-<attempt>-<n><ext>.inprogress` while written, renamed to `.pending` when the
 * checkpoint is taken (flushed and fsynced) and to its final name when the checkpoint completes.
 * Readers should only read files without a suffix. After a restore, pending files of the checkpoint
 * are committed and every in-progress or pending file that no checkpoint covers is deleted.
 *
 * @example
 * env.enableCheckpointing(1_000);
 * counts.sinkTo(new ExactlyOnceFileSink('out/counts'));
 */
export class ExactlyOnceFileSink<T> extends TwoPhaseCommitSink<T, PartFileTransaction> {
  readonly directory: string;
  private readonly format: (value: T) => string;
  private readonly extension: string;
  private readonly hidden: boolean;
  private readonly parts = new Map<string, OpenPart>();
  private sequence = 0;
  /** The attempt that was restored from a checkpoint (initializeState), if the current one was. */
  private restoredAttempt: string | undefined;
  /** Checkpoints this subtask snapshotted that have neither completed nor been aborted yet. */
  private readonly unresolved = new Set<number>();
  /** Part files pre-committed and not yet committed, by the checkpoint that pre-committed them. */
  private preCommitted: Array<{ checkpointId: number; name: string }> = [];

  constructor(directory: string, options: ExactlyOnceFileSinkOptions<T> = {}) {
    super();
    this.directory = directory;
    this.format = options.format ?? ((value) => toJson(value, directory));
    this.extension = options.extension ?? '.jsonl';
    this.hidden = options.naming === 'flink';
  }

  /** Where part `name` is while it is written. */
  private inProgressPath(name: string): string {
    return join(this.directory, this.hidden ? `.${name}.inprogress` : `${name}.inprogress`);
  }

  /** Where part `name` is once pre-committed (durable, not visible). */
  private pendingPath(name: string): string {
    return join(this.directory, this.hidden ? `.${name}.pending` : `${name}.pending`);
  }

  override initializeState(state: unknown[], context: SinkContext): void {
    this.restoredAttempt = context.attemptTag;
    super.initializeState(state, context);
  }

  /**
   * A start without a restore after earlier attempts of this job (a restart before any checkpoint
   * completed): this subtask's in-progress and pending files of those attempts belong to no
   * checkpoint and will never be committed, so they are deleted (after a restore,
   * cleanUpAfterRestore does this for every file the checkpoint does not cover).
   */
  override open(context: SinkContext): void {
    if (this.restoredAttempt !== context.attemptTag) this.removeEarlierAttempts(context);
    this.unresolved.clear();
    this.preCommitted = [];
    super.open(context);
  }

  private removeEarlierAttempts(context: SinkContext): void {
    const tag = context.attemptTag;
    const dash = tag.lastIndexOf('-');
    if (dash <= 0 || !existsSync(this.directory)) return;
    const job = `part-${context.subtaskIndex}-${tag.slice(0, dash)}-`;
    const own = `part-${context.subtaskIndex}-${tag}-`;
    // Flink's naming: `.part-<job>-<attempt>-<subtask>-<n>...`.
    const flinkJob = new RegExp(
      `^\\.part-${escapeRegExp(tag.slice(0, dash))}-\\d+-${context.subtaskIndex}-\\d+`,
    );
    const flinkOwn = `.part-${tag}-`;
    for (const file of readdirSync(this.directory)) {
      if (!/\.(inprogress|pending)$/.test(file)) continue;
      const ours = this.hidden
        ? flinkJob.test(file) && !file.startsWith(flinkOwn)
        : file.startsWith(job) && !file.startsWith(own);
      if (ours) rmSync(join(this.directory, file), { force: true });
    }
  }

  override snapshotState(checkpointId: number): unknown[] {
    const state = super.snapshotState(checkpointId) as TransactionState<PartFileTransaction>[];
    this.unresolved.add(checkpointId);
    this.preCommitted = state.flatMap((s) =>
      s.kind === 'pending' ? [{ checkpointId: s.checkpointId, name: s.txn.name }] : [],
    );
    return state;
  }

  override notifyCheckpointComplete(checkpointId: number): void {
    super.notifyCheckpointComplete(checkpointId);
    for (const id of this.unresolved) if (id <= checkpointId) this.unresolved.delete(id);
    this.preCommitted = this.preCommitted.filter((p) => p.checkpointId > checkpointId);
  }

  notifyCheckpointAborted(checkpointId: number): void {
    this.unresolved.delete(checkpointId);
  }

  /**
   * Closing (at the end, or after a failure or cancel): the open part file is aborted; so are the
   * pre-committed ones when every checkpoint since they were pre-committed was aborted (checkpoint
   * storage that failed): no completed checkpoint refers to them, so no restore will commit them.
   * While a checkpoint's outcome is unknown they stay, for a restore from it.
   */
  override close(): void {
    super.close();
    if (this.unresolved.size > 0) return;
    for (const p of this.preCommitted) rmSync(this.pendingPath(p.name), { force: true });
    this.preCommitted = [];
  }

  protected beginTransaction(): PartFileTransaction {
    mkdirSync(this.directory, { recursive: true });
    const { subtaskIndex, attemptTag } = this.context;
    const n = this.sequence++;
    return {
      name: this.hidden
        ? `part-${attemptTag}-${subtaskIndex}-${n}${this.extension}`
        : `part-${subtaskIndex}-${attemptTag}-${n}${this.extension}`,
    };
  }

  protected write(txn: PartFileTransaction, value: T, _context: InvokeContext): void {
    let part = this.parts.get(txn.name);
    if (part === undefined) {
      part = { fd: openSync(this.inProgressPath(txn.name), 'w'), buffered: [], bytes: 0 };
      this.parts.set(txn.name, part);
    }
    const line = `${this.format(value)}\n`;
    part.buffered.push(line);
    part.bytes += line.length;
    if (part.bytes >= 64 * 1024) flush(part);
  }

  protected preCommit(txn: PartFileTransaction): void {
    const part = this.parts.get(txn.name);
    if (part === undefined) return; // nothing written: no file
    flush(part);
    fsyncSync(part.fd);
    closeSync(part.fd);
    this.parts.delete(txn.name);
    renameSync(this.inProgressPath(txn.name), this.pendingPath(txn.name));
  }

  protected commit(txn: PartFileTransaction): void {
    const pending = this.pendingPath(txn.name);
    // Idempotent: after a recovery the file may have been committed already (or never had records).
    if (existsSync(pending)) renameSync(pending, join(this.directory, txn.name));
  }

  protected abort(txn: PartFileTransaction): void {
    const part = this.parts.get(txn.name);
    if (part !== undefined) {
      closeSync(part.fd);
      this.parts.delete(txn.name);
    }
    rmSync(this.inProgressPath(txn.name), { force: true });
    rmSync(this.pendingPath(txn.name), { force: true });
  }

  /**
   * Files of earlier attempts that no restored checkpoint covers hold records that will be
   * replayed: subtask 0 deletes them (it sees every restored transaction; files of this attempt
   * carry its own tag and are kept).
   */
  protected override cleanUpAfterRestore(restored: readonly TransactionState<PartFileTransaction>[]): void {
    if (this.context.subtaskIndex !== 0 || !existsSync(this.directory)) return;
    const tag = `-${this.context.attemptTag}-`;
    const known = new Set(restored.map((s) => s.txn.name));
    for (const file of readdirSync(this.directory)) {
      const match = /^(.*)\.(inprogress|pending)$/.exec(file);
      const name = match && this.hidden ? match[1].replace(/^\./, '') : match?.[1];
      if (!match || file.includes(tag) || known.has(name!)) continue;
      rmSync(join(this.directory, file), { force: true });
    }
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function flush(part: OpenPart): void {
  if (part.buffered.length === 0) return;
  writeSync(part.fd, part.buffered.join(''));
  part.buffered = [];
  part.bytes = 0;
}

function toJson(value: unknown, directory: string): string {
  const json = JSON.stringify(value);
  if (json === undefined) {
    throw new WeirError('SINK_FAILED', `cannot write ${previewRecord(value)} as JSON to "${directory}"`);
  }
  return json;
}
