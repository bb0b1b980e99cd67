/**
 * Filter push-down through a join: the parts of a join's condition that read one input only are
 * applied to that input before the join, so rows that can match nothing are neither sent to the
 * join nor kept in its state. In an inner join both sides' parts go down; in a LEFT join only the
 * right side's (every left row stays, matched or padded), in a RIGHT join only the left side's, and
 * nothing in a FULL join. Parts whose result could change between the input and the join (random
 * numbers, the clock, user functions) stay in the join.
 */
import type { Rel } from '../plan/rel.ts';
import { call, conjuncts, inputRef, inputsOf, mapInputs, type Rex } from '../plan/rex.ts';

type Join = Rel & { kind: 'join' };

/** Built-ins whose value is not a function of their arguments. */
const VOLATILE = new Set([
  'RAND',
  'RAND_INTEGER',
  'UUID',
  'NOW',
  'CURRENT_TIMESTAMP',
  'CURRENT_DATE',
  'CURRENT_TIME',
  'LOCALTIME',
  'LOCALTIMESTAMP',
  'PROCTIME',
  'UNIX_TIMESTAMP',
  'CURRENT_ROW_TIMESTAMP',
  'CURRENT_WATERMARK',
]);

/** `join` with the one-sided parts of its condition moved into filters on its inputs; null when none can move. */
export function pushJoinConditions(join: Join): Join | null {
  const pushLeft = join.joinType === 'INNER' || join.joinType === 'RIGHT';
  const pushRight = join.joinType === 'INNER' || join.joinType === 'LEFT';
  if (!pushLeft && !pushRight) return null;
  const width = join.left.fields.length;
  const left: Rex[] = [];
  const right: Rex[] = [];
  const kept: Rex[] = [];
  for (const c of conjuncts(join.condition)) {
    const fields = [...inputsOf(c)];
    if (fields.length > 0 && deterministic(c)) {
      if (pushLeft && fields.every((f) => f < width)) {
        left.push(c);
        continue;
      }
      if (pushRight && fields.every((f) => f >= width)) {
        right.push(mapInputs(c, (ref) => inputRef(ref.index - width, ref.type)));
        continue;
      }
    }
    kept.push(c);
  }
  if (left.length === 0 && right.length === 0) return null;
  return {
    ...join,
    left: filtered(join.left, left),
    right: filtered(join.right, right),
    condition: and(kept) ?? { kind: 'literal', value: true, type: { kind: 'BOOLEAN', nullable: false } },
  };
}

function filtered(rel: Rel, conditions: Rex[]): Rel {
  const condition = and(conditions);
  if (condition === null) return rel;
  if (rel.kind === 'project' && rel.separate === true) {
    // A join input narrowed to its used columns (prune-join-inputs.ts): the filter goes under the
    // narrowing, so that both run as one Calc.
    const below = mapInputs(condition, (ref) => rel.exprs[ref.index]);
    return {
      ...rel,
      input: { kind: 'filter', input: rel.input, condition: below, fields: rel.input.fields },
    };
  }
  return { kind: 'filter', input: rel, condition, fields: rel.fields };
}

function and(parts: Rex[]): Rex | null {
  if (parts.length === 0) return null;
  return parts.reduce((a, b) =>
    call('AND', [a, b], { kind: 'BOOLEAN', nullable: a.type.nullable || b.type.nullable }),
  );
}

function deterministic(rex: Rex): boolean {
  switch (rex.kind) {
    case 'call':
      return rex.udf === undefined && !VOLATILE.has(rex.op) && rex.args.every(deterministic);
    case 'field':
      return deterministic(rex.expr);
    default:
      return true;
  }
}
