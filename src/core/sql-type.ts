/**
 * Logical types of Weir SQL, Flink's type system: every column and expression has one, with its
 * nullability. Types are plain data (they travel in job graphs). How values are held at runtime:
 *
 * | SQL type | JavaScript value |
 * |---|---|
 * | BOOLEAN | boolean |
 * | TINYINT, SMALLINT, INT, BIGINT | number (integers; BIGINT beyond ±2^53 loses precision) |
 * | FLOAT, DOUBLE | number |
 * | DECIMAL(p, s) | number (rounded to scale s where Flink rounds) |
 * | CHAR, VARCHAR, STRING | string |
 * | BINARY, VARBINARY, BYTES | Uint8Array |
 * | DATE | number: days since 1970-01-01 |
 * | TIME | number: milliseconds of the day |
 * | TIMESTAMP(p), TIMESTAMP_LTZ(p) | number: epoch milliseconds (TIMESTAMP reads them as UTC wall-clock time) |
 * | INTERVAL DAY TO SECOND | number: milliseconds |
 * | INTERVAL YEAR TO MONTH | number: months |
 * | ARRAY, MULTISET | array |
 * | MAP | Map |
 * | ROW | array of the field values |
 *
 * NULL is `null` for every type.
 */

export type SqlType =
  | { kind: 'BOOLEAN'; nullable: boolean }
  | { kind: 'TINYINT' | 'SMALLINT' | 'INT' | 'BIGINT' | 'FLOAT' | 'DOUBLE'; nullable: boolean }
  | { kind: 'DECIMAL'; precision: number; scale: number; nullable: boolean }
  | { kind: 'CHAR' | 'VARCHAR'; length: number; nullable: boolean }
  | { kind: 'BINARY' | 'VARBINARY'; length: number; nullable: boolean }
  | { kind: 'DATE'; nullable: boolean }
  | { kind: 'TIME'; precision: number; nullable: boolean }
  | {
      kind: 'TIMESTAMP' | 'TIMESTAMP_LTZ';
      precision: number;
      nullable: boolean;
      /** Set on a column that is the table's event time (rowtime) or processing time (proctime). */
      timeAttribute?: 'rowtime' | 'proctime';
    }
  | { kind: 'INTERVAL_DAY_TIME' | 'INTERVAL_YEAR_MONTH'; nullable: boolean }
  | { kind: 'ARRAY' | 'MULTISET'; element: SqlType; nullable: boolean }
  | { kind: 'MAP'; key: SqlType; value: SqlType; nullable: boolean }
  | { kind: 'ROW'; fields: RowField[]; nullable: boolean }
  /** The type of an untyped NULL literal. */
  | { kind: 'NULL'; nullable: true };

export interface RowField {
  name: string;
  type: SqlType;
}

export type SqlTypeKind = SqlType['kind'];

/** VARCHAR's largest length: `STRING` is `VARCHAR(2147483647)`. */
export const MAX_LENGTH = 2_147_483_647;
/** The largest DECIMAL precision. */
export const MAX_DECIMAL_PRECISION = 38;

const INTEGER_KINDS: ReadonlySet<SqlTypeKind> = new Set(['TINYINT', 'SMALLINT', 'INT', 'BIGINT']);
const NUMERIC_KINDS: ReadonlySet<SqlTypeKind> = new Set([
  'TINYINT',
  'SMALLINT',
  'INT',
  'BIGINT',
  'DECIMAL',
  'FLOAT',
  'DOUBLE',
]);

export function isInteger(t: SqlType): boolean {
  return INTEGER_KINDS.has(t.kind);
}

export function isNumeric(t: SqlType): boolean {
  return NUMERIC_KINDS.has(t.kind);
}

export function isString(t: SqlType): boolean {
  return t.kind === 'CHAR' || t.kind === 'VARCHAR';
}

export function isTimestamp(t: SqlType): t is SqlType & { kind: 'TIMESTAMP' | 'TIMESTAMP_LTZ' } {
  return t.kind === 'TIMESTAMP' || t.kind === 'TIMESTAMP_LTZ';
}

