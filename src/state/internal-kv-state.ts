/**
 * Namespaced keyed state, the internal side of keyed state (Flink's `InternalKvState`). Every value
 * of keyed state is addressed by (key, namespace): user functions see only the void namespace
 * ({@link VOID_NAMESPACE}), while a window operator scopes a state object to a window by setting
 * the window as its namespace (a number, a string, or a tuple such as `[start, end]`), so one state
 * holds the contents of every window of every key. The runtime sets the current key on the
 * backend; the namespace is set on each state object and applies to its later accesses.
 *
 * Both backends store the void namespace exactly as before namespaces existed (the heap: one Map
 * lookup; LMDB: the same bytes), so user state pays nothing for them. A namespaced value lives, on
 * the heap, in a per key group map namespace -> key -> value (one map per window and key group,
 * dropped when it empties) and, in LMDB, under `[key group][state key][namespace]`. Snapshots carry
 * namespaced values beside the void ones, per key group, so they rescale with their key. TTL
 * applies to each (key, namespace) value on its own.
 *
 * This API is not for user functions: a state object obtained from a runtime context must stay in
 * the void namespace.
 */
import type { Key } from '../core/key.ts';
import type { AggregatingState, ListState, MapState, ReducingState, State, ValueState } from './state.ts';

/**
 * The namespace of ordinary keyed state (Flink's `VoidNamespace`): a value of its own, so that no
 * key used as a namespace can collide with it.
 */
export const VOID_NAMESPACE: unique symbol = Symbol('weir.void-namespace');
export type VoidNamespace = typeof VOID_NAMESPACE;

/** A namespace: {@link VOID_NAMESPACE} or any key (a window as `[start, end]`, a number, a string). */
export type Namespace = Key | VoidNamespace;

/** The namespace operations every state object of a backend offers to operators. */
export interface InternalKvState extends State {
  /**
   * Scopes the later accesses of this state object (reads, writes, `clear()`) to
   * (current key, `namespace`). The namespace stays set until changed; restore
   * {@link VOID_NAMESPACE} before handing the object to user code.
   */
  setCurrentNamespace(namespace: Namespace): void;
  getCurrentNamespace(): Namespace;
  /**
   * The namespaces other than the void one that hold a value for the current key. Cost: LMDB reads
   * the key's own range; the heap looks through the namespaces of the key's key group.
   */
  namespaces(): Iterable<Key>;
}

/**
 * State whose values can be merged (list, reducing, aggregating), as for merging session windows
 * (Flink's `InternalMergingState`).
 */
export interface InternalMergingState extends InternalKvState {
  /**
   * Merges the values of the current key in `sources` into its value in `target` and clears the
   * sources: lists are concatenated (sources' elements after the target's), reduced values are
   * reduced, accumulators merged with `AggregateFunction.merge`. Expired values (TTL) are skipped;
   * a merged single value is stamped now. The current namespace is left as it was.
   */
  mergeNamespaces(target: Namespace, sources: Iterable<Namespace>): void;
}

export type InternalValueState<T, V = T | undefined> = ValueState<T, V> & InternalKvState;
export type InternalListState<T> = ListState<T> & InternalMergingState;
export type InternalMapState<UK, UV> = MapState<UK, UV> & InternalKvState;
export type InternalReducingState<T> = ReducingState<T> & InternalMergingState;
export type InternalAggregatingState<IN, OUT> = AggregatingState<IN, OUT> & InternalMergingState;

/**
 * The namespace side of a state object from a keyed state backend (every state object of the heap
 * and LMDB backends implements it).
 *
 * @example
 * const contents = asInternalState<InternalListState<Event>>(backend.getListState(descriptor));
 * contents.setCurrentNamespace([window.start, window.end]);
 * contents.add(event);
 */
export function asInternalState<S extends InternalKvState>(state: State): S {
  return state as S;
}
