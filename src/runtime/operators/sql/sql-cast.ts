/**
 * CAST between SQL types on their runtime forms, with Flink's rules (the non-legacy cast behaviour
 * of Flink 1.15+): a cast that cannot convert its value fails with a clear error (TRY_CAST turns
 * the failure into NULL); a number that overflows a DECIMAL becomes NULL; a cast to CHAR(n) pads
 * and to VARCHAR(n) cuts; values print as Flink prints them (core/sql-value-format.ts: TIMESTAMP(3)
 * as `yyyy-MM-dd HH:mm:ss.SSS`, DOUBLE as Java's Double.toString, BOOLEAN as `TRUE`/`FALSE`). A cast
 * is built once per expression as a function of the value; NULL never reaches it.
 */
import { WeirError } from '../../../core/errors.ts';
import {
  daysOf,
  MS_PER_DAY,
  parseDateText,
  parseTimestampText,
  parseTimeText,
  timeOfDay,
} from '../../../core/sql-datetime.ts';
import { toStringFn } from '../../../core/sql-value-format.ts';
import {
  formatType,
  isInteger,
  isNumeric,
  isString,
  isTimestamp,
  MAX_LENGTH,
  type SqlType,
} from '../../../sql/types.ts';
import { doubleToInteger, LONG_MAX, LONG_MIN, toDecimal, wrapInteger } from './sql-numbers.ts';

export type CastFn = (value: any) => unknown;

function castError(value: unknown, from: SqlType, to: SqlType, why?: string): never {
  const shown = typeof value === 'string' ? `'${value}'` : String(value);
  throw new WeirError(
    'INVALID_ARGUMENT',
    `cannot cast ${shown} of type ${formatType({ ...from, nullable: true } as SqlType)} to ${formatType({ ...to, nullable: true } as SqlType)}${why ? `: ${why}` : ''}`,
  );
}

const TRUE_STRINGS = new Set(['t', 'true', 'y', 'yes', '1']);
const FALSE_STRINGS = new Set(['f', 'false', 'n', 'no', '0']);
const INTEGER_TEXT = /^[+-]?\d+(\.\d*)?$/;
const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[dDfF]?$/;

const INT_RANGE: Record<string, [number, number]> = {
  TINYINT: [-128, 127],
  SMALLINT: [-32768, 32767],
  INT: [-2147483648, 2147483647],
  BIGINT: [LONG_MIN, LONG_MAX],
};

