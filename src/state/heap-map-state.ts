import type { Key } from '../core/key.ts';
import type { HeapKeyContext, StateTable } from './heap-state-table.ts';
import type { MapState } from './state.ts';
import { type TtlPolicy, TtlValue } from './ttl-value.ts';

const EMPTY_MAP = new Map<never, never>();

/**
 * {@link MapState} on the heap backend: a `Map` per key, removed when its last entry is. With TTL
 * each entry expires on its own, as in Flink; iteration drops expired entries from the store as it
 * passes them.
 */
export class HeapMapState<UK, UV> implements MapState<UK, UV> {
  private readonly table: StateTable;
  private readonly ctx: HeapKeyContext;
  private readonly ttl: TtlPolicy | undefined;

  constructor(table: StateTable, ctx: HeapKeyContext, ttl: TtlPolicy | undefined) {
    this.table = table;
    this.ctx = ctx;
    this.ttl = ttl;
  }

  get(key: UK): UV | undefined {
    const map = this.table.current(this.ctx);
    const entries = map.get(this.ctx.key) as Map<UK, unknown> | undefined;
    if (entries === undefined) return undefined;
    if (this.ttl === undefined) return entries.get(key) as UV | undefined;
    return this.readTtl(map, entries, key, this.ttl)?.value;
  }

  put(key: UK, value: UV): void {
    const map = this.table.current(this.ctx);
    let entries = map.get(this.ctx.key) as Map<UK, unknown> | undefined;
    if (entries === undefined) map.set(this.ctx.key, (entries = new Map()));
    this.putEntry(entries, key, value, this.ttl === undefined ? 0 : this.ttl.now());
  }

  putAll(entries: Iterable<readonly [UK, UV]> | Map<UK, UV>): void {
    const map = this.table.current(this.ctx);
    const now = this.ttl === undefined ? 0 : this.ttl.now();
    let stored = map.get(this.ctx.key) as Map<UK, unknown> | undefined;
    for (const [key, value] of entries) {
      if (stored === undefined) map.set(this.ctx.key, (stored = new Map()));
      this.putEntry(stored, key, value, now);
    }
  }

  remove(key: UK): void {
    const map = this.table.current(this.ctx);
    const entries = map.get(this.ctx.key) as Map<UK, unknown> | undefined;
    if (entries?.delete(key) && entries.size === 0) map.delete(this.ctx.key);
  }

  contains(key: UK): boolean {
    const map = this.table.current(this.ctx);
    const entries = map.get(this.ctx.key) as Map<UK, unknown> | undefined;
    if (entries === undefined) return false;
    if (this.ttl === undefined) return entries.has(key);
    return this.readTtl(map, entries, key, this.ttl) !== undefined;
  }

  entries(): IterableIterator<[UK, UV]> {
    const { map, entries } = this.lookup();
    if (entries === undefined) return EMPTY_MAP.entries();
    if (this.ttl === undefined) return (entries as Map<UK, UV>).entries();
    return this.iterateTtl(map, this.ctx.key, entries as Map<UK, TtlValue<UV>>, this.ttl, 'entries');
  }

  keys(): IterableIterator<UK> {
    const { map, entries } = this.lookup();
    if (entries === undefined) return EMPTY_MAP.keys();
    if (this.ttl === undefined) return entries.keys();
    return this.iterateTtl(map, this.ctx.key, entries as Map<UK, TtlValue<UV>>, this.ttl, 'keys');
  }

  values(): IterableIterator<UV> {
    const { map, entries } = this.lookup();
    if (entries === undefined) return EMPTY_MAP.values();
    if (this.ttl === undefined) return (entries as Map<UK, UV>).values();
    return this.iterateTtl(map, this.ctx.key, entries as Map<UK, TtlValue<UV>>, this.ttl, 'values');
  }

  isEmpty(): boolean {
    const { map, entries } = this.lookup();
    if (entries === undefined) return true;
    if (this.ttl === undefined) return entries.size === 0;
    return (
      this.iterateTtl(map, this.ctx.key, entries as Map<UK, TtlValue<UV>>, this.ttl, 'keys').next().done ===
      true
    );
  }

  clear(): void {
    this.table.current(this.ctx).delete(this.ctx.key);
  }

  private lookup(): { map: Map<Key, unknown>; entries: Map<UK, unknown> | undefined } {
    const map = this.table.current(this.ctx);
    return { map, entries: map.get(this.ctx.key) as Map<UK, unknown> | undefined };
  }

  private putEntry(entries: Map<UK, unknown>, key: UK, value: UV, now: number): void {
    if (this.ttl === undefined) {
      entries.set(key, value);
      return;
    }
    const entry = entries.get(key) as TtlValue<UV> | undefined;
    if (entry === undefined) {
      entries.set(key, new TtlValue(value, now));
    } else {
      entry.value = value;
      entry.timestamp = now;
    }
  }

  /** The visible entry for `key` (removing it when expired), or undefined. */
  private readTtl(
    map: Map<Key, unknown>,
    entries: Map<UK, unknown>,
    key: UK,
    ttl: TtlPolicy,
  ): TtlValue<UV> | undefined {
    const entry = entries.get(key) as TtlValue<UV> | undefined;
    if (entry === undefined) return undefined;
    const now = ttl.now();
    if (ttl.isExpired(entry.timestamp, now)) {
      entries.delete(key);
      if (entries.size === 0) map.delete(this.ctx.key);
      return ttl.returnExpired ? entry : undefined;
    }
    if (ttl.updateOnRead) entry.timestamp = now;
    return entry;
  }

  private iterateTtl(
    map: Map<Key, unknown>,
    stateKey: Key,
    entries: Map<UK, TtlValue<UV>>,
    ttl: TtlPolicy,
    what: 'keys',
  ): IterableIterator<UK>;
  private iterateTtl(
    map: Map<Key, unknown>,
    stateKey: Key,
    entries: Map<UK, TtlValue<UV>>,
    ttl: TtlPolicy,
    what: 'values',
  ): IterableIterator<UV>;
  private iterateTtl(
    map: Map<Key, unknown>,
    stateKey: Key,
    entries: Map<UK, TtlValue<UV>>,
    ttl: TtlPolicy,
    what: 'entries',
  ): IterableIterator<[UK, UV]>;
  private *iterateTtl(
    map: Map<Key, unknown>,
    stateKey: Key,
    entries: Map<UK, TtlValue<UV>>,
    ttl: TtlPolicy,
    what: 'keys' | 'values' | 'entries',
  ): IterableIterator<unknown> {
    const now = ttl.now();
    for (const [key, entry] of entries) {
      if (ttl.isExpired(entry.timestamp, now)) {
        entries.delete(key);
        if (entries.size === 0 && map.get(stateKey) === entries) map.delete(stateKey);
        if (!ttl.returnExpired) continue;
      } else if (ttl.updateOnRead) {
        entry.timestamp = now;
      }
      yield what === 'keys' ? key : what === 'values' ? entry.value : [key, entry.value];
    }
  }
}
