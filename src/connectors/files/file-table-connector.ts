import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { WeirError } from '../../core/errors.ts';
import { mapSource } from '../../core/mapped-source.ts';
import type { Row } from '../../core/row.ts';
import type { SqlType } from '../../core/sql-type.ts';
import {
  registerTableLookupFactory,
  registerTableSourceFactory,
  type TableConnectorContext,
} from '../../core/table-connectors.ts';
import { TextLineSource } from './text-line-source.ts';

/**
 * The `filesystem` table connector: a file (or a directory's files) of CSV or JSON lines, read as a
 * bounded table or looked up by key (a lookup join loads the whole file once per task and indexes
 * it). Options: `path` and `format` (`csv` or `json`), `csv.field-delimiter` (default `,`),
 * `csv.null-literal`; Flink's older `connector.path` and `format.type` are read too.
 *
 * Values: CSV fields are parsed by the column's type (`""`, and the null literal when set, is NULL
 * for non-string columns); JSON fields by name, timestamps as `yyyy-MM-dd HH:mm:ss[.SSS]` or ISO-8601.
 */

interface FileTableOptions {
  path: string;
  format: 'csv' | 'json';
  delimiter: string;
  nullLiteral: string | null;
}

function fileOptions(context: TableConnectorContext): FileTableOptions {
  const o = context.options;
  const known = [
    'connector',
    'connector.type',
    'path',
    'connector.path',
    'format',
    'format.type',
    'csv.field-delimiter',
    'csv.null-literal',
    'format.field-delimiter',
  ];
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `table "${context.table}": the filesystem connector has no option '${key}' (options: ${known.join(', ')})`,
      );
    }
  }
  const raw = o.path ?? o['connector.path'];
  if (!raw)
    throw new WeirError(
      'INVALID_ARGUMENT',
      `table "${context.table}": the filesystem connector needs a 'path'`,
    );
  const path = raw.startsWith('file:') ? fileURLToPath(raw.replace(/^file:\/\/(?!\/)/, 'file:///')) : raw;
  const format = o.format ?? o['format.type'];
  if (format !== 'csv' && format !== 'json') {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `table "${context.table}": 'format' must be 'csv' or 'json', got '${format ?? '(none)'}'`,
    );
  }
  const delimiter = o['csv.field-delimiter'] ?? o['format.field-delimiter'] ?? ',';
  return { path, format, delimiter, nullLiteral: o['csv.null-literal'] ?? null };
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

/** A parser of one line into a row's values; `where` names the file and line in errors. */
function lineParser(
  context: TableConnectorContext,
  options: FileTableOptions,
): (line: string, where: () => string) => unknown[] {
  const columns = context.columns;
  for (const c of columns) {
    if (c.metadata !== null)
      throw new WeirError(
        'INVALID_ARGUMENT',
        `table "${context.table}": the filesystem connector has no metadata column "${c.name}"`,
      );
  }
  if (options.format === 'csv') {
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

registerTableSourceFactory({
  identifier: 'filesystem',
  createSource(context) {
    const options = fileOptions(context);
    const parse = lineParser(context, options);
    const where = () => `table "${context.table}" (${options.path})`;
    return mapSource(
      new TextLineSource(options.path),
      (line: string): Row => ({ kind: '+I', values: parse(line, where) }),
    );
  },
});

registerTableLookupFactory({
  identifier: 'filesystem',
  createLookup(context) {
    const options = fileOptions(context);
    const parse = lineParser(context, options);
    let rows: unknown[][] = [];
    // One index per set of key columns asked for, built on first use.
    const indexes = new Map<string, Map<string, unknown[][]>>();
    const keyOf = (values: unknown[]): string => JSON.stringify(values);
    return {
      async open() {
        const text = await readFile(options.path, 'utf8');
        const lines = text.split(/\r?\n/);
        rows = [];
        lines.forEach((line, i) => {
          if (line.length === 0) return;
          rows.push(parse(line, () => `table "${context.table}", ${options.path}:${i + 1}`));
        });
      },
      lookup(keys, values) {
        const id = keys.join(',');
        let index = indexes.get(id);
        if (index === undefined) {
          index = new Map();
          for (const row of rows) {
            const k = keyOf(keys.map((c) => row[c]));
            const list = index.get(k);
            if (list) list.push(row);
            else index.set(k, [row]);
          }
          indexes.set(id, index);
        }
        return index.get(keyOf(values)) ?? [];
      },
    };
  },
});
