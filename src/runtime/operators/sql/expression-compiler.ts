/**
 * The SQL expression compiler: turns bound expressions (sql/plan/rex.ts) into JavaScript functions
 * by code generation, once per task. The generated function reads the input row's field values
 * (`values[i]`, nested ROW fields `values[i][j]`), evaluates every operator inline as a JavaScript
 * expression over temporaries, and calls the runtime library (sql-functions.ts) for the rest. It
 * allocates nothing but its output array and the values it computes. Constant work is hoisted out
 * of the per-record function: LIKE patterns, regular expressions, date formats, JSON paths and
 * casts are compiled at compile time and captured as constants.
 *
 * SQL's NULL is `null`. Operators propagate it (an operand that is NULL makes the result NULL),
 * except those with their own rules: AND, OR and NOT are three-valued, `IS ...` never yields NULL,
 * CASE, COALESCE, IF and IN look at each operand. A null check is left out where the operand's
 * value is known never to be NULL (a NOT NULL column, a literal, a function of such values that
 * cannot produce NULL itself).
 */
import { WeirError } from '../../../core/errors.ts';
import { MS_PER_DAY } from '../../../core/sql-datetime.ts';
import { formatSqlValue } from '../../../core/sql-value-format.ts';
import type { Call, Rex } from '../../../sql/plan/rex.ts';
import { isInteger, isString, isTimestamp, type SqlType } from '../../../sql/types.ts';
import { makeCast, tryCast } from './sql-cast.ts';
import * as functionLib from './sql-functions.ts';
import * as jsonLib from './sql-json-functions.ts';
import * as textLib from './sql-text-functions.ts';
import { compileDateFormat, type DateFormatFlavor } from './sql-time.ts';

/** The runtime functions generated code calls, by name. */
const lib = { ...functionLib, ...jsonLib, ...textLib };
/** What compiled expressions need from their task at runtime. */
export interface ExpressionContext {
  /** Processing time in epoch ms: PROCTIME(), CURRENT_TIMESTAMP, NOW(), CURRENT_DATE read it per record. */
  now(): number;
  /**
   * A user-defined scalar function by its catalog name (a call with `udf` set). Called with the
   * argument values, NULL included; `undefined` means no such function (compilation fails).
   */
  userFunction?(name: string): ((...args: unknown[]) => unknown) | undefined;
}

/** A projection with an optional filter: the output values, or null when the condition is not TRUE. */
export type CompiledProjection = (values: unknown[]) => unknown[] | null;

/**
 * Compiles a projection (`exprs`) and a filter (`condition`, or null) into one function: it returns
 * null unless the condition is TRUE (SQL's WHERE drops FALSE and NULL), else the output values.
 */
export function compileProjection(
  exprs: Rex[],
  condition: Rex | null,
  ctx: ExpressionContext,
): CompiledProjection {
  const g = new Codegen(ctx);
  if (condition) {
    const c = g.gen(fold(condition, ctx));
    g.emit(`if (${c.code} !== true) return null;`);
  }
  const out = exprs.map((e) => g.gen(fold(e, ctx)).code);
  g.emit(`return [${out.join(', ')}];`);
  return g.build('project') as CompiledProjection;
}

/** Compiles one expression into a function of the input row's values. */
export function compileScalar(rex: Rex, ctx: ExpressionContext): (values: unknown[]) => unknown {
  const g = new Codegen(ctx);
  const v = g.gen(fold(rex, ctx));
  g.emit(`return ${v.code};`);
  return g.build('scalar') as (values: unknown[]) => unknown;
}

/** Compiles a condition into a predicate: true only when it is TRUE (not FALSE, not NULL). */
export function compilePredicate(rex: Rex, ctx: ExpressionContext): (values: unknown[]) => boolean {
  const g = new Codegen(ctx);
  const v = g.gen(fold(rex, ctx));
  g.emit(`return ${v.code} === true;`);
  return g.build('predicate') as (values: unknown[]) => boolean;
}

/** Functions whose value changes from call to call: never folded into constants. */
const NON_DETERMINISTIC = new Set([
  'RAND',
  'RAND_INTEGER',
  'NOW',
  'CURRENT_TIMESTAMP',
  'LOCALTIMESTAMP',
  'CURRENT_DATE',
  'CURRENT_ROW_TIMESTAMP',
  'PROCTIME',
  'UNIX_TIMESTAMP',
]);

/**
 * Constant folding: a call of a deterministic built-in on constants becomes its value, computed
 * once here. Only primitive results fold (a ROW or ARRAY value would be shared by every record);
 * a call that fails on its constants (`1 / 0`) is left to fail per record, as Flink's would.
 */
function fold(rex: Rex, ctx: ExpressionContext): Rex {
  if (rex.kind === 'field') {
    const expr = fold(rex.expr, ctx);
    return expr === rex.expr ? rex : { ...rex, expr };
  }
  if (rex.kind !== 'call') return rex;
  // A JSON_ARRAY or JSON_OBJECT inside another stays a call: it goes in as JSON, not as a string.
  const args = isJsonConstructor(rex)
    ? rex.args.map((a) => (isJsonConstructor(a) ? keepJsonConstructor(a as Call, ctx) : fold(a, ctx)))
    : rex.args.map((a) => fold(a, ctx));
  const folded = args.some((a, i) => a !== rex.args[i]) ? { ...rex, args } : rex;
  if (rex.udf !== undefined || NON_DETERMINISTIC.has(rex.op) || !args.every((a) => a.kind === 'literal'))
    return folded;
  try {
    const g = new Codegen(ctx);
    g.emit(`return ${g.gen(folded).code};`);
    const value = g.build('constant')([]);
    if (
      value === null ||
      typeof value === 'number' ||
      typeof value === 'string' ||
      typeof value === 'boolean'
    )
      return { kind: 'literal', value, type: rex.type };
  } catch {
    // Left to fail per record.
  }
  return folded;
}

function isJsonConstructor(rex: Rex): boolean {
  return rex.kind === 'call' && (rex.op === 'JSON_ARRAY' || rex.op === 'JSON_OBJECT');
}

/** A JSON constructor inside another, with its arguments folded but itself kept a call. */
function keepJsonConstructor(rex: Call, ctx: ExpressionContext): Call {
  return {
    ...rex,
    args: rex.args.map((a) => (isJsonConstructor(a) ? keepJsonConstructor(a as Call, ctx) : fold(a, ctx))),
  };
}

