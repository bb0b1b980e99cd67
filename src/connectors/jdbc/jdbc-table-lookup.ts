/**
 * The lookup side of a `jdbc` table, for `JOIN t FOR SYSTEM_TIME AS OF x.proc_time ON ...`: the
 * DataStream lookup (jdbc-lookup.ts) under the SQL lookup join, so lookups of one batch of rows
 * share a query (`WHERE k = ANY($1)` / `WHERE k IN (...)`), keys already in flight share theirs,
 * and `lookup.cache = PARTIAL` keeps the rows of recently looked-up keys per task
 * (`lookup.partial-cache.max-rows`, least recently used first; `expire-after-write`,
 * `expire-after-access` in the job's processing time; keys without rows too unless
 * `lookup.partial-cache.cache-missing-key` is false). A query that fails transiently is retried
 * `lookup.max-retries` times.
 */
import type { ResultFuture } from '../../api/async-function.ts';
import { WeirError } from '../../core/errors.ts';
import type {
  AsyncTableLookup,
  AsyncTableLookupContext,
  TableConnectorContext,
  TableLookupFuture,
} from '../../core/table-connectors.ts';
import { JdbcLookup } from './jdbc-lookup.ts';
import { createJdbcPool } from './jdbc-pool.ts';
import type { JdbcRow } from './jdbc-source-options.ts';
import type { JdbcTableOptions } from './jdbc-table-options.ts';
import { checkLookupKeyType, databaseColumns, readConverter } from './jdbc-table-types.ts';

export class JdbcTableLookup implements AsyncTableLookup {
  private readonly context: TableConnectorContext;
  private readonly options: JdbcTableOptions;
  private lookupFunction: JdbcLookup<readonly unknown[], unknown[], JdbcRow> | undefined;

  constructor(context: TableConnectorContext, options: JdbcTableOptions) {
    this.context = context;
    this.options = options;
  }

  /** Checks the key and column types against the database, then opens the lookup's pool. */
  async open(context: AsyncTableLookupContext): Promise<void> {
    const { table, columns } = this.context;
    for (const k of context.keys) checkLookupKeyType(table, columns[k]);
    const probe = createJdbcPool({ ...this.options.connection, poolSize: 1 });
    let described: Awaited<ReturnType<typeof databaseColumns>>;
    try {
      described = await databaseColumns(probe, table, this.options.table, columns, 'USER_FUNCTION_FAILED');
    } catch (error) {
      if (error instanceof WeirError) throw error;
      throw new WeirError(
        'USER_FUNCTION_FAILED',
        `table "${table}": cannot read the columns of "${this.options.table}" in ${probe.describe()}: ${probe.redact(error instanceof Error ? error.message : String(error))}`,
        { cause: error },
      );
    } finally {
      await probe.end().catch(() => {});
    }
    const converters = columns.map((c, i) => readConverter(c.type, probe.dialect, described[i]));
    const names = columns.map((c) => c.name);
    const width = names.length;
    const cache = this.options.lookup.cache;
    const fn = new JdbcLookup<readonly unknown[], unknown[], JdbcRow>({
      connection: this.options.connection,
      table: this.options.table,
      keyColumns: context.keys.map((k) => names[k]),
      columns: names,
      keyOf: (values) => values,
      join: (_values, rows) => {
        const out: unknown[][] = new Array(rows.length);
        for (let r = 0; r < rows.length; r++) {
          const row = rows[r];
          const values = new Array<unknown>(width);
          for (let c = 0; c < width; c++) values[c] = converters[c](row[names[c]]);
          out[r] = values;
        }
        return out;
      },
      cache:
        cache === undefined
          ? undefined
          : {
              maxRows: cache.maxRows,
              ttlMs: cache.expireAfterWriteMs,
              accessTtlMs: cache.expireAfterAccessMs,
              cacheMissingKeys: cache.cacheMissingKey,
            },
      retry: { maxRetries: this.options.lookup.maxRetries },
    });
    const subtask = context.subtaskIndex;
    const parallelism = context.parallelism;
    await fn.open({
      getIndexOfThisSubtask: () => subtask,
      getNumberOfParallelSubtasks: () => parallelism,
      currentProcessingTime: () => context.now(),
    } as never);
    this.lookupFunction = fn;
  }

  lookup(values: unknown[], future: TableLookupFuture): void {
    const fn = this.lookupFunction;
    if (fn === undefined) {
      future.completeExceptionally(
        new WeirError('USER_FUNCTION_FAILED', `table "${this.context.table}": lookup before open()`),
      );
      return;
    }
    // `join` completes with an array of rows: the future takes it as it is.
    fn.asyncInvoke(values, future as ResultFuture<unknown[]>);
  }

  /** Cache hits, misses and size of this task's lookup (zeros without a cache); queries sent. */
  statistics(): { hits: number; misses: number; size: number; queries: number } {
    const fn = this.lookupFunction;
    return { ...(fn?.cacheStatistics ?? { hits: 0, misses: 0, size: 0 }), queries: fn?.queries ?? 0 };
  }

  async close(): Promise<void> {
    const fn = this.lookupFunction;
    this.lookupFunction = undefined;
    await fn?.close();
  }
}
