/**
 * SQL types of a `jdbc` table and the database's column types, as Flink's JDBC connector maps them
 * (its "Data Type Mapping" table, PostgreSQL and MySQL columns): which database types a declared
 * column may stand for, and how values travel each way. A declared type the dialect cannot hold
 * fails when the table is used; a column the database does not have, or has with a type that does
 * not map to the declared one, fails when the source, sink or lookup opens, naming the column, the
 * database's type and the declared one.
 *
 * Values (core/sql-type.ts): numbers for the numeric types (the drivers' BIGINT and DECIMAL text is
 * turned into numbers), strings, booleans (MySQL's TINYINT(1) 0/1 too), DATE as days, TIME as ms
 * of the day, TIMESTAMP as epoch ms of the wall-clock time read as UTC. Dates and times are written
 * as text (`2024-01-31`, `2024-01-31 12:00:00.250`), exact whatever the time zone of the process.
 */
import { WeirError, type WeirErrorCode } from '../../core/errors.ts';
import { formatType, type SqlType, type SqlTypeKind } from '../../core/sql-type.ts';
import type { TableColumn } from '../../core/table-connectors.ts';
import type { JdbcDialectName } from './jdbc-options.ts';
import type { JdbcPool } from './jdbc-pool.ts';

const PG_INTEGERS = ['smallint', 'integer', 'bigint'];
const MY_INTEGERS = ['tinyint', 'smallint', 'mediumint', 'int', 'bigint', 'year'];
const MY_TEXT = ['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set', 'json'];
const MY_BYTES = ['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob'];

/** The database types (information_schema `data_type`, lower case) each declared type may read and write. */
const COMPATIBLE: Record<JdbcDialectName, Partial<Record<SqlTypeKind, readonly string[]>>> = {
  postgres: {
    BOOLEAN: ['boolean'],
    TINYINT: ['smallint'],
    SMALLINT: ['smallint'],
    INT: ['integer', 'smallint'],
    BIGINT: PG_INTEGERS,
    FLOAT: ['real'],
    DOUBLE: ['double precision', 'real'],
    DECIMAL: ['numeric', ...PG_INTEGERS],
    CHAR: ['character', 'character varying', 'text', 'uuid', 'json', 'jsonb'],
    VARCHAR: ['character varying', 'text', 'character', 'uuid', 'json', 'jsonb'],
    BINARY: ['bytea'],
    VARBINARY: ['bytea'],
    DATE: ['date'],
    TIME: ['time without time zone'],
    TIMESTAMP: ['timestamp without time zone', 'timestamp with time zone'],
    TIMESTAMP_LTZ: ['timestamp with time zone', 'timestamp without time zone'],
    ARRAY: ['array'],
  },
  mariadb: {
    BOOLEAN: ['tinyint', 'bit', 'boolean'],
    TINYINT: ['tinyint'],
    SMALLINT: ['smallint', 'tinyint'],
    INT: ['int', 'mediumint', 'smallint', 'tinyint', 'year'],
    BIGINT: MY_INTEGERS,
    FLOAT: ['float'],
    DOUBLE: ['double', 'float'],
    DECIMAL: ['decimal', ...MY_INTEGERS],
    CHAR: MY_TEXT,
    VARCHAR: MY_TEXT,
    BINARY: MY_BYTES,
    VARBINARY: MY_BYTES,
    DATE: ['date'],
    TIME: ['time'],
    TIMESTAMP: ['datetime', 'timestamp'],
    TIMESTAMP_LTZ: ['timestamp', 'datetime'],
  },
};

const DIALECT_NAMES: Record<JdbcDialectName, string> = { postgres: 'PostgreSQL', mariadb: 'MySQL/MariaDB' };

/**
 * Refuses a declared type the dialect cannot hold (MAP, ROW, MULTISET, intervals; ARRAY on MySQL),
 * as Flink's dialects do, naming the column.
 *
 * @throws WeirError SQL_UNSUPPORTED
 */
