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
