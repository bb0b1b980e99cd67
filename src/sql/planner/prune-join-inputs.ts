/**
 * Projection push-down into a join's inputs: a join keeps whole rows of both inputs in state, so
 * the columns that neither its condition nor the projection above it reads are dropped before the
 * join rather than after. Nexmark q7 keeps every bid until its window's maximum arrives; without
 * the bids' `channel` and `url` that state is two values per bid smaller.
 */
import type { Rel } from '../plan/rel.ts';
import { inputRef, inputsOf, mapInputs, type Rex } from '../plan/rex.ts';

type Project = Rel & { kind: 'project' };
type Join = Rel & { kind: 'join' };

/**
 * `project` (over a join, or over a filter over a join) with the join's inputs narrowed to the
 * columns used above and in the condition; null when every column is used.
 */
export function pruneJoinInputs(project: Project): Rel | null {
  const filter = project.input.kind === 'filter' ? project.input : null;
  const join = (filter ? filter.input : project.input) as Rel;
  if (join.kind !== 'join') return null;
  const used = new Set<number>();
  for (const e of project.exprs) inputsOf(e, used);
  if (filter) inputsOf(filter.condition, used);
  inputsOf(join.condition, used);
  const width = join.fields.length;
  if (used.size === width) return null;
  const leftWidth = join.left.fields.length;
  const leftKept: number[] = [];
  const rightKept: number[] = [];
  for (let i = 0; i < width; i++) {
    if (!used.has(i)) continue;
    if (i < leftWidth) leftKept.push(i);
    else rightKept.push(i - leftWidth);
  }
  // The new position of each kept join field: left ones first, then right ones.
  const position = new Map<number, number>();
  leftKept.forEach((f, i) => position.set(f, i));
  rightKept.forEach((f, i) => position.set(f + leftWidth, leftKept.length + i));
  const remap = (rex: Rex): Rex => mapInputs(rex, (ref) => inputRef(position.get(ref.index)!, ref.type));
  const pruned: Join = {
    ...join,
    left: narrow(join.left, leftKept),
    right: narrow(join.right, rightKept),
    condition: remap(join.condition),
    fields: [...leftKept.map((f) => join.fields[f]), ...rightKept.map((f) => join.fields[f + leftWidth])],
  };
  const input: Rel = filter
    ? { ...filter, input: pruned, condition: remap(filter.condition), fields: pruned.fields }
    : pruned;
  return { ...project, input, exprs: project.exprs.map(remap) };
}

/** `rel` projected to the fields `kept` (itself when that is all of them, in order). */
function narrow(rel: Rel, kept: number[]): Rel {
  if (kept.length === rel.fields.length && kept.every((f, i) => f === i)) return rel;
  return {
    kind: 'project',
    input: rel,
    exprs: kept.map((f) => inputRef(f, rel.fields[f].type)),
    fields: kept.map((f) => rel.fields[f]),
    // The input may feed other operators too (sub-plan reuse): it stays whole for them.
    separate: true,
  };
}
