import { WeirError } from '../../core/errors.ts';

/**
 * The rule for `undefined`: it is not a record. An operator that emits `undefined` (a map function
 * without a `return`, `out.collect(undefined)` in a flatMap or process function, a reduce or
 * window function that returns nothing, a deserializer that returns nothing) fails with this error,
 * reported against that operator, at every parallelism. As Flink refuses null records; `null` is a
 * value here (it has a JSON form), so a function that means "no value" returns `null`, and one that
 * means "no record" drops it with filter or flatMap.
 */
export function undefinedRecordError(): WeirError {
  return new WeirError(
    'USER_FUNCTION_FAILED',
    'emitted undefined, which is not a record (a function without a return value, or ' +
      'collect(undefined)): return null for an absent value, or drop the record with filter or flatMap',
  );
}