/** A generated value: a JavaScript expression safe to read more than once, and whether it can be NULL. */
interface Val {
  code: string;
  nonNull: boolean;
}

const NULL: Val = { code: 'null', nonNull: false };

function unsupported(what: string): never {
  throw new WeirError('SQL_UNSUPPORTED', `${what} is not supported by the SQL expression runtime yet`);
}

/** The literal unit string of EXTRACT, FLOOR ... TO, TIMESTAMPADD and TIMESTAMPDIFF. */
function unitOf(rex: Rex, fn: string): string {
  if (rex.kind !== 'literal' || typeof rex.value !== 'string')
    throw new WeirError('SQL_VALIDATION_ERROR', `${fn} expects a time unit`);
  return rex.value;
}

function isComposite(t: SqlType): boolean {
  return (
    t.kind === 'ROW' ||
    t.kind === 'ARRAY' ||
    t.kind === 'MULTISET' ||
    t.kind === 'MAP' ||
    t.kind === 'BINARY' ||
    t.kind === 'VARBINARY'
  );
}

/** The literal value of a constant argument, or undefined when the argument is computed per record. */
function constantOf(rex: Rex | undefined): unknown {
  return rex?.kind === 'literal' ? rex.value : undefined;
}

class Codegen {
  private readonly ctx: ExpressionContext;
  private readonly constants: unknown[] = [];
  private readonly constantNames = new Map<unknown, string>();
  private readonly libNames = new Set<string>();
  private temps = 0;
  private readonly body: string[] = [];

  constructor(ctx: ExpressionContext) {
    this.ctx = ctx;
  }

  emit(line: string): void {
    this.body.push(line);
  }

  /** The generated function, with its constants and library functions bound once. */
  build(name: string): (values: unknown[]) => unknown {
    const prelude: string[] = ['"use strict";'];
    this.constants.forEach((_, i) => prelude.push(`const k${i} = K[${i}];`));
    for (const n of this.libNames) prelude.push(`const L_${n} = LIB.${n};`);
    const temps =
      this.temps > 0 ? `let ${Array.from({ length: this.temps }, (_, i) => `t${i}`).join(', ')};` : '';
    const source = `${prelude.join('\n')}\nreturn function ${name}(values) {\n${temps}\n${this.body.join('\n')}\n};`;
    try {
      return new Function('K', 'LIB', 'CTX', source)(this.constants, lib, this.ctx);
    } catch (e) {
      throw new WeirError(
        'INTERNAL',
        `generated SQL expression code does not compile: ${(e as Error).message}\n${source}`,
        {
          cause: e,
        },
      );
    }
  }

  private temp(): string {
    return `t${this.temps++}`;
  }

  /** A constant captured by the generated code (hoisted out of the per-record function). */
  private constant(value: unknown): string {
    const known = this.constantNames.get(value);
    if (known) return known;
    const name = `k${this.constants.length}`;
    this.constants.push(value);
    if (value !== null && typeof value === 'object') this.constantNames.set(value, name);
    return name;
  }

  /** A runtime library function by its export name. */
  private fn(name: keyof typeof lib): string {
    this.libNames.add(name);
    return `L_${name}`;
  }

  private literal(value: unknown): Val {
    if (value === null || value === undefined) return NULL;
    if (typeof value === 'number') {
      if (Number.isNaN(value)) return { code: 'NaN', nonNull: true };
      // Parenthesized, so that a negative constant is safe after another minus sign.
      if (!Number.isFinite(value)) return { code: value > 0 ? 'Infinity' : '(-Infinity)', nonNull: true };
      return { code: Object.is(value, -0) ? '(-0)' : `(${String(value)})`, nonNull: true };
    }
    if (typeof value === 'string') return { code: JSON.stringify(value), nonNull: true };
    if (typeof value === 'boolean') return { code: String(value), nonNull: true };
    return { code: this.constant(value), nonNull: true };
  }

  /** `name = body`, or NULL when any of `args` is NULL. `mayBeNull`: the body itself can give NULL. */
  private strict(args: Val[], body: string, mayBeNull = false): Val {
    const t = this.temp();
    const checks = args.filter((a) => !a.nonNull).map((a) => `${a.code} == null`);
    if (args.some((a) => a.code === 'null')) {
      this.emit(`${t} = null;`);
      return NULL;
    }
    this.emit(checks.length === 0 ? `${t} = ${body};` : `${t} = (${checks.join(' || ')}) ? null : ${body};`);
    return { code: t, nonNull: checks.length === 0 && !mayBeNull };
  }

  gen(rex: Rex): Val {
    switch (rex.kind) {
      case 'input':
        return { code: `values[${rex.index}]`, nonNull: !rex.type.nullable };
      case 'literal':
        return this.literal(rex.value);
      case 'field': {
        const base = this.gen(rex.expr);
        const t = this.temp();
        this.emit(
          base.nonNull
            ? `${t} = ${base.code}[${rex.index}];`
            : `${t} = ${base.code} == null ? null : ${base.code}[${rex.index}];`,
        );
        return { code: t, nonNull: false };
      }
      case 'call':
        return this.call(rex);
    }
  }

  private args(rex: Call): Val[] {
    return rex.args.map((a) => this.gen(a));
  }