/** The value of a cast of `from` to `to`; null means the value passes unchanged. */
export function makeCast(from: SqlType, to: SqlType): CastFn | null {
  if (from.kind === 'NULL') return null;
  switch (to.kind) {
    case 'BOOLEAN':
      if (from.kind === 'BOOLEAN') return null;
      if (isString(from))
        return (v: string) => {
          const s = v.trim().toLowerCase();
          if (TRUE_STRINGS.has(s)) return true;
          if (FALSE_STRINGS.has(s)) return false;
          return castError(v, from, to);
        };
      if (isNumeric(from)) return (v: number) => v !== 0;
      break;
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'BIGINT': {
      const kind = to.kind;
      if (isInteger(from)) {
        const [lo, hi] = INT_RANGE[kind];
        const [flo, fhi] = INT_RANGE[from.kind];
        return flo >= lo && fhi <= hi ? null : (v: number) => wrapInteger(kind, v);
      }
      if (from.kind === 'DOUBLE' || from.kind === 'FLOAT') return (v: number) => doubleToInteger(kind, v);
      if (from.kind === 'DECIMAL') return (v: number) => wrapInteger(kind, Math.trunc(v));
      if (from.kind === 'BOOLEAN') return (v: boolean) => (v ? 1 : 0);
      if (isString(from)) {
        const [lo, hi] = INT_RANGE[kind];
        return (v: string) => {
          const s = v.trim();
          if (!INTEGER_TEXT.test(s)) return castError(v, from, to);
          const n = Math.trunc(Number(s.endsWith('.') ? s.slice(0, -1) : s));
          if (n < lo || n > hi) return castError(v, from, to, 'out of range');
          return n + 0;
        };
      }
      if (isTimestamp(from)) return (v: number) => wrapInteger(kind, Math.floor(v / 1000));
      if (
        from.kind === 'DATE' ||
        from.kind === 'TIME' ||
        from.kind === 'INTERVAL_DAY_TIME' ||
        from.kind === 'INTERVAL_YEAR_MONTH'
      )
        return (v: number) => wrapInteger(kind, v);
      break;
    }
    case 'FLOAT':
    case 'DOUBLE': {
      const single = to.kind === 'FLOAT';
      if (isNumeric(from)) return single && from.kind !== 'FLOAT' ? Math.fround : null;
      if (from.kind === 'BOOLEAN') return (v: boolean) => (v ? 1 : 0);
      if (isString(from))
        return (v: string) => {
          const s = v.trim();
          let n: number;
          if (NUMBER_TEXT.test(s)) n = Number(/[dDfF]$/.test(s) ? s.slice(0, -1) : s);
          else if (s === 'NaN' || s === 'Infinity' || s === '+Infinity' || s === '-Infinity') n = Number(s);
          else return castError(v, from, to);
          return single ? Math.fround(n) : n;
        };
      if (isTimestamp(from)) return (v: number) => v / 1000;
      break;
    }
    case 'DECIMAL': {
      const { precision, scale } = to;
      if (from.kind === 'DECIMAL' && from.scale <= scale && from.precision - from.scale <= precision - scale)
        return null;
      if (isNumeric(from))
        return (v: number) => (Number.isFinite(v) ? toDecimal(v, precision, scale) : castError(v, from, to));
      if (from.kind === 'BOOLEAN') return (v: boolean) => toDecimal(v ? 1 : 0, precision, scale);
      if (isString(from))
        return (v: string) => {
          const s = v.trim();
          if (!NUMBER_TEXT.test(s) || /[dDfF]$/.test(s)) return castError(v, from, to);
          return toDecimal(Number(s), precision, scale);
        };
      if (isTimestamp(from)) return (v: number) => toDecimal(v / 1000, precision, scale);
      break;
    }
    case 'CHAR':
    case 'VARCHAR': {
      const show = isString(from) ? null : toStringFn(from);
      if (show === undefined) break;
      const length = to.length;
      if (to.kind === 'CHAR')
        return (v: unknown) => {
          const s = show ? show(v) : (v as string);
          return s.length > length ? s.slice(0, length) : s.length < length ? s.padEnd(length, ' ') : s;
        };
      if (length >= MAX_LENGTH || (isString(from) && (from as { length: number }).length <= length))
        return show;
      return (v: unknown) => {
        const s = show ? show(v) : (v as string);
        return s.length > length ? s.slice(0, length) : s;
      };
    }
    case 'BINARY':
    case 'VARBINARY':
      if (from.kind === 'BINARY' || from.kind === 'VARBINARY') return null;
      if (isString(from)) return (v: string) => new TextEncoder().encode(v);
      break;
    case 'DATE':
      if (from.kind === 'DATE') return null;
      if (isTimestamp(from)) return (v: number) => daysOf(v);
      if (isString(from))
        return (v: string) => {
          const d = parseDateText(v);
          if (d !== null) return d;
          const ts = parseTimestampText(v);
          return ts !== null ? daysOf(ts) : castError(v, from, to);
        };
      break;
    case 'TIME':
      if (from.kind === 'TIME') return null;
      if (isTimestamp(from)) return (v: number) => timeOfDay(v);
      if (isString(from))
        return (v: string) => {
          const t = parseTimeText(v);
          return t !== null ? t : castError(v, from, to);
        };
      break;
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ': {
      const precision = to.precision;
      const cut =
        precision >= 3 ? null : (v: number) => Math.floor(v / 10 ** (3 - precision)) * 10 ** (3 - precision);
      if (isTimestamp(from)) return from.precision > precision ? cut : null;
      if (from.kind === 'DATE') return (v: number) => v * MS_PER_DAY;
      if (isString(from))
        return (v: string) => {
          const ms = parseTimestampText(v);
          if (ms === null) return castError(v, from, to);
          return cut ? cut(ms) : ms;
        };
      // Numbers are epoch seconds (Flink allows this for TIMESTAMP_LTZ).
      if (isNumeric(from) && to.kind === 'TIMESTAMP_LTZ') return (v: number) => Math.round(v * 1000);
      break;
    }
    case 'ARRAY':
    case 'MULTISET': {
      if (from.kind !== 'ARRAY' && from.kind !== 'MULTISET') break;
      const element = makeCast(from.element, to.element);
      if (!element) return null;
      return (v: unknown[]) => v.map((x) => (x == null ? null : element(x)));
    }
    case 'MAP': {
      if (from.kind !== 'MAP') break;
      const key = makeCast(from.key, to.key);
      const value = makeCast(from.value, to.value);
      if (!key && !value) return null;
      return (v: Map<unknown, unknown>) => {
        const out = new Map();
        for (const [k, x] of v) out.set(k == null || !key ? k : key(k), x == null || !value ? x : value(x));
        return out;
      };
    }
    case 'ROW': {
      if (from.kind !== 'ROW' || from.fields.length !== to.fields.length) break;
      const fields = to.fields.map((f, i) => makeCast(from.fields[i].type, f.type));
      if (fields.every((f) => f === null)) return null;
      return (v: unknown[]) => v.map((x, i) => (x == null || !fields[i] ? x : fields[i]!(x)));
    }
    case 'INTERVAL_DAY_TIME':
    case 'INTERVAL_YEAR_MONTH':
      if (from.kind === to.kind || isInteger(from)) return null;
      break;
    case 'NULL':
      return () => null;
  }
  if (from.kind === to.kind) return null;
  throw new WeirError('SQL_VALIDATION_ERROR', `cannot cast ${formatType(from)} to ${formatType(to)}`);
}

/** A cast that gives NULL instead of failing (TRY_CAST). */
export function tryCast(cast: CastFn): CastFn {
  return (v) => {
    try {
      return cast(v);
    } catch (e) {
      if (e instanceof WeirError && e.code === 'INVALID_ARGUMENT') return null;
      throw e;
    }
  };
}
