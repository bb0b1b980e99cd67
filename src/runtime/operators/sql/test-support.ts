/**
 * Test support for the SQL runtime: binds SQL text with the real parser and binder over a table
 * `t`, compiles it, and evaluates it on rows of values; rows in and out of operator harnesses.
 */
import type { Row } from '../../../core/row.ts';
import { Binder, Catalog } from '../../../sql/binder/binder.ts';
import { parseScript } from '../../../sql/parser/parser.ts';
import type { Rel } from '../../../sql/plan/rel.ts';
import type { Rex } from '../../../sql/plan/rex.ts';
import type { SqlType } from '../../../sql/types.ts';
import type { OperatorHarness } from '../../../testing/operator-harness.ts';
import { compileProjection, compileScalar, type ExpressionContext } from './expression-compiler.ts';

/** The columns of the test table `t` (every test row gives values in this order). */
export const COLUMNS = `
  i INT, j INT, b BIGINT, d DOUBLE, f FLOAT, m DECIMAL(10, 2), s STRING, s2 STRING, flag BOOLEAN,
  ts TIMESTAMP(3), dt DATE, tm TIME, r ROW<x INT, y STRING>, arr ARRAY<INT>, mp MAP<STRING, INT>,
  n INT NOT NULL, ti TINYINT, si SMALLINT, p DECIMAL(22, 3)
`;
const NAMES = [
  'i',
  'j',
  'b',
  'd',
  'f',
  'm',
  's',
  's2',
  'flag',
  'ts',
  'dt',
  'tm',
  'r',
  'arr',
  'mp',
  'n',
  'ti',
  'si',
  'p',
];

/** A row of `t` with the named columns set and every other column NULL. */
export function row(fields: Record<string, unknown> = {}): unknown[] {
  return NAMES.map((n) => (n in fields ? fields[n] : n === 'n' ? 0 : null));
}

export const fixedClock: ExpressionContext & { time: number } = {
  time: Date.UTC(2024, 1, 29, 13, 45, 30, 123),
  now() {
    return this.time;
  },
};

/** Binds `SELECT <select> FROM t [WHERE <where>]` and returns its projection and condition. */
export function bindSelect(
  select: string,
  where?: string,
): { exprs: Rex[]; condition: Rex | null; types: SqlType[] } {
  const sql = `CREATE TABLE t (${COLUMNS}) WITH ('connector' = 'datagen');
SELECT ${select} FROM t${where ? ` WHERE ${where}` : ''}`;
  const catalog = new Catalog();
  let rel: Rel | undefined;
  for (const { statement } of parseScript(sql)) {
    const b = new Binder(catalog, sql);
    if (statement.kind === 'create-table') catalog.put(b.createTable(statement));
    else if (statement.kind === 'query') rel = b.query(statement.query);
  }
  let exprs: Rex[];
  let input = rel!;
  if (input.kind === 'project') {
    exprs = input.exprs;
    input = input.input;
  } else exprs = input.fields.map((f, i) => ({ kind: 'input', index: i, type: f.type }) as Rex);
  const condition = input.kind === 'filter' ? input.condition : null;
  return { exprs, condition, types: exprs.map((e) => e.type) };
}

/** The value of one SQL expression over a row of `t` (all NULL by default). */
export function evalSql(
  expr: string,
  fields: Record<string, unknown> = {},
  ctx: ExpressionContext = fixedClock,
): unknown {
  const { exprs } = bindSelect(expr);
  return compileScalar(exprs[0], ctx)(row(fields));
}

/** The values of a projection with an optional WHERE over a row of `t`. */
export function project(
  select: string,
  where: string | undefined,
  fields: Record<string, unknown>,
): unknown[] | null {
  const { exprs, condition } = bindSelect(select, where);
  return compileProjection(exprs, condition, fixedClock)(row(fields));
}

/** An insert row (`+I`) of `values`, for an operator harness's input. */
export const ins = (...values: unknown[]): Row => ({ kind: '+I', values });

/**
 * The rows an operator harness emitted, as `kind` and JSON values.
 *
 * @example
 * assert.deepEqual(outputChanges(h), ['+I["a",1]', '-U["a",1]', '+U["a",2]']);
 */
export const outputChanges = (h: OperatorHarness): string[] =>
  (h.extractOutputValues() as Row[]).map((r) => `${r.kind}${JSON.stringify(r.values)}`);
