/**
 * The SQL that differs between PostgreSQL and MariaDB: quoting, placeholders, upserts and value
 * conversion. Statements are built once per shape (table, columns, row count) and cached by the
 * callers; values always travel as parameters, never spliced into the text.
 */
import { WeirError } from '../../core/errors.ts';
import type { JdbcDialectName } from './jdbc-options.ts';

export interface JdbcDialect {
  readonly name: JdbcDialectName;
  /** Most parameters one statement may carry (rows per multi-row statement = this / columns). */
  readonly maxParameters: number;
  /** `"name"` (PostgreSQL) or `` `name` `` (MariaDB), with embedded quotes doubled. */
  quoteIdentifier(name: string): string;
  /** A possibly schema-qualified table name (`shop.orders`), each part quoted. */
  quoteTable(name: string): string;
  /** The placeholder of the parameter at 1-based `index`: `$3` or `?`. */
  placeholder(index: number): string;
  /** `INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)` for `rows` rows. */
  insertSql(table: string, columns: readonly string[], rows: number): string;
  /**
   * A multi-row insert that updates the non-key columns of rows whose keys exist:
   * `ON CONFLICT (keys) DO UPDATE SET ...` or `ON DUPLICATE KEY UPDATE ...`. The key columns must
   * carry a primary key or unique constraint. A statement must not hold one key twice.
   */
  upsertSql(table: string, columns: readonly string[], keyColumns: readonly string[], rows: number): string;
  /** A JS value as the driver should receive it (see docs/jdbc.md, type mapping). */
  toSqlValue(value: unknown): unknown;
}

function quoteWith(quote: string, name: string): string {
  if (name.length === 0) throw new WeirError('INVALID_ARGUMENT', 'an SQL identifier must not be empty');
  return quote + name.split(quote).join(quote + quote) + quote;
}

function valuesList(columns: number, rows: number, placeholder: (index: number) => string): string {
  if (columns < 1) throw new WeirError('INVALID_ARGUMENT', 'an insert needs at least one column');
  if (rows < 1) throw new WeirError('INVALID_ARGUMENT', 'an insert needs at least one row');
  const tuples: string[] = [];
  let index = 1;
  for (let r = 0; r < rows; r++) {
    const cells: string[] = [];
    for (let c = 0; c < columns; c++) cells.push(placeholder(index++));
    tuples.push(`(${cells.join(', ')})`);
  }
  return tuples.join(', ');
}

function checkKeys(columns: readonly string[], keyColumns: readonly string[]): void {
  if (keyColumns.length === 0)
    throw new WeirError('INVALID_ARGUMENT', 'an upsert needs at least one key column');
  for (const key of keyColumns) {
    if (!columns.includes(key)) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `key column "${key}" is not among the written columns (${columns.join(', ')})`,
      );
    }
  }
}

const postgres: JdbcDialect = {
  name: 'postgres',
  maxParameters: 65_535,
  quoteIdentifier: (name) => quoteWith('"', name),
  quoteTable: (name) =>
    name
      .split('.')
      .map((part) => quoteWith('"', part))
      .join('.'),
  placeholder: (index) => `$${index}`,
  insertSql(table, columns, rows) {
    const cols = columns.map((c) => postgres.quoteIdentifier(c)).join(', ');
    return `INSERT INTO ${postgres.quoteTable(table)} (${cols}) VALUES ${valuesList(columns.length, rows, postgres.placeholder)}`;
  },
  upsertSql(table, columns, keyColumns, rows) {
    checkKeys(columns, keyColumns);
    const keys = keyColumns.map((c) => postgres.quoteIdentifier(c)).join(', ');
    const updates = columns
      .filter((c) => !keyColumns.includes(c))
      .map((c) => `${postgres.quoteIdentifier(c)} = EXCLUDED.${postgres.quoteIdentifier(c)}`);
    const action = updates.length > 0 ? `DO UPDATE SET ${updates.join(', ')}` : 'DO NOTHING';
    return `${postgres.insertSql(table, columns, rows)} ON CONFLICT (${keys}) ${action}`;
  },
  // pg converts Dates, Buffers/Uint8Arrays, arrays (to PostgreSQL arrays) and objects (to JSON).
  toSqlValue: (value) => (value === undefined ? null : value),
};

const mariadb: JdbcDialect = {
  name: 'mariadb',
  maxParameters: 65_535,
  quoteIdentifier: (name) => quoteWith('`', name),
  quoteTable: (name) =>
    name
      .split('.')
      .map((part) => quoteWith('`', part))
      .join('.'),
  placeholder: () => '?',
  insertSql(table, columns, rows) {
    const cols = columns.map((c) => mariadb.quoteIdentifier(c)).join(', ');
    return `INSERT INTO ${mariadb.quoteTable(table)} (${cols}) VALUES ${valuesList(columns.length, rows, mariadb.placeholder)}`;
  },
  upsertSql(table, columns, keyColumns, rows) {
    checkKeys(columns, keyColumns);
    const updates = columns
      .filter((c) => !keyColumns.includes(c))
      .map((c) => `${mariadb.quoteIdentifier(c)} = VALUES(${mariadb.quoteIdentifier(c)})`);
    // Nothing to update: assigning a key to itself makes the duplicate a no-op.
    if (updates.length === 0) {
      const k = mariadb.quoteIdentifier(keyColumns[0]);
      updates.push(`${k} = ${k}`);
    }
    return `${mariadb.insertSql(table, columns, rows)} ON DUPLICATE KEY UPDATE ${updates.join(', ')}`;
  },
  toSqlValue(value) {
    // mysql2 escapes on the client: it would expand arrays into lists and objects into
    // `key = value` pairs, so both become JSON text here.
    if (value === undefined || value === null) return null;
    if (typeof value === 'bigint') return value.toString();
    if (typeof value !== 'object') return value;
    if (value instanceof Date || Buffer.isBuffer(value)) return value;
    if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  },
};

/** The dialect named `name`. */
export function jdbcDialect(name: JdbcDialectName): JdbcDialect {
  return name === 'postgres' ? postgres : mariadb;
}
