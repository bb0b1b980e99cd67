/**
 * The storage of one named state in the LMDB backend: an LMDB database keyed by key group and key
 * (see lmdb-key-codec.ts), behind a write-back cache of one `Map` per owned key group.
 *
 * Writes go to the cache; the backend writes every cached entry to LMDB in one transaction when
 * enough have gathered, and before a snapshot. Reads look in the cache first, so they always see
 * the latest writes. A value read from LMDB that is an object stays in the cache too, and is
 * written back at the next flush: an object changed in place while its key is current is kept, as
 * on the heap (operators and user functions rely on it). Flushes happen only between keys, so such
 * an object is valid until the current key changes; a value held longer must be written with
 * `update`/`put`. Values are stored in the same form as on the heap (the value, an array for list
 * state, each map entry's value; with a TTL, each wrapped as `{ value, timestamp }`), so the heap's
 * TTL and snapshot conversions apply to them unchanged.
 */
import { WeirError } from '../core/errors.ts';
import type { Key } from '../core/key.ts';
import { noCurrentKey } from './heap-state-table.ts';
import { LmdbKey, MAP_ENTRY, STATE_KEY } from './lmdb-key-codec.ts';
import type { LmdbValueCodec } from './lmdb-value-codec.ts';
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
  getRange(options?: { start?: LmdbKey; end?: LmdbKey }): Iterable<{ key: LmdbKey; value: Uint8Array }>;
  getKeys(options?: { start?: LmdbKey; end?: LmdbKey }): Iterable<LmdbKey>;
  getStats(): { entryCount: number };
  clearSync(): void;
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
  readonly db: LmdbDatabase;
  /** The kind of one stored unit, for the heap's TTL and snapshot conversions: a map entry is a value. */
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
    this.unitKind = kind === 'map' ? 'value' : kind;
  }

  /** Writes the cached entries to LMDB and empties the cache; runs inside the backend's write transaction. */
  abstract flush(): void;
  /** Forgets the cached entries without writing them (a restore replaces everything). */
  abstract dropCache(): void;
  /** The state keys with a value, in key order (the cache must be flushed). */
  abstract keys(): Iterable<Key>;
  /** The number of keys with a value (the cache must be flushed). */
  abstract count(): number;
  /**
   * The entries of every key group as heap-form stored values, in key order: `[key, stored]`, and
   * for map state `[key, Array<[mapKey, stored]>]` (the cache must be flushed).
   */
  abstract readGroups(visit: (keyGroup: number, key: Key, stored: unknown) => void): void;
  /** Writes one restored key's stored value (map state: `[mapKey, stored]` pairs); inside a transaction. */
  abstract writeRestored(keyGroup: number, key: Key, stored: unknown): void;

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
 * Value, list, reducing and aggregating state: one LMDB entry per key holding the stored value
 * (for list state, the whole list).
 */
export class LmdbStateTable extends LmdbTable {
  /** Write-back cache per owned key group: stored value or {@link DELETED}. */
  private readonly cache: Array<Map<Key, unknown>>;

  constructor(name: string, kind: StateKind, db: LmdbDatabase, wrapped: boolean, shared: LmdbTableContext) {
    super(name, kind, db, wrapped, shared);
    this.cache = new Array(shared.groupCount);
    for (let i = 0; i < shared.groupCount; i++) this.cache[i] = new Map();
  }

  /** The stored value of the current key, or undefined. Objects stay cached (see the module comment). */
  get(): unknown {
    const ctx = this.shared.ctx;
    const cache = this.cache[ctx.index];
    if (cache === undefined) throw noCurrentKey(this.name);
    const cached = cache.get(ctx.key);
    if (cached !== undefined) return cached === DELETED ? undefined : cached;
    const ref = ctx.ref;
    ref.keyGroup = ctx.keyGroup;
    ref.key = ctx.key;
    ref.depth = STATE_KEY;
    const bytes = this.db.getBinaryFast(ref);
    if (bytes === undefined) return undefined;
    const stored = this.shared.codec.decode(bytes);
    if (typeof stored === 'object' && stored !== null) {
      cache.set(ctx.key, stored);
      ctx.pending++;
    }
    return stored;
  }

