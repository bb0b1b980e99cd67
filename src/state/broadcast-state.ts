/**
 * Broadcast state, as in Flink: a map per state descriptor, held by every subtask of a broadcast
 * operator. Every subtask receives every broadcast element and must change its copy in the same
 * way, so only the broadcast side (`processBroadcastElement`) may write; the other input reads.
 */

/** What `processElement` sees of broadcast state: reads only. */
export interface ReadOnlyBroadcastState<K, V> {
  get(key: K): V | undefined;
  contains(key: K): boolean;
  /** Entries in insertion order (fresh pairs: changing them does not change the state). */
  entries(): IterableIterator<[K, V]>;
  /** Flink's name for {@link entries}. */
  immutableEntries(): IterableIterator<[K, V]>;
  keys(): IterableIterator<K>;
  values(): IterableIterator<V>;
  size(): number;
  isEmpty(): boolean;
}

/** What `processBroadcastElement` sees of broadcast state: reads and writes. */
export interface BroadcastState<K, V> extends ReadOnlyBroadcastState<K, V> {
  put(key: K, value: V): void;
  putAll(entries: Iterable<readonly [K, V]> | Map<K, V>): void;
  remove(key: K): void;
  clear(): void;
}
