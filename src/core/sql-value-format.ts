/**
 * How SQL values print, as Flink prints them, driven by the value's type.
 *
 * - {@link toStringFn}: CAST to STRING, which is also what tableau shows (the SQL client's tableau
 *   mode and `TableResult.print()`): TIMESTAMP(3) `2020-04-15 08:05:00.000`, DATE `2020-04-15`,
 *   DECIMAL with its scale's digits, DOUBLE as Java's Double.toString, BOOLEAN `TRUE`/`FALSE`,
 *   ROW `(1, a)`, ARRAY `[1, 2]`, MAP `{k=v}`; tableau shows NULL as `<NULL>`.
 * - `print` (the print connector's `+I[...]` lines, the changelog result mode): Flink converts the
 *   row to its Java classes and prints their `toString`: NULL `null`, BOOLEAN `true`/`false`,
 *   TIMESTAMP as java.time.LocalDateTime (`2020-04-15T08:05`, seconds and fraction only when not
 *   zero), TIMESTAMP_LTZ as java.time.Instant (`2020-04-15T08:05:00Z`), DATE as LocalDate, TIME as
 *   LocalTime (`10:00`), DECIMAL as BigDecimal (`1.50`), nested rows as `+I[...]`, arrays `[1, 2]`,
 *   maps `{k=v}`, multisets as a map of element to count, bytes as Java's signed bytes `[1, -1]`.
 *
 * The print connector lives in connectors/ and may use core only, hence this module's place.
 *
 * @example
 * formatSqlValue(Date.UTC(2024, 0, 1, 10), { kind: 'TIMESTAMP', precision: 3, nullable: true }, 'print');
 * // '2024-01-01T10:00'
 * formatPrintRow({ kind: '+I', values: [1, null] }, [intType, stringType]); // '+I[1, null]'
 */
