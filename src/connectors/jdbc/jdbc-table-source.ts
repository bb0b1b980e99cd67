/**
 * The bounded scan of a `jdbc` table, as Flink's JDBC table source: without `scan.partition.*` the
 * whole table is one split; with them, `[lower-bound, upper-bound]` of the partition column is cut
 * into `scan.partition.num` ranges of nearly equal width (`col >= lo AND col < hi`, the last range
 * closed), read in parallel. With a `PRIMARY KEY`, a split is read in pages of `scan.fetch-size`
 * rows (0, Flink's default: 1,000) in the key's order, each page after the last key read (keyset
 * paging: no cursor or transaction stays open), and a checkpoint holds that key, so a restored job
 * goes on after it. Without a primary key, a split is one `SELECT`, held in memory while its rows are
 * emitted, and a checkpoint holds how many were emitted: a restored reader reads the split again and
 * skips them (exact only if the database returns the rows in the same order).
 */
import { WeirError } from '../../core/errors.ts';
import type { Row } from '../../core/row.ts';
import type {
  Boundedness,
  InputStatus,
  ReaderOutput,
  Source,
  SourceReader,
  SourceReaderContext,
  SourceSplit,
} from '../../core/source.ts';
import type { TableConnectorContext } from '../../core/table-connectors.ts';
import { Availability } from '../collection/availability.ts';
import { jdbcDialect } from './jdbc-dialect.ts';
import { jdbcError } from './jdbc-errors.ts';
import { createJdbcPool, type JdbcPool } from './jdbc-pool.ts';
import { RetriesExhausted, withRetries } from './jdbc-retry.ts';
import { planRanges } from './jdbc-source-split.ts';
import type { JdbcTableOptions } from './jdbc-table-options.ts';
import { databaseColumns, readConverter } from './jdbc-table-types.ts';

/** A range of the partition column, or the whole table (no `range`). */
export interface JdbcScanSplit extends SourceSplit {
  readonly range?: { readonly lower: string; readonly upper: string; readonly upperInclusive: boolean };
  /** With a primary key: the key of the last row read; the split goes on after it. */
  readonly after?: readonly unknown[];
  /** Without one: rows of this split already emitted (in checkpoints), skipped when it is read again. */
  readonly emitted?: number;
}

/** The `jdbc` table's scan: a bounded source of `+I` rows in the table's column order. */
export class JdbcTableSource implements Source<Row, JdbcScanSplit> {
  readonly boundedness: Boundedness = 'bounded';
  private readonly context: TableConnectorContext;
  private readonly options: JdbcTableOptions;

  constructor(context: TableConnectorContext, options: JdbcTableOptions) {
    this.context = context;
    this.options = options;
  }

  createSplits(): JdbcScanSplit[] {
    const partition = this.options.scan.partition;
    if (partition === undefined) return [{ splitId: 'table' }];
    return planRanges(partition.lower, partition.upper, partition.num).map((r) => ({
      splitId: r.splitId,
      range: { lower: r.lower, upper: r.upper, upperInclusive: r.upperInclusive },
    }));
  }

  createReader(context: SourceReaderContext): SourceReader<Row, JdbcScanSplit> {
    return new JdbcTableScanReader(context, this.context, this.options);
  }
}

/**
 * Reads its splits one at a time, a page at a time in the background; `pollNext` only converts and
 * emits. With a primary key, pages are `ORDER BY key LIMIT fetch-size`, each after the last key read
 * (keyset paging), and a checkpoint holds the last key emitted; without one, a split is one query and
 * a checkpoint holds how many of its rows were emitted.
 */
class JdbcTableScanReader implements SourceReader<Row, JdbcScanSplit> {
  private readonly reader: SourceReaderContext;
  private readonly table: TableConnectorContext;
  private readonly options: JdbcTableOptions;
  private readonly availability = new Availability();
  private readonly queue: JdbcScanSplit[] = [];
  /** The primary key's columns: pages are read in their order. */
  private readonly keys: readonly string[];
  private readonly fetchSize: number;
  private pool: JdbcPool | undefined;
  private converters: ((value: unknown) => unknown)[] | undefined;
  private readonly statements = new Map<string, string>();
  private split: JdbcScanSplit | undefined;
  /** The page being emitted; undefined while none is loaded. */
  private rows: Record<string, unknown>[] | undefined;
  private pos = 0;
  /** The last page of the split was fetched. */
  private lastPage = false;
  private loading = false;
  private noMore = false;
  private closed = false;
  private failure: unknown;

