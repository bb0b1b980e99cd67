/**
 * The window table function under an operator's input: window joins and window Top-N read the rows
 * of a TUMBLE, HOP or CUMULATE through projections and filters, and assign the windows themselves
 * after their exchange, so the planner composes those projections and filters down to expressions
 * over the table function's fields.
 */
import { WeirError } from '../../core/errors.ts';
import { conjunction } from '../plan/join-keys.ts';
import type { Rel } from '../plan/rel.ts';
import { inputRef, mapInputs, type Rex } from '../plan/rex.ts';

/** What the error messages call the operator and its keys. */
export interface WindowInputUse {
  /** e.g. `a window Top-N`: "<operator> over <node> is not supported yet". */
  operator: string;
  /** The refusal of computed keys, e.g. `partitions by columns of the table`. */
  keysMessage: string;
}

/**
 * The window table function under `rel` (through projections and filters), the expressions and
 * condition over its fields that make `rel`'s rows, and `keys` (fields of `rel`) as columns of the
 * table function's input: the exchange runs before the windows are assigned, so they must be plain
 * columns there.
 */
export function overWindowTable(
  rel: Rel,
  keys: readonly number[],
  use: WindowInputUse,
): { table: Rel & { kind: 'window-table' }; exprs: Rex[]; condition: Rex | null; keys: number[] } {
  let node = rel;
  let exprs: Rex[] = rel.fields.map((f, i) => inputRef(i, f.type));
  const conditions: Rex[] = [];
  while (node.kind !== 'window-table') {
    if (node.kind === 'project') {
      const inner = node.exprs;
      const through = (e: Rex): Rex => mapInputs(e, (ref) => inner[ref.index]);
      exprs = exprs.map(through);
      for (let i = 0; i < conditions.length; i++) conditions[i] = through(conditions[i]);
    } else if (node.kind === 'filter') conditions.push(node.condition);
    else throw new WeirError('SQL_UNSUPPORTED', `${use.operator} over ${node.kind} is not supported yet`);
    node = node.input;
  }
  const table = node;
  const inputKeys = keys.map((k) => {
    const e = exprs[k];
    if (e.kind !== 'input' || e.index >= table.input.fields.length) {
      throw new WeirError(
        'SQL_UNSUPPORTED',
        `${use.operator} right over a window table function ${use.keysMessage} (not computed ones) for now`,
      );
    }
    return e.index;
  });
  return { table, exprs, condition: conjunction(conditions), keys: inputKeys };
}