import type { Row } from './row.ts';
import { daysOf, formatDate, formatTime, formatTimestamp, MS_PER_DAY, timeOfDay } from './sql-datetime.ts';
import { decimalDigits, formatDecimal, javaDoubleToString, javaFloatToString } from './sql-number-format.ts';
import type { SqlType } from './sql-type.ts';

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
export function formatPrintRow(row: Row, types: readonly SqlType[]): string {
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

/** java.time.LocalDate.toString: `yyyy-MM-dd`, a year beyond 9999 with a `+`. */
function localDate(days: number): string {
  const s = formatDate(days);
  return s.length > 10 && s[0] !== '-' ? `+${s}` : s;
}

/**
 * java.math.BigDecimal.toString of a DECIMAL(p, s) value: plain with `s` digits, unless the
 * adjusted exponent is below -6 (`1E-7` for 0.0000001 at scale 7), as Java switches to E-notation.
 */
function bigDecimal(x: number, scale: number): string {
  const plain = formatDecimal(x, scale);
  if (scale <= 6 || x === 0) return plain;
  const { exponent } = decimalDigits(Math.abs(x));
  if (exponent - 1 >= -6) return plain;
  // The unscaled value's digits (trailing zeros kept, as BigDecimal keeps its scale).
  const digits = plain.replace('-', '').replace('.', '').replace(/^0+/, '');
  const adjusted = digits.length - 1 - scale;
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${x < 0 ? '-' : ''}${mantissa}E${adjusted}`;
}

/** java.time.Duration.toString of a day-time interval in ms: `PT26H3M4.005S`, zero `PT0S`. */
function javaDuration(ms: number): string {
  if (ms === 0) return 'PT0S';
  const sign = ms < 0 ? '-' : '';
  const a = Math.abs(ms);
  const h = Math.floor(a / 3_600_000);
  const m = Math.floor(a / 60_000) % 60;
  const sec = Math.floor(a / 1000) % 60;
  const f = a % 1000;
  let out = 'PT';
  if (h > 0) out += `${sign}${h}H`;
  if (m > 0) out += `${sign}${m}M`;
  if (sec > 0 || f > 0)
    out += `${sign}${sec}${f > 0 ? `.${String(f).padStart(3, '0').replace(/0+$/, '')}` : ''}S`;
  return out;
}

/** java.time.Period.toString of a year-month interval in months: `P1Y2M`, zero `P0D`. */
function javaPeriod(months: number): string {
  if (months === 0) return 'P0D';
  const y = Math.trunc(months / 12);
  const m = months % 12;
  return `P${y !== 0 ? `${y}Y` : ''}${m !== 0 ? `${m}M` : ''}`;
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
      return bigDecimal(value as number, type.scale);
    case 'DATE':
      return localDate(value as number);
    case 'TIME':
      return localTime(value as number);
    case 'TIMESTAMP': {
      const ms = value as number;
      return `${localDate(daysOf(ms))}T${localTime(timeOfDay(ms))}`;
    }
    case 'TIMESTAMP_LTZ': {
      // Instant.toString always shows the seconds.
      const ms = value as number;
      const t = localTime(timeOfDay(ms));
      return `${localDate(daysOf(ms))}T${t.length === 5 ? `${t}:00` : t}Z`;
    }
    case 'INTERVAL_DAY_TIME':
      return javaDuration(value as number);
    case 'INTERVAL_YEAR_MONTH':
      return javaPeriod(value as number);
    case 'ROW': {
      const v = value as unknown[];
      return `+I[${type.fields.map((f, i) => formatSqlValue(v[i], f.type, 'print')).join(', ')}]`;
    }
    case 'ARRAY':
      return `[${(value as unknown[]).map((x) => formatSqlValue(x, type.element, 'print')).join(', ')}]`;
    case 'MULTISET': {
      // A multiset is a java.util.Map of each element to its count.
      const counts = new Map<unknown, number>();
      for (const x of value as unknown[]) counts.set(x, (counts.get(x) ?? 0) + 1);
      const parts: string[] = [];
      for (const [x, n] of counts) parts.push(`${formatSqlValue(x, type.element, 'print')}=${n}`);
      return `{${parts.join(', ')}}`;
    }
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

/**
 * How a value of `type` prints as a string (CAST to STRING, and the tableau result format): undefined
 * for a type that has no string form.
 */
export function toStringFn(type: SqlType): ((v: any) => string) | undefined {
  switch (type.kind) {
    case 'BOOLEAN':
      return (v: boolean) => (v ? 'TRUE' : 'FALSE');
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'BIGINT':
      return (v: number) => (Number.isSafeInteger(v) ? String(v) : BigInt(Math.trunc(v)).toString());
    case 'FLOAT':
      return javaFloatToString;
    case 'DOUBLE':
      return javaDoubleToString;
    case 'DECIMAL': {
      const scale = type.scale;
      return (v: number) => formatDecimal(v, scale);
    }
    case 'CHAR':
    case 'VARCHAR':
      return (v: string) => v;
    case 'BINARY':
    case 'VARBINARY':
      return (v: Uint8Array) => new TextDecoder().decode(v);
    case 'DATE':
      return formatDate;
    case 'TIME': {
      const p = type.precision;
      return (v: number) => formatTime(v, p);
    }
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ': {
      const p = type.precision;
      return (v: number) => formatTimestamp(v, p);
    }
    case 'INTERVAL_DAY_TIME':
      return formatDayTimeInterval;
    case 'INTERVAL_YEAR_MONTH':
      return (v: number) => {
        const a = Math.abs(v);
        return `${v < 0 ? '-' : '+'}${Math.floor(a / 12)}-${String(a % 12).padStart(2, '0')}`;
      };
    case 'ARRAY':
    case 'MULTISET': {
      const el = toStringFn(type.element) ?? String;
      return (v: unknown[]) => `[${v.map((x) => (x == null ? 'NULL' : el(x))).join(', ')}]`;
    }
    case 'MAP': {
      const k = toStringFn(type.key) ?? String;
      const val = toStringFn(type.value) ?? String;
      return (v: Map<unknown, unknown>) => {
        const parts: string[] = [];
        for (const [a, b] of mapEntries(v))
          parts.push(`${a == null ? 'NULL' : k(a)}=${b == null ? 'NULL' : val(b)}`);
        return `{${parts.join(', ')}}`;
      };
    }
    case 'ROW': {
      const fields = type.fields.map((f) => toStringFn(f.type) ?? String);
      return (v: unknown[]) => `(${v.map((x, i) => (x == null ? 'NULL' : fields[i](x))).join(', ')})`;
    }
    case 'NULL':
      return () => 'NULL';
  }
}

/** Entries of a MAP value: a Map, or a plain object from a JSON source. */
export function mapEntries(v: unknown): Iterable<[unknown, unknown]> {
  return v instanceof Map ? v.entries() : Object.entries(v as object);
}

/** `+1 02:03:04.005`: Flink's string form of a day-time interval. */
function formatDayTimeInterval(v: number): string {
  const a = Math.abs(v);
  const days = Math.floor(a / MS_PER_DAY);
  return `${v < 0 ? '-' : '+'}${days} ${formatTime(a % MS_PER_DAY, 3)}`;
}