  constructor(reader: SourceReaderContext, table: TableConnectorContext, options: JdbcTableOptions) {
    this.reader = reader;
    this.table = table;
    this.options = options;
    this.keys = table.primaryKey ?? [];
    this.fetchSize = options.scan.fetchSize > 0 ? options.scan.fetchSize : 1_000;
  }

  start(): void {
    this.pool ??= createJdbcPool({ ...this.options.connection, poolSize: 1 });
  }

  pollNext(output: ReaderOutput<Row>, maxRecords: number): InputStatus {
    if (this.failure !== undefined) throw this.failure;
    const columns = this.table.columns;
    const width = columns.length;
    const max = Math.max(1, maxRecords);
    let emitted = 0;
    while (emitted < max) {
      const rows = this.rows;
      if (rows === undefined) {
        if (this.loading) return this.waiting();
        if (this.split === undefined) {
          const next = this.queue.shift();
          if (next === undefined) return this.noMore ? 'end' : this.waiting();
          this.split = next;
          this.lastPage = false;
        }
        this.load(this.split);
        return this.waiting();
      }
      if (this.pos >= rows.length) {
        this.rows = undefined;
        if (this.lastPage) this.split = undefined;
        else {
          // The next page starts after the last row of this one.
          this.split = { ...this.split!, after: this.keyOf(rows[rows.length - 1]) };
        }
        continue;
      }
      const convert = this.converters!;
      const start = this.pos;
      const stop = Math.min(rows.length, start + (max - emitted));
      for (let i = start; i < stop; i++) {
        const source = rows[i];
        const values = new Array<unknown>(width);
        for (let c = 0; c < width; c++) values[c] = convert[c](source[columns[c].name]);
        this.pos = i + 1;
        output.collect({ kind: '+I', values });
      }
      emitted += stop - start;
    }
    return 'more';
  }

  isAvailable(): Promise<void> {
    return this.availability.whenAvailable();
  }

  addSplits(splits: JdbcScanSplit[]): void {
    this.queue.push(...splits);
    this.availability.notify();
  }

  noMoreSplits(): void {
    this.noMore = true;
    this.availability.notify();
  }

  snapshotState(): JdbcScanSplit[] {
    const splits: JdbcScanSplit[] = [];
    const split = this.split;
    if (split !== undefined) {
      const rows = this.rows;
      if (rows === undefined || this.pos === 0) splits.push(split);
      else if (this.keys.length > 0) splits.push({ ...split, after: this.keyOf(rows[this.pos - 1]) });
      else splits.push({ ...split, emitted: this.pos });
    }
    splits.push(...this.queue);
    return splits;
  }

  currentPosition(): string | undefined {
    const split = this.split;
    if (split === undefined) return undefined;
    const row = this.rows?.[this.pos - 1];
    const at =
      row === undefined
        ? ''
        : this.keys.length > 0
          ? ` at key ${JSON.stringify(this.keyOf(row), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`
          : ` row ${this.pos}`;
    return `${this.describe(split)}${at}`;
  }

  async close(): Promise<void> {
    this.closed = true;
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }

  private keyOf(row: Record<string, unknown>): unknown[] {
    return this.keys.map((k) => row[k]);
  }

  private waiting(): InputStatus {
    this.availability.markWaiting();
    return 'nothing-available';
  }