export function checkDialectTypes(
  table: string,
  columns: readonly TableColumn[],
  dialect: JdbcDialectName,
): void {
  for (const c of columns) {
    if (COMPATIBLE[dialect][c.type.kind] === undefined) {
      throw new WeirError(
        'SQL_UNSUPPORTED',
        `table "${table}": column "${c.name}" is ${formatType(c.type)}, which the ${DIALECT_NAMES[dialect]} dialect of the jdbc connector does not support`,
      );
    }
  }
}

/** A column as the database describes it. */
export interface DatabaseColumn {
  /** information_schema `data_type`, lower case (`integer`, `character varying`, `datetime`...). */
  readonly dataType: string;
  /** The full type where the database gives one (MySQL `COLUMN_TYPE`, e.g. `tinyint(1)`). */
  readonly columnType: string;
}

/**
 * The database's types of the table's columns `columns`, checked against their declared types.
 *
 * @throws WeirError `code` when the table or a column is missing, or a column's type does not map.
 */
export async function databaseColumns(
  pool: JdbcPool,
  sqlTable: string,
  databaseTable: string,
  columns: readonly TableColumn[],
  code: WeirErrorCode,
): Promise<DatabaseColumn[]> {
  const dot = databaseTable.lastIndexOf('.');
  const schema = dot < 0 ? null : databaseTable.slice(0, dot);
  const name = dot < 0 ? databaseTable : databaseTable.slice(dot + 1);
  const sql =
    pool.dialect === 'postgres'
      ? 'SELECT column_name AS name, data_type AS data_type, data_type AS column_type FROM information_schema.columns WHERE table_name = $1 AND table_schema = COALESCE($2::text, current_schema())'
      : 'SELECT COLUMN_NAME AS name, DATA_TYPE AS data_type, COLUMN_TYPE AS column_type FROM information_schema.COLUMNS WHERE TABLE_NAME = ? AND TABLE_SCHEMA = COALESCE(?, DATABASE())';
  const rows = await pool.query<{ name: string; data_type: string; column_type: unknown }>(sql, [
    name,
    schema,
  ]);
  const where = `table "${databaseTable}" in ${pool.describe()}`;
  if (rows.length === 0) {
    throw new WeirError(
      code,
      `table "${sqlTable}": ${where} does not exist (or has no columns the user may see)`,
    );
  }
  const found = new Map(rows.map((r) => [String(r.name), r]));
  return columns.map((c) => {
    const row = found.get(c.name);
    if (row === undefined) {
      throw new WeirError(
        code,
        `table "${sqlTable}": column "${c.name}" is not a column of ${where} (its columns: ${rows.map((r) => r.name).join(', ')})`,
      );
    }
    const dataType = String(row.data_type).toLowerCase();
    const columnType = String(row.column_type).toLowerCase();
    const accepted = COMPATIBLE[pool.dialect][c.type.kind] ?? [];
    if (!accepted.includes(dataType)) {
      throw new WeirError(
        code,
        `table "${sqlTable}": column "${c.name}" is declared ${formatType(c.type)}, but it is ${columnType} in ${where} (${formatType(c.type)} maps to ${accepted.join(', ') || 'no type'} in ${DIALECT_NAMES[pool.dialect]})`,
      );
    }
    return { dataType, columnType };
  });
}

const DAY_MS = 86_400_000;

