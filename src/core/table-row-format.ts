/**
 * Rows as text, for table connectors that read or write lines or messages (filesystem, Kafka): CSV
 * (RFC 4180 quotes, a field delimiter, an optional null literal) and JSON objects by column name.
 * Values are parsed and written by the column's SQL type (core/sql-type.ts): timestamps as
 * `yyyy-MM-dd HH:mm:ss.SSS` (ISO-8601 read too), dates as `yyyy-MM-dd`.
 */
import { WeirError } from './errors.ts';
import type { SqlType } from './sql-type.ts';
import type { TableColumn, TableConnectorContext } from './table-connectors.ts';

export type RowFormat = 'csv' | 'json';

export interface CsvSettings {
  delimiter: string;
  nullLiteral: string | null;
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?Z?$/;

/** One text value of a column as its runtime value (core/sql-type.ts). */
function parseValue(text: string, type: SqlType, where: () => string): unknown {
  switch (type.kind) {
    case 'CHAR':
    case 'VARCHAR':
      return text;
    case 'BOOLEAN':
      if (/^true$/i.test(text)) return true;
      if (/^false$/i.test(text)) return false;
      break;
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'BIGINT': {
      if (/^[-+]?\d+$/.test(text.trim())) return Number(text);
      break;
    }
    case 'FLOAT':
    case 'DOUBLE':
    case 'DECIMAL': {
      const n = Number(text);
      if (text.trim() !== '' && !Number.isNaN(n)) return n;
      break;
    }
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ': {
      const m = TIMESTAMP.exec(text.trim());
      if (m) {
        return Date.UTC(
          +m[1],
          +m[2] - 1,
          +m[3],
          +m[4],
          +m[5],
          +(m[6] ?? 0),
          +(m[7] ?? '0').padEnd(3, '0').slice(0, 3),
        );
      }
      break;
    }
    case 'DATE': {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
      if (m) return Date.UTC(+m[1], +m[2] - 1, +m[3]) / 86_400_000;
      break;
    }
    default:
      throw new WeirError(
        'NOT_SUPPORTED',
        `${where()}: columns of type ${type.kind} are not supported by the filesystem connector yet`,
      );
  }
  throw new WeirError('DESERIALIZATION_FAILED', `${where()}: '${text}' is not a ${type.kind}`);
}

/** Splits a CSV line (RFC 4180 quotes: `"a,b"`, `""` inside quotes). */
function csvFields(line: string, delimiter: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new WeirError('DESERIALIZATION_FAILED', 'an unclosed quote');
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      out.push(value);
    } else {
      const d = line.indexOf(delimiter, i);
      out.push(d < 0 ? line.slice(i) : line.slice(i, d));
      if (d < 0) return out;
      i = d;
    }
    if (i >= line.length) return out;
    if (line.startsWith(delimiter, i)) i += delimiter.length;
    else throw new WeirError('DESERIALIZATION_FAILED', `expected '${delimiter}' after a quoted field`);
  }
}

/** A parser of one line (or message) into a row's values; `where` names the file and line, or the record, in errors. */
export function lineParser(
  context: TableConnectorContext,
  format: RowFormat,
  options: CsvSettings,
): (line: string, where: () => string) => unknown[] {
  // Metadata columns are the connector's to fill; the text holds the physical ones.
  const columns = context.columns.filter((c) => c.metadata === null);
  if (format === 'csv') {
    return (line, where) => {
      const fields = csvFields(line, options.delimiter);
      if (fields.length !== columns.length) {
        throw new WeirError(
          'DESERIALIZATION_FAILED',
          `${where()}: ${fields.length} fields for ${columns.length} columns`,
        );
      }
      return columns.map((c, i) => {
        const text = fields[i];
        const isString = c.type.kind === 'VARCHAR' || c.type.kind === 'CHAR';
        if (text === options.nullLiteral || (text === '' && !isString)) return null;
        return parseValue(text, c.type, () => `${where()}, column ${c.name}`);
      });
    };
  }
  return (line, where) => {
    let object: Record<string, unknown>;
    try {
      object = JSON.parse(line) as Record<string, unknown>;
    } catch (error) {
      throw new WeirError('DESERIALIZATION_FAILED', `${where()}: not JSON (${(error as Error).message})`);
    }
    return columns.map((c) => {
      const v = object[c.name];
      if (v === null || v === undefined) return null;
      if (typeof v === 'string') return parseValue(v, c.type, () => `${where()}, field ${c.name}`);
      return v;
    });
  };
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** A value as text for its column type (the inverse of parsing). */
function valueText(value: unknown, type: SqlType): string | number | boolean {
  if (type.kind === 'TIMESTAMP' || type.kind === 'TIMESTAMP_LTZ') {
    const d = new Date(value as number);
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
  }
  if (type.kind === 'DATE') return new Date((value as number) * 86_400_000).toISOString().slice(0, 10);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** A writer of rows' values as text in `format`. */
export function rowWriter(
  columns: TableColumn[],
  format: RowFormat,
  options: CsvSettings,
): (values: unknown[]) => string {
  if (format === 'json') {
    return (values) => {
      const object: Record<string, unknown> = {};
      for (let i = 0; i < columns.length; i++) {
        const v = values[i];
        object[columns[i].name] = v === null || v === undefined ? null : valueText(v, columns[i].type);
      }
      return JSON.stringify(object);
    };
  }
  return (values) =>
    columns
      .map((c, i) => {
        const v = values[i];
        if (v === null || v === undefined) return options.nullLiteral ?? '';
        const text = String(valueText(v, c.type));
        return /[",\n\r]/.test(text) || text.includes(options.delimiter)
          ? `"${text.replaceAll('"', '""')}"`
          : text;
      })
      .join(options.delimiter);
}
