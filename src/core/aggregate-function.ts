/**
 * User-defined aggregate functions (UDAFs) in TypeScript, used like the built-in aggregates in
 * GROUP BY, window aggregations and OVER windows. An accumulator holds what a group has seen; it
 * is kept in keyed state and so goes into checkpoints and savepoints: make it plain data (objects,
 * arrays, numbers, strings, booleans, null, Maps), not an instance of a class.
 */
import { WeirError } from './errors.ts';

/**
 * An aggregate function over the rows of a group. `accumulate` adds a row's argument values to the
 * accumulator (changing it in place); `retract` takes them back, needed where the input updates (a
 * GROUP BY over another GROUP BY or an outer join) and for bounded OVER windows; `merge` folds
 * other accumulators in, needed for session and HOP windows. `getValue` computes the result, of the
 * declared SQL type `returns`. Rows whose arguments are all NULL are passed like any other.
 */
export interface AggregateFunctionDefinition<ACC = any, A extends unknown[] = any[], R = unknown> {
  readonly kind: 'aggregate-function';
  readonly returns: string;
  createAccumulator(): ACC;
  accumulate(acc: ACC, ...args: A): void;
  retract?(acc: ACC, ...args: A): void;
  merge?(acc: ACC, others: Iterable<ACC>): void;
  getValue(acc: ACC): R;
}

/**
 * Defines an aggregate function for SQL.
 *
 * @example
 * // udfs.ts
 * export const weightedAvg = aggregateFunction({
 *   returns: 'BIGINT',
 *   createAccumulator: () => ({ sum: 0, count: 0 }),
 *   accumulate(acc, value: number | null, weight: number | null) {
 *     if (value === null || weight === null) return;
 *     acc.sum += value * weight;
 *     acc.count += weight;
 *   },
 *   retract(acc, value: number | null, weight: number | null) {
 *     if (value === null || weight === null) return;
 *     acc.sum -= value * weight;
 *     acc.count -= weight;
 *   },
 *   getValue: (acc) => (acc.count === 0 ? null : Math.trunc(acc.sum / acc.count)),
 * });
 * // SQL: CREATE TEMPORARY FUNCTION weighted_avg AS './udfs.ts#weightedAvg';
 * //      SELECT name, weighted_avg(points, level) FROM players GROUP BY name;
 */
export function aggregateFunction<ACC, A extends unknown[], R>(definition: {
  returns: string;
  createAccumulator: () => ACC;
  accumulate: (acc: ACC, ...args: A) => void;
  retract?: (acc: ACC, ...args: A) => void;
  merge?: (acc: ACC, others: Iterable<ACC>) => void;
  getValue: (acc: ACC) => R;
}): AggregateFunctionDefinition<ACC, A, R> {
  const d = definition;
  if (
    typeof d?.returns !== 'string' ||
    typeof d.createAccumulator !== 'function' ||
    typeof d.accumulate !== 'function' ||
    typeof d.getValue !== 'function' ||
    (d.retract !== undefined && typeof d.retract !== 'function') ||
    (d.merge !== undefined && typeof d.merge !== 'function')
  ) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      'aggregateFunction needs { returns: <SQL type>, createAccumulator, accumulate, getValue } and optionally retract and merge',
    );
  }
  return {
    kind: 'aggregate-function',
    returns: d.returns,
    createAccumulator: d.createAccumulator,
    accumulate: d.accumulate,
    ...(d.retract ? { retract: d.retract } : {}),
    ...(d.merge ? { merge: d.merge } : {}),
    getValue: d.getValue,
  };
}
