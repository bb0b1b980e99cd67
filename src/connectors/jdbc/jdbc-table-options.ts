/**
 * The `WITH` options of the `jdbc` SQL table connector, as Flink's JDBC SQL connector names them:
 * checked once, with defaults, into plain data the source, sink and lookup share. An option the
 * connector does not know is an error naming it, as with every table connector.
 */
import { parseDuration } from '../../core/duration.ts';
import { WeirError } from '../../core/errors.ts';
import type { TableConnectorContext } from '../../core/table-connectors.ts';
import type { JdbcConnectionOptions, JdbcDialectName } from './jdbc-options.ts';

/** The `jdbc` table's options, checked. */
export interface JdbcTableOptions {
  readonly connection: JdbcConnectionOptions;
  /** `table-name`, possibly schema-qualified. */
  readonly table: string;
  readonly scan: {
    /** `scan.partition.*`: all four or none. */
    readonly partition:
      | { readonly column: string; readonly num: number; readonly lower: bigint; readonly upper: bigint }
      | undefined;
    /** `scan.fetch-size`: rows per round trip; 0 (Flink's default) is Weir's 1,000. */
    readonly fetchSize: number;
  };
  readonly lookup: {
    /** `lookup.cache` PARTIAL (or the older `lookup.cache.max-rows` / `ttl`): undefined for NONE. */
    readonly cache:
      | {
          readonly maxRows: number;
          readonly expireAfterWriteMs: number | undefined;
          readonly expireAfterAccessMs: number | undefined;
          readonly cacheMissingKey: boolean;
        }
      | undefined;
    readonly maxRetries: number;
  };
  readonly sink: {
    /** `sink.buffer-flush.max-rows` (default 100; 0: no limit). */
    readonly maxRows: number;
    /** `sink.buffer-flush.interval` in ms (default 1 s; 0: none). */
    readonly intervalMs: number;
    readonly maxRetries: number;
    readonly parallelism: number | undefined;
  };
}

/** Every option of the connector, in the order docs/sql.md lists them. */
export const JDBC_TABLE_OPTIONS: readonly string[] = [
  'connector',
  'url',
  'table-name',
  'driver',
  'username',
  'password',
  'connection.max-retry-timeout',
  'scan.partition.column',
  'scan.partition.num',
  'scan.partition.lower-bound',
  'scan.partition.upper-bound',
  'scan.fetch-size',
  'scan.auto-commit',
  'lookup.cache',
  'lookup.partial-cache.max-rows',
  'lookup.partial-cache.expire-after-write',
  'lookup.partial-cache.expire-after-access',
  'lookup.partial-cache.cache-missing-key',
  'lookup.cache.max-rows',
  'lookup.cache.ttl',
  'lookup.cache.caching-missing-key',
  'lookup.max-retries',
  'sink.buffer-flush.max-rows',
  'sink.buffer-flush.interval',
  'sink.max-retries',
  'sink.parallelism',
];

const SCHEMES: Record<string, JdbcDialectName> = {
  postgresql: 'postgres',
  mysql: 'mariadb',
  mariadb: 'mariadb',
};

/**
 * The table's options, checked.
 *
 * @throws WeirError INVALID_ARGUMENT naming the table and the option.
 * @example
 * jdbcTableOptions({ table: 'dim', columns, primaryKey: null, options: {
 *   connector: 'jdbc', url: 'jdbc:postgresql://127.0.0.1:5432/test', 'table-name': 'users',
 *   'lookup.cache': 'PARTIAL', 'lookup.partial-cache.max-rows': '1000' } });
 */
