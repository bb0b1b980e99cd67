/**
 * Prepared (two-phase) transactions in each dialect, for the exactly-once sink: PostgreSQL's
 * `PREPARE TRANSACTION` / `COMMIT PREPARED` / `ROLLBACK PREPARED` (listed in `pg_prepared_xacts`)
 * and MariaDB's XA (`XA START/END/PREPARE/COMMIT/ROLLBACK`, listed by `XA RECOVER`).
 *
 * A prepared transaction survives the session and a server restart, holds its locks, and is
 * invisible until committed. Committing or rolling back one that no longer exists (committed or
 * rolled back earlier) is not an error here: recovery repeats commits.
 *
 * A PostgreSQL session is free again after `PREPARE TRANSACTION`; a MariaDB session stays bound to
 * its prepared XA transaction until it commits it or disconnects, so the sink commits on the
 * session that prepared (after a crash, any session can: the transaction was detached).
 */
import { WeirError } from '../../core/errors.ts';
import { codeOf, errnoOf } from './jdbc-errors.ts';
import type { JdbcDialectName } from './jdbc-options.ts';
import type { JdbcConnection, JdbcPool } from './jdbc-pool.ts';

export interface PreparedTransactions {
  /** Starts transaction `gid` on `connection`. */
  begin(connection: JdbcConnection, gid: string): Promise<void>;
  /** Prepares it: durable, invisible, and no longer undone by a disconnect. */
  prepare(connection: JdbcConnection, gid: string): Promise<void>;
  /** Commits prepared `gid`; false if it did not exist (already committed, or never prepared). */
  commit(connection: JdbcConnection | JdbcPool, gid: string): Promise<boolean>;
  /** Rolls back prepared `gid`; false if it did not exist. */
  rollback(connection: JdbcConnection | JdbcPool, gid: string): Promise<boolean>;
  /** The prepared transactions of this database whose gid starts with `prefix`. */
  list(pool: JdbcPool, prefix: string): Promise<string[]>;
  /** True when the session that prepared stays bound to the transaction until it ends it. */
  readonly sessionBound: boolean;
}

/** Gids are built by the sink from a checked character set; quoting is a second line of defence. */
function literal(gid: string): string {
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(gid)) {
    throw new WeirError('INVALID_ARGUMENT', `invalid transaction id "${gid}"`);
  }
  return `'${gid}'`;
}

const postgres: PreparedTransactions = {
  sessionBound: false,
  async begin(connection) {
    await connection.query('BEGIN');
  },
  async prepare(connection, gid) {
    await connection.query(`PREPARE TRANSACTION ${literal(gid)}`);
  },
  async commit(target, gid) {
    try {
      await target.query(`COMMIT PREPARED ${literal(gid)}`);
      return true;
    } catch (error) {
      if (codeOf(error) === '42704') return false; // undefined_object: no such prepared transaction
      throw error;
    }
  },
  async rollback(target, gid) {
    try {
      await target.query(`ROLLBACK PREPARED ${literal(gid)}`);
      return true;
    } catch (error) {
      if (codeOf(error) === '42704') return false;
      throw error;
    }
  },
  async list(pool, prefix) {
    const rows = await pool.query<{ gid: string }>(
      'SELECT gid FROM pg_prepared_xacts WHERE database = current_database() AND starts_with(gid, $1) ORDER BY prepared',
      [prefix],
    );
    return rows.map((r) => r.gid);
  },
};

/** ER_XAER_NOTA (1397): unknown XID. */
function unknownXid(error: unknown): boolean {
  return codeOf(error) === 'ER_XAER_NOTA' || errnoOf(error) === 1397;
}

const mariadb: PreparedTransactions = {
  sessionBound: true,
  async begin(connection, gid) {
    await connection.query(`XA START ${literal(gid)}`);
  },
  async prepare(connection, gid) {
    await connection.query(`XA END ${literal(gid)}`);
    await connection.query(`XA PREPARE ${literal(gid)}`);
  },
  async commit(target, gid) {
    try {
      await target.query(`XA COMMIT ${literal(gid)}`);
      return true;
    } catch (error) {
      if (unknownXid(error)) return false;
      throw error;
    }
  },
  async rollback(target, gid) {
    try {
      await target.query(`XA ROLLBACK ${literal(gid)}`);
      return true;
    } catch (error) {
      if (unknownXid(error)) return false;
      throw error;
    }
  },
  async list(pool, prefix) {
    // XA RECOVER lists every prepared XA transaction of the server (it needs XA_RECOVER_ADMIN).
    const rows = await pool.query<{ data: string | Buffer; gtrid_length: number | string }>('XA RECOVER');
    return rows
      .map((r) => String(r.data).slice(0, Number(r.gtrid_length)))
      .filter((gid) => gid.startsWith(prefix));
  },
};

export function preparedTransactions(dialect: JdbcDialectName): PreparedTransactions {
  return dialect === 'postgres' ? postgres : mariadb;
}
