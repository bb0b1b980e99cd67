/**
 * The storage of one named state in the LMDB backend: an LMDB database keyed by key group, key and
 * namespace (see lmdb-key-codec.ts), behind a write-back cache of one `KeyMap` per owned key group
 * (and per namespace and key group for namespaced values).
 *
 * Writes go to the cache; the backend writes every cached entry to LMDB in one transaction when
 * enough have gathered, and before a snapshot. Reads look in the cache first, so they always see
 * the latest writes. A value read from LMDB that is an object stays in the cache too, and is
 * written back at the next flush: an object changed in place while its key is current is kept, as
 * on the heap (operators and user functions rely on it). Flushes happen only between keys, so such
 * an object is valid until the current key changes; a value held longer must be written with
 * `update`/`put`. Values are stored in the same form as on the heap (the value, each list element,
 * each map entry's value; with a TTL, each wrapped as `{ value, timestamp }`), so the heap's TTL and
 * snapshot conversions apply to them unchanged. List state has a table of its own, one entry per
 * element (lmdb-list-state-table.ts).
 */
import { WeirError } from '../core/errors.ts';
import type { Key } from '../core/key.ts';
import { KeyMap, sameKey } from '../core/key-map.ts';
import { noCurrentKey } from './heap-state-table.ts';
import { type Namespace, VOID_NAMESPACE } from './internal-kv-state.ts';
import { sameNamespace } from './kv-state-merge.ts';
import { LmdbKey, MAP_ENTRY, NAMESPACES, STATE_KEY } from './lmdb-key-codec.ts';
import type { LmdbValueCodec } from './lmdb-value-codec.ts';
import { LmdbWriteCache } from './lmdb-write-cache.ts';
import type { State } from './state.ts';
import type { StateKind } from './state-descriptor.ts';
import { type TtlPolicy, TtlValue } from './ttl-value.ts';

/** A cached deletion: the entry is gone, whatever LMDB still holds until the next flush. */
export const DELETED: unique symbol = Symbol('deleted');
/** Returned by a {@link LmdbTable.transformAll} function to leave a stored value as it is. */
export const UNCHANGED: unique symbol = Symbol('unchanged');

/**
 * The part of an lmdb `Database` the backend uses, typed for its {@link LmdbKey} keys (written by
 * the database's key encoder) and binary values.
 */
export interface LmdbDatabase {
  /** The value in LMDB's shared read buffer, valid until the next read. */
  getBinaryFast(key: LmdbKey): Uint8Array | undefined;
  put(key: LmdbKey, value: Uint8Array): unknown;
  remove(key: LmdbKey): unknown;
  getRange(options?: {
    start?: LmdbKey;
    end?: LmdbKey;
    transaction?: LmdbReadTransaction;
  }): Iterable<{ key: LmdbKey; value: Uint8Array }>;
  getKeys(options?: { start?: LmdbKey; end?: LmdbKey; limit?: number }): Iterable<LmdbKey>;
  getStats(): { entryCount: number };
  clearSync(): void;
}

/** An LMDB read transaction held open (lmdb's `useReadTransaction`): a consistent view until `done`. */
export interface LmdbReadTransaction {
  done(): void;
}

/** One (key, namespace)'s stored value, as {@link LmdbTable.storedEntries} yields it: one object, reused. */
export class LmdbStoredEntry {
  keyGroup = 0;
  key: Key = '';
  namespace: Namespace = VOID_NAMESPACE;
  /** The stored value; for map state `Array<[mapKey, stored]>` (fresh for each entry). */
  stored: unknown = undefined;
}

/** The backend's current key and cache bookkeeping, shared by all its tables and state objects. */
export class LmdbKeyContext {
  key: Key = '';
  keyGroup = -1;
  /** `keyGroup - range.start`, or -1 when no key is set (so the cache lookup finds nothing). */
  index = -1;
  /** Entries cached since the last flush, over every table. */
  pending = 0;
  /** Addresses the current key's entries on reads (never held by LMDB past the call). */
  readonly ref = new LmdbKey();
}

