/**
 * A small pool interface over the two drivers (`pg` for PostgreSQL, `mysql2` for MariaDB/MySQL),
 * so that sinks, sources and lookups speak one API: rows in, rows out, placeholders as the
 * dialect writes them (jdbc-dialect.ts). Each subtask opens its own pool in `open` and ends it in
 * `close`.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { JdbcConnectionOptions, JdbcDialectName, ResolvedJdbcOptions } from './jdbc-options.ts';
import { resolveJdbcOptions } from './jdbc-options.ts';

/** One connection of a pool, held for a sequence of statements (a transaction). */
export interface JdbcConnection {
  /** Runs one statement; rows for a query, `[]` for statements that return none. */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
}

/** A connection of its own, outside the pool (e.g. for a transaction that outlives a call). */
export interface JdbcDedicatedConnection extends JdbcConnection {
  /** True once the connection failed or was closed: open a new one. */
  readonly broken: boolean;
  close(): Promise<void>;
}

export interface WithConnectionOptions {
  /**
   * Close the connection afterwards instead of returning it to the pool (a MariaDB session that
   * prepared an XA transaction stays bound to it until it disconnects).
   */
  readonly discard?: boolean;
}

export interface JdbcPool {
  readonly dialect: JdbcDialectName;
  /** Runs one statement on any connection of the pool. */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /**
   * Runs `fn` with one connection, returned to the pool afterwards, or closed if `fn` fails (its
   * session may be in a broken transaction) or `options.discard` is set.
   */
  withConnection<T>(
    fn: (connection: JdbcConnection) => Promise<T>,
    options?: WithConnectionOptions,
  ): Promise<T>;
  /** Opens a connection outside the pool (not counted in `poolSize`); the caller closes it. */
  openConnection(): Promise<JdbcDedicatedConnection>;
  /** Closes every connection of the pool. */
  end(): Promise<void>;
  /** `postgres 127.0.0.1:5432/test`: for messages; never the user's password. */
  describe(): string;
  /** `text` with the password (if any) replaced by `***`: for driver messages. */
  redact(text: string): string;
}

/**
 * Opens a pool (lazily: the first statement connects).
 *
 * @example
 * const pool = createJdbcPool({ dialect: 'postgres', url: 'postgres://app@127.0.0.1:5432/shop' });
 * const rows = await pool.query<{ id: number }>('SELECT id FROM orders WHERE total > $1', [100]);
 * await pool.end();
 */
export function createJdbcPool(options: JdbcConnectionOptions): JdbcPool {
  const resolved = resolveJdbcOptions(options);
  return resolved.dialect === 'postgres' ? new PostgresPool(resolved) : new MariaDbPool(resolved);
}

abstract class BasePool {
  protected readonly options: ResolvedJdbcOptions;

  constructor(options: ResolvedJdbcOptions) {
    this.options = options;
  }

  describe(): string {
    const { dialect, host, port, database } = this.options;
    return `${dialect} ${host}:${port}/${database}`;
  }

  redact(text: string): string {
    const { password } = this.options;
    return password ? text.split(password).join('***') : text;
  }
}

class PostgresPool extends BasePool implements JdbcPool {
  readonly dialect = 'postgres' as const;
  private readonly pool: pg.Pool;

  constructor(options: ResolvedJdbcOptions) {
    super(options);
    this.pool = new pg.Pool({ ...this.clientConfig(), max: options.poolSize });
    // An idle connection that dies (server restart, pg_terminate_backend) must not crash the
    // process: the pool drops it and the next statement opens a new one.
    this.pool.on('error', () => {});
  }

  private clientConfig(): pg.ClientConfig {
    const options = this.options;
    // bigint and numeric columns come back as strings (pg's default): exact, never rounded.
    return {
      host: options.host,
      port: options.port,
      user: options.user,
      password: options.password,
      database: options.database,
      connectionTimeoutMillis: options.connectTimeoutMs,
      statement_timeout: options.statementTimeoutMs,
    };
  }

  async query<R>(sql: string, params?: readonly unknown[]): Promise<R[]> {
    const result = await this.pool.query(sql, params as unknown[] | undefined);
    return (result.rows ?? []) as R[];
  }

