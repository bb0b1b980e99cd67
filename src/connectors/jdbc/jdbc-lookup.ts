import { type ResultFuture, RichAsyncFunction } from '../../api/async-function.ts';
import type { RuntimeContext } from '../../api/runtime-context.ts';
import { previewRecord, WeirError } from '../../core/errors.ts';
import { LookupCache } from '../lookup-cache.ts';
import { type JdbcDialect, jdbcDialect } from './jdbc-dialect.ts';
import { jdbcError } from './jdbc-errors.ts';
import { type JdbcConnectionOptions, resolveJdbcOptions } from './jdbc-options.ts';
import { createJdbcPool, type JdbcPool } from './jdbc-pool.ts';
import { type JdbcRetryOptions, RetriesExhausted, withRetries } from './jdbc-retry.ts';
import type { JdbcRow } from './jdbc-source-options.ts';

/** What {@link JdbcLookup} looks up, and how it joins the rows found to its input. */
export interface JdbcLookupOptions<IN, OUT, ROW = JdbcRow> {
  readonly connection: JdbcConnectionOptions;
  /** The table, possibly schema-qualified (`shop.users`). */
  readonly table: string;
  /** The columns an input's key is matched against (best a primary key or an index). */
  readonly keyColumns: readonly string[];
  /** The columns to read (default every column, `*`). The key columns are read in any case. */
  readonly columns?: readonly string[];
  /** The key of an input: one value per key column, in order. A key with a NULL matches no row. */
  readonly keyOf: (input: IN) => readonly unknown[];
  /**
   * The results for an input, from the rows found for its key: none when the key is missing (an
   * inner join returns `[]` then, a left join one result without the row).
   */
  readonly join: (input: IN, rows: readonly ROW[]) => Iterable<OUT>;
  /** Keep the rows of recently looked-up keys, per subtask. */
  readonly cache?: {
    /** The most keys held (least recently used evicted first). */
    readonly maxRows: number;
    /** How long a key's rows are held after they were read, in processing time (default: until evicted). */
    readonly ttlMs?: number;
    /** How long a key's rows are held after they were last read (Flink's expire-after-access; default: no limit). */
    readonly accessTtlMs?: number;
    /** Hold keys without rows too (default true), so a missing key is not queried again and again. */
    readonly cacheMissingKeys?: boolean;
  };
  /** Most keys per query (default 100). */
  readonly maxBatchSize?: number;
  /**
   * Queries in flight at once per subtask (default: the pool size). Keys that arrive while a query
   * is in flight wait for the next one, unless a full batch is ready and this allows another.
   */
  readonly maxConcurrentQueries?: number;
  /** Retries of a query that failed transiently (default 3, from 100 ms, doubling). */
  readonly retry?: JdbcRetryOptions;
}

/** One input waiting for its key's rows. */
interface Waiter<IN, OUT> {
  readonly input: IN;
  readonly future: ResultFuture<OUT>;
}

/** A key to look up, and every input waiting for it. */
interface PendingKey<IN, OUT> {
  readonly key: readonly unknown[];
  readonly waiters: Waiter<IN, OUT>[];
}

const NO_ROWS: readonly never[] = Object.freeze([]);

/**
 * A lookup (enrichment) function for Async I/O against a PostgreSQL or MariaDB/MySQL table, as
 * Flink's JDBC lookup source: each input's key is matched against `keyColumns`, and `join` turns
 * the input and the rows found into results.
 *
 * - **Batching.** Lookups are gathered into one query per batch: `WHERE k = ANY($1)` (PostgreSQL,
 *   one key column) or `WHERE (k1, k2) IN ((?, ?), ...)`. Lookups made in one go (a batch of
 *   records) share a query; lookups that arrive while a query is in flight wait for the next one,
 *   up to `maxBatchSize` keys, so the database sees few large queries under load and no delay when
 *   idle. Lookups of a key already pending or in flight share its query.
 * - **Cache.** With `cache`, an LRU cache of `maxRows` keys holds each key's rows for `ttlMs` of
 *   processing time; keys without rows are held too unless `cacheMissingKeys` is false.
 * - **Errors.** Transient failures are retried with backoff; a lookup that still fails completes
 *   exceptionally with USER_FUNCTION_FAILED naming the table, the database (never the password),
 *   the record and the reason. A missing table or column fails at `open`.
 *
 * Keys are matched to rows by value as the driver returns them: integers and strings compare as
 * text (`7` finds the BIGINT row the driver returns as `'7'`), booleans as 1/0, dates by instant.
 * Keys that the database matches but that differ in text (a case-insensitive collation, trailing
 * spaces, DECIMAL scale) are not found: use integer or exact string keys.
 *
 * @example
 * ```ts
 * const enriched = AsyncDataStream.unorderedWait(
 *   clicks,
 *   new JdbcLookup<Click, EnrichedClick, { id: number; name: string; tier: string }>({
 *     connection: { dialect: 'mariadb', url: 'mariadb://app@127.0.0.1:3306/shop' },
 *     table: 'users',
 *     keyColumns: ['id'],
 *     columns: ['name', 'tier'],
 *     keyOf: (click) => [click.userId],
 *     join: (click, users) => users.map((user) => ({ ...click, name: user.name, tier: user.tier })),
 *     cache: { maxRows: 10_000, ttlMs: 60_000 },
 *   }),
 *   seconds(1),
 *   100,
 * );
 * ```
 */
