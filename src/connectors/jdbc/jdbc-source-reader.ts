import type { WeirError } from '../../core/errors.ts';
import {
  type InputStatus,
  type ReaderOutput,
  releaseSplitOutput,
  type SourceReader,
  type SourceReaderContext,
  splitOutput,
} from '../../core/source.ts';
import { Availability } from '../collection/availability.ts';
import { type JdbcDialect, jdbcDialect } from './jdbc-dialect.ts';
import { jdbcError } from './jdbc-errors.ts';
import { createJdbcPool, type JdbcPool } from './jdbc-pool.ts';
import { RetriesExhausted, withRetries } from './jdbc-retry.ts';
import type { JdbcRow, ResolvedJdbcSourceOptions } from './jdbc-source-options.ts';
import type { JdbcSourceSplit } from './jdbc-source-split.ts';

/** The range being read: the page being emitted, the next one (prefetched) and the position. */
interface Cursor {
  readonly split: JdbcSourceSplit;
  page: JdbcRow[];
  /** Index in `page` of the next row to emit. */
  pos: number;
  /** The page after `page`, fetched while `page` is emitted. */
  next: JdbcRow[] | undefined;
  fetching: boolean;
  /** A page shorter than the fetch size came back: nothing after it. */
  lastPageFetched: boolean;
  /** Key of the last row fetched: the next page starts after it. */
  fetchedKey: readonly unknown[] | undefined;
  /** The last row emitted, for the split's position in a checkpoint. */
  emitted: JdbcRow | undefined;
}

/**
 * Reads ranges of a table page by page with keyset paging: each page is
 * `WHERE <range> AND (keys) > (last key) ORDER BY keys LIMIT fetchSize`, so a range resumes after
 * the last row emitted (its key is the split's position in a checkpoint) and never emits a row
 * twice, without holding a cursor or a transaction open. Queries run in the background, the next
 * page while the current one is emitted; `pollNext` only maps and emits rows, and returns
 * 'nothing-available' while a page is loading. Each range's rows go to its split's output; a range
 * read to its end is released and leaves the reader's state.
 */
export class JdbcSourceReader<T> implements SourceReader<T, JdbcSourceSplit> {
  private readonly context: SourceReaderContext;
  private readonly options: ResolvedJdbcSourceOptions<T>;
  private readonly dialect: JdbcDialect;
  private readonly queue: JdbcSourceSplit[] = [];
  private readonly availability = new Availability();
  private pool: JdbcPool | undefined;
  private cursor: Cursor | undefined;
  private noMore = false;
  private closed = false;
  private failure: WeirError | undefined;
  /** Page statements by shape: `after` a key or not, last range (inclusive upper bound) or not. */
  private readonly statements = new Map<string, string>();
  /** Pages queried by this reader (for tests and metrics). */
  queries = 0;

  constructor(context: SourceReaderContext, options: ResolvedJdbcSourceOptions<T>) {
    this.context = context;
    this.options = options;
    this.dialect = jdbcDialect(options.connection.dialect);
  }

  start(): void {
    this.pool ??= createJdbcPool(this.options.connection);
  }

  pollNext(output: ReaderOutput<T>, maxRecords: number): InputStatus {
    if (this.failure !== undefined) throw this.failure;
    const max = Math.max(1, maxRecords);
    const map = this.options.mapRow;
    let emitted = 0;
    while (emitted < max) {
      const cursor = this.cursor ?? this.openNext();
      if (cursor === undefined) return this.noMore ? 'end' : this.waiting();
      const page = cursor.page;
      if (cursor.pos < page.length) {
        // Resolved once per poll and page, not per row.
        const out = splitOutput(output, cursor.split.splitId);
        const start = cursor.pos;
        const stop = Math.min(page.length, start + (max - emitted));
        for (let i = start; i < stop; i++) {
          const row = page[i];
          // Position first: a failing mapRow names this row (currentPosition).
          cursor.emitted = row;
          cursor.pos = i + 1;
          out.collect(map(row));
        }
        emitted += stop - start;
        continue;
      }
      if (cursor.next !== undefined) {
        cursor.page = cursor.next;
        cursor.pos = 0;
        cursor.next = undefined;
        this.fetchMore(cursor);
        continue;
      }
      if (cursor.lastPageFetched && !cursor.fetching) {
        this.cursor = undefined;
        releaseSplitOutput(output, cursor.split.splitId);
        continue;
      }
      return this.waiting();
    }
    return 'more';
  }

  isAvailable(): Promise<void> {
    return this.availability.whenAvailable();
  }

  addSplits(splits: JdbcSourceSplit[]): void {
    this.queue.push(...splits);
    this.availability.notify();
  }

  noMoreSplits(): void {
    this.noMore = true;
    this.availability.notify();
  }

  snapshotState(_checkpointId: number): JdbcSourceSplit[] {
    const splits: JdbcSourceSplit[] = [];
    const cursor = this.cursor;
    if (cursor !== undefined) {
      const row = cursor.emitted;
      splits.push(row === undefined ? cursor.split : { ...cursor.split, lastKey: this.keyOf(row) });
    }
    for (const split of this.queue) splits.push(split);
    return splits;
  }

  currentPosition(): string | undefined {
    const cursor = this.cursor;
    if (cursor === undefined) return undefined;
    const row = cursor.emitted;
    const key = row === undefined ? '' : ` at key ${JSON.stringify(this.keyOf(row), bigintText)}`;
    return `${this.describeSplit(cursor.split)}${key}`;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cursor = undefined;
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }

