/**
 * The local PostgreSQL and MariaDB servers for tests (scripts/databases.sh ensure: 127.0.0.1:5432
 * and 127.0.0.1:3306, database `test`). Tests that need one ask `database(t, dialect)`: without a
 * server they are skipped, loudly, unless `CI` is set, where a missing server is a failure.
 */
import type { TestContext } from 'node:test';
import type { InvokeContext, SinkContext } from 'weir';
import { createJdbcPool, type JdbcConnectionOptions, type JdbcDialectName, type JdbcPool } from 'weir';

export const DIALECTS: readonly JdbcDialectName[] = ['postgres', 'mariadb'];

/** Connection options of the test database of `dialect`. */
export function connectionOf(
  dialect: JdbcDialectName,
  extra: Partial<JdbcConnectionOptions> = {},
): JdbcConnectionOptions {
  const url =
    dialect === 'postgres' ? 'postgres://root@127.0.0.1:5432/test' : 'mariadb://root@127.0.0.1:3306/test';
  return { dialect, url, connectTimeoutMs: 5_000, ...extra };
}

const probes = new Map<JdbcDialectName, Promise<string | undefined>>();

/** Undefined when the server answers a query, else why not. */
function probe(dialect: JdbcDialectName): Promise<string | undefined> {
  let found = probes.get(dialect);
  if (found === undefined) {
    found = (async () => {
      const pool = createJdbcPool(connectionOf(dialect, { connectTimeoutMs: 10_000 }));
      try {
        await pool.query('SELECT 1');
        return undefined;
      } catch (error) {
        return error instanceof Error ? error.message || String(error) : String(error);
      } finally {
        await pool.end().catch(() => {});
      }
    })();
    probes.set(dialect, found);
  }
  return found;
}

/**
 * True when the `dialect` server answers. Otherwise skips `t` (with a warning) and returns false,
 * or, with `CI` set, throws: CI must never skip database tests.
 */
export async function database(t: TestContext, dialect: JdbcDialectName): Promise<boolean> {
  const problem = await probe(dialect);
  if (problem === undefined) return true;
  const message = `no ${dialect} server at ${dialect === 'postgres' ? '127.0.0.1:5432' : '127.0.0.1:3306'}: run scripts/databases.sh ensure`;
  if (process.env.CI)
    throw new Error(`${message} (CI is set, so this fails instead of skipping): ${problem}`);
  console.warn(`SKIPPED ${t.name}: ${message}`);
  t.skip(message);
  return false;
}

/** A table name unique to this run (lower case: both servers keep it as written). */
export function uniqueTable(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`.toLowerCase();
}

/**
 * An administrative pool for `dialect` that creates tables with `create` and drops each when the
 * test ends (`t.after`).
 */
export function adminPool(
  t: TestContext,
  dialect: JdbcDialectName,
): {
  pool: JdbcPool;
  create(table: string, columnsSql: string): Promise<void>;
  rows<R>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Runs `fn` with the pool when the test ends, before the tables are dropped. */
  cleanUp(fn: (pool: JdbcPool) => Promise<void>): void;
} {
  const pool = createJdbcPool(connectionOf(dialect, { poolSize: 2 }));
  const tables: string[] = [];
  const cleanUps: Array<(pool: JdbcPool) => Promise<void>> = [];
  const quote = (name: string) => (dialect === 'postgres' ? `"${name}"` : `\`${name}\``);
  t.after(async () => {
    for (const fn of cleanUps) await fn(pool).catch(() => {});
    for (const table of tables) await pool.query(`DROP TABLE IF EXISTS ${quote(table)}`).catch(() => {});
    await pool.end();
  });
  return {
    pool,
    async create(table, columnsSql) {
      tables.push(table);
      await pool.query(
        `CREATE TABLE ${quote(table)} (${columnsSql})${dialect === 'mariadb' ? ' ENGINE=InnoDB' : ''}`,
      );
    },
    rows: (sql, params) => pool.query(sql, params),
    cleanUp: (fn) => cleanUps.push(fn),
  };
}

