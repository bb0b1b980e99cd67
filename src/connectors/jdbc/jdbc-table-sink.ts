/**
 * The sink of a `jdbc` table, as Flink's JDBC table sink. With a `PRIMARY KEY (...) NOT ENFORCED` it
 * writes in upsert mode: `+I` and `+U` rows become `INSERT ... ON CONFLICT DO UPDATE` (PostgreSQL) or
 * `... ON DUPLICATE KEY UPDATE` (MySQL/MariaDB), `-D` rows `DELETE ... WHERE key IN (...)`, and `-U`
 * rows are dropped (the `+U` that follows rewrites the row). The buffer keeps the last change of
 * each key, so a flush touches each key once. Without a primary key it appends: every row is an
 * `INSERT`, and a row that is not an insert fails the job (an updating query needs a key to write by).
 *
 * Rows are written when `sink.buffer-flush.max-rows` rows (keys) are buffered, every
 * `sink.buffer-flush.interval`, at each checkpoint (which waits for the writes: at least once, and
 * exactly the same table after a replay in upsert mode) and at the end of the input. One flush runs at
 * a time; while it runs, a full buffer back-pressures the task. A statement that fails transiently is
 * retried `sink.max-retries` times.
 */
import { WeirError } from '../../core/errors.ts';
import type { Row } from '../../core/row.ts';
import type { Sink, SinkContext } from '../../core/sink.ts';
import type { TableConnectorContext } from '../../core/table-connectors.ts';
import { type JdbcDialect, jdbcDialect } from './jdbc-dialect.ts';
import { isTransient, jdbcError } from './jdbc-errors.ts';
import { findFailingRow } from './jdbc-failing-row.ts';
import { createJdbcPool, type JdbcPool } from './jdbc-pool.ts';
import { RetriesExhausted, withRetries } from './jdbc-retry.ts';
import type { JdbcTableOptions } from './jdbc-table-options.ts';
import { databaseColumns, writeConverter } from './jdbc-table-types.ts';

/** A buffered change: the row's values as parameters, or a delete of its key. */
interface Change {
  delete: boolean;
  values: unknown[];
}

export class JdbcTableSink implements Sink<Row> {
  private readonly context: TableConnectorContext;
  private readonly options: JdbcTableOptions;
  private readonly dialect: JdbcDialect;
  private readonly columns: string[];
  private readonly keyColumns: string[];
  private readonly keyIndexes: number[];
  private readonly upsert: boolean;
  /** Rows per statement: within the dialect's parameter limit. */
  private readonly chunk: number;
  private converters: ((value: unknown) => unknown)[] = [];
  private pool: JdbcPool | undefined;
  /** Upsert mode: the last change of each key, by key. */
  private changes = new Map<unknown, Change>();
  /** Append mode: rows in order. */
  private inserts: unknown[][] = [];
  private flushing: Promise<void> | undefined;
  private failure: WeirError | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly statements = new Map<string, string>();

  constructor(context: TableConnectorContext, options: JdbcTableOptions) {
    this.context = context;
    this.options = options;
    this.dialect = jdbcDialect(options.connection.dialect);
    this.columns = context.columns.map((c) => c.name);
    this.keyColumns = context.primaryKey ?? [];
    this.upsert = this.keyColumns.length > 0;
    this.keyIndexes = this.keyColumns.map((k) => {
      const i = this.columns.indexOf(k);
      if (i < 0) {
        throw new WeirError(
          'INVALID_ARGUMENT',
          `table "${context.table}": the primary key column "${k}" is not a physical column`,
        );
      }
      return i;
    });
    this.chunk = Math.max(1, Math.min(500, Math.floor(this.dialect.maxParameters / this.columns.length)));
  }

  /** Opens the pool and checks the table's columns and their types. */
  async open(_context: SinkContext): Promise<void> {
    const pool = createJdbcPool({ ...this.options.connection, poolSize: 1 });
    this.pool = pool;
    const { table, columns } = this.context;
    let described: Awaited<ReturnType<typeof databaseColumns>>;
    try {
      described = await withRetries(
        () => databaseColumns(pool, table, this.options.table, columns, 'SINK_FAILED'),
        { maxRetries: this.options.sink.maxRetries },
      );
    } catch (error) {
      const cause = error instanceof RetriesExhausted ? error.lastError : error;
      if (cause instanceof WeirError) throw cause;
      throw jdbcError(cause, {
        pool,
        table: this.options.table,
        action: `table "${table}": cannot open the sink`,
      });
    }
    this.converters = columns.map((c, i) => writeConverter(c.type, pool.dialect, described[i]));
    const interval = this.options.sink.intervalMs;
    if (interval > 0) {
      this.timer = setInterval(() => {
        if (this.size() > 0 && this.flushing === undefined) void this.flush();
      }, interval);
      this.timer.unref();
    }
  }

  invoke(row: Row): void {
    if (this.failure !== undefined) throw this.failure;
    const kind = row.kind;
    if (!this.upsert) {
      if (kind !== '+I') {
        throw new WeirError(
          'SINK_FAILED',
          `table "${this.context.table}": the jdbc sink appends (the table has no PRIMARY KEY) and cannot take a ${kind} row; declare PRIMARY KEY (...) NOT ENFORCED to write an updating result`,
        );
      }
      this.inserts.push(this.convert(row.values));
    } else {
      if (kind === '-U') return;
      const values = this.convert(row.values);
      this.changes.set(this.keyOf(values), { delete: kind === '-D', values });
    }
    const max = this.options.sink.maxRows;
    if (max > 0 && this.size() >= max && this.flushing === undefined) void this.flush();
  }

  /** Back-pressure: a full buffer waits while the previous flush is written. */
  blocked(): Promise<void> | undefined {
    const max = this.options.sink.maxRows;
    if (this.flushing === undefined || max === 0 || this.size() < max) return undefined;
    return this.flushing;
  }

