/**
 * The storage of one named state in the heap backend: one native `Map<Key, stored>` per key group
 * the backend owns, in an array indexed by `keyGroup - range.start`, for the void namespace. State
 * objects find the current key's map through a shared {@link HeapKeyContext}, so an access with a
 * primitive key is an array index and a Map lookup, with no allocation. Tuple keys are stored under
 * a canonical instance found by value (a {@link TupleIndex} per group). Why not a `KeyMap` here:
 * with a million keys (entries missing the CPU cache) a read and update through one measured about
 * 1.4 times slower than a native Map call inlined into the caller's loop (bench/state-backends.ts).
 *
 * Namespaced values (internal-kv-state.ts) live beside them: per key group, a map namespace ->
 * (key -> stored), so one window holds one map per key group rather than one per key; a
 * namespace's map is dropped when its last value is.
 */
import { WeirError } from '../core/errors.ts';
import type { Key } from '../core/key.ts';
import { KeyMap, TupleIndex } from '../core/key-map.ts';
import { type Namespace, VOID_NAMESPACE } from './internal-kv-state.ts';
import type { State } from './state.ts';
import type { StateKind } from './state-descriptor.ts';
import { type TtlPolicy, TtlValue } from './ttl-value.ts';

/** The backend's current key, shared by every state object of the backend. */
export class HeapKeyContext {
  key: Key = '';
  keyGroup = -1;
  /** `keyGroup - range.start`, or -1 when no key is set (so the group lookup finds nothing). */
  index = -1;
  /**
   * The index of the fast path ({@link StateTable.get}): `index` for a primitive key, else the
   * number of groups, whose slot is always empty (so tuple keys and no key take the slow path).
   */
  fastIndex: number;
  /** The number of groups of the backend: the empty slot of the fast path. */
  readonly noFastPath: number;

  constructor(groupCount: number) {
    this.noFastPath = groupCount;
    this.fastIndex = groupCount;
  }

  set(key: Key, keyGroup: number, index: number): void {
    this.key = key;
    this.keyGroup = keyGroup;
    this.index = index;
    this.fastIndex = typeof key === 'object' ? this.noFastPath : index;
  }

  unset(): void {
    this.index = -1;
    this.keyGroup = -1;
    this.fastIndex = this.noFastPath;
  }
}

export class StateTable {
  readonly name: string;
  readonly kind: StateKind;
  /**
   * The void namespace's values, per owned key group: native Maps, called directly on the record
   * path. Tuple keys are stored under their canonical instance from {@link tupleKeys}.
   */
  readonly groups: Array<Map<Key, unknown>>;
  /** The canonical tuple keys of each group's void-namespace Map; undefined until a tuple is stored. */
  private readonly tupleKeys: Array<TupleIndex | undefined>;
  /** Namespaced values per owned key group, namespace -> key -> stored; undefined until used. */
  readonly namespaced: Array<KeyMap<KeyMap<unknown>> | undefined>;
  /** Whether stored values are wrapped in {@link TtlValue} (lists and maps: each element or entry). */
  wrapped: boolean;
  /** The state object, once an operator asked for it (a restored table has none until then). */
  state: State | undefined = undefined;
  ttl: TtlPolicy | undefined = undefined;
  private currentNamespace: Namespace = VOID_NAMESPACE;
  /**
   * The maps of the fast path, by {@link HeapKeyContext.fastIndex}: `groups` and an empty last slot
   * in the void namespace, only empty slots in another. One array load then tells whether the
   * access is a plain Map call, which keeps the record path as small as it was before tuples and
   * namespaces (small enough for V8 to inline it whole into the caller's loop).
   */
  private fast: ReadonlyArray<Map<Key, unknown> | undefined>;
  private readonly voidFast: ReadonlyArray<Map<Key, unknown> | undefined>;
  private readonly noFast: ReadonlyArray<undefined>;

