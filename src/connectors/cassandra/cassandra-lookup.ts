import type { Client } from 'cassandra-driver';
import { type ResultFuture, RichAsyncFunction } from '../../api/async-function.ts';
import type { RuntimeContext } from '../../api/runtime-context.ts';
import { previewRecord, WeirError } from '../../core/errors.ts';
import { LookupCache } from '../lookup-cache.ts';
import {
  CassandraAttemptsFailed,
  type CassandraConnectionOptions,
  checkConnectionOptions,
  checkTable,
  connectCassandra,
  consistencyCode,
  describeNodes,
  qualifyTable,
  withCassandraRetries,
} from './cassandra-client.ts';

/** A row as the driver returns it: columns by name (`bigint` and `varint` as `bigint`). */
export type CassandraRow = Readonly<Record<string, unknown>>;

/** What {@link CassandraLookup} looks up, and how it joins the rows to its input. */
export interface CassandraLookupOptions<IN, OUT, ROW = CassandraRow> extends CassandraConnectionOptions {
  /** A `SELECT ... FROM keyspace.table WHERE ...` with one `?` marker per key value. */
  readonly query: string;
  /** The key of an input: the values of the query's markers, in order. */
  readonly keyOf: (input: IN) => readonly unknown[];
  /** The results for an input, from the rows found for its key (none when the key is missing). */
  readonly join: (input: IN, rows: readonly ROW[]) => Iterable<OUT>;
  /** Keep the rows of recently looked-up keys (least recently used evicted first). */
  readonly cache?: {
    /** The most keys kept per subtask. */
    readonly maxRows: number;
    /** How long a key's rows are kept, in processing time (default: until evicted). */
    readonly ttlMs?: number;
    /** Cache keys with no rows too (default true), so a missing key is not looked up again and again. */
    readonly cacheMissingKeys?: boolean;
  };
}

/**
 * A lookup (enrichment) function for Async I/O: each input's key is looked up with a prepared
 * `SELECT`, and `join` turns the input and the rows into results. Concurrent lookups of one key
 * share one query, and an optional LRU cache keeps recent keys' rows (a missing key included,
 * unless `cacheMissingKeys` is false). Transient failures are retried with backoff; a lookup that
 * still fails rejects with a USER_FUNCTION_FAILED that names the table, the key and the reason.
 *
 * The query is checked when the function opens: a table that does not exist fails the job at start.
 * Lookups read the first page of rows (up to the driver's fetch size, 5,000 by default).
 *
 * @example
 * ```ts
 * const enriched = AsyncDataStream.unorderedWait(
 *   clicks,
 *   new CassandraLookup<Click, EnrichedClick, { name: string; tier: string }>({
 *     contactPoints: ['127.0.0.1:9042'],
 *     query: 'SELECT name, tier FROM shop.users WHERE user_id = ?',
 *     keyOf: (click) => [click.userId],
 *     join: (click, rows) => rows.map((user) => ({ ...click, name: user.name, tier: user.tier })),
 *     cache: { maxRows: 10_000, ttlMs: 60_000 },
 *   }),
 *   1_000,
 *   100,
 * );
 * ```
 */
export class CassandraLookup<IN, OUT, ROW = CassandraRow> extends RichAsyncFunction<IN, OUT> {
  private readonly options: CassandraLookupOptions<IN, OUT, ROW>;
  private client: Client | undefined;
  private cache: LookupCache<readonly ROW[]> | undefined;
  private readonly inFlight = new Map<string, Promise<readonly ROW[]>>();
  private context: RuntimeContext | undefined;
  private owner = 'CassandraLookup';
  private tableName: string | undefined;
  private readonly queryOptions: { prepare: true; isIdempotent: true; consistency: number };
  /** Queries sent to Cassandra (each shared by every concurrent lookup of its key). */
  queries = 0;

