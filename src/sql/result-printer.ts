/**
 * How the SQL client shows results, in Flink's three result modes:
 *
 * - `tableau`: rows as they arrive, in a bordered table with the change kind in an `op` column;
 * - `changelog`: the same rows as plain lines, `+I[...]`;
 * - `table`: the result materialized (retractions applied), printed as one table when the query ends.
 *
 * The caller formats the values (the CLI with core/sql-value-format.ts, as Flink
 * prints them); this module lays them out and applies changelogs.
 */
import { isAccumulate, type Row } from '../core/row.ts';
import type { RowField } from '../core/sql-type.ts';

export type ResultMode = 'table' | 'changelog' | 'tableau';

/**
 * A bordered table of rows, with an `op` column when `withKind` (tableau mode shows the change kind
 * of each row). Column widths fit the longest of header and values, numbers right-aligned.
 */
export function formatTable(
  rows: Row[],
  fields: RowField[],
  withKind: boolean,
  formatCells: (values: unknown[]) => string[],
): string {
  const headers = [...(withKind ? ['op'] : []), ...fields.map((f) => f.name)];
  const cells = rows.map((r) => [...(withKind ? [r.kind] : []), ...formatCells(r.values)]);
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