/** Prepared transactions of the database whose gid starts with `prefix`. */
export async function preparedGids(pool: JdbcPool, prefix: string): Promise<string[]> {
  if (pool.dialect === 'postgres') {
    const rows = await pool.query<{ gid: string }>(
      'SELECT gid FROM pg_prepared_xacts WHERE database = current_database() AND starts_with(gid, $1)',
      [prefix],
    );
    return rows.map((r) => r.gid).sort();
  }
  const rows = await pool.query<{ data: string; gtrid_length: number }>('XA RECOVER');
  return rows
    .map((r) => String(r.data).slice(0, Number(r.gtrid_length)))
    .filter((gid) => gid.startsWith(prefix))
    .sort();
}

/** Rolls back prepared transactions left by a failed test (they would hold locks on its table). */
export async function rollBackPrepared(pool: JdbcPool, prefix: string): Promise<void> {
  for (const gid of await preparedGids(pool, prefix)) {
    await pool
      .query(pool.dialect === 'postgres' ? `ROLLBACK PREPARED '${gid}'` : `XA ROLLBACK '${gid}'`)
      .catch(() => {});
  }
}

/** A sink context for driving sinks directly, as the runtime does. */
export function sinkContext(
  subtaskIndex = 0,
  parallelism = 1,
  attemptTag = 'test0000-0',
  checkpointing = true,
): SinkContext {
  return {
    subtaskIndex,
    parallelism,
    operatorName: 'jdbc',
    now: () => Date.now(),
    addAccumulator: () => {},
    checkpointing,
    attemptTag,
  };
}

export const INVOKE: InvokeContext = { timestamp: undefined, currentWatermark: Number.NEGATIVE_INFINITY };

/** `name` quoted for `dialect`. */
export function quoted(dialect: JdbcDialectName, name: string): string {
  return dialect === 'postgres' ? `"${name}"` : `\`${name}\``;
}

/**
 * Kills (from `admin`) the session running a statement that mentions `table` once one shows up:
 * `pg_terminate_backend` or `KILL`. Resolves with the number of sessions killed.
 */
export async function killSessionRunning(
  admin: JdbcPool,
  table: string,
  timeoutMs = 20_000,
): Promise<number> {
  const find =
    admin.dialect === 'postgres'
      ? () =>
          admin.query<{ pid: number }>(
            "SELECT pid FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() AND query LIKE $1 AND query NOT LIKE '%pg_stat_activity%'",
            [`%${table}%`],
          )
      : () =>
          admin.query<{ pid: number }>(
            "SELECT id AS pid FROM information_schema.processlist WHERE id <> CONNECTION_ID() AND info LIKE ? AND info NOT LIKE '%processlist%'",
            [`%${table}%`],
          );
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const sessions = await find();
    if (sessions.length > 0) {
      for (const { pid } of sessions) {
        await admin.query(
          admin.dialect === 'postgres' ? 'SELECT pg_terminate_backend($1)' : `KILL ${Number(pid)}`,
          [pid],
        );
      }
      return sessions.length;
    }
    if (Date.now() > deadline)
      throw new Error(`no session ran a statement on ${table} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Holds a lock on `table` from a session of its own until `release()` is called: statements of
 * others on it wait meanwhile (PostgreSQL `LOCK TABLE ... ACCESS EXCLUSIVE`, MariaDB `LOCK TABLES ... WRITE`).
 */
export async function lockTable(admin: JdbcPool, table: string): Promise<{ release(): Promise<void> }> {
  const session = await admin.openConnection();
  if (admin.dialect === 'postgres') {
    await session.query('BEGIN');
    await session.query(`LOCK TABLE "${table}" IN ACCESS EXCLUSIVE MODE`);
  } else {
    await session.query(`LOCK TABLES \`${table}\` WRITE`);
  }
  return {
    async release() {
      await session.query(admin.dialect === 'postgres' ? 'COMMIT' : 'UNLOCK TABLES').catch(() => {});
      await session.close();
    },
  };
}
