import type { Key } from '../core/key.ts';
import { HeapKvState } from './heap-kv-state.ts';
import type { HeapKeyContext, StateTable } from './heap-state-table.ts';
import type { InternalMapState, Namespace } from './internal-kv-state.ts';
import { type TtlPolicy, TtlValue } from './ttl-value.ts';

const EMPTY_MAP = new Map<never, never>();

/**
 * {@link MapState} on the heap backend: a `Map` per key, removed when its last entry is. With TTL
 * each entry expires on its own, as in Flink; iteration drops expired entries from the store as it
 * passes them.
 */
export class HeapMapState<UK, UV> extends HeapKvState implements InternalMapState<UK, UV> {
  private readonly ttl: TtlPolicy | undefined;

  constructor(table: StateTable, ctx: HeapKeyContext, ttl: TtlPolicy | undefined) {
    super(table, ctx);
    this.ttl = ttl;
  }

  get(key: UK): UV | undefined {
    const entries = this.stored();
    if (entries === undefined) return undefined;
    if (this.ttl === undefined) return entries.get(key) as UV | undefined;
    return this.readTtl(entries, key, this.ttl)?.value;
  }

  put(key: UK, value: UV): void {
    let entries = this.stored();
    if (entries === undefined) this.table.set(this.ctx, (entries = new Map()));
    this.putEntry(entries, key, value, this.ttl === undefined ? 0 : this.ttl.now());
  }

  putAll(entries: Iterable<readonly [UK, UV]> | Map<UK, UV>): void {
    const now = this.ttl === undefined ? 0 : this.ttl.now();
    let stored = this.stored();
    for (const [key, value] of entries) {
      if (stored === undefined) this.table.set(this.ctx, (stored = new Map()));
      this.putEntry(stored, key, value, now);
    }
  }

  remove(key: UK): void {
    const entries = this.stored();
    if (entries?.delete(key) && entries.size === 0) this.table.delete(this.ctx);
  }

  contains(key: UK): boolean {
    const entries = this.stored();
    if (entries === undefined) return false;
    if (this.ttl === undefined) return entries.has(key);
    return this.readTtl(entries, key, this.ttl) !== undefined;
  }

  entries(): IterableIterator<[UK, UV]> {
    const entries = this.stored();
    if (entries === undefined) return EMPTY_MAP.entries();
    if (this.ttl === undefined) return (entries as Map<UK, UV>).entries();
    return this.iterateTtl(entries as Map<UK, TtlValue<UV>>, this.ttl, 'entries');
  }

  keys(): IterableIterator<UK> {
    const entries = this.stored();
    if (entries === undefined) return EMPTY_MAP.keys();
    if (this.ttl === undefined) return entries.keys();
    return this.iterateTtl(entries as Map<UK, TtlValue<UV>>, this.ttl, 'keys');
  }

  values(): IterableIterator<UV> {
    const entries = this.stored();
    if (entries === undefined) return EMPTY_MAP.values();
    if (this.ttl === undefined) return (entries as Map<UK, UV>).values();
    return this.iterateTtl(entries as Map<UK, TtlValue<UV>>, this.ttl, 'values');
  }

  isEmpty(): boolean {
    const entries = this.stored();
    if (entries === undefined) return true;
    if (this.ttl === undefined) return entries.size === 0;
    return this.iterateTtl(entries as Map<UK, TtlValue<UV>>, this.ttl, 'keys').next().done === true;
  }

  private stored(): Map<UK, unknown> | undefined {
    return this.table.get(this.ctx) as Map<UK, unknown> | undefined;
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
  private readTtl(entries: Map<UK, unknown>, key: UK, ttl: TtlPolicy): TtlValue<UV> | undefined {
    const entry = entries.get(key) as TtlValue<UV> | undefined;
    if (entry === undefined) return undefined;
    const now = ttl.now();
    if (ttl.isExpired(entry.timestamp, now)) {
      entries.delete(key);
      if (entries.size === 0) this.table.delete(this.ctx);
      return ttl.returnExpired ? entry : undefined;
    }
    if (ttl.updateOnRead) entry.timestamp = now;
    return entry;
  }

  private iterateTtl(entries: Map<UK, TtlValue<UV>>, ttl: TtlPolicy, what: 'keys'): IterableIterator<UK>;
  private iterateTtl(entries: Map<UK, TtlValue<UV>>, ttl: TtlPolicy, what: 'values'): IterableIterator<UV>;
  private iterateTtl(
    entries: Map<UK, TtlValue<UV>>,
    ttl: TtlPolicy,
    what: 'entries',
  ): IterableIterator<[UK, UV]>;
  private iterateTtl(
    entries: Map<UK, TtlValue<UV>>,
    ttl: TtlPolicy,
    what: 'keys' | 'values' | 'entries',
  ): IterableIterator<unknown> {
    // Where the map lives, taken now: the iterator may run after the current key changed.
    return this.iterate(entries, ttl, what, this.ctx.index, this.table.namespace, this.ctx.key);
  }

  private *iterate(
    entries: Map<UK, TtlValue<UV>>,
    ttl: TtlPolicy,
    what: 'keys' | 'values' | 'entries',
    index: number,
    namespace: Namespace,
    stateKey: Key,
  ): IterableIterator<unknown> {
    const now = ttl.now();
    for (const [key, entry] of entries) {
      if (ttl.isExpired(entry.timestamp, now)) {
        entries.delete(key);
        if (entries.size === 0) this.table.deleteAt(index, namespace, stateKey, entries);
        if (!ttl.returnExpired) continue;
      } else if (ttl.updateOnRead) {
        entry.timestamp = now;
      }
      yield what === 'keys' ? key : what === 'values' ? entry.value : [key, entry.value];
    }
  }
}
