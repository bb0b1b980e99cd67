/**
 * How the SQL client shows results, in Flink's three result modes:
 *
 * - `tableau`: rows as they arrive, in a bordered table with the change kind in an `op` column;
 * - `changelog`: the same rows as plain lines, `+I[...]`;
 * - `table`: the result materialized (retractions applied), printed as one table when the query ends.
 *
 * Values print as Flink prints them (`formatValue`): NULL as `<NULL>` in tables, timestamps as
 * `yyyy-MM-dd HH:mm:ss.SSS`, DECIMAL with its scale's digits.
 */
import { isAccumulate, type Row } from '../core/row.ts';
import type { RowField, SqlType } from '../core/sql-type.ts';

export type ResultMode = 'table' | 'changelog' | 'tableau';

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));
const pad3 = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : String(n));

/** `yyyy-MM-dd HH:mm:ss.SSS` of epoch milliseconds, in UTC. */
export function formatTimestampMillis(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.${pad3(d.getUTCMilliseconds())}`;
}

/** One value as Flink's SQL client shows it, typed. */
export function formatValue(value: unknown, type: SqlType, nullText = '<NULL>'): string {
  if (value === null || value === undefined) return nullText;
  switch (type.kind) {
    case 'BOOLEAN':
      return value ? 'TRUE' : 'FALSE';
    case 'DECIMAL':
      return (value as number).toFixed(type.scale);
    case 'FLOAT':
    case 'DOUBLE': {
      const n = value as number;
      if (Number.isInteger(n) && Math.abs(n) < 1e7) return `${n}.0`;
      return String(n);
    }
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      return formatTimestampMillis(value as number);
    case 'DATE':
      return formatTimestampMillis((value as number) * 86_400_000).slice(0, 10);
    case 'ROW': {
      const values = value as unknown[];
      return `(${type.fields.map((f, i) => formatValue(values[i], f.type, 'NULL')).join(', ')})`;
    }
    case 'ARRAY':
    case 'MULTISET':
      return `[${(value as unknown[]).map((v) => formatValue(v, type.element, 'NULL')).join(', ')}]`;
    case 'MAP': {
      const parts: string[] = [];
      for (const [k, v] of value as Map<unknown, unknown>)
        parts.push(`${formatValue(k, type.key, 'NULL')}=${formatValue(v, type.value, 'NULL')}`);
      return `{${parts.join(', ')}}`;
    }
    default:
      return String(value);
  }
}

/** A changelog line: `+I[1, alice]`. */
export function formatChangelogLine(row: Row, fields: RowField[]): string {
  return `${row.kind}[${row.values.map((v, i) => formatValue(v, fields[i].type, 'NULL')).join(', ')}]`;
}

/**
 * A bordered table of rows, with an `op` column when `withKind` (tableau mode shows the change kind
 * of each row). Column widths fit the longest of header and values, numbers right-aligned.
 */
export function formatTable(rows: Row[], fields: RowField[], withKind: boolean): string {
  const headers = [...(withKind ? ['op'] : []), ...fields.map((f) => f.name)];
  const cells = rows.map((r) => [
    ...(withKind ? [r.kind] : []),
    ...r.values.map((v, i) => formatValue(v, fields[i].type)),
  ]);
  const widths = headers.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)));
  const line = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const numeric = headers.map((_, c) => {
    if (withKind && c === 0) return false;
    const t = fields[c - (withKind ? 1 : 0)].type.kind;
    return ['TINYINT', 'SMALLINT', 'INT', 'BIGINT', 'FLOAT', 'DOUBLE', 'DECIMAL'].includes(t);
  });
  const format = (row: string[]): string =>
    `| ${row.map((v, c) => (numeric[c] ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join(' | ')} |`;
  return [line, format(headers), line, ...cells.map(format), line].join('\n');
}

/** Applies a changelog: the rows of the materialized result, in the order they were first added. */
export function materialize(changelog: Iterable<Row>): Row[] {
  const rows: Row[] = [];
  const keyOf = (r: Row): string => JSON.stringify(r.values, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
  for (const row of changelog) {
    if (isAccumulate(row.kind)) {
      rows.push({ kind: '+I', values: row.values });
      continue;
    }
    const key = keyOf(row);
    const at = rows.findIndex((r) => keyOf(r) === key);
    if (at >= 0) rows.splice(at, 1);
  }
  return rows;
}
