/**
 * The built-in functions of Weir SQL and their result types (Flink's function catalogue). The
 * binder asks {@link builtinFunction} for a function by its upper-case name and the function's
 * `infer` gives the result type for the argument types, or a reason why they do not fit. Operators
 * (`+`, `=`, `AND`, `CASE`, `CAST`...) are typed in the binder itself; here are the named functions.
 */
import {
  integerPrecision,
  isInteger,
  isNumeric,
  isString,
  isTimestamp,
  leastRestrictive,
  MAX_DECIMAL_PRECISION,
  type SqlType,
  T,
  withNullable,
  withoutTimeAttribute,
} from '../types.ts';

export type FunctionKind = 'scalar' | 'aggregate' | 'ranking';

export interface BuiltinFunction {
  name: string;
  kind: FunctionKind;
  minArgs: number;
  maxArgs: number;
  /**
   * The result type, or a reason the arguments do not fit. `literals` holds the value of each
   * argument that is a literal (undefined for the others): ROUND's type depends on its digits.
   */
  infer(args: SqlType[], literals?: readonly unknown[]): SqlType | string;
}

const anyNullable = (args: SqlType[]): boolean => args.some((a) => a.nullable);

function fn(
  name: string,
  kind: FunctionKind,
  minArgs: number,
  maxArgs: number,
  infer: (args: SqlType[], literals?: readonly unknown[]) => SqlType | string,
): BuiltinFunction {
  return { name, kind, minArgs, maxArgs, infer };
}

/** A function of strings returning a string (nullable when an argument is). */
/** Functions of strings that give NULL on some input even when no argument is NULL (no match, a negative length). */
const NULL_ON_SOME_INPUT = new Set([
  'JSON_VALUE',
  'REGEXP_EXTRACT',
  'REGEXP_REPLACE',
  'SPLIT_INDEX',
  'SUBSTRING',
  'SUBSTR',
  'LPAD',
  'RPAD',
]);

function stringFn(name: string, minArgs: number, maxArgs: number, checkFirst = true): BuiltinFunction {
  return fn(name, 'scalar', minArgs, maxArgs, (args) => {
    if (checkFirst && !isString(args[0]) && args[0].kind !== 'NULL')
      return `${name} expects a string, got ${args[0].kind}`;
    return T.string(NULL_ON_SOME_INPUT.has(name) || anyNullable(args));
  });
}

function numericFn(name: string, result: (a: SqlType) => SqlType): BuiltinFunction {
  return fn(name, 'scalar', 1, 1, ([a]) =>
    isNumeric(a) ? withNullable(result(a), a.nullable) : `${name} expects a number, got ${a.kind}`,
  );
}

function timeField(name: string): BuiltinFunction {
  return fn(name, 'scalar', 1, 1, ([a]) =>
    isTimestamp(a) || a.kind === 'DATE' || a.kind === 'TIME'
      ? T.bigint(a.nullable)
      : `${name} expects a date, time or timestamp, got ${a.kind}`,
  );
}

/** SUM's result: integers keep their type, DECIMAL keeps its scale with precision 38, floats stay floats. */
function sumType(a: SqlType): SqlType | string {
  if (!isNumeric(a)) return `SUM expects a number, got ${a.kind}`;
  if (a.kind === 'DECIMAL') return T.decimal(MAX_DECIMAL_PRECISION, a.scale);
  return withNullable(a, true);
}

/** AVG's result, as Flink: the input's type for integers (an integer average) and floats; DECIMAL(38, max(6, s)) for decimals. */
function avgType(a: SqlType): SqlType | string {
  if (!isNumeric(a)) return `AVG expects a number, got ${a.kind}`;
  if (a.kind === 'DECIMAL') return T.decimal(MAX_DECIMAL_PRECISION, Math.max(6, a.scale));
  return withNullable(a, true);
}

/**
 * ROUND(x [, d]) and TRUNCATE(x [, d]), typed as Flink types them: every type but DECIMAL stays as
 * it is (an integer stays an integer, a DOUBLE a DOUBLE); DECIMAL(p, s) rounded to a literal `d`
 * (0 when absent) becomes DECIMAL(p, s) when d >= s, DECIMAL(min(38, p - s + 1), 0) when d < 0,
 * and DECIMAL(p - s + d + 1, d) otherwise (rounding may add a digit). A `d` that is not a literal
 * keeps the input's type.
 */