  private call(rex: Call): Val {
    if (rex.udf !== undefined) return this.userCall(rex);
    const op = rex.op;
    switch (op) {
      case 'AND':
      case 'OR':
        return this.andOr(rex);
      case 'NOT': {
        const [a] = this.args(rex);
        return this.strict([a], `!${a.code}`);
      }
      case 'IS NULL':
      case 'IS UNKNOWN':
        return this.test(rex, (a) => `${a} == null`);
      case 'IS NOT NULL':
      case 'IS NOT UNKNOWN':
        return this.test(rex, (a) => `${a} != null`);
      case 'IS TRUE':
        return this.test(rex, (a) => `${a} === true`);
      case 'IS NOT TRUE':
        return this.test(rex, (a) => `${a} !== true`);
      case 'IS FALSE':
        return this.test(rex, (a) => `${a} === false`);
      case 'IS NOT FALSE':
        return this.test(rex, (a) => `${a} !== false`);
      case 'IS DISTINCT FROM': {
        const [a, b] = this.args(rex);
        const t = this.temp();
        const composite = isComposite(rex.args[0].type) || isComposite(rex.args[1].type);
        this.emit(
          composite
            ? `${t} = ${this.fn('isDistinct')}(${a.code}, ${b.code});`
            : `${t} = ${a.code} == null ? ${b.code} != null : (${b.code} == null || ${a.code} !== ${b.code});`,
        );
        return { code: t, nonNull: true };
      }
      case '=':
      case '<>':
      case '<':
      case '<=':
      case '>':
      case '>=':
        return this.compare(rex);
      case '+':
      case '-':
      case '*':
      case '/':
      case '%':
      case 'MOD':
        return this.arithmetic(rex, op === 'MOD' ? '%' : op);
      case 'NEGATE':
        return this.negate(rex);
      case '||': {
        const [a, b] = this.args(rex);
        return this.strict([a, b], `${a.code} + ${b.code}`);
      }
      case 'CASE':
        return this.caseWhen(rex);
      case 'IN':
        return this.inList(rex);
      case 'LIKE':
      case 'SIMILAR':
        return this.like(rex);
      case 'CAST':
      case 'TRY_CAST':
        return this.cast(rex, op === 'TRY_CAST');
      case 'ITEM': {
        const [a, b] = this.args(rex);
        return this.strict([a, b], `${this.fn('item')}(${a.code}, ${b.code})`, true);
      }
      case 'ROW':
      case 'ARRAY': {
        const args = this.args(rex);
        const t = this.temp();
        this.emit(`${t} = [${args.map((a) => a.code).join(', ')}];`);
        return { code: t, nonNull: true };
      }
      case 'MAP': {
        const args = this.args(rex);
        const t = this.temp();
        const pairs: string[] = [];
        for (let i = 0; i < args.length; i += 2) pairs.push(`[${args[i].code}, ${args[i + 1].code}]`);
        this.emit(`${t} = new Map([${pairs.join(', ')}]);`);
        return { code: t, nonNull: true };
      }
      default:
        return this.function(rex);
    }
  }

  private userCall(rex: Call): Val {
    const f = this.ctx.userFunction?.(rex.udf!);
    if (!f) throw new WeirError('SQL_VALIDATION_ERROR', `unknown user function ${rex.udf}`);
    const args = this.args(rex);
    const t = this.temp();
    this.emit(`${t} = ${this.constant(f)}(${args.map((a) => a.code).join(', ')}) ?? null;`);
    return { code: t, nonNull: false };
  }

  private test(rex: Call, body: (a: string) => string): Val {
    const [a] = this.args(rex);
    const t = this.temp();
    this.emit(`${t} = ${body(a.code)};`);
    return { code: t, nonNull: true };
  }

  /** Three-valued AND/OR, evaluating the right side only when the left does not decide. */
  private andOr(rex: Call): Val {
    const isAnd = rex.op === 'AND';
    const decisive = isAnd ? 'false' : 'true';
    const other = isAnd ? 'true' : 'false';
    const t = this.temp();
    const a = this.gen(rex.args[0]);
    this.emit(`if (${a.code} === ${decisive}) ${t} = ${decisive}; else {`);
    const b = this.gen(rex.args[1]);
    if (a.nonNull && b.nonNull) this.emit(`${t} = ${b.code};`);
    else
      this.emit(
        `${t} = ${b.code} === ${decisive} ? ${decisive} : (${a.code} == null || ${b.code} == null) ? null : ${other};`,
      );
    this.emit('}');
    return { code: t, nonNull: a.nonNull && b.nonNull };
  }

  private compare(rex: Call): Val {
    const [a, b] = this.args(rex);
    const [ta, tb] = [rex.args[0].type, rex.args[1].type];
    const op = rex.op;
    if (isComposite(ta) || isComposite(tb)) {
      if (op === '=' || op === '<>') {
        const eq = `${this.fn('sqlEquals')}(${a.code}, ${b.code})`;
        return this.strict([a, b], op === '=' ? eq : `!${eq}`);
      }
      if (ta.kind === 'BINARY' || ta.kind === 'VARBINARY')
        return this.strict([a, b], `${this.fn('compareBytes')}(${a.code}, ${b.code}) ${op} 0`);
      unsupported(`${op} on ${ta.kind}`);
    }
    const js = op === '=' ? '===' : op === '<>' ? '!==' : op;
    // CHAR(m) against CHAR(n): the shorter is padded with spaces to the longer, as Flink casts
    // both sides of a comparison to their common type CHAR(max(m, n)).
    if (ta.kind === 'CHAR' && tb.kind === 'CHAR' && ta.length !== tb.length) {
      const n = Math.max(ta.length, tb.length);
      const ca = ta.length < n ? `${a.code}.padEnd(${n}, " ")` : a.code;
      const cb = tb.length < n ? `${b.code}.padEnd(${n}, " ")` : b.code;
      return this.strict([a, b], `${ca} ${js} ${cb}`);
    }
    return this.strict([a, b], `${a.code} ${js} ${b.code}`);
  }