/** What every table of one backend shares. */
export interface LmdbTableContext {
  readonly ctx: LmdbKeyContext;
  readonly codec: LmdbValueCodec;
  readonly rangeStart: number;
  readonly groupCount: number;
  /** Runs `action` in one LMDB write transaction. */
  transact(action: () => void): void;
}

/** The common part of single-value and map tables. */
export abstract class LmdbTable {
  readonly name: string;
  readonly kind: StateKind;
  /** Whether stored values carry TTL timestamps (lists and maps: each element or entry). */
  wrapped: boolean;
  /** The state object, once an operator asked for it (a restored table has none until then). */
  state: State | undefined = undefined;
  ttl: TtlPolicy | undefined = undefined;
  /** The namespace of the state object's accesses (one state object per table). */
  namespace: Namespace = VOID_NAMESPACE;
  readonly db: LmdbDatabase;
  /**
   * The kind of one stored unit, for the heap's TTL conversions: a map entry, and a list element
   * (lmdb-list-state-table.ts), is a value.
   */
  readonly unitKind: StateKind;
  protected readonly shared: LmdbTableContext;
  /** Addresses entries while flushing and transforming. */
  protected readonly writeRef = new LmdbKey();

  constructor(name: string, kind: StateKind, db: LmdbDatabase, wrapped: boolean, shared: LmdbTableContext) {
    this.name = name;
    this.kind = kind;
    this.db = db;
    this.wrapped = wrapped;
    this.shared = shared;
    this.unitKind = kind === 'map' || kind === 'list' ? 'value' : kind;
  }

  /** Writes the cached entries to LMDB and empties the cache; runs inside the backend's write transaction. */
  abstract flush(): void;
  /** Forgets the cached entries without writing them (a restore replaces everything). */
  abstract dropCache(): void;
  /** The state keys with a value in the void namespace, in key order (the cache must be flushed). */
  abstract keys(): Iterable<Key>;
  /** The state keys with a value in `namespace`, in key order: a scan of the whole state (the cache must be flushed). */
  abstract keysIn(namespace: Namespace): Iterable<Key>;
  /** The namespaces (not void) with a value for the current key: the key's own range, and the cache. */
  abstract namespacesOf(): Key[];
  /** The number of (key, namespace) values (the cache must be flushed). */
  abstract count(): number;
  /**
   * The values of every key group as heap-form stored values, in key group, key and namespace
   * order, from `transaction` (or the current view): `stored`, and for map state
   * `Array<[mapKey, stored]>` (the cache must be flushed). The yielded object is reused.
   */
  abstract storedEntries(transaction?: LmdbReadTransaction): Generator<LmdbStoredEntry, void, undefined>;
  /** Writes one restored (key, namespace)'s stored value (map state: `[mapKey, stored]` pairs); inside a transaction. */
  abstract writeRestored(keyGroup: number, key: Key, namespace: Namespace, stored: unknown): void;

  /**
   * Rewrites each stored unit (a value, a list, a map entry's value) with `f`, which returns the
   * new unit, {@link UNCHANGED} or {@link DELETED}. For TTL conversions and cleanup: cold paths,
   * one transaction per key group with changes (the cache must be flushed).
   */
  transformAll(f: (stored: unknown) => unknown): void {
    const changes: Array<[LmdbKey, unknown]> = [];
    let group = -1;
    const apply = () => {
      if (changes.length === 0) return;
      this.shared.transact(() => {
        for (const [ref, next] of changes) {
          if (next === DELETED) this.db.remove(ref);
          else this.db.put(ref, this.shared.codec.encode(next, this.name, ref.key));
        }
      });
      changes.length = 0;
    };
    for (const { key: ref, value } of this.db.getRange({ start: LmdbKey.first() })) {
      if (ref.keyGroup !== group) {
        apply();
        group = ref.keyGroup;
      }
      const next = f(this.shared.codec.decode(value));
      if (next !== UNCHANGED) changes.push([ref, next]);
    }
    apply();
  }

