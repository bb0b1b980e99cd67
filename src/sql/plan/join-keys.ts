/**
 * The join keys of a join condition: its equalities between a left and a right column. Regular,
 * semi/anti, interval, window and temporal joins all hash both sides by them.
 */
import { call, conjuncts, type Rex } from './rex.ts';

/** A join condition split into its keys and the rest. */
export interface EquiKeys {
  /** Left fields of the equalities, in the condition's order. */
  leftKeys: number[];
  /** The right fields they equal (indices into the right input), pairwise with `leftKeys`. */
  rightKeys: number[];
  /** The other conjuncts (a literal TRUE dropped). */
  rest: Rex[];
}

/**
 * The equalities `left.a = right.b` (either way round) of a join condition over the left input's
 * `leftWidth` fields followed by the right input's, and the rest of its conjuncts.
 *
 * @example
 * // ON l.id = r.id AND r.x > 1, left of 2 fields: `$0 = $3 AND $4 > 1`
 * equiKeys(condition, 2); // { leftKeys: [0], rightKeys: [1], rest: [`$4 > 1`] }
 */
export function equiKeys(condition: Rex, leftWidth: number): EquiKeys {
  const leftKeys: number[] = [];
  const rightKeys: number[] = [];
  const rest: Rex[] = [];
  for (const c of conjuncts(condition)) {
    const key = keyEquality(c, leftWidth);
    if (key) {
      leftKeys.push(key[0]);
      rightKeys.push(key[1]);
    } else if (!(c.kind === 'literal' && c.value === true)) rest.push(c);
  }
  return { leftKeys, rightKeys, rest };
}

/**
 * `[left field, right field]` of a conjunct that is an equality between a left and a right column
 * (either way round), or null.
 *
 * @example
 * keyEquality(`$3 = $0`, 2); // [0, 1]
 */
export function keyEquality(c: Rex, leftWidth: number): [number, number] | null {
  if (c.kind !== 'call' || c.op !== '=' || c.args[0].kind !== 'input' || c.args[1].kind !== 'input')
    return null;
  const a = c.args[0].index;
  const b = c.args[1].index;
  if (a < leftWidth && b >= leftWidth) return [a, b - leftWidth];
  if (b < leftWidth && a >= leftWidth) return [b, a - leftWidth];
  return null;
}

/**
 * The conjuncts AND-ed into one condition (nullable when any part is), or null for none: the
 * residual condition of a join after its keys.
 *
 * @example
 * conjunction(equiKeys(condition, 2).rest); // `$4 > 1`
 */
export function conjunction(parts: readonly Rex[]): Rex | null {
  if (parts.length === 0) return null;
  return parts.reduce((a, b) =>
    call('AND', [a, b], { kind: 'BOOLEAN', nullable: a.type.nullable || b.type.nullable }),
  );
}
