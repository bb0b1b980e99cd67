/**
 * Plain text tables and times for the CLI's cluster commands: columns aligned with spaces (no
 * box drawing, no colours), so that the output reads well in a terminal and is easy to grep or cut.
 * A column is left-aligned unless it says `align: 'right'` (numbers read best right-aligned; the
 * heading then aligns with them).
 */

/** One column of a table: its heading and how its cells align. */
export interface Column {
  header: string;
  align?: 'left' | 'right';
}

/**
 * The rows under their headers, each column as wide as its widest cell, two spaces between columns,
 * no trailing spaces. Cells with line breaks or control characters are flattened to one line.
 *
 * @example
 * formatTable([{ header: 'JOB ID' }, { header: 'STATE' }], [['a1b2', 'RUNNING']]);
 * // JOB ID  STATE
 * // a1b2    RUNNING
 */
export function formatTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const cells = rows.map((row) => columns.map((_, i) => oneLine(row[i] ?? '')));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((row) => row[i].length)),
  );
  const line = (values: readonly string[]) =>
    values
      .map((value, i) => (columns[i].align === 'right' ? value.padStart(widths[i]) : value.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n');
}

/** `label: value` lines with the values aligned (the head of `weir info`). */
export function formatFields(fields: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(0, ...fields.map(([label]) => label.length + 1));
  return fields.map(([label, value]) => `${`${label}:`.padEnd(width)}  ${oneLine(value)}`).join('\n');
}

/**
 * A duration in milliseconds as people say it: `850 ms`, `12s`, `3m 12s`, `2h 5m`, `3d 4h`
 * (the two largest units). Negative or unknown (`-1`, as Flink's REST API reports an unknown end
 * time) durations print as `-`.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  const seconds = Math.floor(ms / 1_000);
  const units: Array<[string, number]> = [
    ['d', Math.floor(seconds / 86_400)],
    ['h', Math.floor(seconds / 3_600) % 24],
    ['m', Math.floor(seconds / 60) % 60],
    ['s', seconds % 60],
  ];
  const first = units.findIndex(([, value]) => value > 0);
  return units
    .slice(first, first + 2)
    .filter(([, value], i) => i === 0 || value > 0)
    .map(([unit, value]) => `${value}${unit}`)
    .join(' ');
}

/**
 * An epoch time in milliseconds as ISO 8601 in UTC, to the second (`2026-12-02T22:10:55Z`), or `-`
 * when it is unknown (0 or negative, as the REST API reports a job that has not started or ended).
 */
export function formatTime(epochMs: number): string {
  if (!Number.isFinite(epochMs) || epochMs <= 0) return '-';
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A count with thousands separators: `1,234,567`. */
export function formatCount(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-';
}

/** Text from a server made safe for one table cell: no line breaks, no terminal escapes. */
function oneLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes
  return text.replace(/\r?\n/g, ' ⏎ ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
