/**
 * Database failures as {@link WeirError}s: what failed (the statement or table), where (the
 * database, never its credentials), on which record, and why; and which failures are transient,
 * i.e. worth retrying on a fresh connection (a dropped connection, a deadlock, a server busy or
 * restarting) as opposed to failures that would fail again (a constraint, a type, a syntax error, a
 * statement timeout, bad credentials).
 */
import { previewRecord, WeirError, type WeirErrorCode } from '../../core/errors.ts';
import type { JdbcPool } from './jdbc-pool.ts';

/** PostgreSQL SQLSTATEs worth a retry (class 08 is matched as a whole). */
const TRANSIENT_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '53300', // too_many_connections
  '55P03', // lock_not_available
  '57P01', // admin_shutdown (also pg_terminate_backend)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up)
]);

/** mysql2 / MariaDB error codes worth a retry. */
const TRANSIENT_MYSQL_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'ER_LOCK_DEADLOCK', // 1213
  'ER_LOCK_WAIT_TIMEOUT', // 1205
  'ER_CON_COUNT_ERROR', // 1040
  'ER_TOO_MANY_USER_CONNECTIONS', // 1203
  'ER_SERVER_SHUTDOWN', // 1053
  'ER_CONNECTION_KILLED', // 1927
  'ER_CLIENT_INTERACTION_TIMEOUT', // 4031
]);

/** The same by MariaDB error number (mysql2 does not name every MariaDB-specific code). */
const TRANSIENT_MYSQL_ERRNOS = new Set([1213, 1205, 1040, 1203, 1053, 1927, 4031]);

/** MariaDB's `max_statement_time exceeded`. */
export const MARIADB_STATEMENT_TIMEOUT = 1969;

/** Socket-level failures: nothing was done, or the connection (and its transaction) is gone. */
const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** Driver errors that carry no code but mean the connection died. */
const TRANSIENT_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /closed state/i,
  /server closed the connection unexpectedly/i,
];

/**
 * True when `error` (or an error in its chain of causes) is worth retrying. Statement timeouts are
 * not: the same statement would most likely time out again.
 */
export function isTransient(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    const code = codeOf(current);
    if (code !== undefined) {
      if (TRANSIENT_SQLSTATES.has(code) || /^08/.test(code)) return true;
      if (TRANSIENT_MYSQL_CODES.has(code) || TRANSIENT_NODE_CODES.has(code)) return true;
    }
    if (TRANSIENT_MYSQL_ERRNOS.has(errnoOf(current) ?? 0)) return true;
    if (current instanceof AggregateError && current.errors.some((e) => isTransient(e))) return true;
    if (current instanceof Error && code === undefined) {
      const message = current.message;
      if (TRANSIENT_MESSAGES.some((re) => re.test(message))) return true;
    }
    current = current instanceof Error ? current.cause : undefined;
  }
  return false;
}

export interface JdbcErrorContext {
  readonly pool: JdbcPool;
  /** The statement that failed (shortened in the message). */
  readonly statement?: string;
  readonly table?: string;
  /** The record being written or looked up (a short rendering goes into the message). */
  readonly record?: unknown;
  /** What was being done, e.g. `cannot write 500 rows` (default: `statement failed`). */
  readonly action?: string;
  /** Attempts made, when the failure was retried. */
  readonly attempts?: number;
  /** The code of the resulting error (default `SINK_FAILED`; sources pass `SOURCE_FAILED`). */
  readonly code?: WeirErrorCode;
}

/**
 * A {@link WeirError} that names the database, the table or statement, the record and the reason,
 * e.g. `cannot write to table "orders" in postgres 127.0.0.1:5432/shop: duplicate key value
 * violates unique constraint "orders_pkey" (Key (id)=(7) already exists.); record {"id":7}`.
 * The password never appears (driver messages are redacted too); the driver's error is the cause.
 */
export function jdbcError(error: unknown, context: JdbcErrorContext): WeirError {
  const { pool } = context;
  const where = context.table !== undefined ? ` to table "${context.table}"` : '';
  const action = context.action ?? (context.table !== undefined ? 'cannot write' : 'statement failed');
  const parts = [`${action}${where} in ${pool.describe()}: ${pool.redact(reasonOf(error))}`];
  if (context.attempts !== undefined && context.attempts > 1)
    parts.push(`after ${context.attempts} attempts`);
  if (context.record !== undefined) parts.push(`record ${pool.redact(previewRecord(context.record))}`);
  if (context.statement !== undefined)
    parts.push(`statement ${shorten(pool.redact(context.statement), 160)}`);
  return new WeirError(context.code ?? 'SINK_FAILED', parts.join('; '), { cause: error });
}

/** The SQLSTATE, mysql2 code or Node errno code of a driver error. */
export function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.length > 0 ? code : undefined;
}

/** The MariaDB/MySQL error number of a mysql2 error. */
export function errnoOf(error: unknown): number | undefined {
  if (
    typeof error !== 'object' ||
    error === null ||
    typeof (error as { sqlState?: unknown }).sqlState !== 'string'
  ) {
    return undefined;
  }
  const errno = (error as { errno?: unknown }).errno;
  return typeof errno === 'number' ? errno : undefined;
}

/** The driver's reason in words, with the detail PostgreSQL adds (which key, which value). */
function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0 && !error.message) {
    return reasonOf(error.errors[0]);
  }
  if (!(error instanceof Error)) return String(error);
  const code = codeOf(error);
  const detail = (error as { detail?: unknown }).detail;
  let reason = error.message || error.name;
  if (code === 'ECONNREFUSED') reason = `connection refused (is the database running?): ${reason}`;
  else if (code === '57014' || errnoOf(error) === MARIADB_STATEMENT_TIMEOUT)
    reason = `statement timed out: ${reason}`;
  if (typeof detail === 'string' && detail.length > 0) reason += ` (${detail})`;
  if (code !== undefined && !reason.includes(code)) reason += ` [${code}]`;
  return reason;
}

function shorten(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