function roundType(name: string, [a, d]: SqlType[], literals?: readonly unknown[]): SqlType | string {
  if (!isNumeric(a)) return `${name} expects a number, got ${a.kind}`;
  if (d !== undefined && !isInteger(d) && d.kind !== 'NULL')
    return `${name} expects an integer number of digits, got ${d.kind}`;
  const nullable = a.nullable || (d?.nullable ?? false);
  if (a.kind !== 'DECIMAL') return withNullable(a, nullable);
  const digits = d === undefined ? 0 : literals?.[1];
  if (typeof digits !== 'number') return withNullable(a, nullable);
  const { precision: p, scale: s } = a;
  if (digits >= s) return withNullable(a, nullable);
  if (digits < 0) return T.decimal(Math.min(MAX_DECIMAL_PRECISION, p - s + 1), 0, nullable);
  return T.decimal(p - s + digits + 1, digits, nullable);
}

const FUNCTIONS: BuiltinFunction[] = [
  // Aggregates.
  fn('COUNT', 'aggregate', 0, 1, () => T.bigint(false)),
  fn('SUM', 'aggregate', 1, 1, ([a]) => sumType(a)),
  fn('SUM0', 'aggregate', 1, 1, ([a]) => {
    const t = sumType(a);
    return typeof t === 'string' ? t : withNullable(t, false);
  }),
  fn('AVG', 'aggregate', 1, 1, ([a]) => avgType(a)),
  fn('MIN', 'aggregate', 1, 1, ([a]) => withNullable(withoutTimeAttribute(a), true)),
  fn('MAX', 'aggregate', 1, 1, ([a]) => withNullable(withoutTimeAttribute(a), true)),
  fn('FIRST_VALUE', 'aggregate', 1, 1, ([a]) => withNullable(withoutTimeAttribute(a), true)),
  fn('LAST_VALUE', 'aggregate', 1, 1, ([a]) => withNullable(withoutTimeAttribute(a), true)),
  fn('LISTAGG', 'aggregate', 1, 2, () => T.string(true)),
  fn('STDDEV_POP', 'aggregate', 1, 1, () => T.double(true)),
  fn('STDDEV_SAMP', 'aggregate', 1, 1, () => T.double(true)),
  fn('VAR_POP', 'aggregate', 1, 1, () => T.double(true)),
  fn('VAR_SAMP', 'aggregate', 1, 1, () => T.double(true)),
  // Ranking (OVER only).
  fn('ROW_NUMBER', 'ranking', 0, 0, () => T.bigint(false)),
  fn('RANK', 'ranking', 0, 0, () => T.bigint(false)),
  fn('DENSE_RANK', 'ranking', 0, 0, () => T.bigint(false)),
  // Conditional.
  fn('COALESCE', 'scalar', 1, 255, (args) => {
    let t: SqlType | null = args[0];
    for (const a of args.slice(1)) t = t && leastRestrictive(t, a);
    if (!t) return `COALESCE arguments have no common type (${args.map((a) => a.kind).join(', ')})`;
    return withNullable(
      withoutTimeAttribute(t),
      args.every((a) => a.nullable),
    );
  }),
  fn('NULLIF', 'scalar', 2, 2, ([a]) => withNullable(a, true)),
  fn('IF', 'scalar', 3, 3, ([c, a, b]) => {
    if (c.kind !== 'BOOLEAN') return `IF expects a BOOLEAN condition, got ${c.kind}`;
    return leastRestrictive(a, b) ?? `IF branches have no common type (${a.kind}, ${b.kind})`;
  }),
  // Strings.
  stringFn('UPPER', 1, 1),
  stringFn('LOWER', 1, 1),
  stringFn('INITCAP', 1, 1),
  stringFn('REVERSE', 1, 1),
  stringFn('LTRIM', 1, 2),
  stringFn('RTRIM', 1, 2),
  stringFn('TRIM', 3, 3, false),
  stringFn('REPLACE', 3, 3),
  stringFn('SUBSTRING', 2, 3),
  stringFn('SUBSTR', 2, 3),
  stringFn('LEFT', 2, 2),
  stringFn('RIGHT', 2, 2),
  stringFn('LPAD', 3, 3),
  stringFn('RPAD', 3, 3),
  stringFn('REPEAT', 2, 2),
  stringFn('OVERLAY', 3, 4),
  stringFn('REGEXP_REPLACE', 3, 3),
  stringFn('REGEXP_EXTRACT', 2, 3),
  stringFn('SPLIT_INDEX', 3, 3),
  stringFn('MD5', 1, 1),
  stringFn('SHA256', 1, 1),
  stringFn('SHA1', 1, 1),
  stringFn('SHA224', 1, 1),
  stringFn('SHA384', 1, 1),
  stringFn('SHA512', 1, 1),
  // NULL for a bit length other than 224, 256, 384 or 512.
  fn('SHA2', 'scalar', 2, 2, ([a]) =>
    isString(a) ? T.string(true) : `SHA2 expects a string, got ${a.kind}`,
  ),
  stringFn('BTRIM', 1, 2),
  fn('STARTSWITH', 'scalar', 2, 2, (args) => T.boolean(anyNullable(args))),
  fn('ENDSWITH', 'scalar', 2, 2, (args) => T.boolean(anyNullable(args))),
  fn('CARDINALITY', 'scalar', 1, 1, ([a]) =>
    a.kind === 'ARRAY' || a.kind === 'MAP' || a.kind === 'MULTISET'
      ? T.int(a.nullable)
      : `CARDINALITY expects an array, a multiset or a map, got ${a.kind}`,
  ),
  // JSON_VALUE(json, path, onEmpty, emptyDefault, onError, errorDefault) from the parser's clauses.
  stringFn('JSON_VALUE', 2, 6),
  stringFn('FROM_UNIXTIME', 1, 2, false),
  fn('CONCAT', 'scalar', 1, 255, (args) => T.string(anyNullable(args))),
  fn('CONCAT_WS', 'scalar', 2, 255, (args) => T.string(args[0].nullable)),
  fn('CHAR_LENGTH', 'scalar', 1, 1, ([a]) =>
    isString(a) ? T.int(a.nullable) : `CHAR_LENGTH expects a string, got ${a.kind}`,
  ),
  fn('CHARACTER_LENGTH', 'scalar', 1, 1, ([a]) =>
    isString(a) ? T.int(a.nullable) : `CHARACTER_LENGTH expects a string, got ${a.kind}`,
  ),
  fn('POSITION', 'scalar', 2, 3, (args) => T.int(anyNullable(args))),
  fn('LOCATE', 'scalar', 2, 3, (args) => T.int(anyNullable(args))),
  fn('INSTR', 'scalar', 2, 2, (args) => T.int(anyNullable(args))),
  fn('ASCII', 'scalar', 1, 1, (args) => T.int(anyNullable(args))),
  fn('REGEXP', 'scalar', 2, 2, (args) => T.boolean(anyNullable(args))),
  // Math.
  numericFn('ABS', (a) => a),
  numericFn('SIGN', (a) => a),
  numericFn('SQRT', () => T.double()),
  numericFn('EXP', () => T.double()),
  numericFn('LN', () => T.double()),
  numericFn('LOG10', () => T.double()),
  numericFn('LOG2', () => T.double()),
  numericFn('SIN', () => T.double()),
  numericFn('COS', () => T.double()),
  numericFn('TAN', () => T.double()),
  numericFn('DEGREES', () => T.double()),
  numericFn('RADIANS', () => T.double()),
  numericFn('ASIN', () => T.double()),
  numericFn('ACOS', () => T.double()),
  numericFn('ATAN', () => T.double()),
  numericFn('SINH', () => T.double()),
  numericFn('COSH', () => T.double()),
  numericFn('TANH', () => T.double()),
  numericFn('COT', () => T.double()),
  fn('ATAN2', 'scalar', 2, 2, (args) =>
    args.every(isNumeric) ? T.double(anyNullable(args)) : 'ATAN2 expects numbers',
  ),
  fn('POWER', 'scalar', 2, 2, (args) =>
    args.every(isNumeric) ? T.double(anyNullable(args)) : 'POWER expects numbers',
  ),
  fn('LOG', 'scalar', 1, 2, (args) =>
    args.every(isNumeric) ? T.double(anyNullable(args)) : 'LOG expects numbers',
  ),
  fn('MOD', 'scalar', 2, 2, ([a, b]) => {
    if (!isInteger(a) || !isInteger(b)) return `MOD expects integers, got ${a.kind} and ${b.kind}`;
    return withNullable(b, a.nullable || b.nullable);
  }),
  fn('ROUND', 'scalar', 1, 2, (args, literals) => roundType('ROUND', args, literals)),
  fn('TRUNCATE', 'scalar', 1, 2, (args, literals) => roundType('TRUNCATE', args, literals)),
  fn('CEIL', 'scalar', 1, 2, ([a, unit]) => {
    if (isTimestamp(a) || a.kind === 'DATE' || (a.kind === 'TIME' && unit)) return withoutTimeAttribute(a);
    if (!isNumeric(a)) return `CEIL expects a number or a timestamp, got ${a.kind}`;
    return a.kind === 'DECIMAL'
      ? T.decimal(Math.min(MAX_DECIMAL_PRECISION, a.precision - a.scale + 1), 0, a.nullable)
      : a;
  }),
  fn('FLOOR', 'scalar', 1, 2, ([a, unit]) => {
    if (isTimestamp(a) || a.kind === 'DATE' || (a.kind === 'TIME' && unit)) return withoutTimeAttribute(a);
    if (!isNumeric(a)) return `FLOOR expects a number or a timestamp, got ${a.kind}`;
    return a.kind === 'DECIMAL'
      ? T.decimal(Math.min(MAX_DECIMAL_PRECISION, a.precision - a.scale + 1), 0, a.nullable)
      : a;
  }),
  fn('PI', 'scalar', 0, 0, () => T.double(false)),
  fn('E', 'scalar', 0, 0, () => T.double(false)),
  fn('RAND', 'scalar', 0, 1, () => T.double(false)),
  fn('RAND_INTEGER', 'scalar', 1, 2, () => T.int(false)),
  // Time.
  fn('DATE_FORMAT', 'scalar', 2, 2, ([ts, f]) => {
    if (!isTimestamp(ts) && !isString(ts))
      return `DATE_FORMAT expects a timestamp or a string, got ${ts.kind}`;
    return T.string(ts.nullable || f.nullable);
  }),
  timeField('YEAR'),
  timeField('QUARTER'),
  timeField('MONTH'),
  timeField('WEEK'),
  timeField('DAYOFYEAR'),
  timeField('DAYOFMONTH'),
  timeField('DAYOFWEEK'),
  timeField('HOUR'),
  timeField('MINUTE'),
  timeField('SECOND'),
  fn('EXTRACT', 'scalar', 2, 2, ([, a]) => T.bigint(a.nullable)),
  fn('CURRENT_TIMESTAMP', 'scalar', 0, 0, () => ({ kind: 'TIMESTAMP_LTZ', precision: 3, nullable: false })),
  fn('NOW', 'scalar', 0, 0, () => ({ kind: 'TIMESTAMP_LTZ', precision: 3, nullable: false })),
  fn('LOCALTIMESTAMP', 'scalar', 0, 0, () => T.timestamp(3, false)),
  fn('CURRENT_ROW_TIMESTAMP', 'scalar', 0, 0, () => ({
    kind: 'TIMESTAMP_LTZ',
    precision: 3,
    nullable: false,
  })),
  fn('CURRENT_DATE', 'scalar', 0, 0, () => ({ kind: 'DATE', nullable: false })),
  fn('PROCTIME', 'scalar', 0, 0, () => ({
    kind: 'TIMESTAMP_LTZ',
    precision: 3,
    nullable: false,
    timeAttribute: 'proctime',
  })),
  // A text that does not parse gives NULL.
  fn('TO_TIMESTAMP', 'scalar', 1, 2, () => T.timestamp(3, true)),
  fn('TO_TIMESTAMP_LTZ', 'scalar', 1, 2, (args) => ({
    kind: 'TIMESTAMP_LTZ',
    precision: 3,
    nullable: anyNullable(args),
  })),
  fn('TO_DATE', 'scalar', 1, 2, () => ({ kind: 'DATE', nullable: true })),
  fn('UNIX_TIMESTAMP', 'scalar', 0, 2, (args) => T.bigint(anyNullable(args))),
  fn('TIMESTAMPADD', 'scalar', 3, 3, ([, , ts]) => withoutTimeAttribute(ts)),
  fn('TIMESTAMPDIFF', 'scalar', 3, 3, (args) => T.int(anyNullable(args))),
  fn('CONVERT_TZ', 'scalar', 3, 3, (args) =>
    args.every((a) => isString(a) || a.kind === 'NULL') ? T.string(true) : 'CONVERT_TZ expects strings',
  ),
  // Numbers and strings as text.
  fn('BIN', 'scalar', 1, 1, ([a]) =>
    isInteger(a) ? T.string(a.nullable) : `BIN expects an integer, got ${a.kind}`,
  ),
  fn('HEX', 'scalar', 1, 1, ([a]) =>
    isInteger(a) || isString(a) ? T.string(a.nullable) : `HEX expects an integer or a string, got ${a.kind}`,
  ),
  stringFn('TO_BASE64', 1, 1),
  stringFn('FROM_BASE64', 1, 1),
  fn('CHR', 'scalar', 1, 1, ([a]) =>
    isInteger(a) ? T.string(a.nullable) : `CHR expects an integer, got ${a.kind}`,
  ),
  fn('PARSE_URL', 'scalar', 2, 3, (args) =>
    args.every((a) => isString(a) || a.kind === 'NULL') ? T.string(true) : 'PARSE_URL expects strings',
  ),
  // A NULL string is neither digits, letters nor a number: FALSE.
  fn('IS_DIGIT', 'scalar', 1, 1, () => T.boolean(false)),
  fn('IS_ALPHA', 'scalar', 1, 1, () => T.boolean(false)),
  fn('IS_DECIMAL', 'scalar', 1, 1, () => T.boolean(false)),
  // Conditional: IFNULL is nullable only when the replacement is.
  fn('IFNULL', 'scalar', 2, 2, ([a, b]) => {
    const t = leastRestrictive(a, b);
    if (!t) return `IFNULL arguments have no common type (${a.kind}, ${b.kind})`;
    return withNullable(withoutTimeAttribute(t), b.nullable);
  }),
  fn('GREATEST', 'scalar', 1, 255, (args) => commonType('GREATEST', args)),
  fn('LEAST', 'scalar', 1, 255, (args) => commonType('LEAST', args)),
  // JSON (the paths and behaviours of lax mode; ON EMPTY / ON ERROR clauses are not parsed yet).
  fn('JSON_EXISTS', 'scalar', 2, 3, () => T.boolean(true)),
  // JSON_QUERY(json, path, wrapper, onEmpty, onError, returning) from the parser: ARRAY<STRING> when
  // `returning` is 'ARRAY'.
  fn('JSON_QUERY', 'scalar', 2, 6, (_args, literals) =>
    literals?.[5] === 'ARRAY' ? { kind: 'ARRAY', element: T.string(true), nullable: true } : T.string(true),
  ),
  fn('JSON_STRING', 'scalar', 1, 1, ([a]) => T.string(a.nullable)),
  // The parser puts the ON NULL behaviour ('NULL' or 'ABSENT') first.
  fn('JSON_ARRAY', 'scalar', 1, 255, () => T.string(false)),
  fn('JSON_OBJECT', 'scalar', 1, 255, (args) => {
    for (let i = 1; i < args.length; i += 2)
      if (!isString(args[i]) || args[i].nullable) return 'JSON_OBJECT keys must be strings that are not NULL';
    return T.string(false);
  }),
  // `s IS JSON [VALUE | SCALAR | ARRAY | OBJECT]`: FALSE for NULL.
  fn('IS_JSON', 'scalar', 2, 2, () => T.boolean(false)),
];

/** The common type of GREATEST and LEAST's arguments: NULL when any argument is. */
function commonType(name: string, args: SqlType[]): SqlType | string {
  let t: SqlType | null = args[0];
  for (const a of args.slice(1)) t = t && leastRestrictive(t, a);
  if (!t) return `${name} arguments have no common type (${args.map((a) => a.kind).join(', ')})`;
  return withNullable(withoutTimeAttribute(t), anyNullable(args));
}

const BY_NAME = new Map(FUNCTIONS.map((f) => [f.name, f]));

/** The built-in function of this upper-case name. */
export function builtinFunction(name: string): BuiltinFunction | undefined {
  return BY_NAME.get(name);
}

/** Names of every built-in function, for SHOW FUNCTIONS. */
export function builtinFunctionNames(): string[] {
  return [...BY_NAME.keys()].sort();
}

/** The DECIMAL that holds an integer type exactly. */
export function integerAsDecimal(t: SqlType): { precision: number; scale: number } {
  return t.kind === 'DECIMAL'
    ? { precision: t.precision, scale: t.scale }
    : { precision: integerPrecision(t.kind), scale: 0 };
}
