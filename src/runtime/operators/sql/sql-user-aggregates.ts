/**
 * User aggregate functions (core/aggregate-function.ts) in SQL's aggregate runtime
 * (sql-aggregates.ts). An aggregate call names its function's module and export; the operator
 * imports the modules when it opens (`loadUserAggregates`), before its first row, and the
 * accumulators find their definitions here. The accumulator is the function's own object, kept
 * in keyed state like the built-ins' accumulators.
 */
import type { AggregateFunctionDefinition } from '../../../core/aggregate-function.ts';
import { WeirError } from '../../../core/errors.ts';
import { importUserFunction, type UserFunctionLocation } from '../../../core/user-function.ts';
import type { AggCall } from '../../../sql/plan/rel.ts';

/** Imported definitions by `module#export`. */
const loaded = new Map<string, AggregateFunctionDefinition>();

function keyOf(location: UserFunctionLocation): string {
  return `${location.module}#${location.export}`;
}

/** Imports the modules of the user aggregates among `aggs` (an operator's config.aggs, if any). */
export async function loadUserAggregates(aggs: unknown): Promise<void> {
  if (!Array.isArray(aggs)) return;
  for (const call of aggs as AggCall[]) {
    const location = call?.location;
    if (location === undefined || loaded.has(keyOf(location))) continue;
    const fn = await importUserFunction(location);
    if (fn.kind !== 'aggregate-function') {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `export "${location.export}" of ${location.module} is not an aggregate function: define it with aggregateFunction({ ... })`,
      );
    }
    loaded.set(keyOf(location), fn);
  }
}

/** The accumulator operations sql-aggregates.ts runs for each aggregate call. */
export interface UserAgg {
  init(): unknown;
  add(a: unknown, v: unknown): unknown;
  retract(a: unknown, v: unknown): unknown;
  merge(a: unknown, b: unknown): unknown;
  result(a: unknown): unknown;
}

/**
 * The operations of a user aggregate call. `v` is the input row (its argument fields are read
 * from it: NULLs are passed), or for DISTINCT the one argument's value.
 */
export function userAggregate(call: AggCall): UserAgg {
  const location = call.location!;
  const key = keyOf(location);
  let def: AggregateFunctionDefinition | undefined = loaded.get(key);
  const resolve = (): AggregateFunctionDefinition => {
    def ??= loaded.get(key);
    if (def === undefined)
      throw new WeirError(
        'INVALID_ARGUMENT',
        `the aggregate function ${call.udf} (${key}) was not imported before its first row`,
      );
    return def;
  };
  const fields = call.args;
  const single = call.distinct;
  const n = fields.length;
  const apply = (method: 'accumulate' | 'retract', a: unknown, v: unknown): unknown => {
    const d = resolve();
    const fn = d[method];
    if (fn === undefined) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `the aggregate function ${call.udf} has no retract method, and its input retracted a row`,
      );
    }
    if (single) fn.call(d, a, v);
    else {
      const row = v as unknown[];
      if (n === 0) fn.call(d, a);
      else if (n === 1) fn.call(d, a, row[fields[0]]);
      else if (n === 2) fn.call(d, a, row[fields[0]], row[fields[1]]);
      else if (n === 3) fn.call(d, a, row[fields[0]], row[fields[1]], row[fields[2]]);
      else fn.call(d, a, ...fields.map((f) => row[f]));
    }
    return a;
  };
  return {
    init: () => resolve().createAccumulator(),
    add: (a, v) => apply('accumulate', a, v),
    retract: (a, v) => apply('retract', a, v),
    merge: (a, b) => {
      const d = resolve();
      if (d.merge === undefined) {
        throw new WeirError(
          'INVALID_ARGUMENT',
          `the aggregate function ${call.udf} has no merge method, which merging its accumulators needs`,
        );
      }
      d.merge(a, [b]);
      return a;
    },
    result: (a) => {
      const value = resolve().getValue(a);
      return value === undefined ? null : value;
    },
  };
}
