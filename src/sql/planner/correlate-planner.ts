/**
 * The runtime operator of a Correlate (UNNEST, LATERAL TABLE): a stateless `sql-correlate` chained
 * to its input, so each row is expanded in the task that produced it, with no exchange.
 */
import type { UserFunctionLocation } from '../../core/user-function.ts';
import type { PhysicalTransformation, Transformation } from '../../graph/transformation.ts';
import type { Rel } from '../plan/rel.ts';
import { inputParallelism } from './semi-join-planner.ts';

export function correlate(
  rel: Rel & { kind: 'correlate' },
  input: Transformation,
  id: number,
  uid: string,
  functions: Record<string, UserFunctionLocation>,
): PhysicalTransformation {
  const width = rel.fields.length - rel.input.fields.length;
  return {
    kind: 'physical',
    id,
    operator: 'sql-correlate',
    name: `Correlate(invocation=[${rel.call.kind === 'unnest' ? 'UNNEST' : rel.call.name}], joinType=[${rel.joinType}], select=[${rel.fields.map((f) => f.name).join(', ')}])`,
    uid,
    inputs: [[input]],
    config: { joinType: rel.joinType, call: rel.call, args: rel.args, width, functions },
    parallelism: inputParallelism(input),
    chainable: true,
    source: false,
  };
}
