import type { InvokeContext, Sink, SinkContext } from './sink.ts';

/** What a two-phase commit sink keeps in checkpoints. */
export type TransactionState<TXN> =
  | { kind: 'pending'; checkpointId: number; txn: TXN }
  | { kind: 'open'; txn: TXN };

/**
 * Base class of exactly-once sinks (docs/checkpoints.md), as Flink's TwoPhaseCommitSinkFunction.
 * Records go into the current transaction. When a checkpoint is taken the transaction is
 * pre-committed (flushed, made durable but invisible) and remembered with the checkpoint's id in
 * the checkpoint itself; a new one begins. When the checkpoint completes, the transactions it
 * covers are committed. After a failure, the restored checkpoint says which transactions were
 * pre-committed: they are committed again (commit must be idempotent), and the transaction that was
 * open at that checkpoint is aborted. Records after the checkpoint are replayed into new
 * transactions, so every record's effect becomes visible exactly once.
 *
 * Without checkpointing there is nothing to align commits with: the current transaction is
 * committed at the end of the input.
 *
 * @example
 * class KvSink extends TwoPhaseCommitSink<Entry, { id: string; rows: Entry[] }> {
 *   protected beginTransaction() { return { id: crypto.randomUUID(), rows: [] }; }
 *   protected write(txn, value) { txn.rows.push(value); }
 *   protected preCommit(txn) { store.stage(txn.id, txn.rows); }
 *   protected commit(txn) { store.publish(txn.id); }   // idempotent
 *   protected abort(txn) { store.drop(txn.id); }
 * }
 */
export abstract class TwoPhaseCommitSink<T, TXN> implements Sink<T> {
  private current: TXN | undefined;
  private pending: Array<{ checkpointId: number; txn: TXN }> = [];
  /** Set in `open`/`initializeState`. */
  protected context!: SinkContext;

  protected abstract beginTransaction(): TXN;
  /** Writes one record into the transaction (synchronously: the checkpoint pre-commits right after). */
  protected abstract write(txn: TXN, value: T, context: InvokeContext): void;
  /** Makes the transaction durable but not visible. */
  protected abstract preCommit(txn: TXN): void;
  /** Makes it visible. Must be idempotent: recovery may commit a transaction that was committed. */
  protected abstract commit(txn: TXN): void;
  protected abstract abort(txn: TXN): void;

  /** Recovery: commits a transaction a restored checkpoint pre-committed. */
  protected recoverAndCommit(txn: TXN): void {
    this.commit(txn);
  }
  /** Recovery: aborts the transaction that was open when the restored checkpoint was taken. */
  protected recoverAndAbort(txn: TXN): void {
    this.abort(txn);
  }
  /** Recovery, after the above: clean up what earlier attempts left behind (optional). */
  protected cleanUpAfterRestore(_restored: readonly TransactionState<TXN>[]): void {}

  /**
   * Every subtask receives the transactions of all old subtasks; transaction j is recovered by
   * subtask j mod parallelism, so each is committed or aborted once, at any new parallelism.
   */
  initializeState(state: unknown[], context: SinkContext): void {
    this.context = context;
    const restored = state as TransactionState<TXN>[];
    for (let j = 0; j < restored.length; j++) {
      if (j % context.parallelism !== context.subtaskIndex) continue;
      const s = restored[j];
      if (s.kind === 'pending') this.recoverAndCommit(s.txn);
      else this.recoverAndAbort(s.txn);
    }
    this.cleanUpAfterRestore(restored);
  }

  open(context: SinkContext): void {
    this.context = context;
    this.current = this.beginTransaction();
  }

  invoke(value: T, context: InvokeContext): void {
    this.write(this.current as TXN, value, context);
  }

  snapshotState(checkpointId: number): unknown[] {
    const txn = this.current as TXN;
    this.preCommit(txn);
    this.pending.push({ checkpointId, txn });
    this.current = this.beginTransaction();
    const state: TransactionState<TXN>[] = this.pending.map((p) => ({ kind: 'pending', ...p }));
    state.push({ kind: 'open', txn: this.current });
    return state;
  }

  notifyCheckpointComplete(checkpointId: number): void {
    const remaining: Array<{ checkpointId: number; txn: TXN }> = [];
    for (const p of this.pending) {
      if (p.checkpointId <= checkpointId) this.commit(p.txn);
      else remaining.push(p);
    }
    this.pending = remaining;
  }

  /** End of input without checkpointing: commit what was written. */
  finish(): void {
    if (this.context.checkpointing || this.current === undefined) return;
    const txn = this.current;
    this.current = undefined;
    this.preCommit(txn);
    this.commit(txn);
  }

  /** Whatever was not pre-committed is aborted (pre-committed ones are recovered from the checkpoint). */
  close(): void {
    if (this.current !== undefined) this.abort(this.current);
    this.current = undefined;
  }
}
