/**
 * The runtime operator of a semi or anti join (subqueries in WHERE): both sides hashed by the
 * condition's equalities between a left and a right column, the rest of the condition checked on
 * each pair. Without such an equality (`NOT IN`'s NULL-aware condition) one subtask takes every row.
 */
import type { PhysicalTransformation, Transformation } from '../../graph/transformation.ts';
import type { Rel } from '../plan/rel.ts';
import { call, conjuncts, inputRef, inputsOf, mapInputs, type Rex } from '../plan/rex.ts';

/**
 * The parallelism a stateless operator takes after `input`: the input's when it has a fixed one (a
 * global aggregate or join runs in one subtask), so the changes of an updating result stay in
 * order (a `-U` before its `+U`) instead of being spread over subtasks, as in Flink's planner.
 */
export function inputParallelism(input: Transformation): number | undefined {
  return input.kind === 'physical' ? input.parallelism : undefined;
}

export function semiJoin(
  rel: Rel & { kind: 'semi-join' },
  left: Transformation,
  right: Transformation,
  keys: { leftKeys: number[]; rightKeys: number[]; residual: Rex | null },
  id: number,
  uid: string,
  stateTtl: number,
): PhysicalTransformation {
  const names = (k: number[], r: Rel) => k.map((i) => r.fields[i].name).join(', ');
  return {
    kind: 'physical',
    id,
    operator: 'sql-semi-anti-join',
    name: `Join(joinType=[${rel.anti ? 'LeftAntiJoin' : 'LeftSemiJoin'}], leftKeys=[${names(keys.leftKeys, rel.left)}], rightKeys=[${names(keys.rightKeys, rel.right)}])`,
    uid,
    inputs: [[left], [right]],
    config: { anti: rel.anti, ...keys, stateTtl },
    parallelism: keys.leftKeys.length === 0 ? 1 : undefined,
    chainable: true,
    source: false,
  };
}

/**
 * A semi or anti join whose condition equates an expression of the left rows with one of the right
 * rows (`LOWER(a) IN (SELECT LOWER(b) ...)`), rewritten so that the join is keyed by them: each
 * side gets the expression as an extra column, the condition equates the columns, and a projection
 * drops the left side's extra columns again. Null when there is no such equality.
 */
export function projectJoinKeys(rel: Rel & { kind: 'semi-join' }): Rel | null {
  const width = rel.left.fields.length;
  const rightWidth = rel.right.fields.length;
  const leftExtra: Rex[] = [];
  const rightExtra: Rex[] = [];
  const side = (r: Rex): 'left' | 'right' | null => {
    const inputs = [...inputsOf(r)];
    if (inputs.length === 0) return null;
    if (inputs.every((i) => i < width)) return 'left';
    if (inputs.every((i) => i >= width)) return 'right';
    return null;
  };
  // Placeholders first: right fields move by the number of left extras, known only at the end.
  const marks: { conjunct: number; left: number; right: number }[] = [];
  const parts = conjuncts(rel.condition);
  parts.forEach((c, k) => {
    if (c.kind !== 'call' || c.op !== '=') return;
    let [a, b] = c.args;
    if (side(a) === 'right' && side(b) === 'left') [a, b] = [b, a];
    if (side(a) !== 'left' || side(b) !== 'right') return;
    if (a.kind === 'input' && b.kind === 'input') return;
    const l = a.kind === 'input' ? a.index : width + leftExtra.push(a) - 1;
    const r =
      b.kind === 'input'
        ? b.index - width
        : rightWidth + rightExtra.push(mapInputs(b, (x) => inputRef(x.index - width, x.type))) - 1;
    marks.push({ conjunct: k, left: l, right: r });
  });
  if (marks.length === 0) return null;
  const withExtra = (input: Rel, extra: Rex[]): Rel =>
    extra.length === 0
      ? input
      : {
          kind: 'project',
          input,
          exprs: [...input.fields.map((f, i) => inputRef(i, f.type)), ...extra],
          fields: [...input.fields, ...extra.map((e, i) => ({ name: `$k${i}`, type: e.type }))],
        };
  const left = withExtra(rel.left, leftExtra);
  const right = withExtra(rel.right, rightExtra);
  const newWidth = left.fields.length;
  const shift = (r: Rex): Rex =>
    mapInputs(r, (x) => (x.index >= width ? inputRef(x.index + leftExtra.length, x.type) : x));
  const rewritten = parts.map((c, k) => {
    const m = marks.find((x) => x.conjunct === k);
    if (!m) return shift(c);
    return call(
      '=',
      [inputRef(m.left, left.fields[m.left].type), inputRef(newWidth + m.right, right.fields[m.right].type)],
      c.type,
    );
  });
  const condition = rewritten.reduce((a, b) =>
    call('AND', [a, b], { kind: 'BOOLEAN', nullable: a.type.nullable || b.type.nullable }),
  );
  const join: Rel = { ...rel, left, right, condition, fields: left.fields };
  return {
    kind: 'project',
    input: join,
    exprs: rel.fields.map((f, i) => inputRef(i, f.type)),
    fields: rel.fields,
  };
}