  private load(split: JdbcScanSplit): void {
    this.loading = true;
    this.query(split).then(
      (rows) => {
        if (this.closed) return;
        this.loading = false;
        const paged = this.keys.length > 0;
        this.lastPage = !paged || rows.length < this.fetchSize;
        this.rows = rows;
        // Without a key, the rows emitted before a restore are skipped.
        this.pos = paged ? 0 : Math.min(split.emitted ?? 0, rows.length);
        this.availability.notify();
      },
      (error: unknown) => {
        if (this.closed) return;
        this.loading = false;
        this.failure = error;
        this.availability.notify();
      },
    );
  }

  private async query(split: JdbcScanSplit): Promise<Record<string, unknown>[]> {
    const pool = (this.pool ??= createJdbcPool({ ...this.options.connection, poolSize: 1 }));
    const { table, columns } = this.table;
    if (this.converters === undefined) {
      let described: Awaited<ReturnType<typeof databaseColumns>>;
      try {
        described = await withRetries(
          () => databaseColumns(pool, table, this.options.table, columns, 'SOURCE_FAILED'),
          { maxRetries: 3 },
        );
      } catch (error) {
        throw this.error(error, split, undefined);
      }
      this.converters = columns.map((c, i) => readConverter(c.type, pool.dialect, described[i]));
    }
    const range = split.range;
    const after = split.after;
    const sql = this.statement(range?.upperInclusive, after !== undefined);
    const params: unknown[] = [];
    if (range !== undefined) {
      // Exact integers: literals for MySQL, text that PostgreSQL casts.
      for (const b of [range.lower, range.upper]) params.push(pool.dialect === 'mariadb' ? BigInt(b) : b);
    }
    if (after !== undefined) for (const v of after) params.push(v);
    try {
      return await withRetries(() => pool.query<Record<string, unknown>>(sql, params), { maxRetries: 3 });
    } catch (error) {
      throw this.error(error, split, sql);
    }
  }

  /** `SELECT ... [WHERE <range>] [AND (key) > (last)] [ORDER BY key LIMIT fetch-size]`, by shape. */
  private statement(inclusive: boolean | undefined, after: boolean): string {
    const shape = `${inclusive}/${after}`;
    let sql = this.statements.get(shape);
    if (sql !== undefined) return sql;
    const d = jdbcDialect(this.options.connection.dialect);
    const q = (name: string) => d.quoteIdentifier(name);
    const conditions: string[] = [];
    let index = 1;
    if (inclusive !== undefined) {
      const column = q(this.options.scan.partition!.column);
      conditions.push(`${column} >= ${d.placeholder(index++)}`);
      conditions.push(`${column} ${inclusive ? '<=' : '<'} ${d.placeholder(index++)}`);
    }
    const keys = this.keys;
    if (after) {
      const cells = keys.map(() => d.placeholder(index++));
      conditions.push(
        keys.length === 1
          ? `${q(keys[0])} > ${cells[0]}`
          : `(${keys.map(q).join(', ')}) > (${cells.join(', ')})`,
      );
    }
    sql = `SELECT ${this.table.columns.map((c) => q(c.name)).join(', ')} FROM ${d.quoteTable(this.options.table)}`;
    if (conditions.length > 0) sql += ` WHERE ${conditions.join(' AND ')}`;
    if (keys.length > 0) sql += ` ORDER BY ${keys.map(q).join(', ')} LIMIT ${this.fetchSize}`;
    this.statements.set(shape, sql);
    return sql;
  }

  private error(error: unknown, split: JdbcScanSplit, statement: string | undefined): WeirError {
    const exhausted = error instanceof RetriesExhausted ? error : undefined;
    const cause = exhausted?.lastError ?? error;
    if (cause instanceof WeirError) return cause;
    return jdbcError(cause, {
      pool: this.pool!,
      action: `${this.reader.sourceName}: cannot read ${this.describe(split)}`,
      statement,
      attempts: exhausted?.attempts,
      code: 'SOURCE_FAILED',
    });
  }

  private describe(split: JdbcScanSplit): string {
    const range = split.range;
    if (range === undefined) return `table "${this.options.table}"`;
    const column = this.options.scan.partition!.column;
    return `table "${this.options.table}" split ${split.splitId} ("${column}" in [${range.lower}, ${range.upper}${range.upperInclusive ? ']' : ')'})`;
  }
}