  constructor(name: string, kind: StateKind, groupCount: number, wrapped: boolean) {
    this.name = name;
    this.kind = kind;
    this.wrapped = wrapped;
    this.groups = new Array(groupCount);
    this.tupleKeys = new Array(groupCount).fill(undefined);
    this.namespaced = new Array(groupCount).fill(undefined);
    for (let i = 0; i < groupCount; i++) this.groups[i] = new Map();
    this.voidFast = [...this.groups, undefined];
    this.noFast = new Array(groupCount + 1).fill(undefined);
    this.fast = this.voidFast;
  }

  /** The namespace of the state object's accesses (one state object per table). */
  get namespace(): Namespace {
    return this.currentNamespace;
  }

  set namespace(namespace: Namespace) {
    this.currentNamespace = namespace;
    this.fast = namespace === VOID_NAMESPACE ? this.voidFast : this.noFast;
  }

  /** The stored value of the current (key, namespace), or undefined; throws when no key is set. */
  get(ctx: HeapKeyContext): unknown {
    // The record path of user state: an array index and a native Map lookup.
    const map = this.fast[ctx.fastIndex];
    if (map !== undefined) return map.get(ctx.key);
    return this.getAt(this.checkedIndex(ctx), this.currentNamespace, ctx.key);
  }

  set(ctx: HeapKeyContext, stored: unknown): void {
    const map = this.fast[ctx.fastIndex];
    if (map !== undefined) map.set(ctx.key, stored);
    else this.setAt(this.checkedIndex(ctx), this.currentNamespace, ctx.key, stored);
  }

  delete(ctx: HeapKeyContext): void {
    const map = this.fast[ctx.fastIndex];
    if (map !== undefined) map.delete(ctx.key);
    else this.deleteAt(this.checkedIndex(ctx), this.currentNamespace, ctx.key, undefined);
  }

  /** The stored value of `key` in `namespace` of the group at `index`, or undefined. */
  getAt(index: number, namespace: Namespace, key: Key): unknown {
    if (namespace !== VOID_NAMESPACE) return this.namespaced[index]?.get(namespace)?.get(key);
    if (typeof key !== 'object') return this.groups[index].get(key);
    const canonical = this.tupleKeys[index]?.find(key);
    return canonical === undefined ? undefined : this.groups[index].get(canonical);
  }

  /** Stores `key`'s value in `namespace` of the group at `index` (for restores and the slow path). */
  setAt(index: number, namespace: Namespace, key: Key, stored: unknown): void {
    if (namespace !== VOID_NAMESPACE) {
      const namespaces = (this.namespaced[index] ??= new KeyMap());
      let map = namespaces.get(namespace);
      if (map === undefined) namespaces.set(namespace, (map = new KeyMap()));
      map.set(key, stored);
    } else if (typeof key !== 'object') {
      this.groups[index].set(key, stored);
    } else {
      this.groups[index].set((this.tupleKeys[index] ??= new TupleIndex()).intern(key), stored);
    }
  }

  /**
   * Removes `key`'s value in `namespace` of the group at `index` (only if it is `expected`, when
   * given), dropping the namespace's map when it empties. For iterators that outlive the current
   * key, and cleanups.
   */
  deleteAt(index: number, namespace: Namespace, key: Key, expected: unknown): void {
    if (index < 0 || index >= this.groups.length) throw noCurrentKey(this.name);
    if (namespace === VOID_NAMESPACE) {
      const map = this.groups[index];
      let stateKey: Key | undefined = key;
      if (typeof key === 'object') {
        const tuples = this.tupleKeys[index];
        stateKey = tuples?.find(key);
        if (stateKey === undefined || (expected !== undefined && map.get(stateKey) !== expected)) return;
        tuples!.remove(stateKey);
      } else if (expected !== undefined && map.get(key) !== expected) {
        return;
      }
      map.delete(stateKey);
      return;
    }
    const namespaces = this.namespaced[index];
    const map = namespaces?.get(namespace);
    if (map === undefined || (expected !== undefined && map.get(key) !== expected)) return;
    map.delete(key);
    if (map.size === 0) namespaces!.delete(namespace);
  }

