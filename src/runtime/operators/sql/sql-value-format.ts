/**
 * How SQL values print in results, as Flink prints them, driven by the column's type.
 *
 * - `tableau` (the SQL client's tableau mode and `TableResult.print()`): every value as CAST to
 *   STRING gives it (TIMESTAMP(3) `2020-04-15 08:05:00.000`, DATE `2020-04-15`, DECIMAL with its
 *   scale's digits, DOUBLE as Java's Double.toString, BOOLEAN `TRUE`/`FALSE`, ROW `(1, a)`, ARRAY
 *   `[1, 2]`, MAP `{k=v}`) and NULL as `<NULL>`.
 * - `print` (the print connector's `+I[...]` lines): Flink converts the row to its Java classes
 *   and prints their `toString`: NULL `null`, BOOLEAN `true`/`false`, TIMESTAMP as
 *   java.time.LocalDateTime (`2020-04-15T08:05`, seconds and fraction only when not zero),
 *   TIMESTAMP_LTZ as java.time.Instant (`2020-04-15T08:05:00Z`), DECIMAL as BigDecimal, nested
 *   rows as `+I[...]`, arrays `[1, 2]`, maps `{k=v}`.
 */
import type { Row } from '../../../core/row.ts';
import type { SqlType } from '../../../sql/types.ts';
import { mapEntries, toStringFn } from './sql-cast.ts';
import { formatDecimal, javaDoubleToString, javaFloatToString } from './sql-numbers.ts';
import { daysOf, formatDate, timeOfDay } from './sql-time.ts';

export type SqlPrintStyle = 'tableau' | 'print';

/** What tableau prints for NULL. */
export const TABLEAU_NULL = '<NULL>';

/** One value of `type` as Flink prints it in `style` (tableau by default). */
export function formatSqlValue(value: unknown, type: SqlType, style: SqlPrintStyle = 'tableau'): string {
  if (value === null || value === undefined) return style === 'tableau' ? TABLEAU_NULL : 'null';
  if (style === 'tableau') {
    if (type.kind === 'ROW' || type.kind === 'ARRAY' || type.kind === 'MULTISET' || type.kind === 'MAP')
      return nestedTableau(value, type);
    const f = toStringFn(type);
    return f ? f(value) : String(value);
  }
  return printValue(value, type);
}

/** Tableau prints NULL inside a ROW, ARRAY or MAP as `NULL` (the cast to STRING's form). */
function nestedTableau(value: unknown, type: SqlType): string {
  return toStringFn(type)!(value);
}

/** A row as the print connector prints it: `+I[1, alice, null]`. */
export function formatPrintRow(row: Row, types: SqlType[]): string {
  let out = `${row.kind}[`;
  for (let i = 0; i < row.values.length; i++) {
    if (i > 0) out += ', ';
    out += formatSqlValue(row.values[i], types[i], 'print');
  }
  return `${out}]`;
}

/** The cells of a row as tableau prints them. */
export function formatTableauRow(values: unknown[], types: SqlType[]): string[] {
  return values.map((v, i) => formatSqlValue(v, types[i], 'tableau'));
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** java.time.LocalTime.toString: `HH:mm`, then `:ss` and a fraction of 3 digits only when not zero. */
function localTime(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor(ms / 60_000) % 60;
  const s = Math.floor(ms / 1000) % 60;
  const f = ms % 1000;
  let out = `${pad2(h)}:${pad2(m)}`;
  if (s > 0 || f > 0) out += `:${pad2(s)}`;
  if (f > 0) out += `.${String(f).padStart(3, '0')}`;
  return out;
}

function printValue(value: unknown, type: SqlType): string {
  switch (type.kind) {
    case 'BOOLEAN':
      return value ? 'true' : 'false';
    case 'FLOAT':
      return javaFloatToString(value as number);
    case 'DOUBLE':
      return javaDoubleToString(value as number);
    case 'DECIMAL':
      return formatDecimal(value as number, type.scale);
    case 'DATE':
      return formatDate(value as number);
    case 'TIME':
      return localTime(value as number);
    case 'TIMESTAMP': {
      const ms = value as number;
      return `${formatDate(daysOf(ms))}T${localTime(timeOfDay(ms))}`;
    }
    case 'TIMESTAMP_LTZ': {
      // Instant.toString always shows the seconds.
      const ms = value as number;
      const t = localTime(timeOfDay(ms));
      return `${formatDate(daysOf(ms))}T${t.length === 5 ? `${t}:00` : t}Z`;
    }
    case 'ROW': {
      const v = value as unknown[];
      return `+I[${type.fields.map((f, i) => formatSqlValue(v[i], f.type, 'print')).join(', ')}]`;
    }
    case 'ARRAY':
    case 'MULTISET':
      return `[${(value as unknown[]).map((x) => formatSqlValue(x, type.element, 'print')).join(', ')}]`;
    case 'MAP': {
      const parts: string[] = [];
      for (const [k, v] of mapEntries(value))
        parts.push(`${formatSqlValue(k, type.key, 'print')}=${formatSqlValue(v, type.value, 'print')}`);
      return `{${parts.join(', ')}}`;
    }
    case 'BINARY':
    case 'VARBINARY':
      return `[${Array.from(value as Uint8Array, (b) => (b > 127 ? b - 256 : b)).join(', ')}]`;
    default: {
      const f = toStringFn(type);
      return f ? f(value) : String(value);
    }
  }
}
