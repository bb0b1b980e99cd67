import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TableColumn, TableConnectorContext } from '../../core/table-connectors.ts';
import { jdbcTableOptions } from './jdbc-table-options.ts';
import { checkDialectTypes } from './jdbc-table-types.ts';

const columns: TableColumn[] = [
  { name: 'id', type: { kind: 'BIGINT', nullable: false }, metadata: null },
  { name: 'name', type: { kind: 'VARCHAR', length: 20, nullable: true }, metadata: null },
];

function context(options: Record<string, string>): TableConnectorContext {
  return {
    table: 'users',
    columns,
    primaryKey: ['id'],
    options: {
      connector: 'jdbc',
      'table-name': 'users',
      url: 'jdbc:postgresql://db.example:5433/shop',
      ...options,
    },
  };
}

describe('jdbc table options', () => {
  it("applies Flink's defaults", () => {
    const o = jdbcTableOptions(context({}));
    assert.deepEqual(o.connection, { dialect: 'postgres', url: 'postgres://db.example:5433/shop' });
    assert.equal(o.table, 'users');
    assert.deepEqual(o.scan, { partition: undefined, fetchSize: 0 });
    assert.deepEqual(o.lookup, { cache: undefined, maxRetries: 3 });
    assert.deepEqual(o.sink, { maxRows: 100, intervalMs: 1_000, maxRetries: 3, parallelism: undefined });
  });

  it('reads MySQL and MariaDB URLs, and the user and password of the URL or the options', () => {
    const mysql = jdbcTableOptions(
      context({ url: 'jdbc:mysql://127.0.0.1:3306/test?user=app&password=s3cret' }),
    );
    assert.deepEqual(mysql.connection, {
      dialect: 'mariadb',
      url: 'mariadb://127.0.0.1:3306/test',
      user: 'app',
      password: 's3cret',
    });
    const mariadb = jdbcTableOptions(
      context({ url: 'jdbc:mariadb://h/test?user=app', username: 'root', password: 'pw' }),
    );
    assert.equal(mariadb.connection.user, 'root');
    assert.equal(mariadb.connection.password, 'pw');
    assert.throws(
      () => jdbcTableOptions(context({ url: 'jdbc:oracle:thin:@h:1521:x' })),
      /'url' must be a PostgreSQL or MySQL\/MariaDB JDBC URL/,
    );
  });

  it('takes all four scan.partition options or none', () => {
    const o = jdbcTableOptions(
      context({
        'scan.partition.column': 'id',
        'scan.partition.num': '4',
        'scan.partition.lower-bound': '-10',
        'scan.partition.upper-bound': '9007199254740993',
      }),
    );
    assert.deepEqual(o.scan.partition, { column: 'id', num: 4, lower: -10n, upper: 9007199254740993n });
    assert.throws(
      () => jdbcTableOptions(context({ 'scan.partition.column': 'id', 'scan.partition.num': '2' })),
      /either all or none of .* \(missing: scan\.partition\.lower-bound, scan\.partition\.upper-bound\)/,
    );
    assert.throws(
      () =>
        jdbcTableOptions(
          context({
            'scan.partition.column': 'id',
            'scan.partition.num': '2',
            'scan.partition.lower-bound': '5',
            'scan.partition.upper-bound': '1',
          }),
        ),
      /must not be greater than/,
    );
    assert.throws(
      () =>
        jdbcTableOptions(
          context({
            'scan.partition.column': 'nope',
            'scan.partition.num': '2',
            'scan.partition.lower-bound': '1',
            'scan.partition.upper-bound': '5',
          }),
        ),
      /names "nope", which is not a column/,
    );
  });

  it('reads the partial cache, and the older cache options', () => {
    const o = jdbcTableOptions(
      context({
        'lookup.cache': 'partial',
        'lookup.partial-cache.max-rows': '500',
        'lookup.partial-cache.expire-after-write': '10 min',
        'lookup.partial-cache.expire-after-access': '30 s',
        'lookup.partial-cache.cache-missing-key': 'false',
        'lookup.max-retries': '0',
      }),
    );
    assert.deepEqual(o.lookup, {
      cache: {
        maxRows: 500,
        expireAfterWriteMs: 600_000,
        expireAfterAccessMs: 30_000,
        cacheMissingKey: false,
      },
      maxRetries: 0,
    });
    assert.throws(
      () => jdbcTableOptions(context({ 'lookup.cache': 'PARTIAL' })),
      /a PARTIAL 'lookup.cache' needs at least one of/,
    );
    assert.throws(() => jdbcTableOptions(context({ 'lookup.cache': 'FULL' })), /'NONE' or 'PARTIAL'/);
    const legacy = jdbcTableOptions(context({ 'lookup.cache.max-rows': '10', 'lookup.cache.ttl': '1 h' }));
    assert.deepEqual(legacy.lookup.cache, {
      maxRows: 10,
      expireAfterWriteMs: 3_600_000,
      expireAfterAccessMs: undefined,
      cacheMissingKey: true,
    });
  });

  it('reads the sink options', () => {
    const o = jdbcTableOptions(
      context({
        'sink.buffer-flush.max-rows': '0',
        'sink.buffer-flush.interval': '0',
        'sink.max-retries': '5',
        'sink.parallelism': '2',
      }),
    );
    assert.deepEqual(o.sink, { maxRows: 0, intervalMs: 0, maxRetries: 5, parallelism: 2 });
    assert.throws(
      () => jdbcTableOptions(context({ 'sink.buffer-flush.interval': 'soon' })),
      /'sink.buffer-flush.interval' must be a duration/,
    );
    assert.throws(
      () => jdbcTableOptions(context({ 'sink.max-retries': '-1' })),
      /'sink.max-retries' must be an integer of at least 0/,
    );
  });

  it('names an unknown option and a missing required one', () => {
    assert.throws(
      () => jdbcTableOptions(context({ 'sink.buffer-flush.max-row': '5' })),
      /table "users": the jdbc connector has no option 'sink.buffer-flush.max-row' \(options: connector, url, /,
    );
    assert.throws(
      () => jdbcTableOptions({ ...context({}), options: { connector: 'jdbc', url: 'jdbc:mysql://h/db' } }),
      /needs a 'table-name'/,
    );
  });

  it('refuses types the dialect cannot hold, naming the column', () => {
    const map: TableColumn = {
      name: 'tags',
      type: {
        kind: 'MAP',
        key: { kind: 'VARCHAR', length: 10, nullable: true },
        value: { kind: 'INT', nullable: true },
        nullable: true,
      },
      metadata: null,
    };
    assert.throws(
      () => checkDialectTypes('users', [...columns, map], 'postgres'),
      /column "tags" is MAP<VARCHAR\(10\), INT>, which the PostgreSQL dialect/,
    );
    const array: TableColumn = {
      name: 'ids',
      type: { kind: 'ARRAY', element: { kind: 'INT', nullable: true }, nullable: true },
      metadata: null,
    };
    checkDialectTypes('users', [array], 'postgres');
    assert.throws(
      () => checkDialectTypes('users', [array], 'mariadb'),
      /column "ids" is ARRAY<INT>, which the MySQL\/MariaDB dialect/,
    );
  });
});