  protected encode(stored: unknown, key: Key): Uint8Array {
    return this.shared.codec.encode(stored, this.name, key);
  }
}

/**
 * Value, reducing and aggregating state: one LMDB entry per (key, namespace) holding the stored
 * value. (List state has one entry per element: lmdb-list-state-table.ts.)
 */
export class LmdbStateTable extends LmdbTable {
  /** Write-back cache: stored value or {@link DELETED} per key. */
  private readonly cache: LmdbWriteCache<unknown>;

  constructor(name: string, kind: StateKind, db: LmdbDatabase, wrapped: boolean, shared: LmdbTableContext) {
    super(name, kind, db, wrapped, shared);
    this.cache = new LmdbWriteCache(shared.groupCount);
  }

  /** The stored value of the current (key, namespace), or undefined. Objects stay cached (see the module comment). */
  get(): unknown {
    const ctx = this.shared.ctx;
    const cached = this.cacheOf(ctx, false)?.get(ctx.key);
    if (cached !== undefined) return cached === DELETED ? undefined : cached;
    const ref = ctx.ref;
    ref.keyGroup = ctx.keyGroup;
    ref.key = ctx.key;
    ref.namespace = this.namespace;
    ref.depth = STATE_KEY;
    const bytes = this.db.getBinaryFast(ref);
    if (bytes === undefined) return undefined;
    const stored = this.shared.codec.decode(bytes);
    if (typeof stored === 'object' && stored !== null) {
      this.cacheOf(ctx, true)!.set(ctx.key, stored);
      ctx.pending++;
    }
    return stored;
  }

  /** The cached stored value of the current (key, namespace), without reading LMDB (to reuse a TTL wrapper). */
  peek(): unknown {
    const ctx = this.shared.ctx;
    const cached = this.cacheOf(ctx, false)?.get(ctx.key);
    return cached === DELETED ? undefined : cached;
  }

  set(stored: unknown): void {
    const ctx = this.shared.ctx;
    const cache = this.cacheOf(ctx, true)!;
    const size = cache.size;
    cache.set(ctx.key, stored);
    if (cache.size !== size) ctx.pending++;
  }

  delete(): void {
    this.set(DELETED);
  }

  /** The cache of the current key's group in the current namespace (a namespace's created when `create`). */
  private cacheOf(ctx: LmdbKeyContext, create: boolean): KeyMap<unknown> | undefined {
    return this.cache.of(ctx.index, this.namespace, create, this.name);
  }

  flush(): void {
    const ref = this.writeRef;
    ref.depth = STATE_KEY;
    this.cache.drain(ref, this.shared.rangeStart, this.writeCached);
  }

  private readonly writeCached = (ref: LmdbKey, cache: KeyMap<unknown>): void => {
    for (const [key, stored] of cache) {
      ref.key = key;
      if (stored === DELETED) this.db.remove(ref);
      else this.db.put(ref, this.encode(stored, key));
    }
  };

  dropCache(): void {
    this.cache.clear();
  }

  *keys(): Iterable<Key> {
    for (const ref of this.db.getKeys({ start: LmdbKey.first() }))
      if (ref.namespace === VOID_NAMESPACE) yield ref.key;
  }

  *keysIn(namespace: Namespace): Iterable<Key> {
    for (const ref of this.db.getKeys({ start: LmdbKey.first() }))
      if (sameNamespace(ref.namespace, namespace)) yield ref.key;
  }