  async openConnection(): Promise<JdbcDedicatedConnection> {
    const client = new pg.Client(this.clientConfig());
    let broken = false;
    client.on('error', () => {
      broken = true;
    });
    client.on('end', () => {
      broken = true;
    });
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    return {
      get broken() {
        return broken;
      },
      async query<R>(sql: string, params?: readonly unknown[]): Promise<R[]> {
        try {
          return ((await client.query(sql, params as unknown[] | undefined)).rows ?? []) as R[];
        } catch (error) {
          // A failed statement inside a transaction leaves the session unusable for it.
          broken = true;
          throw error;
        }
      },
      async close() {
        broken = true;
        await client.end().catch(() => {});
      },
    };
  }

  async withConnection<T>(
    fn: (connection: JdbcConnection) => Promise<T>,
    options: WithConnectionOptions = {},
  ): Promise<T> {
    const client = await this.pool.connect();
    const onError = () => {};
    client.on('error', onError);
    let failed: Error | undefined;
    try {
      return await fn({
        query: async <R>(sql: string, params?: readonly unknown[]) =>
          ((await client.query(sql, params as unknown[] | undefined)).rows ?? []) as R[],
      });
    } catch (error) {
      failed = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      client.off('error', onError);
      client.release(failed ?? (options.discard === true ? true : undefined));
    }
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}

class MariaDbPool extends BasePool implements JdbcPool {
  readonly dialect = 'mariadb' as const;
  private readonly pool: mysql.Pool;

  constructor(options: ResolvedJdbcOptions) {
    super(options);
    this.pool = mysql.createPool({
      ...this.connectionConfig(),
      connectionLimit: options.poolSize,
      idleTimeout: 60_000,
    });
    const timeoutMs = options.statementTimeoutMs;
    if (timeoutMs !== undefined) {
      // Every new session gets the limit before its first statement (statements run in order).
      this.pool.pool.on('connection', (connection) => {
        connection.query(this.statementTimeoutSql(timeoutMs), () => {});
      });
    }
  }

  private statementTimeoutSql(timeoutMs: number): string {
    return `SET SESSION max_statement_time = ${timeoutMs / 1000}`;
  }

  private connectionConfig(): mysql.ConnectionOptions {
    const options = this.options;
    return {
      host: options.host,
      port: options.port,
      user: options.user,
      password: options.password,
      database: options.database || undefined,
      connectTimeout: options.connectTimeoutMs,
      // Exact values: BIGINT and DECIMAL as strings when they do not fit a double.
      supportBigNumbers: true,
      bigNumberStrings: false,
      dateStrings: false,
      // Dates are written and read as UTC, as PostgreSQL's timestamptz.
      timezone: 'Z',
    };
  }

  async openConnection(): Promise<JdbcDedicatedConnection> {
    const connection = await mysql.createConnection(this.connectionConfig());
    let broken = false;
    connection.on('error', () => {
      broken = true;
    });
    connection.on('end', () => {
      broken = true;
    });
    if (this.options.statementTimeoutMs !== undefined) {
      await connection.query(this.statementTimeoutSql(this.options.statementTimeoutMs));
    }
    return {
      get broken() {
        return broken;
      },
      async query<R>(sql: string, params?: readonly unknown[]): Promise<R[]> {
        try {
          const [rows] = await connection.query(sql, params as unknown[] | undefined);
          return (Array.isArray(rows) ? rows : []) as R[];
        } catch (error) {
          broken = true;
          throw error;
        }
      },
      async close() {
        broken = true;
        await connection.end().catch(() => connection.destroy());
      },
    };
  }

  async query<R>(sql: string, params?: readonly unknown[]): Promise<R[]> {
    const [rows] = await this.pool.query(sql, params as unknown[] | undefined);
    return (Array.isArray(rows) ? rows : []) as R[];
  }

  async withConnection<T>(
    fn: (connection: JdbcConnection) => Promise<T>,
    options: WithConnectionOptions = {},
  ): Promise<T> {
    const connection = await this.pool.getConnection();
    let failed = false;
    try {
      return await fn({
        query: async <R>(sql: string, params?: readonly unknown[]) => {
          const [rows] = await connection.query(sql, params as unknown[] | undefined);
          return (Array.isArray(rows) ? rows : []) as R[];
        },
      });
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      if (failed || options.discard === true) connection.destroy();
      else connection.release();
    }
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}