  /** The cached stored value of the current key, without reading LMDB (to reuse a TTL wrapper). */
  peek(): unknown {
    const ctx = this.shared.ctx;
    const cache = this.cache[ctx.index];
    if (cache === undefined) throw noCurrentKey(this.name);
    const cached = cache.get(ctx.key);
    return cached === DELETED ? undefined : cached;
  }

  set(stored: unknown): void {
    const ctx = this.shared.ctx;
    const cache = this.cache[ctx.index];
    if (cache === undefined) throw noCurrentKey(this.name);
    const size = cache.size;
    cache.set(ctx.key, stored);
    if (cache.size !== size) ctx.pending++;
  }

  delete(): void {
    this.set(DELETED);
  }

  flush(): void {
    const ref = this.writeRef;
    ref.depth = STATE_KEY;
    for (let i = 0; i < this.cache.length; i++) {
      const cache = this.cache[i];
      if (cache.size === 0) continue;
      ref.keyGroup = this.shared.rangeStart + i;
      for (const [key, stored] of cache) {
        ref.key = key;
        if (stored === DELETED) this.db.remove(ref);
        else this.db.put(ref, this.encode(stored, key));
      }
      cache.clear();
    }
  }

  dropCache(): void {
    for (const cache of this.cache) cache.clear();
  }

  *keys(): Iterable<Key> {
    for (const ref of this.db.getKeys({ start: LmdbKey.first() })) yield ref.key;
  }

  count(): number {
    return this.db.getStats().entryCount;
  }

  readGroups(visit: (keyGroup: number, key: Key, stored: unknown) => void): void {
    const codec = this.shared.codec;
    for (const { key: ref, value } of this.db.getRange({ start: LmdbKey.first() }))
      visit(ref.keyGroup, ref.key, codec.decode(value));
  }

  writeRestored(keyGroup: number, key: Key, stored: unknown): void {
    const ref = this.writeRef;
    ref.depth = STATE_KEY;
    ref.keyGroup = keyGroup;
    ref.key = key;
    this.db.put(ref, this.encode(stored, key));
  }
}

/** The cached changes of one key's map: entries put or deleted, and whether the map was cleared first. */
class MapChanges {
  cleared = false;
  readonly entries = new Map<Key, unknown>();
}

/**
 * Map state: one LMDB entry per map entry, keyed `[key group][key][map key]`, so a map can be far
 * larger than memory and a lookup reads one entry. A key exists while its map has an entry.
 */
export class LmdbMapStateTable extends LmdbTable {
  /** Write-back cache per owned key group: the changes of each touched key's map. */
  private readonly cache: Array<Map<Key, MapChanges>>;

  constructor(name: string, db: LmdbDatabase, wrapped: boolean, shared: LmdbTableContext) {
    super(name, 'map', db, wrapped, shared);
    this.cache = new Array(shared.groupCount);
    for (let i = 0; i < shared.groupCount; i++) this.cache[i] = new Map();
  }

  /** The stored value of `mapKey` in the current key's map, or undefined; objects stay cached. */
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

  /** Whether the current key's map has `mapKey` (without decoding its value). */
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

  /** Removes the current key's whole map. */
  clearKey(): void {
    const ctx = this.shared.ctx;
    const changes = this.changesOf(ctx, true)!;
    if (!changes.cleared) ctx.pending++;
    changes.cleared = true;
    changes.entries.clear();
  }