  namespacesOf(): Key[] {
    const ctx = this.shared.ctx;
    if (this.cache.groups[ctx.index] === undefined) throw noCurrentKey(this.name);
    const found: Key[] = [];
    const cached = this.cache.namespaced[ctx.index];
    const seen = new KeyMap<boolean>();
    if (cached !== undefined) {
      for (const [namespace, cache] of cached) {
        const stored = cache.get(ctx.key);
        if (stored === undefined) continue;
        seen.set(namespace, true);
        if (stored !== DELETED) found.push(namespace);
      }
    }
    for (const ref of this.db.getKeys(namespaceRange(ctx)))
      if (!seen.has(ref.namespace as Key)) found.push(ref.namespace as Key);
    return found;
  }

  count(): number {
    return this.db.getStats().entryCount;
  }

  *storedEntries(transaction?: LmdbReadTransaction): Generator<LmdbStoredEntry, void, undefined> {
    const codec = this.shared.codec;
    const out = new LmdbStoredEntry();
    for (const { key: ref, value } of this.db.getRange({ start: LmdbKey.first(), transaction })) {
      out.keyGroup = ref.keyGroup;
      out.key = ref.key;
      out.namespace = ref.namespace;
      out.stored = codec.decode(value);
      yield out;
    }
  }

  writeRestored(keyGroup: number, key: Key, namespace: Namespace, stored: unknown): void {
    const ref = this.writeRef;
    ref.depth = STATE_KEY;
    ref.keyGroup = keyGroup;
    ref.key = key;
    ref.namespace = namespace;
    this.db.put(ref, this.encode(stored, key));
    ref.namespace = VOID_NAMESPACE;
  }
}

/** The range of the current key's namespaced entries: `[group][key][namespace mark]...`. */
export function namespaceRange(ctx: LmdbKeyContext): { start: LmdbKey; end: LmdbKey } {
  const start = new LmdbKey();
  start.keyGroup = ctx.keyGroup;
  start.key = ctx.key;
  start.depth = NAMESPACES;
  const end = new LmdbKey();
  end.keyGroup = ctx.keyGroup;
  end.key = ctx.key;
  end.depth = NAMESPACES;
  end.successor = true;
  return { start, end };
}

/** The cached changes of one key's map: entries put or deleted, and whether the map was cleared first. */
/**
 * A table of one LMDB entry per unit of a (key, namespace): a map's entries, a list's elements,
 * keyed `[key group][key]([namespace])[sub key]`, behind a write-back cache of each touched key's
 * changes (`C`), per owned key group and, for other namespaces, per namespace too. Map and list
 * state share its cache, flush and key scans; each writes its own changes.
 */
export abstract class LmdbEntriesTable<C extends { cleared: boolean }> extends LmdbTable {
  /** Write-back cache: the changes of each touched key. */
  protected readonly cache: LmdbWriteCache<C>;

  constructor(name: string, kind: StateKind, db: LmdbDatabase, wrapped: boolean, shared: LmdbTableContext) {
    super(name, kind, db, wrapped, shared);
    this.cache = new LmdbWriteCache(shared.groupCount);
  }

  /** New, empty changes of a key. */
  protected abstract newChanges(): C;

  /** Writes a key's changes after its entries were removed if `changes.cleared` (`ref` is at MAP_ENTRY depth). */
  protected abstract writeChanges(ref: LmdbKey, key: Key, changes: C): void;

  flush(): void {
    this.cache.drain(this.writeRef, this.shared.rangeStart, this.writeCached);
  }

  private readonly writeCached = (ref: LmdbKey, cache: KeyMap<C>): void => {
    for (const [key, changes] of cache) {
      ref.key = key;
      if (changes.cleared) this.removeEntries(ref);
      ref.depth = MAP_ENTRY;
      this.writeChanges(ref, key, changes);
    }
  };

  /** Removes every entry of `ref`'s (key, namespace) from LMDB (collected first: no deletes under an open cursor). */
  protected removeEntries(ref: LmdbKey): void {
    const doomed = [...this.db.getKeys(mapRange(ref.keyGroup, ref.key, ref.namespace))];
    for (const entry of doomed) this.db.remove(entry);
  }

  dropCache(): void {
    this.cache.clear();
  }

