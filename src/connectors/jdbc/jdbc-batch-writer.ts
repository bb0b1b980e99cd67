/**
 * Turns records into rows and rows into multi-row statements, for every relational sink. Upserts
 * keep only the last row of each key in a statement (PostgreSQL refuses to update one row twice in
 * one statement, and the earlier rows would be overwritten anyway).
 */
import { previewRecord, WeirError } from '../../core/errors.ts';
import { type JdbcDialect, jdbcDialect } from './jdbc-dialect.ts';
import { isTransient, jdbcError } from './jdbc-errors.ts';
import { findFailingRow } from './jdbc-failing-row.ts';
import type { JdbcConnection, JdbcPool } from './jdbc-pool.ts';
import type { JdbcSinkOptions, JdbcWriteMode } from './jdbc-sink-options.ts';

/** A record and its row's values, in column order (the record is kept for error messages). */
export interface PendingRow<T> {
  readonly record: T;
  readonly values: unknown[];
}

export class JdbcBatchWriter<T, C extends string> {
  readonly table: string;
  readonly mode: JdbcWriteMode;
  /** Rows per statement. */
  readonly chunkSize: number;
  private readonly dialect: JdbcDialect;
  private readonly columns: readonly C[];
  private readonly keyIndexes: number[];
  private readonly keyColumns: readonly C[];
  private readonly mapRow: (value: T) => { readonly [K in C]: unknown };
  private readonly statements = new Map<number, string>();

  constructor(options: JdbcSinkOptions<T, C>) {
    this.dialect = jdbcDialect(options.connection.dialect);
    this.table = options.table;
    this.columns = options.columns;
    this.mode = options.mode ?? 'append';
    this.mapRow = options.row;
    if (this.columns.length === 0) {
      throw new WeirError('INVALID_ARGUMENT', `the sink to table "${this.table}" names no columns`);
    }
    if (new Set(this.columns).size !== this.columns.length) {
      throw new WeirError('INVALID_ARGUMENT', `the sink to table "${this.table}" names a column twice`);
    }
    this.keyColumns = options.keyColumns ?? [];
    if (this.mode === 'upsert' && this.keyColumns.length === 0) {
      throw new WeirError('INVALID_ARGUMENT', `an upsert into table "${this.table}" needs keyColumns`);
    }
    if (this.mode !== 'upsert' && this.mode !== 'append') {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `unknown write mode "${String(this.mode)}": use "append" or "upsert"`,
      );
    }
    this.keyIndexes = this.keyColumns.map((k) => {
      const index = this.columns.indexOf(k);
      if (index < 0) {
        throw new WeirError(
          'INVALID_ARGUMENT',
          `key column "${k}" of the sink to table "${this.table}" is not among its columns (${this.columns.join(', ')})`,
        );
      }
      return index;
    });
    const batchSize = options.batchSize ?? 500;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new WeirError('INVALID_ARGUMENT', `batchSize must be a positive integer, got ${batchSize}`);
    }
    this.chunkSize = Math.max(
      1,
      Math.min(batchSize, Math.floor(this.dialect.maxParameters / this.columns.length)),
    );
  }

  /** A statement that fails when the table or a column is missing, and writes nothing. */
  probeSql(): string {
    const cols = this.columns.map((c) => this.dialect.quoteIdentifier(c)).join(', ');
    return `SELECT ${cols} FROM ${this.dialect.quoteTable(this.table)} WHERE 1 = 0`;
  }

  /** The record's row; a mapping that throws or leaves out a column fails with the record named. */
  toRow(record: T): PendingRow<T> {
    let mapped: { readonly [K in C]: unknown };
    try {
      mapped = this.mapRow(record);
    } catch (error) {
      throw new WeirError(
        'SINK_FAILED',
        `the row mapping of the sink to table "${this.table}" failed on record ${previewRecord(record)}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    if (typeof mapped !== 'object' || mapped === null) {
      throw new WeirError(
        'SINK_FAILED',
        `the row mapping of the sink to table "${this.table}" returned ${String(mapped)} for record ${previewRecord(record)}`,
      );
    }
    const values = new Array<unknown>(this.columns.length);
    for (let i = 0; i < this.columns.length; i++) {
      values[i] = this.dialect.toSqlValue(mapped[this.columns[i]]);
    }
    return { record, values };
  }

  /** Writes `rows` in statements of at most `chunkSize` rows, in order, on `target`. */
  async write(target: JdbcConnection | JdbcPool, rows: readonly PendingRow<T>[]): Promise<void> {
    const effective = this.mode === 'upsert' ? this.lastOfEachKey(rows) : rows;
    for (let start = 0; start < effective.length; start += this.chunkSize) {
      const chunk = effective.slice(start, start + this.chunkSize);
      await target.query(
        this.statement(chunk.length),
        chunk.flatMap((r) => r.values),
      );
    }
  }

  /**
   * Which row of a failed batch fails, and why: each row is written alone in a transaction that is
   * rolled back, so nothing is left behind. Undefined when every row passes alone (the batch failed
   * for another reason, e.g. its size or a timeout).
   */
  async locateFailure(
    pool: JdbcPool,
    rows: readonly PendingRow<T>[],
  ): Promise<{ row: PendingRow<T>; error: unknown } | undefined> {
    return findFailingRow(pool, rows.slice(0, 10_000), this.statement(1), (row) => row.values);
  }

  /** The error for a batch that failed with `error`, naming the failing record if it can be found. */
  async describeFailure(
    pool: JdbcPool,
    rows: readonly PendingRow<T>[],
    error: unknown,
    attempts: number,
  ): Promise<WeirError> {
    const located = rows.length > 1 && !isTransient(error) ? await this.locateFailure(pool, rows) : undefined;
    const row = located?.row ?? rows[0];
    return jdbcError(located?.error ?? error, {
      pool,
      table: this.table,
      action: `cannot write ${rows.length === 1 ? 'a row' : `a batch of ${rows.length} rows`}`,
      record: row?.record,
      statement: this.statement(located !== undefined ? 1 : Math.min(rows.length, this.chunkSize)),
      attempts,
    });
  }

  statement(rows: number): string {
    let sql = this.statements.get(rows);
    if (sql === undefined) {
      sql =
        this.mode === 'upsert'
          ? this.dialect.upsertSql(this.table, this.columns, this.keyColumns, rows)
          : this.dialect.insertSql(this.table, this.columns, rows);
      if (this.statements.size < 64) this.statements.set(rows, sql);
    }
    return sql;
  }

  private lastOfEachKey(rows: readonly PendingRow<T>[]): readonly PendingRow<T>[] {
    const last = new Map<string, number>();
    for (let i = 0; i < rows.length; i++) last.set(this.keyOf(rows[i].values), i);
    if (last.size === rows.length) return rows;
    return rows.filter((row, i) => last.get(this.keyOf(row.values)) === i);
  }

  private keyOf(values: readonly unknown[]): string {
    let key = '';
    for (const index of this.keyIndexes) {
      const v = values[index];
      key += `${typeof v}:${v instanceof Date ? v.getTime() : Buffer.isBuffer(v) ? v.toString('hex') : String(v)}\u0000`;
    }
    return key;
  }
}