  pendingCommits(): number {
    return this.size();
  }

  snapshotState(): unknown[] {
    return [];
  }

  /** The checkpoint is acknowledged once every row before its barrier is in the table. */
  snapshotStateAsync(): Promise<void> {
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

  private size(): number {
    return this.upsert ? this.changes.size : this.inserts.length;
  }

  private convert(values: unknown[]): unknown[] {
    const out = new Array<unknown>(values.length);
    const converters = this.converters;
    for (let i = 0; i < values.length; i++) out[i] = this.dialect.toSqlValue(converters[i](values[i]));
    return out;
  }

  /** The key of converted values: the value itself for one key column, else their text. */
  private keyOf(values: unknown[]): unknown {
    const keys = this.keyIndexes;
    if (keys.length === 1) return values[keys[0]];
    let text = String(values[keys[0]]);
    for (let i = 1; i < keys.length; i++) text += `\u0000${String(values[keys[i]])}`;
    return text;
  }

  /** Writes what is buffered now; never rejects (a failure is kept and thrown at the next call). */
  private flush(): Promise<void> {
    this.flushing ??= (async () => {
      try {
        while (this.size() > 0 && this.failure === undefined) {
          if (this.upsert) {
            const changes = this.changes;
            this.changes = new Map();
            await this.writeChanges([...changes.values()]);
          } else {
            const rows = this.inserts;
            this.inserts = [];
            await this.writeRows(rows, false);
          }
        }
      } finally {
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }

  private async flushAll(): Promise<void> {
    while (this.flushing !== undefined || (this.size() > 0 && this.failure === undefined)) {
      await (this.flushing ?? this.flush());
    }
    if (this.failure !== undefined) throw this.failure;
  }

  private async writeChanges(changes: Change[]): Promise<void> {
    const upserts: unknown[][] = [];
    const deletes: unknown[][] = [];
    for (const c of changes) {
      if (c.delete) deletes.push(this.keyIndexes.map((i) => c.values[i]));
      else upserts.push(c.values);
    }
    await this.writeRows(upserts, true);
    await this.deleteKeys(deletes);
  }

  private async writeRows(rows: unknown[][], upsert: boolean): Promise<void> {
    for (let from = 0; from < rows.length && this.failure === undefined; from += this.chunk) {
      const part = rows.slice(from, from + this.chunk);
      const sql = this.statement(`${upsert ? 'u' : 'i'}${part.length}`, () =>
        upsert
          ? this.dialect.upsertSql(this.options.table, this.columns, this.keyColumns, part.length)
          : this.dialect.insertSql(this.options.table, this.columns, part.length),
      );
      await this.run(sql, part.flat(), part[0], `cannot write ${part.length} rows`, () =>
        this.locate(part, upsert),
      );
    }
  }

  /**
   * The row of a failed multi-row statement that the database refuses, and its own error: the rows
   * written one by one in a transaction that is then rolled back (nothing stays behind).
   */
  private async locate(
    rows: unknown[][],
    upsert: boolean,
  ): Promise<{ row: unknown[]; error: unknown } | undefined> {
    const single = upsert
      ? this.dialect.upsertSql(this.options.table, this.columns, this.keyColumns, 1)
      : this.dialect.insertSql(this.options.table, this.columns, 1);
    return findFailingRow(this.pool!, rows, single, (row) => row);
  }

  private async deleteKeys(keys: unknown[][]): Promise<void> {
    const chunk = Math.max(1, Math.floor(this.dialect.maxParameters / this.keyColumns.length));
    for (let from = 0; from < keys.length && this.failure === undefined; from += chunk) {
      const part = keys.slice(from, from + chunk);
      const sql = this.statement(`d${part.length}`, () => {
        const d = this.dialect;
        const single = this.keyColumns.length === 1;
        let index = 1;
        const tuples = part.map(() => {
          const cells = this.keyColumns.map(() => d.placeholder(index++));
          return single ? cells[0] : `(${cells.join(', ')})`;
        });
        const target = single
          ? d.quoteIdentifier(this.keyColumns[0])
          : `(${this.keyColumns.map((c) => d.quoteIdentifier(c)).join(', ')})`;
        return `DELETE FROM ${d.quoteTable(this.options.table)} WHERE ${target} IN (${tuples.join(', ')})`;
      });
      await this.run(sql, part.flat(), part[0], `cannot delete ${part.length} rows`);
    }
  }

  private statement(shape: string, build: () => string): string {
    let sql = this.statements.get(shape);
    if (sql === undefined) {
      sql = build();
      if (this.statements.size < 64) this.statements.set(shape, sql);
    }
    return sql;
  }

  private async run(
    sql: string,
    params: unknown[],
    record: unknown,
    action: string,
    locate?: () => Promise<{ row: unknown[]; error: unknown } | undefined>,
  ): Promise<void> {
    const pool = this.pool;
    if (pool === undefined) {
      this.failure = new WeirError('SINK_FAILED', `the sink to table "${this.context.table}" is not open`);
      return;
    }
    try {
      await withRetries(() => pool.query(sql, params), { maxRetries: this.options.sink.maxRetries });
    } catch (error) {
      const exhausted = error instanceof RetriesExhausted ? error : undefined;
      const cause = exhausted?.lastError ?? error;
      const located = locate !== undefined && !isTransient(cause) ? await locate() : undefined;
      this.failure = jdbcError(located?.error ?? cause, {
        pool,
        table: this.options.table,
        action: `table "${this.context.table}": ${located ? 'cannot write a row' : action}`,
        statement: located ? undefined : sql,
        record: located?.row ?? record,
        attempts: exhausted?.attempts,
      });
    }
  }
}