  private arithmetic(rex: Call, op: string): Val {
    const [a, b] = this.args(rex);
    let [ta, tb] = [rex.args[0].type, rex.args[1].type];
    let [ca, cb] = [a.code, b.code];
    const rt = rex.type;
    const interval = (t: SqlType) => t.kind === 'INTERVAL_DAY_TIME' || t.kind === 'INTERVAL_YEAR_MONTH';
    // Time arithmetic: timestamp or date +/- interval (interval + timestamp too).
    if (op === '+' && interval(ta) && !interval(tb)) {
      [ta, tb] = [tb, ta];
      [ca, cb] = [cb, ca];
    }
    if ((isTimestamp(ta) || ta.kind === 'DATE') && interval(tb)) {
      const delta = op === '-' ? `-${cb}` : cb;
      let body: string;
      if (tb.kind === 'INTERVAL_YEAR_MONTH')
        body =
          ta.kind === 'DATE'
            ? `${this.fn('addMonthsToDate')}(${ca}, ${delta})`
            : `${this.fn('addMonths')}(${ca}, ${delta})`;
      else body = ta.kind === 'DATE' ? `${ca} + Math.trunc(${delta} / ${MS_PER_DAY})` : `${ca} + ${delta}`;
      return this.strict([a, b], body);
    }
    if (interval(ta) && interval(tb)) return this.strict([a, b], `${ca} ${op} ${cb}`);
    const raw = `${ca} ${op} ${cb}`;
    switch (rt.kind) {
      case 'TINYINT':
      case 'SMALLINT':
      case 'INT': {
        const wrap = (x: string) =>
          rt.kind === 'INT'
            ? `(${x}) | 0`
            : rt.kind === 'SMALLINT'
              ? `(${x}) << 16 >> 16`
              : `(${x}) << 24 >> 24`;
        if (op === '*') return this.strict([a, b], wrap(`Math.imul(${ca}, ${cb})`));
        if (op === '/' || op === '%') {
          const name = rex.op === 'MOD' ? 'MOD' : op;
          const zero = `${this.fn('divisionByZero')}(${JSON.stringify(name)})`;
          const q = op === '/' ? `(${ca} / ${cb}) | 0` : `${ca} % ${cb}`;
          return this.strict([a, b], `${cb} === 0 ? ${zero} : ${wrap(q)}`);
        }
        return this.strict([a, b], wrap(raw));
      }
      case 'BIGINT': {
        if (op === '%') {
          const name = rex.op === 'MOD' ? 'MOD' : '%';
          return this.strict(
            [a, b],
            `${cb} === 0 ? ${this.fn('divisionByZero')}(${JSON.stringify(name)}) : ${ca} % ${cb} + 0`,
          );
        }
        if (op === '/')
          return this.strict(
            [a, b],
            `${cb} === 0 ? ${this.fn('divisionByZero')}("/") : Math.trunc(${ca} / ${cb}) + 0`,
          );
        // Beyond 2^53 a long wraps as Java's does (through BigInt, off the common path).
        const t = this.temp();
        const safe = `(${t} = ${raw}) <= 9007199254740991 && ${t} >= -9007199254740991 ? ${t} : ${this.fn('wrapLong')}(Number(BigInt.asIntN(64, BigInt(${ca}) ${op} BigInt(${cb}))))`;
        return this.strict([a, b], safe);
      }
      case 'FLOAT':
        return this.strict([a, b], `Math.fround(${raw})`);
      case 'DOUBLE':
        return this.strict([a, b], raw);
      case 'DECIMAL': {
        const { precision, scale } = rt;
        const value = `${this.fn('roundHalfUp')}(${raw}, ${scale})`;
        const body = op === '/' ? `${cb} === 0 ? ${this.fn('divisionByZero')}("/") : ${value}` : value;
        // A result that overflows its precision is NULL, as Flink's DECIMAL arithmetic gives.
        const t = this.temp();
        const checked =
          precision - scale >= 16
            ? body
            : `Math.abs(${t} = ${body}) < ${10 ** (precision - scale)} ? ${t} : null`;
        return this.strict([a, b], checked, precision - scale < 16);
      }
      case 'NULL':
        return NULL;
      default:
        return this.strict([a, b], raw);
    }
  }

  private negate(rex: Call): Val {
    const [a] = this.args(rex);
    switch (rex.type.kind) {
      case 'INT':
        return this.strict([a], `(-${a.code}) | 0`);
      case 'SMALLINT':
        return this.strict([a], `(-${a.code}) << 16 >> 16`);
      case 'TINYINT':
        return this.strict([a], `(-${a.code}) << 24 >> 24`);
      case 'BIGINT':
        return this.strict([a], `${this.fn('wrapLong')}(-${a.code})`);
      case 'DECIMAL':
        return this.strict([a], `0 - ${a.code}`);
      default:
        return this.strict([a], `-${a.code}`);
    }
  }

  /** CASE with args [cond1, val1, cond2, val2, ..., else]: the first TRUE condition's value. */
  private caseWhen(rex: Call): Val {
    const t = this.temp();
    const n = rex.args.length;
    let nonNull = true;
    let open = 0;
    for (let i = 0; i + 1 < n; i += 2) {
      const c = this.gen(rex.args[i]);
      this.emit(`if (${c.code} === true) {`);
      const v = this.gen(rex.args[i + 1]);
      nonNull &&= v.nonNull;
      this.emit(`${t} = ${v.code};`);
      this.emit('} else {');
      open++;
    }
    const otherwise = this.gen(rex.args[n - 1]);
    nonNull &&= otherwise.nonNull;
    this.emit(`${t} = ${otherwise.code};`);
    this.emit('}'.repeat(open));
    return { code: t, nonNull };
  }

  /** IN: TRUE if equal to an item; else NULL if the value or an item is NULL; else FALSE. */
  private inList(rex: Call): Val {
    const value = this.gen(rex.args[0]);
    const items = rex.args.slice(1);
    const t = this.temp();
    const primitive = (v: unknown) =>
      typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';
    if (items.every((i) => i.kind === 'literal' && primitive(i.value)) && !isComposite(rex.args[0].type)) {
      const set = this.constant(new Set(items.map((i) => (i as { value: unknown }).value)));
      this.emit(
        value.nonNull
          ? `${t} = ${set}.has(${value.code});`
          : `${t} = ${value.code} == null ? null : ${set}.has(${value.code});`,
      );
      return { code: t, nonNull: value.nonNull };
    }
    const eq = isComposite(rex.args[0].type) ? this.fn('sqlEquals') : null;
    this.emit(`if (${value.code} == null) ${t} = null; else {`);
    this.emit(`${t} = false;`);
    let open = 0;
    for (const item of items) {
      const v = this.gen(item);
      const test = eq ? `${eq}(${value.code}, ${v.code})` : `${value.code} === ${v.code}`;
      this.emit(`if (${test}) ${t} = true; else {`);
      if (!v.nonNull) this.emit(`if (${v.code} == null) ${t} = null;`);
      open++;
    }
    this.emit('}'.repeat(open));
    this.emit('}');
    return { code: t, nonNull: false };
  }

