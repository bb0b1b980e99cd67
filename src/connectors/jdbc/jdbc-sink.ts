/**
 * The relational sink, at least once: records are buffered and written in multi-row statements
 * when a batch is full, when the flush interval passes, at each checkpoint and at the end. A
 * checkpoint is acknowledged only after everything before its barrier is written, so after a
 * failure at most the records since the last checkpoint are written again: with `upsert` that
 * rewrites the same rows (idempotent), with `append` it may duplicate them.
 *
 * One statement runs at a time per subtask, so rows reach the table in record order (an older
 * upsert never overwrites a newer one). Transient failures are retried, statement by statement;
 * any other failure fails the job with an error naming the table, the record and the reason.
 */
import { WeirError } from '../../core/errors.ts';
import type { Sink, SinkContext } from '../../core/sink.ts';
import { JdbcBatchWriter, type PendingRow } from './jdbc-batch-writer.ts';
import { jdbcError } from './jdbc-errors.ts';
import { createJdbcPool, type JdbcPool } from './jdbc-pool.ts';
import { RetriesExhausted, withRetries } from './jdbc-retry.ts';
import type { JdbcSinkOptions } from './jdbc-sink-options.ts';

export interface JdbcAtLeastOnceSinkOptions<T, C extends string> extends JdbcSinkOptions<T, C> {
  /** Writes what is buffered at least this often (default 1000 ms; 0: only full batches, checkpoints, end). */
  readonly flushIntervalMs?: number;
}

/**
 * Writes records into a PostgreSQL or MariaDB table, at least once (see above), in `append` or
 * `upsert` mode.
 *
 * @example
 * counts.sinkTo(
 *   new JdbcSink({
 *     connection: { dialect: 'postgres', url: 'postgres://app@127.0.0.1:5432/shop' },
 *     table: 'word_counts',
 *     columns: ['word', 'n'],
 *     row: (c: { word: string; count: number }) => ({ word: c.word, n: c.count }),
 *     mode: 'upsert',
 *     keyColumns: ['word'],
 *   }),
 * );
 */
export class JdbcSink<T, const C extends string> implements Sink<T> {
  private readonly options: JdbcAtLeastOnceSinkOptions<T, C>;
  private readonly writer: JdbcBatchWriter<T, C>;
  private readonly flushIntervalMs: number;
  private pool: JdbcPool | undefined;
  private buffer: PendingRow<T>[] = [];
  /** The flush under way: it writes until the buffer is empty, one statement at a time. */
  private flushing: Promise<void> | undefined;
  private failure: WeirError | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Transient failures retried so far (for tests and metrics). */
  retries = 0;

  /** Records buffered, not yet written. */
  get buffered(): number {
    return this.buffer.length;
  }

  constructor(options: JdbcAtLeastOnceSinkOptions<T, C>) {
    this.options = options;
    this.writer = new JdbcBatchWriter(options);
    this.flushIntervalMs = options.flushIntervalMs ?? 1_000;
    if (!(this.flushIntervalMs >= 0)) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `flushIntervalMs must be 0 or more, got ${this.flushIntervalMs}`,
      );
    }
  }

  /** Opens this subtask's pool and checks that the table and its columns exist. */
  async open(_context: SinkContext): Promise<void> {
    const pool = createJdbcPool(this.options.connection);
    this.pool = pool;
    const probe = this.writer.probeSql();
    try {
      await withRetries(() => pool.query(probe), this.options.retry);
    } catch (error) {
      throw this.toError(error, probe, undefined, 'cannot open the sink');
    }
    if (this.flushIntervalMs > 0) {
      this.timer = setInterval(() => {
        if (this.buffer.length > 0 && this.flushing === undefined) void this.flush(true);
      }, this.flushIntervalMs);
      this.timer.unref();
    }
  }

  invoke(value: T): void {
    if (this.failure !== undefined) throw this.failure;
    this.buffer.push(this.writer.toRow(value));
    if (this.buffer.length >= this.writer.chunkSize && this.flushing === undefined) void this.flush(false);
  }

  /** Metrics: rows buffered or being written, not yet acknowledged by the database. */
  pendingCommits(): number {
    return this.buffer.length;
  }

  /** Back-pressure: a full batch waits while the previous one is written. */
  blocked(): Promise<void> | undefined {
    if (this.flushing === undefined || this.buffer.length < this.writer.chunkSize) return undefined;
    return this.flushing;
  }

  /** At-least-once needs no state: only that the checkpoint waits for the writes (below). */
  snapshotState(_checkpointId: number): unknown[] {
    return [];
  }

  /** Everything before the barrier is written before the checkpoint is acknowledged. */
  snapshotStateAsync(_checkpointId: number): Promise<void> {
    return this.flushAll();
  }

  finish(): Promise<void> {
    return this.flushAll();
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.flushing;
    await this.pool?.end().catch(() => {});
    this.pool = undefined;
  }

  /**
   * Writes full batches, and with `all` the rest too, one statement at a time; resolves when done,
   * never rejects (a failure is kept for the next call).
   */
  private flush(all: boolean): Promise<void> {
    this.flushing ??= (async () => {
      try {
        const min = all ? 1 : this.writer.chunkSize;
        while (this.buffer.length >= min && this.failure === undefined) {
          const batch = this.buffer.slice(0, this.writer.chunkSize);
          await this.writeBatch(batch);
          if (this.failure === undefined) this.buffer = this.buffer.slice(batch.length);
        }
      } finally {
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }

  /** Writes everything buffered; rejects with the failure if a write failed. */
  private async flushAll(): Promise<void> {
    while (this.flushing !== undefined || (this.buffer.length > 0 && this.failure === undefined)) {
      await (this.flushing ?? this.flush(true));
    }
    if (this.failure !== undefined) throw this.failure;
  }

  private async writeBatch(batch: PendingRow<T>[]): Promise<void> {
    const pool = this.pool;
    if (pool === undefined)
      throw new WeirError('SINK_FAILED', `the sink to table "${this.writer.table}" is not open`);
    try {
      await withRetries(
        () => this.writer.write(pool, batch),
        this.options.retry,
        () => {
          this.retries++;
        },
      );
    } catch (error) {
      const cause = error instanceof RetriesExhausted ? error.lastError : error;
      const attempts = error instanceof RetriesExhausted ? error.attempts : 1;
      this.failure = await this.writer.describeFailure(pool, batch, cause, attempts);
    }
  }

  private toError(error: unknown, statement: string, record: unknown, action: string): WeirError {
    const pool = this.pool as JdbcPool;
    return jdbcError(error instanceof RetriesExhausted ? error.lastError : error, {
      pool,
      table: this.writer.table,
      statement,
      record,
      action,
      attempts: error instanceof RetriesExhausted ? error.attempts : undefined,
    });
  }
}
