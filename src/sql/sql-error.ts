import { WeirError, type WeirErrorCode } from '../core/errors.ts';
import type { SqlPos } from './ast.ts';

/** The codes of SQL errors: the text does not parse, names or types are wrong, or Weir cannot run it. */
export type SqlErrorCode = Extract<
  WeirErrorCode,
  'SQL_PARSE_ERROR' | 'SQL_VALIDATION_ERROR' | 'SQL_UNSUPPORTED'
>;

/**
 * An error in a SQL text, at a position. The message ends with the line of the text and a caret
 * under the column, so that a terminal shows exactly where it is:
 *
 * ```
 * SQL_VALIDATION_ERROR: unknown column "prise" at line 1, column 8
 *   SELECT prise FROM bid
 *          ^
 * ```
 */
export class SqlError extends WeirError {
  readonly line: number;
  readonly column: number;
  /** The error's reason alone, without the position and the excerpt. */
  readonly reason: string;

  constructor(code: SqlErrorCode, reason: string, sql: string, pos: SqlPos, options?: { cause?: unknown }) {
    super(code, `${reason} at line ${pos.line}, column ${pos.column}\n${caretExcerpt(sql, pos)}`, options);
    this.name = 'SqlError';
    this.line = pos.line;
    this.column = pos.column;
    this.reason = reason;
  }
}

/** The line of `sql` at `pos` and a caret under its column, indented by two spaces; tabs count as one column. */
export function caretExcerpt(sql: string, pos: SqlPos): string {
  const lines = sql.split(/\r\n|\r|\n/);
  const line = (lines[pos.line - 1] ?? '').replace(/\t/g, ' ');
  const MAX = 160;
  // Long lines are cut around the column so the caret stays on screen.
  let start = 0;
  if (line.length > MAX && pos.column > MAX - 40) start = pos.column - (MAX - 40);
  const shown = line.slice(start, start + MAX);
  const prefix = start > 0 ? '…' : '';
  return `  ${prefix}${shown}\n  ${' '.repeat(prefix.length + Math.max(0, pos.column - 1 - start))}^`;
}
