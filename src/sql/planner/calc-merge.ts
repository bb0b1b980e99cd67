/**
 * Calc merging: a projection or filter whose input is a projection or filter used by nothing else
 * runs as one Calc with it, so a record makes one row instead of two (in q5 the bids' view and the
 * window's arguments are one Calc, fused with the table's watermark assigner). An input that other
 * operators read too (sub-plan reuse) stays a Calc of its own, computed once for all of them.
 */
import type { Rel } from '../plan/rel.ts';
import { call, mapInputs, type Rex } from '../plan/rex.ts';

/**
 * Which nodes each node of the plans is an input of, by the nodes' text (equal sub-plans are one):
 * `uses.get(key).size` is the number of distinct consumers of the sub-plan `key`.
 */
export function consumersOf(roots: readonly Rel[]): Map<string, Set<string>> {
  const uses = new Map<string, Set<string>>();
  const seen = new Set<string>();
  const visit = (rel: Rel, key: string): void => {
    if (seen.has(key)) return;
    seen.add(key);
    for (const input of inputsOfRel(rel)) {
      const inputKey = JSON.stringify(input);
      let set = uses.get(inputKey);
      if (set === undefined) uses.set(inputKey, (set = new Set()));
      set.add(key);
      visit(input, inputKey);
    }
  };
  for (const root of roots) visit(root, JSON.stringify(root));
  return uses;
}

/** The inputs of a node: every Rel-valued property (a node kind added later is covered too). */
function inputsOfRel(rel: Rel): Rel[] {
  const out: Rel[] = [];
  for (const value of Object.values(rel)) {
    if (isRel(value)) out.push(value);
    else if (Array.isArray(value)) for (const v of value) if (isRel(v)) out.push(v);
  }
  return out;
}

function isRel(value: unknown): value is Rel {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { kind?: unknown }).kind === 'string' &&
    Array.isArray((value as { fields?: unknown }).fields)
  );
}

/**
 * The Calc `exprs` / `condition` over `input` merged into `input` (a projection or a filter), or null
 * when they cannot be: an input expression (not a field or a literal) that the outer Calc reads more
 * than once would be computed twice per row.
 */
export function mergeCalc(
  input: Rel,
  exprs: Rex[],
  condition: Rex | null,
): { input: Rel; exprs: Rex[]; condition: Rex | null } | null {
  if (keepsRules(input)) return null;
  if (input.kind === 'filter') {
    return {
      input: input.input,
      exprs,
      condition: condition === null ? input.condition : and(input.condition, condition),
    };
  }
  if (input.kind !== 'project' || input.separate === true) return null;
  const reads = new Map<number, number>();
  const count = (rex: Rex): void => {
    if (rex.kind === 'input') reads.set(rex.index, (reads.get(rex.index) ?? 0) + 1);
    else if (rex.kind === 'field') count(rex.expr);
    else if (rex.kind === 'call') for (const a of rex.args) count(a);
  };
  for (const e of exprs) count(e);
  if (condition !== null) count(condition);
  for (const [index, n] of reads) {
    const inner = input.exprs[index];
    if (n > 1 && !cheap(inner)) return null;
  }
  const substitute = (rex: Rex): Rex => mapInputs(rex, (ref) => input.exprs[ref.index]);
  return {
    input: input.input,
    exprs: exprs.map(substitute),
    condition: condition === null ? null : substitute(condition),
  };
}

function and(a: Rex, b: Rex): Rex {
  return call('AND', [a, b], { kind: 'BOOLEAN', nullable: a.type.nullable || b.type.nullable });
}

/**
 * Whether `rel` is a node the planner rewrites by a rule of its own, which a merge would skip: a
 * filter over a join (filter push-down, interval joins) or over a ranking (Top-N), and a projection
 * over either or over a join (projection push-down into the join's inputs).
 */
function keepsRules(rel: Rel): boolean {
  const ruled = (r: Rel): boolean => r.kind === 'join' || r.kind === 'over';
  if (rel.kind === 'filter') return ruled(rel.input);
  if (rel.kind === 'project')
    return ruled(rel.input) || (rel.input.kind === 'filter' && ruled(rel.input.input));
  return false;
}

/** A field, a literal or a field of a ROW field: as cheap to read twice as to pass on. */
function cheap(rex: Rex): boolean {
  return rex.kind === 'input' || rex.kind === 'literal' || (rex.kind === 'field' && cheap(rex.expr));
}