  keys(): Iterable<Key> {
    return this.keysIn(VOID_NAMESPACE);
  }

  *keysIn(namespace: Namespace): Iterable<Key> {
    let group = -1;
    let last: Key | undefined;
    for (const ref of this.db.getKeys({ start: LmdbKey.first() })) {
      if (!sameNamespace(ref.namespace, namespace)) continue;
      if (ref.keyGroup === group && last !== undefined && sameKey(ref.key, last)) continue;
      group = ref.keyGroup;
      last = ref.key;
      yield ref.key;
    }
  }

  /**
   * The current key's pending changes in the current namespace: made when missing and `create` is
   * set, else undefined when missing.
   */
  protected changesOf(ctx: LmdbKeyContext, create: boolean): C | undefined {
    const cache = this.cache.of(ctx.index, this.namespace, create, this.name);
    if (cache === undefined) return undefined;
    let changes = cache.get(ctx.key);
    if (changes === undefined && create) cache.set(ctx.key, (changes = this.newChanges()));
    return changes;
  }
}

class MapChanges {
  cleared = false;
  readonly entries = new Map<Key, unknown>();
}

/**
 * Map state: one LMDB entry per map entry, keyed `[key group][key]([namespace])[map key]`, so a map
 * can be far larger than memory and a lookup reads one entry. A (key, namespace) exists while its
 * map has an entry.
 */
export class LmdbMapStateTable extends LmdbEntriesTable<MapChanges> {
  constructor(name: string, db: LmdbDatabase, wrapped: boolean, shared: LmdbTableContext) {
    super(name, 'map', db, wrapped, shared);
  }

  protected newChanges(): MapChanges {
    return new MapChanges();
  }

  protected writeChanges(ref: LmdbKey, key: Key, changes: MapChanges): void {
    for (const [mapKey, stored] of changes.entries) {
      ref.mapKey = mapKey;
      if (stored === DELETED) this.db.remove(ref);
      else this.db.put(ref, this.encode(stored, key));
    }
  }

  /** The stored value of `mapKey` in the current (key, namespace)'s map, or undefined; objects stay cached. */
  getEntry(mapKey: Key): unknown {
    const ctx = this.shared.ctx;
    const changes = this.changesOf(ctx, false);
    if (changes !== undefined) {
      const cached = changes.entries.get(mapKey);
      if (cached !== undefined) return cached === DELETED ? undefined : cached;
      if (changes.cleared) return undefined;
    }
    const bytes = this.db.getBinaryFast(this.entryRef(ctx, mapKey));
    if (bytes === undefined) return undefined;
    const stored = this.shared.codec.decode(bytes);
    if (typeof stored === 'object' && stored !== null) this.putEntry(mapKey, stored);
    return stored;
  }

  /** Whether the current (key, namespace)'s map has `mapKey` (without decoding its value). */
  hasEntry(mapKey: Key): boolean {
    const ctx = this.shared.ctx;
    const changes = this.changesOf(ctx, false);
    if (changes !== undefined) {
      const cached = changes.entries.get(mapKey);
      if (cached !== undefined) return cached !== DELETED;
      if (changes.cleared) return false;
    }
    return this.db.getBinaryFast(this.entryRef(ctx, mapKey)) !== undefined;
  }

  /** The cached stored value of `mapKey`, without reading LMDB (to reuse a TTL wrapper). */
  peekEntry(mapKey: Key): unknown {
    const cached = this.changesOf(this.shared.ctx, false)?.entries.get(mapKey);
    return cached === DELETED ? undefined : cached;
  }

  putEntry(mapKey: Key, stored: unknown): void {
    const ctx = this.shared.ctx;
    const entries = this.changesOf(ctx, true)!.entries;
    const size = entries.size;
    entries.set(mapKey, stored);
    if (entries.size !== size) ctx.pending++;
  }

