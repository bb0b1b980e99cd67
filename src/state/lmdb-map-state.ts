import type { Key } from '../core/key.ts';
import type { InternalMapState } from './internal-kv-state.ts';
import { LmdbKvState } from './lmdb-kv-state.ts';
import { checkMapKey, type LmdbMapStateTable } from './lmdb-state-table.ts';
import { type TtlPolicy, TtlValue } from './ttl-value.ts';

/**
 * {@link MapState} on the LMDB backend: one LMDB entry per map entry, so `get` and `put` touch one
 * entry however large the map is. Map keys must be strings, numbers, bigints or booleans (they are
 * part of the stored key). Iteration yields cached changes first, then the stored entries in key
 * order (numbers ascending). With TTL each entry expires on its own, as on the heap; iteration
 * removes the expired entries it passes.
 */
export class LmdbMapState<UK, UV> extends LmdbKvState<LmdbMapStateTable> implements InternalMapState<UK, UV> {
  private readonly ttl: TtlPolicy | undefined;

  constructor(table: LmdbMapStateTable, ttl: TtlPolicy | undefined) {
    super(table);
    this.ttl = ttl;
  }

  get(key: UK): UV | undefined {
    const mapKey = this.mapKey(key);
    if (this.ttl === undefined) return this.table.getEntry(mapKey) as UV | undefined;
    return this.readTtl(mapKey, this.ttl)?.value;
  }

  put(key: UK, value: UV): void {
    this.putEntry(this.mapKey(key), value, this.ttl === undefined ? 0 : this.ttl.now());
  }

  putAll(entries: Iterable<readonly [UK, UV]> | Map<UK, UV>): void {
    const now = this.ttl === undefined ? 0 : this.ttl.now();
    for (const [key, value] of entries) this.putEntry(this.mapKey(key), value, now);
  }

  remove(key: UK): void {
    this.table.removeEntry(this.mapKey(key));
  }

  contains(key: UK): boolean {
    const mapKey = this.mapKey(key);
    if (this.ttl === undefined) return this.table.hasEntry(mapKey);
    return this.readTtl(mapKey, this.ttl) !== undefined;
  }

  entries(): IterableIterator<[UK, UV]> {
    if (this.ttl === undefined) return this.table.entries() as IterableIterator<[UK, UV]>;
    return this.iterateTtl(this.ttl, 'entries') as IterableIterator<[UK, UV]>;
  }

  keys(): IterableIterator<UK> {
    return this.project(0) as IterableIterator<UK>;
  }

  values(): IterableIterator<UV> {
    return this.project(1) as IterableIterator<UV>;
  }

  isEmpty(): boolean {
    const it = this.ttl === undefined ? this.table.entries() : this.iterateTtl(this.ttl, 'keys');
    const empty = it.next().done === true;
    it.return?.(undefined); // closes the LMDB cursor
    return empty;
  }

  clear(): void {
    this.table.clearKey();
  }

  private *project(index: 0 | 1): IterableIterator<unknown> {
    if (this.ttl !== undefined) {
      yield* this.iterateTtl(this.ttl, index === 0 ? 'keys' : 'values');
      return;
    }
    for (const entry of this.table.entries()) yield entry[index];
  }

  private mapKey(key: UK): Key {
    checkMapKey(this.table.name, key);
    return key as Key;
  }

  private putEntry(mapKey: Key, value: UV, now: number): void {
    if (this.ttl === undefined) {
      this.table.putEntry(mapKey, value);
      return;
    }
    const entry = this.table.peekEntry(mapKey) as TtlValue<UV> | undefined;
    if (entry === undefined) {
      this.table.putEntry(mapKey, new TtlValue(value, now));
    } else {
      entry.value = value;
      entry.timestamp = now;
    }
  }

  /** The visible entry for `mapKey` (removing it when expired), or undefined. */
  private readTtl(mapKey: Key, ttl: TtlPolicy): TtlValue<UV> | undefined {
    const entry = this.table.getEntry(mapKey) as TtlValue<UV> | undefined;
    if (entry === undefined) return undefined;
    const now = ttl.now();
    if (ttl.isExpired(entry.timestamp, now)) {
      this.table.removeEntry(mapKey);
      return ttl.returnExpired ? entry : undefined;
    }
    // The wrapper is cached (it is an object), so the refresh is written back.
    if (ttl.updateOnRead) entry.timestamp = now;
    return entry;
  }

  private *iterateTtl(
    ttl: TtlPolicy,
    what: 'keys' | 'values' | 'entries',
  ): Generator<unknown, void, undefined> {
    const now = ttl.now();
    for (const [mapKey, stored] of this.table.entries()) {
      const entry = stored as TtlValue<UV>;
      if (ttl.isExpired(entry.timestamp, now)) {
        this.table.removeEntry(mapKey);
        if (!ttl.returnExpired) continue;
      } else if (ttl.updateOnRead) {
        entry.timestamp = now;
        this.table.putEntry(mapKey, entry);
      }
      yield what === 'keys' ? mapKey : what === 'values' ? entry.value : [mapKey, entry.value];
    }
  }
}