export function isInterval(t: SqlType): boolean {
  return t.kind === 'INTERVAL_DAY_TIME' || t.kind === 'INTERVAL_YEAR_MONTH';
}

/** True for a rowtime attribute (the column a table's WATERMARK is on, or one derived from it). */
export function isRowtime(t: SqlType): boolean {
  return isTimestamp(t) && t.timeAttribute === 'rowtime';
}

export function isProctime(t: SqlType): boolean {
  return isTimestamp(t) && t.timeAttribute === 'proctime';
}

/** The type with another nullability. */
export function withNullable<T extends SqlType>(t: T, nullable: boolean): T {
  if (t.kind === 'NULL' || t.nullable === nullable) return t;
  return { ...t, nullable } as T;
}

/** The type without its time attribute: what a rowtime becomes once it is computed with. */
export function withoutTimeAttribute(t: SqlType): SqlType {
  if (isTimestamp(t) && t.timeAttribute !== undefined) {
    const { timeAttribute: _, ...rest } = t;
    return rest as SqlType;
  }
  return t;
}

// Constructors for the common cases.
export const T = {
  boolean: (nullable = true): SqlType => ({ kind: 'BOOLEAN', nullable }),
  int: (nullable = true): SqlType => ({ kind: 'INT', nullable }),
  bigint: (nullable = true): SqlType => ({ kind: 'BIGINT', nullable }),
  double: (nullable = true): SqlType => ({ kind: 'DOUBLE', nullable }),
  string: (nullable = true): SqlType => ({ kind: 'VARCHAR', length: MAX_LENGTH, nullable }),
  timestamp: (precision = 3, nullable = true): SqlType => ({ kind: 'TIMESTAMP', precision, nullable }),
  decimal: (precision: number, scale: number, nullable = true): SqlType => ({
    kind: 'DECIMAL',
    precision,
    scale,
    nullable,
  }),
  intervalDayTime: (nullable = true): SqlType => ({ kind: 'INTERVAL_DAY_TIME', nullable }),
  null: (): SqlType => ({ kind: 'NULL', nullable: true }),
};

/** Digits of precision of the integer types, as DECIMAL sees them (Flink's rules). */
export function integerPrecision(kind: SqlTypeKind): number {
  switch (kind) {
    case 'TINYINT':
      return 3;
    case 'SMALLINT':
      return 5;
    case 'INT':
      return 10;
    default:
      return 19;
  }
}

/**
 * The type as Flink prints it (DESCRIBE, EXPLAIN, errors): `BIGINT`, `VARCHAR(10) NOT NULL`,
 * `STRING`, `TIMESTAMP(3) *ROWTIME*`, `ROW<`id` BIGINT, `name` STRING>`.
 */
