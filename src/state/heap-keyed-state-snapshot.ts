import type { Key } from '../core/key.ts';
import type { KeyGroupRange } from './keyed-state-backend.ts';
import type { StateKind } from './state-descriptor.ts';

/**
 * A snapshot of a heap keyed state backend, as plain data (msgpack-able; JSON-able when keys and
 * values are). State is grouped by key group, so any backend whose range overlaps can restore its
 * part: the basis of rescaling.
 */
export interface HeapKeyedStateSnapshot {
  readonly maxParallelism: number;
  /** The range of the backend that took the snapshot. */
  readonly keyGroupRange: KeyGroupRange;
  readonly states: HeapStateSnapshot[];
}

export interface HeapStateSnapshot {
  readonly name: string;
  readonly kind: StateKind;
  /** Whether values carry TTL timestamps: each stored unit is a `{ value, timestamp }`. */
  readonly ttl: boolean;
  /** Non-empty key groups only, in ascending order. */
  readonly keyGroups: KeyGroupSnapshot[];
}

/**
 * The entries of one key group, `[key, stored]`. `stored` is the value for value, reducing (the
 * reduced value) and aggregating (the accumulator) state, an array for list state, and an array of
 * `[mapKey, mapValue]` pairs for map state; with TTL, each value, element or map value is a
 * `{ value, timestamp }`. A key may be a tuple (an array of primitives and nulls).
 */
export interface KeyGroupSnapshot {
  readonly keyGroup: number;
  /** The values of the void namespace (user state): the whole group before namespaces existed. */
  readonly entries: Array<[Key, unknown]>;
  /**
   * The values in other namespaces (internal-kv-state.ts; e.g. windows), `[key, namespace, stored]`
   * with `stored` as in `entries`; absent when there are none, so snapshots without namespaced
   * state are what they always were.
   */
  readonly namespaced?: Array<[Key, Key, unknown]>;
  /**
   * The void namespace's values as one array `[key, value, key, value, …]`, when every key and value
   * of the group is a number (counts, sums, ids: a snapshot of such state writes one typed array
   * per group instead of a pair per key); `entries` is then empty. Read both through
   * {@link voidEntries}.
   */
  readonly numbers?: Float64Array;
}

/** The void namespace's `[key, stored]` pairs of a key group, from `entries` and `numbers`. */
export function* voidEntries(group: KeyGroupSnapshot): Iterable<[Key, unknown]> {
  yield* group.entries;
  const numbers = group.numbers;
  if (numbers === undefined) return;
  for (let i = 0; i + 1 < numbers.length; i += 2) yield [numbers[i], numbers[i + 1]];
}
