/**
 * Rows of a changelog (docs/sql.md). A SQL query over a stream does not only append: a grouped
 * aggregate retracts the result it emitted for a group before it emits the new one, a Top-N
 * retracts the row that left the top, an upsert source deletes. So every row the SQL runtime
 * carries says which change it stands for, with Flink's four row kinds and their short strings:
 *
 * - `+I` insert: a new row;
 * - `-U` update before: the previous content of a row that is being updated (a retraction);
 * - `+U` update after: the new content of that row;
 * - `-D` delete: the row is gone.
 *
 * A stream of only `+I` rows is insert-only (append); one with `-U`/`-D` is a retract stream; one
 * that leaves out `-U` and addresses rows by a primary key is an upsert stream. A row is a plain
 * object (`kind` and positional `values`), so it crosses threads and processes as it is and keeps
 * one shape for the optimizing compiler.
 */
import type { SqlType } from './sql-type.ts';
import { formatPrintRow } from './sql-value-format.ts';

/** The change a row stands for: insert, update before, update after or delete. */
export type RowKind = '+I' | '-U' | '+U' | '-D';

/** The row kinds by Flink's names. */
export const RowKind = Object.freeze({
  INSERT: '+I',
  UPDATE_BEFORE: '-U',
  UPDATE_AFTER: '+U',
  DELETE: '-D',
} as const satisfies Record<string, RowKind>);

/** One row of a changelog: the kind of change and the field values by column position. */
export interface Row {
  kind: RowKind;
  values: unknown[];
}

/** A row of kind `kind` with these values (the array is taken, not copied). */
export function row(kind: RowKind, values: unknown[]): Row {
  return { kind, values };
}

/** An insert row (`+I`) with these values. */
export function insertRow(values: unknown[]): Row {
  return { kind: '+I', values };
}

/** True for the kinds that add a row to a table (`+I`, `+U`), false for those that remove one. */
export function isAccumulate(kind: RowKind): boolean {
  return kind === '+I' || kind === '+U';
}

/** True for the kinds that remove a row from a table (`-U`, `-D`). */
export function isRetract(kind: RowKind): boolean {
  return kind === '-U' || kind === '-D';
}

const ROW_KINDS: ReadonlySet<unknown> = new Set<RowKind>(['+I', '-U', '+U', '-D']);

/** Whether `value` is a row kind string. */
export function isRowKind(value: unknown): value is RowKind {
  return ROW_KINDS.has(value);
}

/** Whether `value` has the shape of a {@link Row}. */
export function isRow(value: unknown): value is Row {
  return (
    typeof value === 'object' &&
    value !== null &&
    isRowKind((value as Row).kind) &&
    Array.isArray((value as Row).values)
  );
}

/**
 * The kinds a changelog contains (Flink's ChangelogMode): insert-only, upsert (no update-before
 * rows, rows addressed by a key) or all four.
 */
export type ChangelogMode = 'insert-only' | 'upsert' | 'all';

/** Whether a changelog of `mode` may contain rows of `kind`. */
export function changelogContains(mode: ChangelogMode, kind: RowKind): boolean {
  if (mode === 'insert-only') return kind === '+I';
  if (mode === 'upsert') return kind !== '-U';
  return true;
}

/**
 * A row as Flink prints it (print connector, `toString` of its Row): the kind, then the values in
 * brackets, `+I[1, alice, null]`. With the columns' types, values print as Flink's print connector
 * prints them (core/sql-value-format.ts: TIMESTAMP `2024-01-01T10:00`, DECIMAL with its scale...);
 * without, by their JavaScript form: `null` for SQL NULL, strings bare, arrays in brackets, maps as
 * `{k=v}`, numbers as JavaScript prints them.
 *
 * @example
 * formatRow(insertRow([1, 'alice', null])); // '+I[1, alice, null]'
 */
export function formatRow(r: Row, types?: readonly SqlType[]): string {
  if (types !== undefined) return formatPrintRow(r, types);
  let out = `${r.kind}[`;
  for (let i = 0; i < r.values.length; i++) {
    if (i > 0) out += ', ';
    out += formatJsValue(r.values[i]);
  }
  return `${out}]`;
}

/** A value of no known SQL type, by its JavaScript form. */
function formatJsValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map(formatJsValue).join(', ')}]`;
  if (value instanceof Map) {
    const parts: string[] = [];
    for (const [k, v] of value) parts.push(`${formatJsValue(k)}=${formatJsValue(v)}`);
    return `{${parts.join(', ')}}`;
  }
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/**
 * Whether two rows hold the same values, as SQL compares whole rows (a retraction finds the row it
 * retracts, an aggregate skips an update that changes nothing): position by position, nested ROW
 * and ARRAY values element by element, MAP values entry by entry, bytes byte by byte, NaN equal to
 * NaN (Flink compares the rows' binary forms).
 *
 * @example
 * sameValues([1, [2, 'a']], [1, [2, 'a']]); // true
 */
export function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !sameValue(a[i], b[i])) return false;
  return true;
}

/** One value of {@link sameValues}. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object')
    return typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a)) return Array.isArray(b) && sameValues(a, b);
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !sameValue(v, b.get(k))) return false;
    return true;
  }
  if (a instanceof Uint8Array) {
    if (!(b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  return false;
}