/** From the driver's value of a column to the SQL value of its declared type. */
export function readConverter(
  type: SqlType,
  dialect: JdbcDialectName,
  column: DatabaseColumn,
): (value: unknown) => unknown {
  switch (type.kind) {
    case 'BOOLEAN':
      return (v) =>
        v === null || v === undefined
          ? null
          : typeof v === 'boolean'
            ? v
            : Buffer.isBuffer(v)
              ? v[0] !== 0
              : Number(v) !== 0;
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'BIGINT':
    case 'FLOAT':
    case 'DOUBLE':
    case 'DECIMAL':
      return (v) => (v === null || v === undefined ? null : typeof v === 'number' ? v : Number(v));
    case 'CHAR':
    case 'VARCHAR':
      return (v) =>
        v === null || v === undefined
          ? null
          : typeof v === 'string'
            ? v
            : typeof v === 'object' && !(v instanceof Date)
              ? JSON.stringify(v)
              : String(v);
    case 'DATE':
      // pg gives a Date at local midnight; mysql2 (timezone 'Z') one at UTC midnight.
      return dialect === 'postgres'
        ? (v) =>
            v instanceof Date
              ? Math.round(Date.UTC(v.getFullYear(), v.getMonth(), v.getDate()) / DAY_MS)
              : textDate(v)
        : (v) => (v instanceof Date ? Math.floor(v.getTime() / DAY_MS) : textDate(v));
    case 'TIME':
      return (v) => (v === null || v === undefined ? null : timeOfDay(String(v)));
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      // pg parses `timestamp` (without a zone) as local time: its local fields are the wall clock.
      if (dialect === 'postgres' && column.dataType === 'timestamp without time zone') {
        return (v) =>
          v instanceof Date
            ? Date.UTC(
                v.getFullYear(),
                v.getMonth(),
                v.getDate(),
                v.getHours(),
                v.getMinutes(),
                v.getSeconds(),
                v.getMilliseconds(),
              )
            : textTimestamp(v);
      }
      return (v) => (v instanceof Date ? v.getTime() : textTimestamp(v));
    default:
      return (v) => (v === undefined ? null : v);
  }
}

/** From an SQL value to the parameter the driver sends for the column. */
export function writeConverter(
  type: SqlType,
  dialect: JdbcDialectName,
  column: DatabaseColumn,
): (value: unknown) => unknown {
  switch (type.kind) {
    case 'DATE':
      return (v) =>
        v === null || v === undefined ? null : new Date(Number(v) * DAY_MS).toISOString().slice(0, 10);
    case 'TIME':
      return (v) => (v === null || v === undefined ? null : new Date(Number(v)).toISOString().slice(11, 23));
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ': {
      const zoned = dialect === 'postgres' && column.dataType === 'timestamp with time zone';
      return (v) => {
        if (v === null || v === undefined) return null;
        const iso = new Date(Number(v)).toISOString();
        return zoned ? iso : `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
      };
    }
    case 'BINARY':
    case 'VARBINARY':
      return (v) =>
        v instanceof Uint8Array && !Buffer.isBuffer(v)
          ? Buffer.from(v.buffer, v.byteOffset, v.byteLength)
          : (v ?? null);
    default:
      return (v) => (v === undefined ? null : v);
  }
}

/** The key types a lookup can match exactly to the rows the drivers return (jdbc-lookup.ts). */
export function checkLookupKeyType(table: string, column: TableColumn): void {
  const k = column.type.kind;
  const ok =
    k === 'TINYINT' ||
    k === 'SMALLINT' ||
    k === 'INT' ||
    k === 'BIGINT' ||
    k === 'FLOAT' ||
    k === 'DOUBLE' ||
    k === 'CHAR' ||
    k === 'VARCHAR' ||
    k === 'BOOLEAN';
  if (!ok) {
    throw new WeirError(
      'SQL_UNSUPPORTED',
      `table "${table}": the jdbc lookup joins on integer, floating-point, string and boolean columns; "${column.name}" is ${formatType(column.type)}`,
    );
  }
}

function textDate(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  return Math.floor(Date.parse(`${String(v).slice(0, 10)}T00:00:00Z`) / DAY_MS);
}

function textTimestamp(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const text = String(v).trim().replace(' ', 'T');
  return Date.parse(/[zZ]|[+-]\d\d(:?\d\d)?$/.test(text) ? text : `${text}Z`);
}

/** `HH:MM:SS[.fff...]` as ms of the day. */
function timeOfDay(text: string): number {
  const m = /^(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?/.exec(text);
  if (m === null) return Number.NaN;
  const ms = m[4] === undefined ? 0 : Math.floor(Number(`0.${m[4]}`) * 1000 + 1e-6);
  return ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + ms;
}
