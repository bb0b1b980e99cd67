/** The options of `JdbcSource` (jdbc-source.ts): what to read, how to split it, how to map a row. */
import type { JdbcConnectionOptions } from './jdbc-options.ts';
import type { JdbcRetryOptions } from './jdbc-retry.ts';

/** A row as the driver returns it: values by column name (see docs/jdbc.md, type mapping). */
export type JdbcRow = Record<string, unknown>;

/** What a `JdbcSource` (jdbc-source.ts) reads and how it splits the work. */
export interface JdbcSourceOptions<T = JdbcRow> {
  readonly connection: JdbcConnectionOptions;
  /** The table, possibly schema-qualified (`shop.orders`). */
  readonly table: string;
  /** Columns to read (default every column, `*`). The key columns are read in any case. */
  readonly columns?: readonly string[];
  /**
   * The numeric column whose range is cut into splits, as Flink's `partitionColumn` (best an
   * indexed integer column). Rows where it is NULL are not read.
   */
  readonly partitionColumn: string;
  /**
   * Smallest and largest value of `partitionColumn` to read (inclusive; integers). Rows outside
   * them are not read. Either one left out is discovered with `SELECT MIN(...), MAX(...)` when the
   * job plans its splits.
   */
  readonly lowerBound?: number | bigint | string;
  readonly upperBound?: number | bigint | string;
  /** Number of ranges (splits) to cut the bounds into (default: the source's parallelism). */
  readonly numPartitions?: number;
  /**
   * Columns that are unique together, to page through a range in their order and resume after the
   * last row read (default: `[partitionColumn]`, which must then be unique).
   */
  readonly keyColumns?: readonly string[];
  /** An extra condition (trusted SQL, no parameters), e.g. `status = 'paid'`. */
  readonly where?: string;
  /** Rows per query (default 1,000); a reader holds two pages at most. */
  readonly fetchSize?: number;
  /** From a row to a record (default: the row itself). */
  readonly mapRow?: (row: JdbcRow) => T;
  /** Retries of a page query that failed transiently (default 3, from 100 ms, doubling). */
  readonly retry?: JdbcRetryOptions;
}

/** {@link JdbcSourceOptions} checked, with defaults. */
export interface ResolvedJdbcSourceOptions<T> {
  readonly connection: JdbcConnectionOptions;
  readonly table: string;
  readonly columns: readonly string[] | undefined;
  readonly partitionColumn: string;
  readonly keyColumns: readonly string[];
  readonly where: string | undefined;
  readonly fetchSize: number;
  readonly mapRow: (row: JdbcRow) => T;
  readonly retry: JdbcRetryOptions | undefined;
}
