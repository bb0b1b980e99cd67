/**
 * How to reach a relational database (PostgreSQL or MariaDB/MySQL). Shared by the JDBC-style
 * sinks, source and lookup: each subtask opens a pool of its own from these options.
 */
import { WeirError } from '../../core/errors.ts';

/** The SQL dialects Weir speaks. MySQL works as `mariadb` (same wire protocol and SQL). */
export type JdbcDialectName = 'postgres' | 'mariadb';

export interface JdbcConnectionOptions {
  readonly dialect: JdbcDialectName;
  /**
   * `postgres://user:password@host:5432/db` or `mariadb://user:password@host:3306/db` (`mysql://`
   * too). Fields given separately below override the URL's.
   */
  readonly url?: string;
  readonly host?: string;
  readonly port?: number;
  readonly user?: string;
  readonly password?: string;
  readonly database?: string;
  /** Connections per subtask (default 4). */
  readonly poolSize?: number;
  /** How long to wait for a connection to open (default 10 s). */
  readonly connectTimeoutMs?: number;
  /**
   * Server-side limit on one statement (PostgreSQL `statement_timeout`, MariaDB
   * `max_statement_time`); none by default.
   */
  readonly statementTimeoutMs?: number;
}

/** {@link JdbcConnectionOptions} with the URL taken apart and the defaults applied. */
export interface ResolvedJdbcOptions {
  readonly dialect: JdbcDialectName;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string | undefined;
  readonly database: string;
  readonly poolSize: number;
  readonly connectTimeoutMs: number;
  readonly statementTimeoutMs: number | undefined;
}

const DEFAULT_PORTS: Record<JdbcDialectName, number> = { postgres: 5432, mariadb: 3306 };
const URL_SCHEMES: Record<string, JdbcDialectName> = {
  'postgres:': 'postgres',
  'postgresql:': 'postgres',
  'mariadb:': 'mariadb',
  'mysql:': 'mariadb',
};

/**
 * Applies defaults and checks the options. Errors never repeat the URL (it may hold a password).
 */
export function resolveJdbcOptions(options: JdbcConnectionOptions): ResolvedJdbcOptions {
  const { dialect } = options;
  if (dialect !== 'postgres' && dialect !== 'mariadb') {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `unknown JDBC dialect "${String(dialect)}": use "postgres" or "mariadb"`,
    );
  }
  let fromUrl: Partial<ResolvedJdbcOptions> = {};
  if (options.url !== undefined) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `the ${dialect} connection URL is not a URL (expected ${dialect}://user:password@host:port/database)`,
      );
    }
    const scheme = URL_SCHEMES[url.protocol];
    if (scheme !== dialect) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `the connection URL's scheme "${url.protocol}" does not match the dialect "${dialect}"`,
      );
    }
    fromUrl = {
      host: url.hostname || undefined,
      port: url.port ? Number(url.port) : undefined,
      user: url.username ? decodeURIComponent(url.username) : undefined,
      password: url.password ? decodeURIComponent(url.password) : undefined,
      database: url.pathname.length > 1 ? decodeURIComponent(url.pathname.slice(1)) : undefined,
    };
  }
  const poolSize = options.poolSize ?? 4;
  if (!Number.isInteger(poolSize) || poolSize < 1) {
    throw new WeirError('INVALID_ARGUMENT', `poolSize must be a positive integer, got ${poolSize}`);
  }
  const port = options.port ?? fromUrl.port ?? DEFAULT_PORTS[dialect];
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) {
    throw new WeirError('INVALID_ARGUMENT', `port must be between 1 and 65535, got ${port}`);
  }
  const statementTimeoutMs = options.statementTimeoutMs;
  if (statementTimeoutMs !== undefined && !(statementTimeoutMs > 0)) {
    throw new WeirError('INVALID_ARGUMENT', `statementTimeoutMs must be positive, got ${statementTimeoutMs}`);
  }
  return {
    dialect,
    host: options.host ?? fromUrl.host ?? '127.0.0.1',
    port,
    user: options.user ?? fromUrl.user ?? (dialect === 'postgres' ? 'postgres' : 'root'),
    password: options.password ?? fromUrl.password,
    database: options.database ?? fromUrl.database ?? (dialect === 'postgres' ? 'postgres' : ''),
    poolSize,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    statementTimeoutMs,
  };
}
