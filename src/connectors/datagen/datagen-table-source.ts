import { WeirError } from '../../core/errors.ts';
import { fmix32 } from '../../core/fmix32.ts';
import type { Row } from '../../core/row.ts';
import type { SqlType } from '../../core/sql-type.ts';
import { registerTableSourceFactory, type TableConnectorContext } from '../../core/table-connectors.ts';
import { DataGeneratorSource } from './data-generator-source.ts';

/**
 * The `datagen` table connector, as Flink's: rows of random or sequence values, at
 * `rows-per-second` (default 10,000), `number-of-rows` of them (default: without end; a sequence
 * field bounds the table by its length). Per field `fields.<name>.`:
 *
 * - `kind`: `random` (default) or `sequence`;
 * - random numbers: `min`, `max` (defaults the type's range, 0 to 1 for DOUBLE); strings: `length`
 *   (default 100); timestamps: `max-past` (ms, default 0: the time the table is read);
 *   `null-rate` (0 to 1, default 0);
 * - sequences: `start`, `end` (both required), for numbers and strings of digits.
 *
 * Random values are deterministic: a field's value in row i depends on i and the field only, so
 * every parallelism and every run make the same rows (Flink's differ between runs).
 */

interface FieldGenerator {
  value(index: number): unknown;
  /** Rows this field can make (a sequence's length), or Infinity. */
  rows: number;
}

const INTEGER_RANGE: Record<string, [number, number]> = {
  TINYINT: [-128, 127],
  SMALLINT: [-32768, 32767],
  INT: [-2147483648, 2147483647],
  BIGINT: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A uniform number in [0, 1) from a row index and a field number, without state. */
function unit(index: number, field: number, salt: number): number {
  const h = fmix32((Math.imul(index | 0, 0x9e3779b1) ^ Math.imul(field + 1, 0x85ebca77) ^ salt) >>> 0);
  const h2 = fmix32((h ^ Math.floor(index / 4294967296)) >>> 0);
  return (h2 >>> 0) / 4294967296;
}

function option(context: TableConnectorContext, name: string): string | undefined {
  return context.options[name];
}

function numberOption(context: TableConnectorContext, name: string, fallback: number): number {
  const text = option(context, name);
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `table "${context.table}": option '${name}' must be a number, got '${text}'`,
    );
  }
  return n;
}

function fieldGenerator(
  context: TableConnectorContext,
  field: number,
  name: string,
  type: SqlType,
  now: number,
): FieldGenerator {
  const key = (o: string) => `fields.${name}.${o}`;
  const kind = option(context, key('kind')) ?? 'random';
  const nullRate = numberOption(context, key('null-rate'), 0);
  const withNulls = (g: (i: number) => unknown): ((i: number) => unknown) =>
    nullRate > 0 ? (i) => (unit(i, field, 0x5bd1e995) < nullRate ? null : g(i)) : g;
  if (kind === 'sequence') {
    if (option(context, key('start')) === undefined || option(context, key('end')) === undefined) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `table "${context.table}": the sequence field "${name}" needs '${key('start')}' and '${key('end')}'`,
      );
    }
    const start = numberOption(context, key('start'), 0);
    const end = numberOption(context, key('end'), 0);
    if (!(end >= start))
      throw new WeirError(
        'INVALID_ARGUMENT',
        `table "${context.table}": '${key('end')}' must not be below '${key('start')}'`,
      );
    const isString = type.kind === 'VARCHAR' || type.kind === 'CHAR';
    return { value: withNulls((i) => (isString ? String(start + i) : start + i)), rows: end - start + 1 };
  }
  if (kind !== 'random')
    throw new WeirError(
      'INVALID_ARGUMENT',
      `table "${context.table}": '${key('kind')}' must be 'random' or 'sequence', got '${kind}'`,
    );
  switch (type.kind) {
    case 'BOOLEAN':
      return { value: withNulls((i) => unit(i, field, 1) < 0.5), rows: Number.POSITIVE_INFINITY };
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'BIGINT': {
      const [lo, hi] = INTEGER_RANGE[type.kind];
      const min = numberOption(context, key('min'), lo);
      const max = numberOption(context, key('max'), hi);
      return {
        value: withNulls((i) => min + Math.floor(unit(i, field, 2) * (max - min + 1))),
        rows: Number.POSITIVE_INFINITY,
      };
    }
    case 'FLOAT':
    case 'DOUBLE':
    case 'DECIMAL': {
      const min = numberOption(context, key('min'), 0);
      const max = numberOption(
        context,
        key('max'),
        type.kind === 'DECIMAL' ? 10 ** (type.precision - type.scale) - 1 : 1,
      );
      const scale = type.kind === 'DECIMAL' ? 10 ** type.scale : 0;
      return {
        value: withNulls((i) => {
          const v = min + unit(i, field, 3) * (max - min);
          return scale ? Math.round(v * scale) / scale : v;
        }),
        rows: Number.POSITIVE_INFINITY,
      };
    }
    case 'CHAR':
    case 'VARCHAR': {
      const length = numberOption(
        context,
        key('length'),
        type.kind === 'CHAR' ? type.length : Math.min(100, type.length),
      );
      return {
        value: withNulls((i) => {
          let s = '';
          for (let k = 0; k < length; k++)
            s += ALPHABET[Math.floor(unit(i, field, 1000 + k) * ALPHABET.length)];
          return s;
        }),
        rows: Number.POSITIVE_INFINITY,
      };
    }
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ': {
      const maxPast = numberOption(context, key('max-past'), 0);
      return {
        value: withNulls((i) => now - Math.floor(unit(i, field, 4) * maxPast)),
        rows: Number.POSITIVE_INFINITY,
      };
    }
    case 'DATE':
      return { value: withNulls(() => Math.floor(now / 86_400_000)), rows: Number.POSITIVE_INFINITY };
    default:
      throw new WeirError(
        'NOT_SUPPORTED',
        `table "${context.table}": the datagen connector cannot make ${type.kind} values yet`,
      );
  }
}

registerTableSourceFactory({
  identifier: 'datagen',
  createSource(context) {
    const known =
      /^(connector|rows-per-second|number-of-rows|fields\.[^.]+\.(kind|min|max|max-past|length|start|end|null-rate))$/;
    for (const k of Object.keys(context.options)) {
      if (!known.test(k))
        throw new WeirError(
          'INVALID_ARGUMENT',
          `table "${context.table}": the datagen connector has no option '${k}'`,
        );
    }
    for (const c of context.columns) {
      if (c.metadata !== null)
        throw new WeirError(
          'INVALID_ARGUMENT',
          `table "${context.table}": the datagen connector has no metadata column "${c.name}"`,
        );
    }
    // Random timestamps are relative to when this slot builds the source.
    const now = Date.now();
    const fields = context.columns.map((c, i) => fieldGenerator(context, i, c.name, c.type, now));
    const rows = Math.min(
      numberOption(context, 'number-of-rows', Number.POSITIVE_INFINITY),
      ...fields.map((f) => f.rows),
    );
    const n = fields.length;
    const generate = (index: number): Row => {
      const values = new Array<unknown>(n);
      for (let f = 0; f < n; f++) values[f] = fields[f].value(index);
      return { kind: '+I', values };
    };
    return new DataGeneratorSource(generate, rows, {
      rateLimit: numberOption(context, 'rows-per-second', 10_000),
    }) as never;
  },
});
