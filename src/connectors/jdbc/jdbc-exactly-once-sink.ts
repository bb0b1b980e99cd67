/**
 * The relational sink, exactly once, as a {@link TwoPhaseCommitSink} over prepared transactions
 * (jdbc-prepared-transactions.ts). Each subtask keeps the rows of the current checkpoint interval in
 * memory; when the checkpoint is taken it writes them in one database transaction on a dedicated
 * connection and prepares it (`PREPARE TRANSACTION` / `XA PREPARE`) under a transaction id (gid)
 * that goes into the checkpoint; when the checkpoint completes, it commits the gid. A transient
 * failure while writing repeats the whole transaction (the rows are still in memory; a gid found
 * already prepared is not written twice).
 *
 * Gids are `weir.<sinkId>.<subtask>.<attempt>.<n>`. After a restore, the gids the checkpoint names
 * as pre-committed are committed (again: committing a committed gid is a no-op), and every other
 * prepared transaction of this sink is rolled back: those of checkpoints that never completed, which
 * would otherwise hold their locks forever. Without a restore (a first start, or a restart before
 * any checkpoint completed), every prepared transaction of this sink is rolled back. Each subtask
 * sweeps the gids whose subtask number modulo the parallelism is its own.
 *
 * The sink id must be unique among the jobs writing to one database at a time.
 */
import { WeirError } from '../../core/errors.ts';
import type { InvokeContext, SinkContext } from '../../core/sink.ts';
import { type TransactionState, TwoPhaseCommitSink } from '../../core/two-phase-commit-sink.ts';
import { JdbcBatchWriter, type PendingRow } from './jdbc-batch-writer.ts';
import { jdbcError } from './jdbc-errors.ts';
import { createJdbcPool, type JdbcDedicatedConnection, type JdbcPool } from './jdbc-pool.ts';
import { type PreparedTransactions, preparedTransactions } from './jdbc-prepared-transactions.ts';
import { RetriesExhausted, withRetries } from './jdbc-retry.ts';
import type { JdbcSinkOptions } from './jdbc-sink-options.ts';

/** A transaction of the exactly-once sink, as kept in checkpoints: its gid. */
export interface JdbcTransaction {
  readonly gid: string;
}

export interface JdbcExactlyOnceSinkOptions<T, C extends string> extends JdbcSinkOptions<T, C> {
  /**
   * Names this sink's transactions (letters, digits, `_`, `-`; at most 24 characters). Default:
   * the table name with other characters replaced. Two jobs (or two sinks of one job) writing to
   * one database at the same time need different ids.
   */
  readonly sinkId?: string;
}

/**
 * Writes records into a PostgreSQL or MariaDB table exactly once with checkpointing (see above):
 * the rows of a checkpoint interval become visible together when the checkpoint completes. Needs
 * `max_prepared_transactions` > 0 on PostgreSQL; XA on InnoDB tables on MariaDB (docs/jdbc.md).
 *
 * @example
 * env.enableCheckpointing(1_000);
 * counts.sinkTo(
 *   new JdbcExactlyOnceSink({
 *     connection: { dialect: 'postgres', url: 'postgres://app@127.0.0.1:5432/shop' },
 *     table: 'word_counts',
 *     columns: ['word', 'n'],
 *     row: (c: { word: string; count: number }) => ({ word: c.word, n: c.count }),
 *     mode: 'upsert',
 *     keyColumns: ['word'],
 *   }),
 * );
 */
export class JdbcExactlyOnceSink<T, const C extends string> extends TwoPhaseCommitSink<T, JdbcTransaction> {
  readonly sinkId: string;
  private readonly options: JdbcExactlyOnceSinkOptions<T, C>;
  private readonly writer: JdbcBatchWriter<T, C>;
  private readonly transactions: PreparedTransactions;
  private pool: JdbcPool | undefined;
  /** Rows of transactions not yet pre-committed, by gid. */
  private readonly rows = new Map<string, PendingRow<T>[]>();
  /** Transactions pre-committed without rows: nothing to commit. */
  private readonly empty = new Set<string>();
  /** MariaDB: the sessions holding prepared transactions until they commit them, by gid. */
  private readonly sessions = new Map<string, JdbcDedicatedConnection>();
  /** PostgreSQL: the dedicated connection transactions are written on (free again after PREPARE). */
  private connection: JdbcDedicatedConnection | undefined;
  /** Pre-commits run one after the other (a new checkpoint's may start before the last one's ends). */
  private preparing: Promise<void> = Promise.resolve();
  private restored = false;
  private sequence = 0;
  /** Transient failures retried so far (for tests and metrics). */
  retries = 0;

