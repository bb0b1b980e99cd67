/**
 * How the binder sees table-valued calls and user aggregates: the columns UNNEST makes of a
 * collection and a table function of its result type (as Flink names them), and what a user
 * function's definition declares.
 */
import type { AnyUserFunctionDefinition } from '../../core/user-function.ts';
import type { CatalogFunction } from '../catalog/catalog.ts';
import type { CorrelateCall } from '../plan/rel.ts';
import { type RowField, type SqlType, T, withNullable } from '../types.ts';

/** What the catalog records of a definition besides its result type. */
export function userFunctionShape(
  definition: AnyUserFunctionDefinition,
): Pick<CatalogFunction, 'kind' | 'retract' | 'merge'> {
  switch (definition.kind) {
    case 'scalar-function':
      return { kind: 'scalar' };
    case 'table-function':
      return { kind: 'table' };
    case 'aggregate-function':
      return {
        kind: 'aggregate',
        retract: typeof definition.retract === 'function',
        merge: typeof definition.merge === 'function',
      };
  }
}

/**
 * The columns of `UNNEST(x)`, named as Flink (Calcite) names them: an ARRAY or MULTISET of ROWs
 * gives the ROW's fields, of anything else one column `EXPR$0`; a MAP gives `KEY` and `VALUE`;
 * WITH ORDINALITY adds `ORDINALITY` (INT NOT NULL). A string says why `type` cannot be unnested.
 */
export function unnestColumns(
  type: SqlType,
  ordinality: boolean,
): { call: CorrelateCall & { kind: 'unnest' }; fields: RowField[] } | string {
  let mode: 'elements' | 'rows' | 'map';
  let fields: RowField[];
  if (type.kind === 'ARRAY' || type.kind === 'MULTISET') {
    const element = type.element;
    if (element.kind === 'ROW') {
      mode = 'rows';
      fields = element.fields.map((f) => ({
        name: f.name,
        type: element.nullable ? withNullable(f.type, true) : f.type,
      }));
    } else {
      mode = 'elements';
      fields = [{ name: 'EXPR$0', type: element }];
    }
  } else if (type.kind === 'MAP') {
    mode = 'map';
    fields = [
      { name: 'KEY', type: type.key },
      { name: 'VALUE', type: type.value },
    ];
  } else {
    return 'UNNEST expects an ARRAY, MULTISET or MAP';
  }
  if (ordinality) fields.push({ name: 'ORDINALITY', type: T.int(false) });
  return { call: { kind: 'unnest', mode, ordinality }, fields };
}

/** The columns of a table function's rows: a ROW result's fields, or one column `f0`. */
export function tableFunctionColumns(returns: SqlType): { row: boolean; fields: RowField[] } {
  if (returns.kind === 'ROW') return { row: true, fields: returns.fields.map((f) => ({ ...f })) };
  return { row: false, fields: [{ name: 'f0', type: returns }] };
}
