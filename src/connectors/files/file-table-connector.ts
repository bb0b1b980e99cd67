import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { WeirError } from '../../core/errors.ts';
import { mapSource } from '../../core/mapped-source.ts';
import type { Row } from '../../core/row.ts';
import {
  registerTableLookupFactory,
  registerTableSourceFactory,
  type TableConnectorContext,
} from '../../core/table-connectors.ts';
import { lineParser } from '../../core/table-row-format.ts';
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

export interface FileTableOptions {
  path: string;
  format: 'csv' | 'json';
  delimiter: string;
  nullLiteral: string | null;
}

/**
 * A filesystem table's options, checked (unknown options and metadata columns fail, naming the table).
 *
 * @example
 * fileOptions({ table: 't', columns, primaryKey: null, options: { connector: 'filesystem', path: 'out', format: 'csv' } });
 * // { path: 'out', format: 'csv', delimiter: ',', nullLiteral: null }
 */
export function fileOptions(context: TableConnectorContext): FileTableOptions {
  const o = context.options;
  for (const c of context.columns) {
    if (c.metadata !== null) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `table "${context.table}": the filesystem connector has no metadata column "${c.name}"`,
      );
    }
  }
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
    // The sink's (file-table-sink.ts refuses them: it rolls part files on checkpoints).
    'sink.rolling-policy.file-size',
    'sink.rolling-policy.rollover-interval',
    'sink.rolling-policy.check-interval',
    'sink.rolling-policy.inactivity-interval',
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

registerTableSourceFactory({
  identifier: 'filesystem',
  createSource(context) {
    const options = fileOptions(context);
    const parse = lineParser(context, options.format, options);
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
    const parse = lineParser(context, options.format, options);
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