  private like(rex: Call): Val {
    const similar = rex.op === 'SIMILAR';
    const value = this.gen(rex.args[0]);
    const pattern = constantOf(rex.args[1]);
    const escapeChar = rex.args.length > 2 ? constantOf(rex.args[2]) : null;
    if (typeof pattern === 'string' && (escapeChar === null || typeof escapeChar === 'string')) {
      if (!similar && escapeChar === null && !pattern.includes('_')) {
        // Plain shapes without a regular expression: 'abc', 'abc%', '%abc', '%abc%'.
        const inner = pattern.replace(/^%+/, '').replace(/%+$/, '');
        if (!inner.includes('%')) {
          const lit = JSON.stringify(inner);
          const starts = pattern.startsWith('%');
          const ends = pattern.endsWith('%') && pattern.length > 0;
          const body =
            inner === '' && (starts || ends)
              ? 'true'
              : starts && ends
                ? `${value.code}.includes(${lit})`
                : ends
                  ? `${value.code}.startsWith(${lit})`
                  : starts
                    ? `${value.code}.endsWith(${lit})`
                    : `${value.code} === ${lit}`;
          return this.strict([value], body);
        }
      }
      const re = similar
        ? lib.similarRegExp(pattern, escapeChar as string | null)
        : lib.likeRegExp(pattern, escapeChar as string | null);
      return this.strict([value], `${this.constant(re)}.test(${value.code})`);
    }
    const p = this.gen(rex.args[1]);
    const e = rex.args.length > 2 ? this.gen(rex.args[2]) : NULL;
    const args = rex.args.length > 2 ? [value, p, e] : [value, p];
    return this.strict(args, `${this.fn(similar ? 'similar' : 'like')}(${value.code}, ${p.code}, ${e.code})`);
  }

  private cast(rex: Call, safe: boolean): Val {
    const [a] = this.args(rex);
    const from = rex.args[0].type;
    const to = rex.type;
    let cast = makeCast(from, to);
    if (cast === null) return a;
    if (safe) cast = tryCast(cast);
    const mayBeNull = safe || to.kind === 'DECIMAL';
    return this.strict([a], `${this.constant(cast)}(${a.code})`, mayBeNull);
  }

  /** A value of a date/time argument as epoch ms (DATE is days, TIME ms of the day). */
  private millis(v: Val, t: SqlType): string {
    return t.kind === 'DATE' ? `(${v.code} * ${MS_PER_DAY})` : v.code;
  }

  /** A regular expression argument: compiled now when constant, else the string (cached at runtime). */
  private regexArg(rex: Rex, global: boolean): Val | null {
    const c = constantOf(rex);
    if (typeof c === 'string') {
      try {
        return { code: this.constant(lib.javaRegExp(c, global)), nonNull: true };
      } catch {
        return null; // an invalid constant pattern: let the runtime give NULL as Flink does
      }
    }
    return this.gen(rex);
  }

  /** A date format argument: compiled now when constant. */
  private formatArg(rex: Rex | undefined, flavor: DateFormatFlavor = 'simple'): Val {
    // No format: the function's default (`undefined`, not a NULL argument).
    if (rex === undefined) return { code: 'undefined', nonNull: true };
    const c = constantOf(rex);
    if (typeof c === 'string') return { code: this.constant(compileDateFormat(c, flavor)), nonNull: true };
    return this.gen(rex);
  }