  removeEntry(mapKey: Key): void {
    const ctx = this.shared.ctx;
    const changes = this.changesOf(ctx, true)!;
    // After a clear, LMDB's entries are gone anyway: forgetting the cached one is enough.
    if (changes.cleared) changes.entries.delete(mapKey);
    else this.putEntry(mapKey, DELETED);
  }

  /** Removes the current (key, namespace)'s whole map. */
  clearKey(): void {
    const ctx = this.shared.ctx;
    const changes = this.changesOf(ctx, true)!;
    if (!changes.cleared) ctx.pending++;
    changes.cleared = true;
    changes.entries.clear();
  }

  /**
   * The current (key, namespace)'s entries as `[mapKey, stored]`: cached ones first, then those in
   * LMDB that the cache does not override. Values from LMDB are not cached (iterating a large map
   * must not fill the cache): change them with `put`.
   */
  *entries(): Generator<[Key, unknown], void, undefined> {
    const ctx = this.shared.ctx;
    const namespace = this.namespace;
    let changes = this.changesOf(ctx, false);
    if (changes !== undefined) {
      for (const [mapKey, stored] of changes.entries) if (stored !== DELETED) yield [mapKey, stored];
      if (changes.cleared) return;
    }
    const codec = this.shared.codec;
    const index = ctx.index;
    const key = ctx.key;
    for (const { key: ref, value } of this.db.getRange(mapRange(ctx.keyGroup, key, namespace))) {
      // The cache may gain this map's changes while the caller iterates.
      changes ??= this.cache.lookup(index, namespace, key);
      if (changes !== undefined && (changes.cleared || changes.entries.has(ref.mapKey))) continue;
      yield [ref.mapKey, codec.decode(value)];
    }
  }

  /** The namespaces (not void) with a map for the current key. */
  namespacesOf(): Key[] {
    const ctx = this.shared.ctx;
    if (this.cache.groups[ctx.index] === undefined) throw noCurrentKey(this.name);
    const saved = this.namespace;
    const candidates = new KeyMap<boolean>();
    const cached = this.cache.namespaced[ctx.index];
    if (cached !== undefined)
      for (const [namespace, changes] of cached) if (changes.has(ctx.key)) candidates.set(namespace, true);
    for (const ref of this.db.getKeys(namespaceRange(ctx))) candidates.set(ref.namespace as Key, true);
    const found: Key[] = [];
    try {
      for (const namespace of candidates.keys()) {
        this.namespace = namespace;
        const it = this.entries();
        if (it.next().done !== true) found.push(namespace);
        it.return(undefined);
      }
    } finally {
      this.namespace = saved;
    }
    return found;
  }

  count(): number {
    let n = 0;
    for (const _ of this.storedEntries(undefined, false)) n++;
    return n;
  }

  /** As {@link LmdbTable.storedEntries}; without `decode`, map values are left undefined (for counting). */
  *storedEntries(
    transaction?: LmdbReadTransaction,
    decode = true,
  ): Generator<LmdbStoredEntry, void, undefined> {
    const codec = this.shared.codec;
    const out = new LmdbStoredEntry();
    let pairs: Array<[Key, unknown]> = [];
    const entries = decode
      ? this.db.getRange({ start: LmdbKey.first(), transaction })
      : (function* (keys: Iterable<LmdbKey>) {
          for (const key of keys) yield { key, value: EMPTY_BYTES };
        })(this.db.getKeys({ start: LmdbKey.first() }));
    for (const { key: ref, value } of entries) {
      if (
        pairs.length > 0 &&
        (ref.keyGroup !== out.keyGroup ||
          !sameKey(ref.key, out.key) ||
          !sameNamespace(ref.namespace, out.namespace))
      ) {
        out.stored = pairs;
        yield out;
        pairs = [];
      }
      if (pairs.length === 0) {
        out.keyGroup = ref.keyGroup;
        out.key = ref.key;
        out.namespace = ref.namespace;
      }
      pairs.push([ref.mapKey, decode ? codec.decode(value) : undefined]);
    }
    if (pairs.length > 0) {
      out.stored = pairs;
      yield out;
    }
  }

