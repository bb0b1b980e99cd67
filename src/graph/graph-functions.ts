/**
 * What a job graph needs besides its data. Every operator spec and edge either is data all through
 * (a connector source, a built-in window assigner, a field key...) or names something only the job
 * module has (a user function, a custom object): `graphNeedsModule` tells which, and
 * `resolveGraphFunctions` builds the functions and objects of the data parts, so that a graph of
 * data only (a SQL planner's) runs with no module at all, in any slot.
 */
import { createSink, createSource } from '../core/connector-registry.ts';
import { WeirError } from '../core/errors.ts';
import { watermarkStrategyNeedsObject } from '../time/watermark-strategy-spec.ts';
import type { JobEdge, JobFunctions, JobGraph, JobVertex, OperatorFunctions } from './job-graph.ts';
import { type KeySelectorSpec, keySelectorFromSpec } from './key-selector-spec.ts';
import { FUNCTION_KINDS, OPERATOR_KINDS, type OperatorSpec } from './operator-spec.ts';

/** True when some operator or edge of `graph` needs a function or object from a job module. */
export function graphNeedsModule(graph: JobGraph): boolean {
  return moduleNeeds(graph).length > 0;
}

/**
 * Why `graph` needs a job module: one line per operator or edge that needs a function or object
 * from it ("operator "Map" (uid map-1): a map function"); empty when the graph is data only.
 */
export function moduleNeeds(graph: JobGraph): string[] {
  const needs: string[] = [];
  for (const vertex of graph.vertices) {
    for (const op of vertex.operators) {
      const what = operatorNeeds(op);
      if (what !== undefined) needs.push(`operator "${op.name}" (uid ${op.uid}): ${what}`);
      // A keyed operator's key is its hash input's (checked with the edges below).
      if (op.keyed && (vertex.operators[0] !== op || hashEdgesInto(graph, vertex, 0).length === 0))
        needs.push(`operator "${op.name}" (uid ${op.uid}): a key selector (keyed, without a hash input)`);
    }
  }
  for (const edge of graph.edges) {
    if (edge.partitioner.kind === 'custom') needs.push(`edge ${edge.id}: a custom partitioner`);
    else if (edge.partitioner.kind === 'hash' && keyOf(edge) === undefined)
      needs.push(`edge ${edge.id}: a key selector function`);
  }
  return needs;
}

function operatorNeeds(op: OperatorSpec): string | undefined {
  if (!OPERATOR_KINDS.includes(op.kind)) return `an operator of unknown kind "${op.kind}"`;
  if (FUNCTION_KINDS.has(op.kind)) return `a ${op.kind} function`;
  switch (op.kind) {
    case 'source':
      if (op.config.source?.kind !== 'connector') return 'a custom source';
      if (!op.config.watermarkStrategy || watermarkStrategyNeedsObject(op.config.watermarkStrategy))
        return 'a custom watermark strategy';
      return undefined;
    case 'timestamps-watermarks':
      if (!op.config.watermarkStrategy || watermarkStrategyNeedsObject(op.config.watermarkStrategy))
        return 'a custom watermark strategy';
      return undefined;
    case 'sink':
      return op.config.sink?.kind === 'connector' ? undefined : 'a custom sink';
    default:
      return undefined;
  }
}

/**
 * The job's functions completed from the graph's data: sources and sinks of registered connectors
 * (built by their factories), and key selectors with a data form. What `functions` holds already
 * (the job module's objects) is kept as it is.
 * @throws WeirError INVALID_GRAPH when a connector is not registered or its options are invalid.
 */
export function resolveGraphFunctions(graph: JobGraph, functions?: JobFunctions): JobFunctions {
  const result: JobFunctions = {
    operators: new Map(functions?.operators ?? []),
    edges: new Map(functions?.edges ?? []),
  };
  for (const vertex of graph.vertices) {
    vertex.operators.forEach((op, index) => {
      const own: OperatorFunctions = { ...(result.operators.get(op.uid) ?? {}) };
      if (own.fn === undefined) {
        if (op.kind === 'source' && op.config.source?.kind === 'connector') {
          own.fn = connector(op, () =>
            createSource((op.config.source as { identifier: string }).identifier, connectorOptions(op)),
          );
        } else if (op.kind === 'sink' && op.config.sink?.kind === 'connector') {
          own.fn = connector(op, () =>
            createSink((op.config.sink as { identifier: string }).identifier, connectorOptions(op)),
          );
        }
      }
      if (op.keyed && index === 0) {
        if (own.keySelector === undefined) {
          const key = hashEdgesInto(graph, vertex, 0).map(keyOf)[0];
          if (key !== undefined) own.keySelector = keySelectorFromSpec(key);
        }
        if (own.keySelector2 === undefined) {
          const key = hashEdgesInto(graph, vertex, 1).map(keyOf)[0];
          if (key !== undefined) own.keySelector2 = keySelectorFromSpec(key);
        }
      }
      result.operators.set(op.uid, own);
    });
  }
  for (const edge of graph.edges) {
    const own = { ...(result.edges.get(edge.id) ?? {}) };
    const key = keyOf(edge);
    if (own.keySelector === undefined && key !== undefined) own.keySelector = keySelectorFromSpec(key);
    result.edges.set(edge.id, own);
  }
  return result;
}

function connectorOptions(op: OperatorSpec): Record<string, unknown> {
  const spec = op.kind === 'source' ? op.config.source : op.kind === 'sink' ? op.config.sink : undefined;
  return spec?.kind === 'connector' ? (spec.options ?? {}) : {};
}

function connector<T>(op: OperatorSpec, build: () => T): T {
  try {
    return build();
  } catch (error) {
    throw new WeirError(
      'INVALID_GRAPH',
      `cannot build the ${op.kind} of operator "${op.name}" (uid ${op.uid}): ${(error as Error)?.message ?? error}`,
      { cause: error },
    );
  }
}

function hashEdgesInto(graph: JobGraph, vertex: JobVertex, input: number): JobEdge[] {
  return graph.edges.filter(
    (e) => e.target === vertex.id && e.targetInput === input && e.partitioner.kind === 'hash',
  );
}

/** The data form of a hash edge's key; undefined when it is a function (or not a hash edge). */
function keyOf(edge: JobEdge): KeySelectorSpec | undefined {
  if (edge.partitioner.kind !== 'hash') return undefined;
  const key = edge.partitioner.key;
  return key === undefined || key.kind === 'custom' ? undefined : key;
}
