import { inputExcerpt } from '../../core/input-excerpt.ts';

/**
 * Splits one CSV line into fields, per RFC 4180: a field may be quoted with `"`, inside which the
 * delimiter is literal and `""` stands for one quote. A quote inside an unquoted field is kept as
 * is. Lines without a quote take a fast path (`String.split`). Newlines inside quoted fields are
 * not supported: the line reader has already cut the record there, so such a field reads as
 * unterminated.
 */
export function splitCsvLine(line: string, delimiter: string): string[] {
  if (line.indexOf('"') === -1) return line.split(delimiter);
  const fields: string[] = [];
  let pos = 0;
  for (;;) {
    if (line.charCodeAt(pos) === 34) {
      let value = '';
      let from = pos + 1;
      for (;;) {
        const quote = line.indexOf('"', from);
        if (quote === -1)
          throw new CsvSyntaxError(
            fields.length,
            'unterminated quoted field (a quoted field cannot span lines)',
          );
        value += line.slice(from, quote);
        if (line.charCodeAt(quote + 1) === 34) {
          value += '"';
          from = quote + 2;
          continue;
        }
        pos = quote + 1;
        break;
      }
      fields.push(value);
      if (pos === line.length) return fields;
      if (!line.startsWith(delimiter, pos)) {
        throw new CsvSyntaxError(
          fields.length - 1,
          `unexpected ${inputExcerpt(line[pos])} after a closing quote`,
        );
      }
      pos += delimiter.length;
    } else {
      const next = line.indexOf(delimiter, pos);
      if (next === -1) {
        fields.push(line.slice(pos));
        return fields;
      }
      fields.push(line.slice(pos, next));
      pos = next + delimiter.length;
    }
  }
}

/**
 * A line that is not valid CSV; `column` is the 0-based index of the offending field.
 *
 * @example
 * ```ts
 * try { splitCsvLine('a,"open', ','); } catch (e) { if (e instanceof CsvSyntaxError) e.column; } // 1
 * ```
 */
export class CsvSyntaxError extends Error {
  readonly column: number;

  constructor(column: number, message: string) {
    super(message);
    this.name = 'CsvSyntaxError';
    this.column = column;
  }
}
