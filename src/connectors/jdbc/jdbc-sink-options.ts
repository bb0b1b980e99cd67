import type { JdbcConnectionOptions } from './jdbc-options.ts';
import type { JdbcRetryOptions } from './jdbc-retry.ts';

/**
 * A value a column can receive (docs/jdbc.md, type mapping): numbers, bigints, strings, booleans,
 * Dates, bytes, null, and JSON-like objects/arrays for JSON columns (PostgreSQL: arrays become SQL
 * arrays; pass `JSON.stringify(array)` for a json column).
 */
export type SqlValue =
  | number
  | bigint
  | string
  | boolean
  | Date
  | Uint8Array
  | null
  | undefined
  | readonly unknown[]
  | { readonly [key: string]: unknown };

/** How rows reach the table. */
export type JdbcWriteMode =
  /** Plain multi-row INSERTs: each record adds a row. */
  | 'append'
  /** INSERT ... ON CONFLICT / ON DUPLICATE KEY UPDATE on `keyColumns`: the last record of a key wins. */
  | 'upsert';

/** What every relational sink needs: where, which table, and how a record becomes a row. */
export interface JdbcSinkOptions<T, C extends string> {
  readonly connection: JdbcConnectionOptions;
  /** The table, possibly schema-qualified (`shop.orders`); it must exist. */
  readonly table: string;
  /** The columns written, in order. */
  readonly columns: readonly C[];
  /** A record as the values of `columns`. */
  readonly row: (value: T) => { readonly [K in C]: SqlValue };
  /** `append` (default) or `upsert`. */
  readonly mode?: JdbcWriteMode;
  /** For `upsert`: the columns of the primary key or a unique constraint. */
  readonly keyColumns?: readonly C[];
  /** Rows per statement (default 500; fewer if the columns would exceed the parameter limit). */
  readonly batchSize?: number;
  /** Retries of transient failures (connection lost, deadlock, server restarting). */
  readonly retry?: JdbcRetryOptions;
}
