/**
 * The runtime operator of an event-time temporal join: `sql-temporal-join`, both inputs keyed by
 * the ON condition's equalities (the versioned table's primary key among them), the rest of the
 * condition checked on each joined row.
 */
import type { PhysicalTransformation, Transformation } from '../../graph/transformation.ts';
import { conjunction, equiKeys } from '../plan/join-keys.ts';
import type { Rel } from '../plan/rel.ts';
import type { Rex } from '../plan/rex.ts';

/** How the physical planner builds a temporal join's inputs. */
export interface TemporalJoinInputs {
  /** The transformation of `rel`, with a hash exchange on `keys`. */
  keyed(rel: Rel, keys: number[]): Transformation;
}

/**
 * The `sql-temporal-join` transformation of `rel`, with its keyed inputs.
 *
 * @example
 * // ON o.currency = r.currency AND r.rate > 100: keys [currency] / [currency], residual `rate > 100`
 * temporalJoinOperator(rel, { keyed: (r, keys) => hashBy(translate(r), keys) }, ids, 0);
 */
export function temporalJoinOperator(
  rel: Rel & { kind: 'temporal-join' },
  inputs: TemporalJoinInputs,
  ids: { id: () => number; uid: (id: number) => string },
  stateTtl: number,
): PhysicalTransformation {
  const { leftKeys, rightKeys, rest } = equiKeys(rel.condition, rel.left.fields.length);
  const residual: Rex | null = conjunction(rest);
  // Inputs first: the graph builder orders operators by id.
  const left = inputs.keyed(rel.left, leftKeys);
  const right = inputs.keyed(rel.right, rightKeys);
  const id = ids.id();
  const names = (keys: number[], r: Rel) => keys.map((k) => r.fields[k].name).join(', ');
  return {
    kind: 'physical',
    id,
    operator: 'sql-temporal-join',
    name: `TemporalJoin(joinType=[${rel.joinType === 'LEFT' ? 'LeftOuterJoin' : 'InnerJoin'}], leftKeys=[${names(leftKeys, rel.left)}], rightKeys=[${names(rightKeys, rel.right)}], asOf=[${rel.left.fields[rel.leftTime].name}])`,
    uid: ids.uid(id),
    inputs: [[left], [right]],
    config: {
      joinType: rel.joinType,
      leftTime: rel.leftTime,
      rightTime: rel.rightTime,
      rightWidth: rel.right.fields.length,
      leftKeys,
      rightKeys,
      residual,
      stateTtl,
    },
    chainable: true,
    source: false,
  };
}