  private function(rex: Call): Val {
    const op = rex.op;
    const at = rex.args.map((a) => a.type);
    const call = (name: keyof typeof lib, args: Val[], mayBeNull = false) =>
      this.strict(args, `${this.fn(name)}(${args.map((a) => a.code).join(', ')})`, mayBeNull);
    switch (op) {
      // Conditional.
      case 'IFNULL':
      case 'COALESCE': {
        const t = this.temp();
        let open = 0;
        let nonNull = false;
        for (const arg of rex.args) {
          const v = this.gen(arg);
          this.emit(`${t} = ${v.code};`);
          if (v.nonNull) {
            nonNull = true;
            break;
          }
          this.emit(`if (${t} == null) {`);
          open++;
        }
        this.emit('}'.repeat(open));
        return { code: t, nonNull };
      }
      case 'NULLIF': {
        const [a, b] = this.args(rex);
        const t = this.temp();
        const eq = isComposite(at[0])
          ? `${this.fn('sqlEquals')}(${a.code}, ${b.code})`
          : `${a.code} === ${b.code}`;
        this.emit(`${t} = ${a.code} == null || (${b.code} != null && ${eq}) ? null : ${a.code};`);
        return { code: t, nonNull: false };
      }
      case 'IF': {
        const t = this.temp();
        const c = this.gen(rex.args[0]);
        this.emit(`if (${c.code} === true) {`);
        const a = this.gen(rex.args[1]);
        this.emit(`${t} = ${a.code};`);
        this.emit('} else {');
        const b = this.gen(rex.args[2]);
        this.emit(`${t} = ${b.code};`);
        this.emit('}');
        return { code: t, nonNull: a.nonNull && b.nonNull };
      }
      // Strings.
      case 'UPPER':
      case 'LOWER': {
        const [a] = this.args(rex);
        return this.strict([a], `${a.code}.${op === 'UPPER' ? 'toUpperCase' : 'toLowerCase'}()`);
      }
      case 'INITCAP':
        return call('initcap', this.args(rex));
      case 'TRIM':
        return call('trim', this.args(rex));
      case 'LTRIM':
      case 'RTRIM': {
        const args = this.args(rex);
        if (args.length === 1) args.push({ code: '" "', nonNull: true });
        return call(op === 'LTRIM' ? 'ltrim' : 'rtrim', args);
      }
      case 'REPLACE':
        return call('replace', this.args(rex));
      case 'SUBSTRING':
      case 'SUBSTR': {
        const args = this.args(rex);
        if (args.length === 2) args.push({ code: '2147483647', nonNull: true });
        return call('substring', args, true);
      }
      case 'LEFT':
        return call('left', this.args(rex));
      case 'RIGHT':
        return call('right', this.args(rex));
      case 'LPAD':
        return call('lpad', this.args(rex), true);
      case 'RPAD':
        return call('rpad', this.args(rex), true);
      case 'REPEAT':
        return call('repeat', this.args(rex));
      case 'REVERSE':
        return call('reverse', this.args(rex));
      case 'OVERLAY': {
        const args = this.args(rex);
        const len = args[3]?.code ?? `${this.fn('overlayLength')}(${args[1].code})`;
        const [str, r, pos] = args;
        return this.strict(args, `${this.fn('overlay')}(${str.code}, ${r.code}, ${pos.code}, ${len})`);
      }
      case 'CONCAT': {
        const args = this.args(rex);
        const parts = args.map((a, i) => (isString(at[i]) ? a.code : `String(${a.code})`));
        return this.strict(args, parts.length === 1 ? `"" + ${parts[0]}` : parts.join(' + '));
      }
      case 'CONCAT_WS': {
        const [sep, ...rest] = this.args(rex);
        const t = this.temp();
        const first = this.temp();
        this.emit(`if (${sep.code} == null) ${t} = null; else {`);
        this.emit(`${t} = ""; ${first} = true;`);
        for (const v of rest) {
          this.emit(
            `if (${v.code} != null) { if (!${first}) ${t} += ${sep.code}; ${t} += ${v.code}; ${first} = false; }`,
          );
        }
        this.emit('}');
        return { code: t, nonNull: sep.nonNull };
      }
      case 'CHAR_LENGTH':
      case 'CHARACTER_LENGTH': {
        return call('charLength', this.args(rex));
      }
      case 'POSITION':
      case 'LOCATE': {
        const args = this.args(rex);
        if (args.length === 2) args.push({ code: '1', nonNull: true });
        return call('locate', args);
      }
      case 'INSTR': {
        return call('instr', this.args(rex));
      }
      case 'ASCII': {
        const [a] = this.args(rex);
        return this.strict([a], `${a.code}.length === 0 ? 0 : ${a.code}.charCodeAt(0)`);
      }
      case 'REGEXP': {
        const s = this.gen(rex.args[0]);
        const re = constantOf(rex.args[1]) === '' ? null : this.regexArg(rex.args[1], false);
        if (!re) return this.strict([s], 'false');
        return call('regexp', [s, re]);
      }
      case 'REGEXP_REPLACE': {
        const s = this.gen(rex.args[0]);
        const re = this.regexArg(rex.args[1], true);
        const r = this.gen(rex.args[2]);
        if (!re) return this.strict([s, r], 'null', true);
        return call('regexpReplace', [s, re, r], true);
      }
      case 'REGEXP_EXTRACT': {
        const s = this.gen(rex.args[0]);
        const re = this.regexArg(rex.args[1], false);
        const index = rex.args[2] ? this.gen(rex.args[2]) : { code: '0', nonNull: true };
        if (!re) return this.strict([s, index], 'null', true);
        return call('regexpExtract', [s, re, index], true);
      }
      case 'SPLIT_INDEX':
        return call('splitIndex', this.args(rex), true);
      case 'MD5':
        return call('md5', this.args(rex));
      case 'HASH_CODE':
        return call('hashCode', this.args(rex));
      case 'SHA256':
        return call('sha256', this.args(rex));
      case 'JSON_VALUE': {
        const json = this.gen(rex.args[0]);
        const c = constantOf(rex.args[1]);
        const path =
          typeof c === 'string'
            ? { code: this.constant(lib.compileJsonPath(c)), nonNull: true }
            : this.gen(rex.args[1]);
        if (rex.args.length === 2) return call('jsonValue', [json, path], true);
        // The ON EMPTY / ON ERROR behaviours and defaults: a NULL default is not a NULL result, and
        // a default that is not a string becomes one as Java prints it (DEFAULT FALSE is 'false').
        const rest = rex.args.slice(2).map((a, i) => {
          const v = this.gen(a);
          if (i % 2 === 0 || isString(a.type) || a.type.kind === 'NULL') return v.code;
          const show = this.constant((x: unknown) => formatSqlValue(x, a.type, 'print'));
          return `(${v.code} == null ? null : ${show}(${v.code}))`;
        });
        return this.strict(
          [json, path],
          `${this.fn('jsonValueWith')}(${json.code}, ${path.code}, ${rest.join(', ')})`,
          true,
        );
      }
      // Math.
      case 'ABS': {
        const [a] = this.args(rex);
        const k = rex.type.kind;
        return this.strict([a], k === 'INT' ? `Math.abs(${a.code}) | 0` : `Math.abs(${a.code})`);
      }
      case 'SIGN': {
        const [a] = this.args(rex);
        return this.strict([a], `Math.sign(${a.code}) + 0`);
      }
      case 'ROUND':
      case 'TRUNCATE': {
        const [a, d] = this.args(rex);
        const digits = d ?? { code: '0', nonNull: true };
        if (isInteger(at[0]))
          return this.strict(
            [a, digits],
            op === 'ROUND'
              ? `${this.fn('roundInteger')}(${a.code}, ${digits.code})`
              : `${this.fn('truncateTo')}(${a.code}, ${digits.code})`,
          );
        const body =
          op === 'ROUND'
            ? `${this.fn('roundHalfUp')}(${a.code}, ${digits.code})`
            : `${this.fn('truncateTo')}(${a.code}, ${digits.code})`;
        return this.strict([a, digits], rex.type.kind === 'FLOAT' ? `Math.fround(${body})` : body);
      }
      case 'FLOOR':
      case 'CEIL': {
        const a = this.gen(rex.args[0]);
        if (rex.args.length === 2) {
          const unit = unitOf(rex.args[1], op);
          const f = this.fn(op === 'FLOOR' ? 'floorTimestamp' : 'ceilTimestamp');
          if (at[0].kind === 'DATE')
            return this.strict(
              [a],
              `Math.floor(${f}(${a.code} * ${MS_PER_DAY}, ${JSON.stringify(unit)}) / ${MS_PER_DAY})`,
            );
          return this.strict([a], `${f}(${a.code}, ${JSON.stringify(unit)})`);
        }
        if (isInteger(at[0]) || at[0].kind === 'DATE' || isTimestamp(at[0])) return a;
        return this.strict([a], `Math.${op === 'FLOOR' ? 'floor' : 'ceil'}(${a.code}) + 0`);
      }
      case 'POWER': {
        const [a, b] = this.args(rex);
        return this.strict([a, b], `Math.pow(${a.code}, ${b.code})`);
      }
      case 'SQRT':
      case 'EXP':
      case 'LN':
      case 'LOG10':
      case 'SIN':
      case 'COS':
      case 'TAN':
      case 'ASIN':
      case 'ACOS':
      case 'ATAN':
      case 'SINH':
      case 'COSH':
      case 'TANH': {
        const [a] = this.args(rex);
        const name = op === 'LN' ? 'log' : op.toLowerCase();
        return this.strict([a], `Math.${name}(${a.code})`);
      }
      case 'LOG2': {
        // As Flink computes it (Math.log2 can differ in the last digit).
        const [a] = this.args(rex);
        return this.strict([a], `Math.log(${a.code}) / Math.log(2)`);
      }
      case 'COT': {
        const [a] = this.args(rex);
        return this.strict([a], `1 / Math.tan(${a.code})`);
      }
      case 'ATAN2': {
        const [a, b] = this.args(rex);
        return this.strict([a, b], `Math.atan2(${a.code}, ${b.code})`);
      }
      case 'DEGREES': {
        const [a] = this.args(rex);
        return this.strict([a], `${a.code} * ${180 / Math.PI}`);
      }
      case 'RADIANS': {
        const [a] = this.args(rex);
        return this.strict([a], `${a.code} / ${180 / Math.PI}`);
      }
      case 'LOG': {
        const args = this.args(rex);
        if (args.length === 1) return this.strict(args, `Math.log(${args[0].code})`);
        return this.strict(args, `Math.log(${args[1].code}) / Math.log(${args[0].code})`);
      }
      case 'PI':
        return { code: String(Math.PI), nonNull: true };
      case 'E':
        return { code: String(Math.E), nonNull: true };
      case 'RAND': {
        const t = this.temp();
        if (rex.args.length === 0) this.emit(`${t} = Math.random();`);
        else {
          const seed = constantOf(rex.args[0]);
          if (typeof seed !== 'number') unsupported('RAND with a seed that is not a constant');
          this.emit(`${t} = ${this.constant(new lib.JavaRandom(seed))}.nextDouble();`);
        }
        return { code: t, nonNull: true };
      }
      case 'RAND_INTEGER': {
        if (rex.args.length === 1) {
          const [n] = this.args(rex);
          return this.strict([n], `${this.fn('randInteger')}(${n.code})`);
        }
        const seed = constantOf(rex.args[0]);
        if (typeof seed !== 'number') unsupported('RAND_INTEGER with a seed that is not a constant');
        const n = this.gen(rex.args[1]);
        return this.strict([n], `${this.constant(new lib.JavaRandom(seed))}.nextInt(${n.code})`);
      }
      // Time.
      case 'DATE_FORMAT': {
        const ts = this.gen(rex.args[0]);
        if (isString(at[0])) return call('dateFormatString', [ts, this.formatArg(rex.args[1])], true);
        const f = this.formatArg(rex.args[1], 'java-time');
        return this.strict([ts, f], `${this.fn('dateFormat')}(${this.millis(ts, at[0])}, ${f.code})`);
      }
      case 'YEAR':
      case 'QUARTER':
      case 'MONTH':
      case 'WEEK':
      case 'DAYOFYEAR':
      case 'DAYOFMONTH':
      case 'DAYOFWEEK':
      case 'HOUR':
      case 'MINUTE':
      case 'SECOND': {
        const [a] = this.args(rex);
        return this.strict(
          [a],
          `${this.fn('extractField')}(${JSON.stringify(op)}, ${this.millis(a, at[0])})`,
        );
      }
      case 'EXTRACT': {
        const unit = unitOf(rex.args[0], 'EXTRACT');
        const a = this.gen(rex.args[1]);
        if (at[1].kind === 'INTERVAL_DAY_TIME' || at[1].kind === 'INTERVAL_YEAR_MONTH')
          return this.intervalField(unit, a, at[1]);
        return this.strict(
          [a],
          `${this.fn('extractField')}(${JSON.stringify(unit)}, ${this.millis(a, at[1])})`,
        );
      }
      case 'CURRENT_TIMESTAMP':
      case 'NOW':
      case 'LOCALTIMESTAMP':
      case 'CURRENT_ROW_TIMESTAMP':
      case 'PROCTIME': {
        const t = this.temp();
        this.emit(`${t} = CTX.now();`);
        return { code: t, nonNull: true };
      }
      case 'CURRENT_DATE': {
        const t = this.temp();
        this.emit(`${t} = Math.floor(CTX.now() / ${MS_PER_DAY});`);
        return { code: t, nonNull: true };
      }
      case 'TO_TIMESTAMP': {
        const s = this.gen(rex.args[0]);
        const f = this.formatArg(rex.args[1], 'java-time');
        return call('toTimestamp', [s, f], true);
      }
      case 'TO_DATE': {
        const s = this.gen(rex.args[0]);
        const f = this.formatArg(rex.args[1]);
        return call('toDate', [s, f], true);
      }
      case 'TO_TIMESTAMP_LTZ': {
        const v = this.gen(rex.args[0]);
        if (isString(at[0])) return call('toTimestamp', [v, this.formatArg(rex.args[1], 'java-time')], true);
        const p = rex.args[1] ? this.gen(rex.args[1]) : { code: '3', nonNull: true };
        return call('toTimestampLtz', [v, p]);
      }
      case 'UNIX_TIMESTAMP': {
        if (rex.args.length === 0) {
          const t = this.temp();
          this.emit(`${t} = Math.floor(CTX.now() / 1000);`);
          return { code: t, nonNull: true };
        }
        const s = this.gen(rex.args[0]);
        return call('unixTimestamp', [s, this.formatArg(rex.args[1])]);
      }
      case 'FROM_UNIXTIME': {
        const n = this.gen(rex.args[0]);
        return call('fromUnixtime', [n, this.formatArg(rex.args[1])]);
      }
      case 'TIMESTAMPADD': {
        const unit = JSON.stringify(unitOf(rex.args[0], 'TIMESTAMPADD'));
        const n = this.gen(rex.args[1]);
        const ts = this.gen(rex.args[2]);
        if (at[2].kind === 'DATE')
          return this.strict(
            [n, ts],
            `Math.floor(${this.fn('timestampAdd')}(${unit}, ${n.code}, ${ts.code} * ${MS_PER_DAY}) / ${MS_PER_DAY})`,
          );
        return this.strict([n, ts], `${this.fn('timestampAdd')}(${unit}, ${n.code}, ${ts.code})`);
      }
      case 'TIMESTAMPDIFF': {
        const unit = JSON.stringify(unitOf(rex.args[0], 'TIMESTAMPDIFF'));
        const a = this.gen(rex.args[1]);
        const b = this.gen(rex.args[2]);
        return this.strict(
          [a, b],
          `${this.fn('timestampDiff')}(${unit}, ${this.millis(a, at[1])}, ${this.millis(b, at[2])})`,
        );
      }
      // Text forms of numbers and strings, string tests (sql-text-functions.ts).
      case 'SHA1':
      case 'SHA224':
      case 'SHA384':
      case 'SHA512': {
        const [a] = this.args(rex);
        return this.strict([a], `${this.fn('shaHex')}(${a.code}, ${JSON.stringify(op.toLowerCase())})`);
      }
      case 'SHA2':
        return call('sha2', this.args(rex), true);
      case 'BTRIM': {
        const args = this.args(rex);
        const chars = args[1] ?? { code: '" "', nonNull: true };
        return this.strict([args[0], chars], `${this.fn('trim')}("BOTH", ${chars.code}, ${args[0].code})`);
      }
      case 'STARTSWITH':
        return call('startsWith', this.args(rex));
      case 'ENDSWITH':
        return call('endsWith', this.args(rex));
      case 'CARDINALITY': {
        const [a] = this.args(rex);
        return this.strict(
          [a],
          `(${a.code} instanceof Map ? ${a.code}.size : Array.isArray(${a.code}) ? ${a.code}.length : Object.keys(${a.code}).length)`,
        );
      }
      case 'BIN':
        return call('bin', this.args(rex));
      case 'HEX':
        return call('hexOf', this.args(rex));
      case 'TO_BASE64':
        return call('toBase64', this.args(rex));
      case 'FROM_BASE64':
        return call('fromBase64', this.args(rex));
      case 'CHR':
        return call('chr', this.args(rex));
      case 'PARSE_URL':
        return call('parseUrl', this.args(rex), true);
      case 'CONVERT_TZ':
        return call('convertTz', this.args(rex), true);
      case 'IS_DIGIT':
      case 'IS_ALPHA':
      case 'IS_DECIMAL': {
        // NULL is an answer (FALSE) here, not a reason to skip the call.
        const [a] = this.args(rex);
        const t = this.temp();
        const name = op === 'IS_DIGIT' ? 'isDigit' : op === 'IS_ALPHA' ? 'isAlpha' : 'isDecimal';
        this.emit(`${t} = ${this.fn(name)}(${a.code});`);
        return { code: t, nonNull: true };
      }
      case 'GREATEST':
      case 'LEAST': {
        const args = this.args(rex);
        const t = this.temp();
        const cmp = op === 'GREATEST' ? '>' : '<';
        const checks = args.filter((a) => !a.nonNull).map((a) => `${a.code} == null`);
        const pick = args
          .slice(1)
          .map((a) => `if (${a.code} ${cmp} ${t}) ${t} = ${a.code};`)
          .join(' ');
        const body = `${t} = ${args[0].code}; ${pick}`;
        this.emit(checks.length === 0 ? body : `if (${checks.join(' || ')}) ${t} = null; else { ${body} }`);
        return { code: t, nonNull: checks.length === 0 };
      }
      // JSON (sql-json-functions.ts).
      case 'JSON_EXISTS':
      case 'JSON_QUERY': {
        const json = this.gen(rex.args[0]);
        const c = constantOf(rex.args[1]);
        const path =
          typeof c === 'string'
            ? { code: this.constant(functionLib.compileJsonPath(c)), nonNull: true }
            : this.gen(rex.args[1]);
        if (rex.args.length === 2)
          return call(op === 'JSON_EXISTS' ? 'jsonExists' : 'jsonQuery', [json, path], op === 'JSON_QUERY');
        // The clauses the parser passes on (JSON_EXISTS: ON ERROR; JSON_QUERY: wrapper, ON EMPTY,
        // ON ERROR and the returned type).
        const rest = rex.args.slice(2).map((a) => this.gen(a).code);
        const f = this.fn(op === 'JSON_EXISTS' ? 'jsonExistsOnError' : 'jsonQueryWith');
        return this.strict([json, path], `${f}(${json.code}, ${path.code}, ${rest.join(', ')})`, true);
      }
      case 'JSON_STRING': {
        const [a] = this.args(rex);
        const encode = this.constant(jsonLib.jsonEncoder(at[0]));
        return this.strict([a], `${this.fn('jsonString')}(${a.code}, ${encode})`);
      }
      case 'JSON_ARRAY':
      case 'JSON_OBJECT': {
        // The first argument is the ON NULL behaviour, a literal the parser adds.
        const absent = constantOf(rex.args[0]) === 'ABSENT';
        const args = this.args(rex).slice(1);
        const rest = rex.args.slice(1);
        const encoders = this.constant(rest.map((a) => jsonLib.jsonEncoder(a.type)));
        const raw = this.constant(
          rest.map((a) => a.kind === 'call' && (a.op === 'JSON_ARRAY' || a.op === 'JSON_OBJECT')),
        );
        const f = this.fn(op === 'JSON_ARRAY' ? 'jsonArray' : 'jsonObject');
        const t = this.temp();
        this.emit(`${t} = ${f}([${args.map((a) => a.code).join(', ')}], ${encoders}, ${raw}, ${absent});`);
        return { code: t, nonNull: true };
      }
      case 'IS_JSON': {
        const [s, kind] = this.args(rex);
        const t = this.temp();
        this.emit(`${t} = ${this.fn('isJson')}(${s.code}, ${kind.code});`);
        return { code: t, nonNull: true };
      }
      default:
        unsupported(`the function ${op}`);
    }
  }

  /** EXTRACT of an interval: its days, hours... (day-time) or years and months (year-month). */
  private intervalField(unit: string, a: Val, t: SqlType): Val {
    if (t.kind === 'INTERVAL_YEAR_MONTH') {
      const body =
        unit === 'YEAR' ? `Math.trunc(${a.code} / 12)` : unit === 'MONTH' ? `${a.code} % 12` : null;
      if (!body) unsupported(`EXTRACT(${unit}) of a year-month interval`);
      return this.strict([a], `${body} + 0`);
    }
    const ms: Record<string, [number, number]> = {
      DAY: [MS_PER_DAY, Number.MAX_SAFE_INTEGER],
      HOUR: [3_600_000, 24],
      MINUTE: [60_000, 60],
      SECOND: [1000, 60],
      MILLISECOND: [1, 60_000],
    };
    const u = ms[unit];
    if (!u) unsupported(`EXTRACT(${unit}) of a day-time interval`);
    return this.strict([a], `Math.trunc(${a.code} / ${u[0]}) % ${u[1]} + 0`);
  }
}