  private waiting(): InputStatus {
    this.availability.markWaiting();
    return 'nothing-available';
  }

  private openNext(): Cursor | undefined {
    const split = this.queue.shift();
    if (split === undefined) return undefined;
    const cursor: Cursor = {
      split,
      page: [],
      pos: 0,
      next: undefined,
      fetching: false,
      lastPageFetched: false,
      fetchedKey: split.lastKey,
      emitted: undefined,
    };
    this.cursor = cursor;
    this.fetchMore(cursor);
    return cursor;
  }

  /** Starts loading the next page of `cursor`, unless one is loading, held, or there is none. */
  private fetchMore(cursor: Cursor): void {
    if (cursor.fetching || cursor.lastPageFetched || cursor.next !== undefined) return;
    cursor.fetching = true;
    this.fetchPage(cursor.split, cursor.fetchedKey).then(
      (rows) => {
        if (this.closed || this.cursor !== cursor) return;
        cursor.fetching = false;
        if (rows.length < this.options.fetchSize) cursor.lastPageFetched = true;
        if (rows.length > 0) cursor.fetchedKey = this.keyOf(rows[rows.length - 1]);
        if (cursor.pos >= cursor.page.length) {
          cursor.page = rows;
          cursor.pos = 0;
          this.fetchMore(cursor);
        } else {
          cursor.next = rows;
        }
        this.availability.notify();
      },
      (error: unknown) => {
        if (this.closed || this.cursor !== cursor) return;
        this.failure ??= error as WeirError;
        this.availability.notify();
      },
    );
  }

  private async fetchPage(split: JdbcSourceSplit, after: readonly unknown[] | undefined): Promise<JdbcRow[]> {
    const pool = (this.pool ??= createJdbcPool(this.options.connection));
    const sql = this.pageSql(after !== undefined, split.upperInclusive);
    const params: unknown[] = [this.param(split.lower, true), this.param(split.upper, true)];
    if (after !== undefined) {
      this.options.keyColumns.forEach((column, i) => {
        params.push(this.param(after[i], column === this.options.partitionColumn));
      });
    }
    this.queries++;
    try {
      return await withRetries(() => pool.query<JdbcRow>(sql, params), this.options.retry);
    } catch (error) {
      const exhausted = error instanceof RetriesExhausted ? error : undefined;
      throw jdbcError(exhausted?.lastError ?? error, {
        pool,
        action: `${this.context.sourceName}: cannot read ${this.describeSplit(split)}`,
        statement: sql,
        attempts: exhausted?.attempts,
        code: 'SOURCE_FAILED',
      });
    }
  }

  /**
   * A value as the driver should receive it. Integers of the partition column go to MariaDB/MySQL as
   * bigint literals: MySQL compares a string with an integer column as doubles, inexact beyond 2^53
   * (MariaDB 10.11 compares them exactly; a literal is exact on both). PostgreSQL receives them as
   * text and casts them to the column's type.
   */
  private param(value: unknown, numeric: boolean): unknown {
    if (this.dialect.name === 'mariadb') {
      if (numeric && typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
      return value;
    }
    return typeof value === 'bigint' ? value.toString() : value;
  }

  private keyOf(row: JdbcRow): unknown[] {
    return this.options.keyColumns.map((column) => row[column]);
  }

  /** `SELECT ... WHERE <range> [AND (keys) > (last key)] ORDER BY keys LIMIT fetchSize`. */
  private pageSql(after: boolean, inclusive: boolean): string {
    const shape = `${after}/${inclusive}`;
    let sql = this.statements.get(shape);
    if (sql === undefined) {
      sql = this.buildPageSql(after, inclusive);
      this.statements.set(shape, sql);
    }
    return sql;
  }

  private buildPageSql(after: boolean, inclusive: boolean): string {
    const { table, columns, partitionColumn, keyColumns, where, fetchSize } = this.options;
    const d = this.dialect;
    const q = (name: string) => d.quoteIdentifier(name);
    const select =
      columns === undefined
        ? '*'
        : [...columns, ...keyColumns.filter((k) => !columns.includes(k))].map(q).join(', ');
    const conditions = [
      `${q(partitionColumn)} >= ${d.placeholder(1)}`,
      `${q(partitionColumn)} ${inclusive ? '<=' : '<'} ${d.placeholder(2)}`,
    ];
    if (where !== undefined) conditions.push(`(${where})`);
    if (after) {
      const placeholders = keyColumns.map((_, i) => d.placeholder(3 + i));
      conditions.push(
        keyColumns.length === 1
          ? `${q(keyColumns[0])} > ${placeholders[0]}`
          : `(${keyColumns.map(q).join(', ')}) > (${placeholders.join(', ')})`,
      );
    }
    return `SELECT ${select} FROM ${d.quoteTable(table)} WHERE ${conditions.join(' AND ')} ORDER BY ${keyColumns.map(q).join(', ')} LIMIT ${fetchSize}`;
  }

  private describeSplit(split: JdbcSourceSplit): string {
    const { table, partitionColumn } = this.options;
    const close = split.upperInclusive ? ']' : ')';
    return `table "${table}" split ${split.index} ("${partitionColumn}" in [${split.lower}, ${split.upper}${close})`;
  }
}

function bigintText(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