export class JdbcLookup<IN, OUT, ROW = JdbcRow> extends RichAsyncFunction<IN, OUT> {
  private readonly options: JdbcLookupOptions<IN, OUT, ROW>;
  private readonly dialect: JdbcDialect;
  private readonly maxBatchSize: number;
  private readonly maxConcurrentQueries: number;
  private readonly cacheMissingKeys: boolean;
  private readonly select: string;
  private pool: JdbcPool | undefined;
  private cache: LookupCache<readonly ROW[]> | undefined;
  private now: () => number = Date.now;
  private owner = 'JdbcLookup';
  /** Keys not sent yet, in arrival order. */
  private pending = new Map<string, PendingKey<IN, OUT>>();
  /** Keys of the queries in flight. */
  private readonly inFlight = new Map<string, PendingKey<IN, OUT>>();
  private queriesInFlight = 0;
  private flushScheduled = false;
  private readonly statements = new Map<number, string>();
  /** Queries sent to the database (each for up to `maxBatchSize` keys). */
  queries = 0;

  constructor(options: JdbcLookupOptions<IN, OUT, ROW>) {
    super();
    const connection = resolveJdbcOptions(options.connection);
    const name = (value: unknown, what: string): string => {
      if (typeof value !== 'string' || value.length === 0) {
        throw new WeirError('INVALID_ARGUMENT', `JdbcLookup: ${what} must be a non-empty string`);
      }
      return value;
    };
    name(options.table, 'table');
    if (!Array.isArray(options.keyColumns) || options.keyColumns.length === 0) {
      throw new WeirError('INVALID_ARGUMENT', 'JdbcLookup: keyColumns must name at least one column');
    }
    for (const column of options.keyColumns) name(column, 'a key column');
    for (const column of options.columns ?? []) name(column, 'a column');
    if (typeof options.keyOf !== 'function' || typeof options.join !== 'function') {
      throw new WeirError('INVALID_ARGUMENT', 'JdbcLookup: keyOf and join must be functions');
    }
    this.maxBatchSize = positiveInteger(options.maxBatchSize ?? 100, 'maxBatchSize');
    this.maxConcurrentQueries = positiveInteger(
      options.maxConcurrentQueries ?? connection.poolSize,
      'maxConcurrentQueries',
    );
    const cache = options.cache;
    if (cache !== undefined) {
      positiveInteger(cache.maxRows, 'cache.maxRows');
      if (cache.ttlMs !== undefined && !(cache.ttlMs > 0)) {
        throw new WeirError(
          'INVALID_ARGUMENT',
          `JdbcLookup: cache.ttlMs must be positive, got ${cache.ttlMs}`,
        );
      }
    }
    this.cacheMissingKeys = cache?.cacheMissingKeys ?? true;
    this.options = options;
    this.dialect = jdbcDialect(connection.dialect);
    const q = (column: string) => this.dialect.quoteIdentifier(column);
    const { columns, keyColumns } = options;
    this.select =
      columns === undefined
        ? '*'
        : [...columns, ...keyColumns.filter((k) => !columns.includes(k))].map(q).join(', ');
  }

  /** Cache hits and misses of this subtask (0 without a cache). */
  get cacheStatistics(): { hits: number; misses: number; size: number } {
    return { hits: this.cache?.hits ?? 0, misses: this.cache?.misses ?? 0, size: this.cache?.size ?? 0 };
  }