  /** The namespaces (not void) holding a value of the current key. */
  *namespacesOf(ctx: HeapKeyContext): Iterable<Key> {
    const namespaces = this.namespaced[this.checkedIndex(ctx)];
    if (namespaces === undefined) return;
    const key = ctx.key;
    for (const [namespace, map] of namespaces) if (map.has(key)) yield namespace;
  }

  /** The keys with a value in `namespace` (void or not), over every owned key group. */
  *keysIn(namespace: Namespace): Iterable<Key> {
    for (let i = 0; i < this.groups.length; i++) {
      const map = namespace === VOID_NAMESPACE ? this.groups[i] : this.namespaced[i]?.get(namespace);
      if (map !== undefined) yield* map.keys();
    }
  }

  /**
   * Calls `f` with each map of group `index` (the void namespace's, then each namespace's). `f` may
   * replace the values of existing keys, but must remove entries with {@link deleteAt}.
   */
  forEachIn(index: number, f: (map: ReadonlyMap<Key, unknown>, namespace: Namespace) => void): void {
    f(this.groups[index], VOID_NAMESPACE);
    const namespaces = this.namespaced[index];
    if (namespaces !== undefined) for (const [namespace, map] of namespaces) f(map, namespace);
  }

  /** Removes every value (every namespace). */
  clearAll(): void {
    for (let i = 0; i < this.groups.length; i++) {
      this.groups[i].clear();
      this.tupleKeys[i] = undefined;
      this.namespaced[i] = undefined;
    }
  }

  /** Number of (key, namespace) values held. */
  size(): number {
    let n = 0;
    for (let i = 0; i < this.groups.length; i++) {
      n += this.groups[i].size;
      const namespaces = this.namespaced[i];
      if (namespaces !== undefined) for (const map of namespaces.values()) n += map.size;
    }
    return n;
  }

  private checkedIndex(ctx: HeapKeyContext): number {
    const index = ctx.index;
    if (index < 0 || index >= this.groups.length) throw noCurrentKey(this.name);
    return index;
  }
}

export function noCurrentKey(stateName: string): WeirError {
  return new WeirError(
    'STATE_ERROR',
    `state "${stateName}" was used with no current key: keyed state is available only while a keyed record or timer is processed`,
  );
}

/**
 * Reads a single wrapped value (value, reducing and aggregating state) with TTL semantics: an
 * expired value is removed and returned only with `ReturnExpiredIfNotCleanedUp`; a live one is
 * refreshed with `OnReadAndWrite`.
 */
export function readTtlSingle(table: StateTable, ctx: HeapKeyContext, ttl: TtlPolicy): unknown {
  const entry = table.get(ctx) as TtlValue<unknown> | undefined;
  if (entry === undefined) return undefined;
  const now = ttl.now();
  if (ttl.isExpired(entry.timestamp, now)) {
    table.delete(ctx);
    return ttl.returnExpired ? entry.value : undefined;
  }
  if (ttl.updateOnRead) entry.timestamp = now;
  return entry.value;
}

/**
 * The current value to merge a write into (reducing and aggregating state): an expired value
 * counts as absent unless expired values are visible.
 */
export function currentTtlSingle(
  table: StateTable,
  ctx: HeapKeyContext,
  ttl: TtlPolicy,
  now: number,
): unknown {
  const entry = table.get(ctx) as TtlValue<unknown> | undefined;
  if (entry === undefined) return undefined;
  if (!ttl.returnExpired && ttl.isExpired(entry.timestamp, now)) return undefined;
  return entry.value;
}

/** Stores a single wrapped value stamped `now`, reusing the existing wrapper. */
export function writeTtlSingle(table: StateTable, ctx: HeapKeyContext, value: unknown, now: number): void {
  const entry = table.get(ctx) as TtlValue<unknown> | undefined;
  if (entry === undefined) {
    table.set(ctx, new TtlValue(value, now));
  } else {
    entry.value = value;
    entry.timestamp = now;
  }
}