  constructor(options: JdbcExactlyOnceSinkOptions<T, C>) {
    super();
    this.options = options;
    this.writer = new JdbcBatchWriter(options);
    this.transactions = preparedTransactions(options.connection.dialect);
    this.sinkId = options.sinkId ?? options.table.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 24);
    if (!/^[A-Za-z0-9_-]{1,24}$/.test(this.sinkId)) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `sinkId "${this.sinkId}" must be 1 to 24 letters, digits, "_" or "-" (it names prepared transactions)`,
      );
    }
  }

  override initializeState(state: unknown[], context: SinkContext): Promise<void> {
    this.restored = true;
    this.ensurePool();
    return Promise.resolve(super.initializeState(state, context));
  }

  /** Opens the pool, checks the table and the server's support, and (without a restore) sweeps. */
  override async open(context: SinkContext): Promise<void> {
    this.context = context;
    const pool = this.ensurePool();
    const probe = this.writer.probeSql();
    await this.retrying(() => pool.query(probe), 'cannot open the sink', probe);
    if (pool.dialect === 'postgres') await this.checkPreparedTransactions(pool);
    if (!this.restored) await this.sweep(new Set());
    return super.open(context);
  }

  override close(): Promise<void> {
    return (async () => {
      try {
        await super.close();
      } finally {
        // Sessions still holding prepared transactions detach them (they stay prepared, for a restore).
        await Promise.all([...this.sessions.values()].map((s) => s.close()));
        this.sessions.clear();
        await this.connection?.close();
        this.connection = undefined;
        await this.pool?.end().catch(() => {});
        this.pool = undefined;
      }
    })();
  }

  protected beginTransaction(): JdbcTransaction {
    const gid = `weir.${this.sinkId}.${this.context.subtaskIndex}.${this.context.attemptTag}.${this.sequence++}`;
    this.rows.set(gid, []);
    return { gid };
  }

  protected write(txn: JdbcTransaction, value: T, _context: InvokeContext): void {
    const rows = this.rows.get(txn.gid);
    if (rows === undefined) throw new WeirError('INTERNAL', `transaction ${txn.gid} is not open`);
    rows.push(this.writer.toRow(value));
  }

  /** Writes the interval's rows in one transaction and prepares it (repeated whole on transient failures). */
  protected preCommit(txn: JdbcTransaction): void | Promise<void> {
    const rows = this.rows.get(txn.gid) ?? [];
    this.rows.delete(txn.gid);
    if (rows.length === 0) {
      this.empty.add(txn.gid);
      return;
    }
    const prepared = this.preparing.then(() => this.prepare(txn.gid, rows));
    this.preparing = prepared.catch(() => {});
    return prepared;
  }

  protected commit(txn: JdbcTransaction): void | Promise<void> {
    if (this.empty.delete(txn.gid)) return;
    return this.finishPrepared(txn.gid, 'commit');
  }

  protected abort(txn: JdbcTransaction): void | Promise<void> {
    this.empty.delete(txn.gid);
    // Still in memory: nothing reached the database.
    if (this.rows.delete(txn.gid)) return;
    return this.finishPrepared(txn.gid, 'rollback');
  }

  protected override cleanUpAfterRestore(
    restored: readonly TransactionState<JdbcTransaction>[],
  ): Promise<void> {
    const covered = new Set(restored.filter((s) => s.kind === 'pending').map((s) => s.txn.gid));
    return this.sweep(covered);
  }

  private ensurePool(): JdbcPool {
    this.pool ??= createJdbcPool(this.options.connection);
    return this.pool;
  }

  private async prepare(gid: string, rows: readonly PendingRow<T>[]): Promise<void> {
    const pool = this.ensurePool();
    const tx = this.transactions;
    try {
      await withRetries(
        async (attempt) => {
          // The last attempt may have prepared before its connection broke.
          if (attempt > 1 && (await tx.list(pool, gid)).includes(gid)) return;
          const connection = await this.transactionConnection();
          try {
            await tx.begin(connection, gid);
            await this.writer.write(connection, rows);
            await tx.prepare(connection, gid);
          } catch (error) {
            // A failed transaction is rolled back by closing its session.
            await connection.close();
            if (connection === this.connection) this.connection = undefined;
            throw error;
          }
          if (tx.sessionBound) this.sessions.set(gid, connection);
        },
        this.options.retry,
        () => {
          this.retries++;
        },
      );
    } catch (error) {
      const cause = error instanceof RetriesExhausted ? error.lastError : error;
      const attempts = error instanceof RetriesExhausted ? error.attempts : 1;
      const failure = await this.writer.describeFailure(pool, rows, cause, attempts);
      throw new WeirError(failure.code, `${failure.message} (pre-commit of transaction ${gid})`, {
        cause: failure.cause,
      });
    }
  }

  /** PostgreSQL: one connection, reused; MariaDB: a new session per transaction. */
  private async transactionConnection(): Promise<JdbcDedicatedConnection> {
    const pool = this.ensurePool();
    if (this.transactions.sessionBound) return pool.openConnection();
    if (this.connection === undefined || this.connection.broken) {
      await this.connection?.close();
      this.connection = undefined;
      this.connection = await pool.openConnection();
    }
    return this.connection;
  }

  /** Commits or rolls back prepared `gid`, on its own session if it still holds it. */
  private async finishPrepared(gid: string, outcome: 'commit' | 'rollback'): Promise<void> {
    const pool = this.ensurePool();
    const session = this.sessions.get(gid);
    this.sessions.delete(gid);
    const run = (target: JdbcDedicatedConnection | JdbcPool) =>
      outcome === 'commit' ? this.transactions.commit(target, gid) : this.transactions.rollback(target, gid);
    try {
      if (session !== undefined && !session.broken) {
        try {
          await run(session);
          return;
        } catch (error) {
          // The session died: the transaction detached from it and can be finished from any other.
          if (!session.broken) throw error;
        } finally {
          await session.close();
        }
      }
      await this.retrying(() => run(pool), `cannot ${outcome} transaction ${gid}`);
    } catch (error) {
      if (error instanceof WeirError) throw error;
      throw jdbcError(error, {
        pool,
        table: this.writer.table,
        action: `cannot ${outcome} transaction ${gid}`,
      });
    }
  }

  /**
   * Rolls back the prepared transactions of this sink that `covered` does not name and that belong to
   * this subtask (their subtask number modulo the parallelism), except this attempt's own.
   */
  private async sweep(covered: ReadonlySet<string>): Promise<void> {
    const pool = this.ensurePool();
    const prefix = `weir.${this.sinkId}.`;
    const gids = await this.retrying(
      () => this.transactions.list(pool, prefix),
      'cannot list prepared transactions',
    );
    const { subtaskIndex, parallelism, attemptTag } = this.context;
    for (const gid of gids) {
      if (covered.has(gid)) continue;
      const [subtask, attempt] = gid.slice(prefix.length).split('.');
      if (attempt === attemptTag || Number(subtask) % parallelism !== subtaskIndex) continue;
      await this.retrying(() => this.transactions.rollback(pool, gid), `cannot roll back transaction ${gid}`);
    }
  }

  private async checkPreparedTransactions(pool: JdbcPool): Promise<void> {
    const rows = await this.retrying(
      () => pool.query<{ max_prepared_transactions: string }>('SHOW max_prepared_transactions'),
      'cannot read max_prepared_transactions',
    );
    if (Number(rows[0]?.max_prepared_transactions ?? 0) > 0) return;
    throw new WeirError(
      'SINK_FAILED',
      `the exactly-once sink to table "${this.writer.table}" needs prepared transactions, but ${pool.describe()} has max_prepared_transactions = 0: set it above 0 (ALTER SYSTEM SET max_prepared_transactions = 64) and restart the server (docs/jdbc.md)`,
    );
  }

  private async retrying<R>(fn: () => Promise<R>, action: string, statement?: string): Promise<R> {
    try {
      return await withRetries(fn, this.options.retry, () => {
        this.retries++;
      });
    } catch (error) {
      throw jdbcError(error instanceof RetriesExhausted ? error.lastError : error, {
        pool: this.ensurePool(),
        table: this.writer.table,
        action,
        statement,
        attempts: error instanceof RetriesExhausted ? error.attempts : undefined,
      });
    }
  }
}
