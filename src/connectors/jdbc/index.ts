// Relational databases (PostgreSQL, MariaDB/MySQL): shared connection layer, sinks, the bounded
// source and the Async I/O lookup (docs/jdbc.md); the `jdbc` SQL table connector registers here.
import './jdbc-table-connector.ts';

export { type JdbcDialect, jdbcDialect } from './jdbc-dialect.ts';
export { isTransient, type JdbcErrorContext, jdbcError } from './jdbc-errors.ts';
export {
  JdbcExactlyOnceSink,
  type JdbcExactlyOnceSinkOptions,
  type JdbcTransaction,
} from './jdbc-exactly-once-sink.ts';
export { JdbcLookup, type JdbcLookupOptions } from './jdbc-lookup.ts';
export {
  type JdbcConnectionOptions,
  type JdbcDialectName,
  type ResolvedJdbcOptions,
  resolveJdbcOptions,
} from './jdbc-options.ts';
export {
  createJdbcPool,
  type JdbcConnection,
  type JdbcDedicatedConnection,
  type JdbcPool,
  type WithConnectionOptions,
} from './jdbc-pool.ts';
export { type JdbcRetryOptions, RetriesExhausted, withRetries } from './jdbc-retry.ts';
export { type JdbcAtLeastOnceSinkOptions, JdbcSink } from './jdbc-sink.ts';
export type { JdbcSinkOptions, JdbcWriteMode, SqlValue } from './jdbc-sink-options.ts';
export { JdbcSource } from './jdbc-source.ts';
export type { JdbcRow, JdbcSourceOptions } from './jdbc-source-options.ts';
export type { JdbcSourceSplit } from './jdbc-source-split.ts';