  writeRestored(keyGroup: number, key: Key, namespace: Namespace, stored: unknown): void {
    const ref = this.writeRef;
    ref.depth = MAP_ENTRY;
    ref.keyGroup = keyGroup;
    ref.key = key;
    ref.namespace = namespace;
    for (const [mapKey, unit] of stored as Array<[Key, unknown]>) {
      ref.mapKey = mapKey;
      this.db.put(ref, this.encode(unit, key));
    }
    ref.namespace = VOID_NAMESPACE;
  }

  private entryRef(ctx: LmdbKeyContext, mapKey: Key): LmdbKey {
    const ref = ctx.ref;
    ref.keyGroup = ctx.keyGroup;
    ref.key = ctx.key;
    ref.namespace = this.namespace;
    ref.mapKey = mapKey;
    ref.depth = MAP_ENTRY;
    return ref;
  }
}

const EMPTY_BYTES = new Uint8Array(0);

/**
 * The range of one (key, namespace)'s map entries. The void namespace's entries end where the
 * key's namespaced entries begin (the namespace mark); a namespace's are every key with the prefix
 * `[group][key][mark][namespace]`.
 */
export function mapRange(keyGroup: number, key: Key, namespace: Namespace): { start: LmdbKey; end: LmdbKey } {
  const start = new LmdbKey();
  start.keyGroup = keyGroup;
  start.key = key;
  start.namespace = namespace;
  const end = new LmdbKey();
  end.keyGroup = keyGroup;
  end.key = key;
  end.namespace = namespace;
  if (namespace === VOID_NAMESPACE) end.depth = NAMESPACES;
  else end.successor = true;
  return { start, end };
}

// ---- TTL of single values (value, reducing and aggregating state), as on the heap ------------

/**
 * Reads a wrapped value with TTL semantics: an expired value is removed and returned only with
 * `ReturnExpiredIfNotCleanedUp`; a live one is refreshed with `OnReadAndWrite` (the wrapper is
 * cached, so the refresh is written back).
 */
export function readTtlSingle(table: LmdbStateTable, ttl: TtlPolicy): unknown {
  const entry = table.get() as TtlValue<unknown> | undefined;
  if (entry === undefined) return undefined;
  const now = ttl.now();
  if (ttl.isExpired(entry.timestamp, now)) {
    table.delete();
    return ttl.returnExpired ? entry.value : undefined;
  }
  if (ttl.updateOnRead) entry.timestamp = now;
  return entry.value;
}

/** The current value to merge a write into: an expired value counts as absent unless expired values are visible. */
export function currentTtlSingle(table: LmdbStateTable, ttl: TtlPolicy, now: number): unknown {
  const entry = table.get() as TtlValue<unknown> | undefined;
  if (entry === undefined) return undefined;
  if (!ttl.returnExpired && ttl.isExpired(entry.timestamp, now)) return undefined;
  return entry.value;
}

/** Stores a wrapped value stamped `now`, reusing a cached wrapper (never reading LMDB to find one). */
export function writeTtlSingle(table: LmdbStateTable, value: unknown, now: number): void {
  const entry = table.peek() as TtlValue<unknown> | undefined;
  if (entry === undefined) {
    table.set(new TtlValue(value, now));
  } else {
    entry.value = value;
    entry.timestamp = now;
  }
}

/** Map keys are stored in the entry key: they must be primitives, like keys. */
export function checkMapKey(stateName: string, mapKey: unknown): void {
  const type = typeof mapKey;
  if (type === 'string' || type === 'number' || type === 'bigint' || type === 'boolean') return;
  throw new WeirError(
    'STATE_ERROR',
    `map state "${stateName}" cannot use ${mapKey === null ? 'null' : type} as a map key on the LMDB backend: ` +
      'map keys are part of the stored key and must be a string, number, bigint or boolean',
  );
}
