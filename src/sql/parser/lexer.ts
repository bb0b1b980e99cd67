import type { SqlPos } from '../ast.ts';
import { SqlError } from '../sql-error.ts';

/**
 * Tokens of Weir SQL. Words keep their text and an upper-case form for keyword tests; backquoted
 * names are `quoted` (never keywords); strings are unescaped (`''` is a quote); comments (`--` to
 * the end of the line, `/* ... *\/`) and white space are skipped. Every token has its position.
 */
export type TokenType = 'word' | 'quoted' | 'string' | 'number' | 'op' | 'eof';

export interface Token {
  type: TokenType;
  /** The word, the unquoted name or string, the number's digits, the operator. */
  text: string;
  /** `text` upper-cased for words; equal to `text` for the rest. */
  upper: string;
  pos: SqlPos;
  /** Offset just past the token in the text. */
  end: number;
}

/** Operators, longest first so `<=` wins over `<`. */
const OPERATORS = [
  '<>',
  '<=',
  '>=',
  '!=',
  '||',
  '=>',
  '::',
  '=',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '(',
  ')',
  ',',
  '.',
  ';',
  '[',
  ']',
  '?',
  ':',
];

function isWordStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127;
}

function isWordPart(c: number): boolean {
  return isWordStart(c) || (c >= 48 && c <= 57) || c === 36;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Splits `sql` into tokens, ending with one `eof` token. Throws SQL_PARSE_ERROR on an unclosed string, name or comment. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const n = sql.length;
  const posAt = (offset: number): SqlPos => ({ line, column: offset - lineStart + 1, offset });
  // Advances the line counter over text that may contain line breaks.
  const over = (from: number, to: number): void => {
    for (let k = from; k < to; k++) {
      const c = sql.charCodeAt(k);
      if (c === 10 || (c === 13 && sql.charCodeAt(k + 1) !== 10)) {
        line++;
        lineStart = k + 1;
      }
    }
  };
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12) {
      over(i, i + 1);
      i++;
      continue;
    }
    if (c === 45 && sql.charCodeAt(i + 1) === 45) {
      while (i < n && sql.charCodeAt(i) !== 10 && sql.charCodeAt(i) !== 13) i++;
      continue;
    }
    if (c === 47 && sql.charCodeAt(i + 1) === 42) {
      const close = sql.indexOf('*/', i + 2);
      if (close < 0) throw new SqlError('SQL_PARSE_ERROR', 'unclosed comment', sql, posAt(i));
      over(i, close + 2);
      i = close + 2;
      continue;
    }
    const pos = posAt(i);
    if (isWordStart(c)) {
      let j = i + 1;
      while (j < n && isWordPart(sql.charCodeAt(j))) j++;
      const text = sql.slice(i, j);
      tokens.push({ type: 'word', text, upper: text.toUpperCase(), pos, end: j });
      i = j;
      continue;
    }
    if (c === 96 /* ` */ || c === 39 /* ' */) {
      const quote = sql[i];
      let j = i + 1;
      let text = '';
      for (;;) {
        const k = sql.indexOf(quote, j);
        if (k < 0) {
          throw new SqlError(
            'SQL_PARSE_ERROR',
            quote === "'" ? 'unclosed string literal' : 'unclosed quoted name',
            sql,
            pos,
          );
        }
        text += sql.slice(j, k);
        if (sql[k + 1] === quote) {
          text += quote;
          j = k + 2;
          continue;
        }
        j = k + 1;
        break;
      }
      over(i, j);
      tokens.push({ type: quote === "'" ? 'string' : 'quoted', text, upper: text, pos, end: j });
      i = j;
      continue;
    }
    if (isDigit(c) || (c === 46 && isDigit(sql.charCodeAt(i + 1)))) {
      let j = i;
      while (j < n && isDigit(sql.charCodeAt(j))) j++;
      if (sql.charCodeAt(j) === 46 && isDigit(sql.charCodeAt(j + 1))) {
        j++;
        while (j < n && isDigit(sql.charCodeAt(j))) j++;
      } else if (sql.charCodeAt(j) === 46 && !isWordStart(sql.charCodeAt(j + 1))) {
        j++; // `1.` is a number
      }
      const e = sql.charCodeAt(j);
      if (e === 69 || e === 101) {
        let k = j + 1;
        if (sql[k] === '+' || sql[k] === '-') k++;
        if (isDigit(sql.charCodeAt(k))) {
          j = k;
          while (j < n && isDigit(sql.charCodeAt(j))) j++;
        }
      }
      const text = sql.slice(i, j);
      tokens.push({ type: 'number', text, upper: text, pos, end: j });
      i = j;
      continue;
    }
    const op = OPERATORS.find((o) => sql.startsWith(o, i));
    if (op === undefined) {
      throw new SqlError('SQL_PARSE_ERROR', `unexpected character "${sql[i]}"`, sql, pos);
    }
    tokens.push({ type: 'op', text: op, upper: op, pos, end: i + op.length });
    i += op.length;
  }
  tokens.push({ type: 'eof', text: '', upper: '', pos: posAt(n), end: n });
  return tokens;
}
