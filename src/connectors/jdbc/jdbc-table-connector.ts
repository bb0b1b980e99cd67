/**
 * The `jdbc` SQL table connector (Flink's JDBC SQL connector) over PostgreSQL and MySQL/MariaDB:
 * a bounded scan (jdbc-table-source.ts), a sink that appends or, with a primary key, upserts and
 * deletes (jdbc-table-sink.ts), and lookups for lookup joins (jdbc-table-lookup.ts). Options:
 * jdbc-table-options.ts; types: jdbc-table-types.ts.
 *
 * @example
 * ```sql
 * CREATE TABLE users (id BIGINT, name STRING, PRIMARY KEY (id) NOT ENFORCED) WITH (
 *   'connector' = 'jdbc', 'url' = 'jdbc:postgresql://127.0.0.1:5432/shop', 'table-name' = 'users',
 *   'lookup.cache' = 'PARTIAL', 'lookup.partial-cache.max-rows' = '10000');
 * SELECT o.id, u.name FROM orders AS o
 *   JOIN users FOR SYSTEM_TIME AS OF o.proc_time AS u ON o.user_id = u.id;
 * ```
 */
import {
  registerAsyncTableLookupFactory,
  registerTableSinkFactory,
  registerTableSourceFactory,
  type TableConnectorContext,
} from '../../core/table-connectors.ts';
import { JdbcTableLookup } from './jdbc-table-lookup.ts';
import { type JdbcTableOptions, jdbcTableOptions } from './jdbc-table-options.ts';
import { JdbcTableSink } from './jdbc-table-sink.ts';
import { JdbcTableSource } from './jdbc-table-source.ts';
import { checkDialectTypes } from './jdbc-table-types.ts';

function checked(context: TableConnectorContext): JdbcTableOptions {
  const options = jdbcTableOptions(context);
  checkDialectTypes(context.table, context.columns, options.connection.dialect);
  return options;
}

registerTableSourceFactory({
  identifier: 'jdbc',
  createSource: (context) => new JdbcTableSource(context, checked(context)),
});

registerTableSinkFactory({
  identifier: 'jdbc',
  // As Flink's: upsert by the primary key when the table has one, else append only.
  changelogModeOf: (primaryKey) => (primaryKey !== null && primaryKey.length > 0 ? 'upsert' : 'insert-only'),
  validate: (context) => {
    checked(context);
  },
  createSink: (context) => new JdbcTableSink(context, checked(context)),
});

registerAsyncTableLookupFactory({
  identifier: 'jdbc',
  createLookup: (context) => new JdbcTableLookup(context, checked(context)),
});
