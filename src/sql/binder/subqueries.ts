/**
 * Subqueries in WHERE, as Flink plans them: a condition AND-ed at the top of the WHERE that is
 * `x [NOT] IN (SELECT ...)` or `[NOT] EXISTS (SELECT ...)` becomes a semi join (IN, EXISTS) or an
 * anti join (NOT IN, NOT EXISTS) of the query's rows with the subquery's. `NOT IN` is NULL-aware
 * as SQL defines it: a row is kept only when its value differs from every value of the subquery,
 * so a NULL on either side keeps nothing, unless the subquery is empty.
 */
import type { Expr, Query, SqlPos } from '../ast.ts';
import { forEachChild } from './binder.ts';

/** One subquery condition of a WHERE. */
export interface SubqueryPredicate {
  kind: 'in' | 'exists';
  /** NOT IN, NOT EXISTS. */
  not: boolean;
  /** The value of `x IN (...)`. */
  value: Expr | null;
  query: Query;
  pos: SqlPos;
}

/**
 * The AND-ed parts of a WHERE: the subquery conditions, the parts with scalar subqueries AND-ed
 * (`scalar`), and the rest AND-ed again (`plain`); null for none.
 */
export function splitSubqueries(where: Expr): {
  plain: Expr | null;
  scalar: Expr | null;
  subqueries: SubqueryPredicate[];
} {
  const parts: Expr[] = [];
  const flatten = (e: Expr): void => {
    if (e.kind === 'binary' && e.op === 'AND') {
      flatten(e.left);
      flatten(e.right);
    } else parts.push(e);
  };
  flatten(where);
  const subqueries: SubqueryPredicate[] = [];
  const plain: Expr[] = [];
  const scalar: Expr[] = [];
  for (const p of parts) {
    const s = subqueryPredicate(p, false);
    if (s) subqueries.push(s);
    else if (scalarSubqueries(p).length > 0) scalar.push(p);
    else plain.push(p);
  }
  if (subqueries.length === 0 && scalar.length === 0) return { plain: where, scalar: null, subqueries };
  const and = (list: Expr[]): Expr | null =>
    list.length === 0
      ? null
      : list.reduce((left, right) => ({ kind: 'binary', op: 'AND', left, right, pos: left.pos }));
  return { plain: and(plain), scalar: and(scalar), subqueries };
}

/** The scalar subqueries `(SELECT ...)` in an expression (not those inside other subqueries). */
export function scalarSubqueries(
  e: Expr,
  out: (Expr & { kind: 'subquery' })[] = [],
): (Expr & { kind: 'subquery' })[] {
  if (e.kind === 'subquery') out.push(e);
  else forEachChild(e, (x) => scalarSubqueries(x, out));
  return out;
}

function subqueryPredicate(e: Expr, negated: boolean): SubqueryPredicate | null {
  if (e.kind === 'unary' && e.op === 'NOT') return subqueryPredicate(e.operand, !negated);
  if (e.kind === 'exists') return { kind: 'exists', not: negated, value: null, query: e.query, pos: e.pos };
  if (e.kind === 'in' && e.query)
    return { kind: 'in', not: negated !== e.not, value: e.expr, query: e.query, pos: e.pos };
  return null;
}
