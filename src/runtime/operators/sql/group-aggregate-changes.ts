import { sameValues } from '../../../core/row.ts';
import type { Output } from '../output.ts';

/**
 * The changes a group aggregate emits when a group's result goes from `prev` (null: the group had
 * no result) to `next` (null: the group is empty now), as Flink's group aggregates: `+I` for a new
 * group, `-U` of the old and `+U` of the new result for a change (nothing when it is unchanged),
 * `-D` of the old result for a group that emptied.
 */
export function emitGroupChange(
  output: Output,
  prev: unknown[] | null,
  next: unknown[] | null,
  timestamp: number,
): void {
  if (next === null) {
    if (prev !== null) output.collect({ kind: '-D', values: prev }, timestamp);
  } else if (prev === null) {
    output.collect({ kind: '+I', values: next }, timestamp);
  } else if (!sameValues(prev, next)) {
    output.collect({ kind: '-U', values: prev }, timestamp);
    output.collect({ kind: '+U', values: next }, timestamp);
  }
}

/**
 * A group aggregate's result row: the group key fields `keys` of an input row `input`, then the
 * aggregate results.
 *
 * @example
 * groupResultRow([1], ['x', 'a', 3], [7]); // ['a', 7]
 */
export function groupResultRow(
  keys: readonly number[],
  input: readonly unknown[],
  results: readonly unknown[],
): unknown[] {
  const out = new Array<unknown>(keys.length + results.length);
  for (let i = 0; i < keys.length; i++) out[i] = input[keys[i]];
  for (let i = 0; i < results.length; i++) out[keys.length + i] = results[i];
  return out;
}