export function jdbcTableOptions(context: TableConnectorContext): JdbcTableOptions {
  const o = context.options;
  const fail = (message: string): never => {
    throw new WeirError('INVALID_ARGUMENT', `table "${context.table}": ${message}`);
  };
  for (const key of Object.keys(o)) {
    if (!JDBC_TABLE_OPTIONS.includes(key)) {
      fail(`the jdbc connector has no option '${key}' (options: ${JDBC_TABLE_OPTIONS.join(', ')})`);
    }
  }
  for (const c of context.columns) {
    if (c.metadata !== null) fail(`the jdbc connector has no metadata column "${c.name}"`);
  }
  const url =
    o.url ??
    fail(`the jdbc connector needs a 'url' (jdbc:postgresql://host:5432/db or jdbc:mysql://host:3306/db)`);
  const table = o['table-name'] ?? fail(`the jdbc connector needs a 'table-name'`);
  if (table.length === 0) fail(`'table-name' must not be empty`);
  const connection = connectionOf(url, o.username, o.password, fail);

  const integer = (key: string, fallback: number, min = 0): number => {
    const text = o[key];
    if (text === undefined) return fallback;
    const value = Number(text.trim());
    if (!Number.isSafeInteger(value) || value < min) {
      return fail(`'${key}' must be an integer of at least ${min}, got '${text}'`);
    }
    return value;
  };
  const duration = (key: string): number | undefined => {
    const text = o[key];
    if (text === undefined) return undefined;
    return (
      parseDuration(text) ??
      fail(`'${key}' must be a duration such as '10 s', '5 min' or '1000', got '${text}'`)
    );
  };
  const bool = (key: string, fallback: boolean): boolean => {
    const text = o[key];
    if (text === undefined) return fallback;
    const t = text.trim().toLowerCase();
    if (t !== 'true' && t !== 'false') fail(`'${key}' must be 'true' or 'false', got '${text}'`);
    return t === 'true';
  };

  // scan.partition.*: Flink wants all four or none.
  const partitionKeys = [
    'scan.partition.column',
    'scan.partition.num',
    'scan.partition.lower-bound',
    'scan.partition.upper-bound',
  ];
  const given = partitionKeys.filter((k) => o[k] !== undefined);
  let partition: JdbcTableOptions['scan']['partition'];
  if (given.length > 0) {
    if (given.length < 4) {
      fail(
        `either all or none of ${partitionKeys.join(', ')} must be given (missing: ${partitionKeys.filter((k) => o[k] === undefined).join(', ')})`,
      );
    }
    const column = o['scan.partition.column'];
    if (!context.columns.some((c) => c.name === column)) {
      fail(
        `'scan.partition.column' names "${column}", which is not a column (columns: ${context.columns.map((c) => c.name).join(', ')})`,
      );
    }
    const bound = (key: string): bigint => {
      const text = o[key].trim();
      if (!/^-?\d+$/.test(text)) fail(`'${key}' must be an integer, got '${o[key]}'`);
      return BigInt(text);
    };
    const lower = bound('scan.partition.lower-bound');
    const upper = bound('scan.partition.upper-bound');
    if (lower > upper) {
      fail(
        `'scan.partition.lower-bound' (${lower}) must not be greater than 'scan.partition.upper-bound' (${upper})`,
      );
    }
    partition = { column, num: integer('scan.partition.num', 1, 1), lower, upper };
  }
  const fetchSize = integer('scan.fetch-size', 0);
  bool('scan.auto-commit', true);

  // lookup.cache: PARTIAL with the partial-cache options; the older lookup.cache.max-rows/ttl too.
  const mode = (o['lookup.cache'] ?? 'NONE').trim().toUpperCase();
  if (mode !== 'NONE' && mode !== 'PARTIAL') {
    fail(
      `'lookup.cache' must be 'NONE' or 'PARTIAL', got '${o['lookup.cache']}' (FULL caching is not supported yet)`,
    );
  }
  const legacy = o['lookup.cache.max-rows'] !== undefined || o['lookup.cache.ttl'] !== undefined;
  let cache: JdbcTableOptions['lookup']['cache'];
  if (mode === 'PARTIAL') {
    const expireAfterWriteMs = duration('lookup.partial-cache.expire-after-write');
    const expireAfterAccessMs = duration('lookup.partial-cache.expire-after-access');
    const maxRows = integer('lookup.partial-cache.max-rows', Number.MAX_SAFE_INTEGER, 1);
    if (
      o['lookup.partial-cache.max-rows'] === undefined &&
      expireAfterWriteMs === undefined &&
      expireAfterAccessMs === undefined
    ) {
      fail(
        `a PARTIAL 'lookup.cache' needs at least one of 'lookup.partial-cache.max-rows', 'lookup.partial-cache.expire-after-write', 'lookup.partial-cache.expire-after-access'`,
      );
    }
    cache = {
      maxRows,
      expireAfterWriteMs,
      expireAfterAccessMs,
      cacheMissingKey: bool('lookup.partial-cache.cache-missing-key', true),
    };
  } else if (legacy) {
    if (o['lookup.cache.max-rows'] === undefined || o['lookup.cache.ttl'] === undefined) {
      fail(`the older 'lookup.cache.max-rows' and 'lookup.cache.ttl' must be given together`);
    }
    cache = {
      maxRows: integer('lookup.cache.max-rows', 1, 1),
      expireAfterWriteMs: duration('lookup.cache.ttl'),
      expireAfterAccessMs: undefined,
      cacheMissingKey: bool('lookup.cache.caching-missing-key', true),
    };
  }
  const sinkParallelism = o['sink.parallelism'] === undefined ? undefined : integer('sink.parallelism', 1, 1);
  return {
    connection,
    table,
    scan: { partition, fetchSize },
    lookup: { cache, maxRetries: integer('lookup.max-retries', 3) },
    sink: {
      maxRows: integer('sink.buffer-flush.max-rows', 100),
      intervalMs: duration('sink.buffer-flush.interval') ?? 1_000,
      maxRetries: integer('sink.max-retries', 3),
      parallelism: sinkParallelism,
    },
  };
}

/**
 * `jdbc:postgresql://host:port/db?user=..&password=..` (or `jdbc:mysql:`, `jdbc:mariadb:`) as
 * connection options; `username` and `password` override the URL's. Messages never repeat the URL.
 */
function connectionOf(
  url: string,
  username: string | undefined,
  password: string | undefined,
  fail: (message: string) => never,
): JdbcConnectionOptions {
  const match = /^jdbc:([a-z]+):\/\/(.*)$/i.exec(url.trim());
  const dialect = match ? SCHEMES[match[1].toLowerCase()] : undefined;
  if (match === null || dialect === undefined) {
    return fail(
      `'url' must be a PostgreSQL or MySQL/MariaDB JDBC URL: jdbc:postgresql://host:5432/db, jdbc:mysql://host:3306/db or jdbc:mariadb://host:3306/db`,
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(`${dialect === 'postgres' ? 'postgres' : 'mariadb'}://${match[2]}`);
  } catch {
    return fail(`'url' is not a valid JDBC URL (expected jdbc:${match[1]}://host:port/database)`);
  }
  const user = username ?? parsed.searchParams.get('user') ?? undefined;
  const secret = password ?? parsed.searchParams.get('password') ?? undefined;
  parsed.search = '';
  return {
    dialect,
    url: parsed.toString(),
    ...(user !== undefined ? { user } : {}),
    ...(secret !== undefined ? { password: secret } : {}),
  };
}