  /** Opens the pool and checks that the table and columns exist (a zero-row query). */
  override async open(context: RuntimeContext): Promise<void> {
    this.now = () => context.currentProcessingTime();
    this.owner = `JdbcLookup (subtask ${context.getIndexOfThisSubtask() + 1}/${context.getNumberOfParallelSubtasks()})`;
    const { cache } = this.options;
    if (cache !== undefined) this.cache = new LookupCache(cache.maxRows, cache.ttlMs, cache.accessTtlMs);
    const pool = createJdbcPool(this.options.connection);
    const probe = `SELECT ${this.select} FROM ${this.dialect.quoteTable(this.options.table)} WHERE 1 = 0`;
    try {
      await withRetries(() => pool.query(probe), this.options.retry);
    } catch (error) {
      await pool.end().catch(() => {});
      const exhausted = error instanceof RetriesExhausted ? error : undefined;
      throw jdbcError(exhausted?.lastError ?? error, {
        pool,
        action: `${this.owner} cannot look up rows in table "${this.options.table}"`,
        statement: probe,
        attempts: exhausted?.attempts,
        code: 'USER_FUNCTION_FAILED',
      });
    }
    this.pool = pool;
  }

  asyncInvoke(input: IN, resultFuture: ResultFuture<OUT>): void {
    const key = this.options.keyOf(input);
    if (key.length !== this.options.keyColumns.length) {
      resultFuture.completeExceptionally(
        new WeirError(
          'USER_FUNCTION_FAILED',
          `${this.owner}: keyOf returned ${key.length} values for ${this.options.keyColumns.length} key columns (${this.options.keyColumns.join(', ')}); record ${previewRecord(input)}`,
        ),
      );
      return;
    }
    // NULL equals nothing in SQL: no query needed.
    if (key.some((value) => value === null || value === undefined)) {
      this.complete({ input, future: resultFuture }, NO_ROWS);
      return;
    }
    const id = keyText(key);
    const cached = this.cache?.get(id, this.now());
    if (cached !== undefined) {
      this.complete({ input, future: resultFuture }, cached);
      return;
    }
    const waiter = { input, future: resultFuture };
    const known = this.pending.get(id) ?? this.inFlight.get(id);
    if (known !== undefined) {
      known.waiters.push(waiter);
      return;
    }
    this.pending.set(id, { key, waiters: [waiter] });
    if (!this.flushScheduled) {
      // After the current batch of records: lookups made in one go share a query.
      this.flushScheduled = true;
      queueMicrotask(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  /** Ends the pool; lookups still waiting fail. */
  override async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    this.cache?.clear();
    const abandoned = [...this.pending.values()];
    this.pending.clear();
    for (const entry of abandoned) {
      for (const waiter of entry.waiters) {
        waiter.future.completeExceptionally(
          new WeirError('USER_FUNCTION_FAILED', `${this.owner} was closed before the lookup ran`),
        );
      }
    }
    await pool?.end();
  }

  /**
   * Sends pending keys: any when no query is in flight, else only full batches, while fewer than
   * `maxConcurrentQueries` queries are in flight.
   */
  private flush(): void {
    while (
      this.pending.size > 0 &&
      this.queriesInFlight < this.maxConcurrentQueries &&
      (this.queriesInFlight === 0 || this.pending.size >= this.maxBatchSize)
    ) {
      const batch: [string, PendingKey<IN, OUT>][] = [];
      for (const entry of this.pending) {
        batch.push(entry);
        if (batch.length === this.maxBatchSize) break;
      }
      if (batch.length === this.pending.size) this.pending = new Map();
      else for (const [id] of batch) this.pending.delete(id);
      for (const [id, entry] of batch) this.inFlight.set(id, entry);
      this.send(batch);
    }
  }

  private send(batch: [string, PendingKey<IN, OUT>][]): void {
    this.queriesInFlight++;
    this.queries++;
    this.query(batch.map(([, entry]) => entry.key)).then(
      (rows) => {
        const byKey = new Map<string, ROW[]>();
        const keyColumns = this.options.keyColumns;
        for (const row of rows) {
          const id = keyText(keyColumns.map((column) => (row as JdbcRow)[column]));
          const list = byKey.get(id);
          if (list === undefined) byKey.set(id, [row]);
          else list.push(row);
        }
        const now = this.now();
        this.settle(batch, (id, entry) => {
          const found = byKey.get(id) ?? NO_ROWS;
          if (this.cache !== undefined && (found.length > 0 || this.cacheMissingKeys)) {
            this.cache.set(id, found, now);
          }
          for (const waiter of entry.waiters) this.complete(waiter, found);
        });
      },
      (error: unknown) => {
        this.settle(batch, (_id, entry) => {
          for (const waiter of entry.waiters)
            waiter.future.completeExceptionally(this.error(error, entry, waiter));
        });
      },
    );
  }

  /** Ends a query: its keys leave `inFlight`, their waiters complete, and the next batch may go. */
  private settle(
    batch: [string, PendingKey<IN, OUT>][],
    each: (id: string, entry: PendingKey<IN, OUT>) => void,
  ): void {
    this.queriesInFlight--;
    for (const [id] of batch) this.inFlight.delete(id);
    for (const [id, entry] of batch) each(id, entry);
    this.flush();
  }

  private async query(keys: readonly (readonly unknown[])[]): Promise<ROW[]> {
    const pool = this.pool;
    if (pool === undefined) {
      throw new WeirError('USER_FUNCTION_FAILED', `${this.owner}: lookup before open() or after close()`);
    }
    const single = this.options.keyColumns.length === 1;
    const sql = this.statement(keys.length);
    let params: unknown[];
    if (this.dialect.name === 'postgres' && single) params = [keys.map((key) => this.param(key[0]))];
    else params = keys.flatMap((key) => key.map((value) => this.param(value)));
    return withRetries(() => pool.query<ROW>(sql, params), this.options.retry);
  }

  /**
   * `SELECT ... WHERE "k" = ANY($1)` (PostgreSQL, one key column: one statement for any batch size)
   * or `WHERE k IN (?, ?)` / `WHERE (k1, k2) IN ((?, ?), (?, ?))`, by number of keys.
   */
  private statement(keys: number): string {
    const { keyColumns, table } = this.options;
    const d = this.dialect;
    const single = keyColumns.length === 1;
    const shape = d.name === 'postgres' && single ? 0 : keys;
    let sql = this.statements.get(shape);
    if (sql !== undefined) return sql;
    const from = `SELECT ${this.select} FROM ${d.quoteTable(table)} WHERE `;
    if (shape === 0) {
      sql = `${from}${d.quoteIdentifier(keyColumns[0])} = ANY(${d.placeholder(1)})`;
    } else {
      let index = 1;
      const tuples: string[] = [];
      for (let k = 0; k < keys; k++) {
        const cells = keyColumns.map(() => d.placeholder(index++));
        tuples.push(single ? cells[0] : `(${cells.join(', ')})`);
      }
      const target = single
        ? d.quoteIdentifier(keyColumns[0])
        : `(${keyColumns.map((c) => d.quoteIdentifier(c)).join(', ')})`;
      sql = `${from}${target} IN (${tuples.join(', ')})`;
    }
    // Batch sizes repeat (full batches, small ones when idle): keep their statements.
    if (this.statements.size < 64) this.statements.set(shape, sql);
    return sql;
  }

  /** Bigints as text for PostgreSQL; MariaDB receives them as literals (exact). */
  private param(value: unknown): unknown {
    return this.dialect.name === 'postgres' && typeof value === 'bigint' ? value.toString() : value;
  }

  private complete(waiter: Waiter<IN, OUT>, rows: readonly ROW[]): void {
    let results: Iterable<OUT>;
    try {
      results = this.options.join(waiter.input, rows);
    } catch (error) {
      waiter.future.completeExceptionally(error);
      return;
    }
    waiter.future.complete(results);
  }

  private error(error: unknown, entry: PendingKey<IN, OUT>, waiter: Waiter<IN, OUT>): WeirError {
    const exhausted = error instanceof RetriesExhausted ? error : undefined;
    const pool = this.pool;
    const cause = exhausted?.lastError ?? error;
    if (pool === undefined) {
      return cause instanceof WeirError
        ? cause
        : new WeirError('USER_FUNCTION_FAILED', `${this.owner}: ${String(cause)}`, { cause });
    }
    return jdbcError(cause, {
      pool,
      action: `${this.owner} cannot look up key ${previewRecord(entry.key)} in table "${this.options.table}"`,
      record: waiter.input,
      attempts: exhausted?.attempts,
      code: 'USER_FUNCTION_FAILED',
    });
  }
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new WeirError('INVALID_ARGUMENT', `JdbcLookup: ${name} must be a positive integer, got ${value}`);
  }
  return value;
}

/**
 * A key's identity, the same for the values an input gives and the values the driver returns:
 * numbers, bigints and strings by their text (a BIGINT comes back as a string), booleans as 1/0
 * (MariaDB's BOOLEAN is a TINYINT), dates by instant, bytes in hex.
 */
function keyText(key: readonly unknown[]): string {
  if (key.length === 1) return valueText(key[0]);
  let text = valueText(key[0]);
  for (let i = 1; i < key.length; i++) text += `\u0000${valueText(key[i])}`;
  return text;
}

function valueText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'bigint':
      return String(value);
    case 'boolean':
      return value ? '1' : '0';
    default:
      if (value instanceof Date) return `\u0001d${value.getTime()}`;
      if (value instanceof Uint8Array) return `\u0001x${Buffer.from(value).toString('hex')}`;
      return `\u0001j${previewRecord(value, Number.POSITIVE_INFINITY)}`;
  }
}
