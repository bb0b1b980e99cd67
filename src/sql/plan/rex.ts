/**
 * Bound scalar expressions: what the binder makes of the syntax tree's expressions once every name
 * is resolved and every type is known. A column becomes a field index of the input row, a function
 * a call of a known built-in (by its upper-case name) or user function, every node has its type.
 * Plain data: they travel in job graphs, and each task compiles them (runtime/operators/sql).
 */
import type { SqlType } from '../types.ts';

export type Rex = InputRef | Literal | Call | FieldAccess;

/** Field `index` of the input row (of a join: left fields first, then right). */
export interface InputRef {
  kind: 'input';
  index: number;
  type: SqlType;
}

/** A constant, already in its runtime form (types.ts): a number, string, boolean, null... */
export interface Literal {
  kind: 'literal';
  value: unknown;
  type: SqlType;
}

/**
 * A call: operators (`+`, `=`, `AND`, `NOT`, `IS NULL`, `CASE`, `CAST`, `LIKE`, `IN`...) and
 * functions (`UPPER`, `DATE_FORMAT`...) by their upper-case name; `udf` set for a user function,
 * by its catalog name.
 */
export interface Call {
  kind: 'call';
  op: string;
  args: Rex[];
  type: SqlType;
  /** A user-defined function's catalog name; absent for built-ins. */
  udf?: string;
}

/** Field `index` of a ROW value. */
export interface FieldAccess {
  kind: 'field';
  expr: Rex;
  index: number;
  name: string;
  type: SqlType;
}

export function inputRef(index: number, type: SqlType): InputRef {
  return { kind: 'input', index, type };
}

export function literal(value: unknown, type: SqlType): Literal {
  return { kind: 'literal', value, type };
}

export function call(op: string, args: Rex[], type: SqlType): Call {
  return { kind: 'call', op, args, type };
}

/** Structural equality, used to match SELECT expressions to GROUP BY expressions. */
export function sameRex(a: Rex, b: Rex): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'input':
      return a.index === (b as InputRef).index;
    case 'literal':
      return a.value === (b as Literal).value && a.type.kind === b.type.kind;
    case 'field':
      return a.index === (b as FieldAccess).index && sameRex(a.expr, (b as FieldAccess).expr);
    case 'call': {
      const c = b as Call;
      return (
        a.op === c.op &&
        a.udf === c.udf &&
        a.args.length === c.args.length &&
        a.args.every((x, i) => sameRex(x, c.args[i]))
      );
    }
  }
}

/** Applies `f` to every input reference, rebuilding the tree (for moving expressions across projections and joins). */
export function mapInputs(rex: Rex, f: (ref: InputRef) => Rex): Rex {
  switch (rex.kind) {
    case 'input':
      return f(rex);
    case 'literal':
      return rex;
    case 'field':
      return { ...rex, expr: mapInputs(rex.expr, f) };
    case 'call':
      return { ...rex, args: rex.args.map((a) => mapInputs(a, f)) };
  }
}

/** The input fields an expression reads. */
export function inputsOf(rex: Rex, out: Set<number> = new Set()): Set<number> {
  switch (rex.kind) {
    case 'input':
      out.add(rex.index);
      break;
    case 'field':
      inputsOf(rex.expr, out);
      break;
    case 'call':
      for (const a of rex.args) inputsOf(a, out);
      break;
  }
  return out;
}

/** Splits a condition into its AND-ed parts. */
export function conjuncts(rex: Rex): Rex[] {
  if (rex.kind === 'call' && rex.op === 'AND') return rex.args.flatMap(conjuncts);
  return [rex];
}
