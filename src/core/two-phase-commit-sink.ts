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
 * `write` and `beginTransaction` are synchronous (the checkpoint closes the transaction right after
 * the last record before its barrier). `preCommit`, `commit`, `abort` and the recovery hooks may
 * return promises, for sinks that talk to a database: a pre-commit's promise is awaited through
 * `snapshotStateAsync` (the checkpoint is acknowledged once it resolves; records after the barrier
 * flow meanwhile into the next transaction), commits through the promise of
 * `notifyCheckpointComplete`, and recovery through `initializeState`'s. Transactions are committed
 * in checkpoint order, each only after its pre-commit finished. Sinks whose hooks are synchronous
 * stay synchronous throughout.
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
  /** Pre-commits still under way, by checkpoint id (asynchronous `preCommit` only). */
  private readonly preCommits = new Map<number, Promise<void>>();
  /** Commits under way (asynchronous `commit` only): the next ones run after them, in order. */
  private commits: Promise<void> | undefined;
  /** Transactions whose commit has started (or waits for an earlier one) and not finished. */
  private committing = 0;
  /** Set in `open`/`initializeState`. */
  protected context!: SinkContext;

  protected abstract beginTransaction(): TXN;
  /** Writes one record into the transaction (synchronously: the checkpoint pre-commits right after). */
  protected abstract write(txn: TXN, value: T, context: InvokeContext): void;
  /** Makes the transaction durable but not visible. */
  protected abstract preCommit(txn: TXN): void | Promise<void>;
  /** Makes it visible. Must be idempotent: recovery may commit a transaction that was committed. */
  protected abstract commit(txn: TXN): void | Promise<void>;
  protected abstract abort(txn: TXN): void | Promise<void>;

  /** Recovery: commits a transaction a restored checkpoint pre-committed. */
  protected recoverAndCommit(txn: TXN): void | Promise<void> {
    return this.commit(txn);
  }
  /** Recovery: aborts the transaction that was open when the restored checkpoint was taken. */
  protected recoverAndAbort(txn: TXN): void | Promise<void> {
    return this.abort(txn);
  }
  /** Recovery, after the above: clean up what earlier attempts left behind (optional). */
  protected cleanUpAfterRestore(_restored: readonly TransactionState<TXN>[]): void | Promise<void> {}

  /**
   * Every subtask receives the transactions of all old subtasks; transaction j is recovered by
   * subtask j mod parallelism, so each is committed or aborted once, at any new parallelism.
   */
  initializeState(state: unknown[], context: SinkContext): void | Promise<void> {
    this.context = context;
    const restored = state as TransactionState<TXN>[];
    const steps: Array<() => void | Promise<void>> = [];
    for (let j = 0; j < restored.length; j++) {
      if (j % context.parallelism !== context.subtaskIndex) continue;
      const s = restored[j];
      steps.push(
        s.kind === 'pending' ? () => this.recoverAndCommit(s.txn) : () => this.recoverAndAbort(s.txn),
      );
    }
    steps.push(() => this.cleanUpAfterRestore(restored));
    return inSequence(steps);
  }

  open(context: SinkContext): void | Promise<void> {
    this.context = context;
    this.current = this.beginTransaction();
  }

  invoke(value: T, context: InvokeContext): void {
    this.write(this.current as TXN, value, context);
  }

  snapshotState(checkpointId: number): unknown[] {
    const txn = this.current as TXN;
    const preCommitted = this.preCommit(txn);
    if (isPromise(preCommitted)) {
      // Handled through snapshotStateAsync (or the commit that waits for it): never unhandled here.
      preCommitted.catch(() => {});
      this.preCommits.set(checkpointId, preCommitted);
    }
    this.pending.push({ checkpointId, txn });
    this.current = this.beginTransaction();
    const state: TransactionState<TXN>[] = this.pending.map((p) => ({ kind: 'pending', ...p }));
    state.push({ kind: 'open', txn: this.current });
    return state;
  }

  /** The pre-commit of `checkpointId`'s transaction, when it is asynchronous. */
  snapshotStateAsync(checkpointId: number): Promise<void> | undefined {
    return this.preCommits.get(checkpointId);
  }

  notifyCheckpointComplete(checkpointId: number): void | Promise<void> {
    const remaining: Array<{ checkpointId: number; txn: TXN }> = [];
    const steps: Array<() => void | Promise<void>> = [];
    for (const p of this.pending) {
      if (p.checkpointId > checkpointId) {
        remaining.push(p);
        continue;
      }
      const preCommitted = this.preCommits.get(p.checkpointId);
      this.preCommits.delete(p.checkpointId);
      steps.push(
        preCommitted === undefined
          ? () => this.commit(p.txn)
          : () => preCommitted.then(() => this.commit(p.txn)),
      );
    }
    this.pending = remaining;
    this.committing += steps.length;
    const counted = steps.map((step) => () => {
      const result = step();
      if (!isPromise(result)) {
        this.committing--;
        return;
      }
      return result.then(() => {
        this.committing--;
      });
    });
    if (this.commits !== undefined) {
      // An earlier commit is still under way: keep the order.
      const done = this.commits.then(() => inSequence(counted));
      return this.trackCommits(done);
    }
    const result = inSequence(counted);
    return isPromise(result) ? this.trackCommits(result) : undefined;
  }

  /** Metrics: transactions pre-committed and not committed yet (waiting for their checkpoint, or committing). */
  pendingCommits(): number {
    return this.pending.length + this.committing;
  }

  private trackCommits(done: Promise<void>): Promise<void> {
    const tracked = done.finally(() => {
      if (this.commits === tracked) this.commits = undefined;
    });
    this.commits = tracked;
    return tracked;
  }

  /** End of input without checkpointing: commit what was written. */
  finish(): void | Promise<void> {
    if (this.context.checkpointing || this.current === undefined) return;
    const txn = this.current;
    this.current = undefined;
    return inSequence([() => this.preCommit(txn), () => this.commit(txn)]);
  }

  /** Whatever was not pre-committed is aborted (pre-committed ones are recovered from the checkpoint). */
  close(): void | Promise<void> {
    const txn = this.current;
    this.current = undefined;
    if (txn === undefined) return;
    // Commits under way finish first (whatever their outcome): they may share connections.
    if (this.commits !== undefined) {
      const abort = () => this.abort(txn);
      return this.commits.then(abort, abort);
    }
    return this.abort(txn);
  }
}

function isPromise(value: unknown): value is Promise<void> {
  return typeof (value as Promise<void> | undefined)?.then === 'function';
}

/**
 * Runs `steps` one after the other: synchronously while they return nothing, then chained on the
 * first promise. Returns a promise only if some step did.
 */
function inSequence(steps: ReadonlyArray<() => void | Promise<void>>): void | Promise<void> {
  for (let i = 0; i < steps.length; i++) {
    const result = steps[i]();
    if (isPromise(result)) {
      const rest = steps.slice(i + 1);
      return rest.reduce<Promise<void>>((chain, step) => chain.then(() => step()), result);
    }
  }
}