  /**
   * The current key's entries as `[mapKey, stored]`: cached ones first, then those in LMDB that the
   * cache does not override. Values from LMDB are not cached (iterating a large map must not fill
   * the cache): change them with `put`.
   */
  *entries(): Generator<[Key, unknown], void, undefined> {
    const ctx = this.shared.ctx;
    const cache = this.cache[ctx.index];
    if (cache === undefined) throw noCurrentKey(this.name);
    const key = ctx.key;
    let changes = cache.get(key);
    if (changes !== undefined) {
      for (const [mapKey, stored] of changes.entries) if (stored !== DELETED) yield [mapKey, stored];
      if (changes.cleared) return;
    }
    // Bounds of this key's entries: every key with the prefix [group][key].
    const start = new LmdbKey();
    start.keyGroup = ctx.keyGroup;
    start.key = key;
    const end = new LmdbKey();
    end.keyGroup = ctx.keyGroup;
    end.key = key;
    end.successor = true;
    const codec = this.shared.codec;
    for (const { key: ref, value } of this.db.getRange({ start, end })) {
      changes ??= cache.get(key);
      if (changes !== undefined && (changes.cleared || changes.entries.has(ref.mapKey))) continue;
      yield [ref.mapKey, codec.decode(value)];
    }
  }

  flush(): void {
    const ref = this.writeRef;
    for (let i = 0; i < this.cache.length; i++) {
      const cache = this.cache[i];
      if (cache.size === 0) continue;
      ref.keyGroup = this.shared.rangeStart + i;
      for (const [key, changes] of cache) {
        ref.key = key;
        if (changes.cleared) this.removeMap(ref);
        ref.depth = MAP_ENTRY;
        for (const [mapKey, stored] of changes.entries) {
          ref.mapKey = mapKey;
          if (stored === DELETED) this.db.remove(ref);
          else this.db.put(ref, this.encode(stored, key));
        }
      }
      cache.clear();
    }
  }

  dropCache(): void {
    for (const cache of this.cache) cache.clear();
  }

  *keys(): Iterable<Key> {
    let group = -1;
    let last: Key | undefined;
    for (const ref of this.db.getKeys({ start: LmdbKey.first() })) {
      if (ref.keyGroup === group && ref.key === last) continue;
      group = ref.keyGroup;
      last = ref.key;
      yield ref.key;
    }
  }

  count(): number {
    let n = 0;
    for (const _ of this.keys()) n++;
    return n;
  }

  readGroups(visit: (keyGroup: number, key: Key, stored: unknown) => void): void {
    const codec = this.shared.codec;
    let group = -1;
    let key: Key | undefined;
    let pairs: Array<[Key, unknown]> = [];
    for (const { key: ref, value } of this.db.getRange({ start: LmdbKey.first() })) {
      if (ref.keyGroup !== group || ref.key !== key) {
        if (pairs.length > 0) visit(group, key!, pairs);
        group = ref.keyGroup;
        key = ref.key;
        pairs = [];
      }
      pairs.push([ref.mapKey, codec.decode(value)]);
    }
    if (pairs.length > 0) visit(group, key!, pairs);
  }

  writeRestored(keyGroup: number, key: Key, stored: unknown): void {
    const ref = this.writeRef;
    ref.depth = MAP_ENTRY;
    ref.keyGroup = keyGroup;
    ref.key = key;
    for (const [mapKey, unit] of stored as Array<[Key, unknown]>) {
      ref.mapKey = mapKey;
      this.db.put(ref, this.encode(unit, key));
    }
  }

  private changesOf(ctx: LmdbKeyContext, create: boolean): MapChanges | undefined {
    const cache = this.cache[ctx.index];
    if (cache === undefined) throw noCurrentKey(this.name);
    let changes = cache.get(ctx.key);
    if (changes === undefined && create) cache.set(ctx.key, (changes = new MapChanges()));
    return changes;
  }

  private entryRef(ctx: LmdbKeyContext, mapKey: Key): LmdbKey {
    const ref = ctx.ref;
    ref.keyGroup = ctx.keyGroup;
    ref.key = ctx.key;
    ref.mapKey = mapKey;
    ref.depth = MAP_ENTRY;
    return ref;
  }

  /** Removes every entry of `ref`'s key from LMDB (collected first: no deletes under an open cursor). */
  private removeMap(ref: LmdbKey): void {
    ref.depth = STATE_KEY;
    const end = new LmdbKey();
    end.keyGroup = ref.keyGroup;
    end.key = ref.key;
    end.successor = true;
    const doomed = [...this.db.getKeys({ start: ref, end })];
    for (const entry of doomed) this.db.remove(entry);
  }
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