export function formatType(t: SqlType): string {
  let s: string;
  switch (t.kind) {
    case 'DECIMAL':
      s = `DECIMAL(${t.precision}, ${t.scale})`;
      break;
    case 'CHAR':
      s = `CHAR(${t.length})`;
      break;
    case 'VARCHAR':
      s = t.length === MAX_LENGTH ? 'STRING' : `VARCHAR(${t.length})`;
      break;
    case 'BINARY':
      s = `BINARY(${t.length})`;
      break;
    case 'VARBINARY':
      s = t.length === MAX_LENGTH ? 'BYTES' : `VARBINARY(${t.length})`;
      break;
    case 'TIME':
      s = `TIME(${t.precision})`;
      break;
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      s = `${t.kind}(${t.precision})${t.nullable ? '' : ' NOT NULL'}`;
      if (t.timeAttribute === 'rowtime') s += ' *ROWTIME*';
      if (t.timeAttribute === 'proctime') s += ' *PROCTIME*';
      return s;
    case 'INTERVAL_DAY_TIME':
      s = 'INTERVAL SECOND(3)';
      break;
    case 'INTERVAL_YEAR_MONTH':
      s = 'INTERVAL MONTH';
      break;
    case 'ARRAY':
    case 'MULTISET':
      s = `${t.kind}<${formatType(t.element)}>`;
      break;
    case 'MAP':
      s = `MAP<${formatType(t.key)}, ${formatType(t.value)}>`;
      break;
    case 'ROW':
      s = `ROW<${t.fields.map((f) => `\`${f.name}\` ${formatType(f.type)}`).join(', ')}>`;
      break;
    default:
      s = t.kind;
  }
  return t.kind !== 'NULL' && !t.nullable ? `${s} NOT NULL` : s;
}

/** Two types equal up to nullability and time attributes. */
export function sameType(a: SqlType, b: SqlType): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'DECIMAL':
      return b.kind === 'DECIMAL' && a.precision === b.precision && a.scale === b.scale;
    case 'CHAR':
    case 'VARCHAR':
    case 'BINARY':
    case 'VARBINARY':
      return (b as { length: number }).length === a.length;
    case 'TIME':
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      return (b as { precision: number }).precision === a.precision;
    case 'ARRAY':
    case 'MULTISET':
      return sameType(a.element, (b as typeof a).element);
    case 'MAP':
      return sameType(a.key, (b as typeof a).key) && sameType(a.value, (b as typeof a).value);
    case 'ROW': {
      const bf = (b as typeof a).fields;
      return (
        a.fields.length === bf.length &&
        a.fields.every((f, i) => f.name === bf[i].name && sameType(f.type, bf[i].type))
      );
    }
    default:
      return true;
  }
}

/**
 * The type two values of types `a` and `b` both convert to (CASE branches, UNION columns, IN lists,
 * comparison operands), following Flink's implicit widening: integers widen to the larger integer,
 * integers and decimals to a decimal that holds both, anything with FLOAT/DOUBLE to DOUBLE, strings
 * to the longer VARCHAR, timestamps to the larger precision. Null when there is none.
 */
export function leastRestrictive(a: SqlType, b: SqlType): SqlType | null {
  const nullable = a.nullable || b.nullable;
  if (a.kind === 'NULL') return withNullable(b, true);
  if (b.kind === 'NULL') return withNullable(a, true);
  if (isNumeric(a) && isNumeric(b)) {
    if (a.kind === 'DOUBLE' || b.kind === 'DOUBLE' || a.kind === 'FLOAT' || b.kind === 'FLOAT') {
      return { kind: a.kind === 'FLOAT' && b.kind === 'FLOAT' ? 'FLOAT' : 'DOUBLE', nullable };
    }
    if (a.kind === 'DECIMAL' || b.kind === 'DECIMAL') {
      const [ap, as] = a.kind === 'DECIMAL' ? [a.precision, a.scale] : [integerPrecision(a.kind), 0];
      const [bp, bs] = b.kind === 'DECIMAL' ? [b.precision, b.scale] : [integerPrecision(b.kind), 0];
      const scale = Math.max(as, bs);
      const precision = Math.min(MAX_DECIMAL_PRECISION, Math.max(ap - as, bp - bs) + scale);
      return { kind: 'DECIMAL', precision, scale, nullable };
    }
    const order: SqlTypeKind[] = ['TINYINT', 'SMALLINT', 'INT', 'BIGINT'];
    return { kind: order[Math.max(order.indexOf(a.kind), order.indexOf(b.kind))] as 'INT', nullable };
  }
  if (isString(a) && isString(b)) {
    const length = Math.max((a as { length: number }).length, (b as { length: number }).length);
    return {
      kind:
        a.kind === 'CHAR' &&
        b.kind === 'CHAR' &&
        (a as { length: number }).length === (b as { length: number }).length
          ? 'CHAR'
          : 'VARCHAR',
      length,
      nullable,
    };
  }
  if (isTimestamp(a) && isTimestamp(b)) {
    return {
      kind: a.kind === b.kind ? a.kind : 'TIMESTAMP_LTZ',
      precision: Math.max(a.precision, b.precision),
      nullable,
    };
  }
  if (a.kind === b.kind && sameType(a, b)) return withNullable(withoutTimeAttribute(a), nullable);
  if (a.kind === b.kind && (a.kind === 'BINARY' || a.kind === 'VARBINARY')) {
    return {
      kind: 'VARBINARY',
      length: Math.max((a as { length: number }).length, (b as { length: number }).length),
      nullable,
    };
  }
  return null;
}