  constructor(options: CassandraLookupOptions<IN, OUT, ROW>) {
    super();
    checkConnectionOptions(options, 'CassandraLookup');
    if (typeof options.query !== 'string' || !/^\s*SELECT\b/i.test(options.query)) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        'CassandraLookup: query must be a SELECT with ? markers for the key',
      );
    }
    if (typeof options.keyOf !== 'function' || typeof options.join !== 'function') {
      throw new WeirError('INVALID_ARGUMENT', 'CassandraLookup: keyOf and join must be functions');
    }
    const cache = options.cache;
    if (cache !== undefined && !(Number.isInteger(cache.maxRows) && cache.maxRows >= 1)) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `CassandraLookup: cache.maxRows is ${cache.maxRows}: expected a positive integer`,
      );
    }
    if (cache?.ttlMs !== undefined && !(cache.ttlMs > 0)) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `CassandraLookup: cache.ttlMs is ${cache.ttlMs}: expected a positive number`,
      );
    }
    this.options = options;
    this.queryOptions = {
      prepare: true,
      isIdempotent: true,
      consistency: consistencyCode(options.consistency ?? 'LOCAL_QUORUM'),
    };
  }

  /** Cache hits and misses of this subtask (both 0 without a cache). */
  get cacheStatistics(): { hits: number; misses: number; size: number } {
    return { hits: this.cache?.hits ?? 0, misses: this.cache?.misses ?? 0, size: this.cache?.size ?? 0 };
  }

  override async open(context: RuntimeContext): Promise<void> {
    this.context = context;
    this.owner = `CassandraLookup (subtask ${context.getIndexOfThisSubtask() + 1}/${context.getNumberOfParallelSubtasks()})`;
    const { cache } = this.options;
    if (cache !== undefined) this.cache = new LookupCache(cache.maxRows, cache.ttlMs);
    const target = tableOfSelect(this.options.query, this.options.keyspace);
    this.tableName = target && `${target.keyspace}.${target.table}`;
    const client = await connectCassandra(this.options, this.owner, 'USER_FUNCTION_FAILED');
    this.client = client;
    if (target !== undefined) {
      try {
        await checkTable(client, target, this.owner, 'USER_FUNCTION_FAILED');
      } catch (error) {
        this.client = undefined;
        await client.shutdown().catch(() => {});
        throw error;
      }
    }
  }

  async asyncInvoke(input: IN, _resultFuture?: ResultFuture<OUT>): Promise<Iterable<OUT>> {
    const key = this.options.keyOf(input);
    const rows = await this.rowsOf(key);
    return this.options.join(input, rows);
  }

  override async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.cache?.clear();
    await client?.shutdown().catch(() => {});
  }

  /** The rows of `key`: from the cache, from a query under way for the same key, or from a new query. */
  private rowsOf(key: readonly unknown[]): Promise<readonly ROW[]> {
    const cacheKey = keyString(key);
    const now = this.cache === undefined ? 0 : (this.context as RuntimeContext).currentProcessingTime();
    const cached = this.cache?.get(cacheKey, now);
    if (cached !== undefined) return Promise.resolve(cached);
    let pending = this.inFlight.get(cacheKey);
    if (pending === undefined) {
      pending = this.query(key).finally(() => this.inFlight.delete(cacheKey));
      this.inFlight.set(cacheKey, pending);
      if (this.cache !== undefined) {
        const cache = this.cache;
        const cacheMissing = this.options.cache?.cacheMissingKeys ?? true;
        pending.then(
          (rows) => {
            if (rows.length > 0 || cacheMissing) {
              cache.set(cacheKey, rows, (this.context as RuntimeContext).currentProcessingTime());
            }
          },
          () => {},
        );
      }
    }
    return pending;
  }

  private async query(key: readonly unknown[]): Promise<readonly ROW[]> {
    const client = this.client;
    if (client === undefined) {
      throw new WeirError('USER_FUNCTION_FAILED', `${this.owner}: lookup before open() or after close()`);
    }
    this.queries++;
    try {
      const result = await withCassandraRetries(
        () => client.execute(this.options.query, key as unknown[], this.queryOptions),
        this.options.retry,
      );
      return result.rows as unknown as ROW[];
    } catch (error) {
      const reason = error instanceof CassandraAttemptsFailed ? error.describe() : String(error);
      throw new WeirError(
        'USER_FUNCTION_FAILED',
        `${this.owner} cannot look up key ${previewRecord(key)} in ${this.tableName ?? `"${this.options.query}"`} at ${describeNodes(this.options)}: ${reason}`,
        { cause: error instanceof CassandraAttemptsFailed ? error.cause : error },
      );
    }
  }
}

/** The table of a `SELECT ... FROM keyspace.table`, when it names one. */
export function tableOfSelect(
  cql: string,
  defaultKeyspace: string | undefined,
): { keyspace: string; table: string } | undefined {
  const name = '(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*)';
  const match = new RegExp(`\\bFROM\\s+(${name}(?:\\s*\\.\\s*${name})?)`, 'i').exec(cql);
  return match === null ? undefined : qualifyTable(match[1], defaultKeyspace);
}

/** A cache key for key values: distinct for distinct values of the types CQL keys take. */
function keyString(key: readonly unknown[]): string {
  if (key.length === 1) {
    const k = key[0];
    if (typeof k === 'string') return `s${k}`;
    if (typeof k === 'number') return `n${k}`;
    if (typeof k === 'bigint') return `b${k}`;
  }
  // Buffers, dates and the driver's Uuid have toJSON; bigints need a replacer.
  return `j${JSON.stringify(key, (_name, v) => (typeof v === 'bigint' ? `${v}n` : v))}`;
}
