/**
 * List state in the LMDB backend: one LMDB entry per element, keyed `[key group][key]([namespace])
 * [sequence number]`, so appending an element writes that element alone, never the list again.
 * A list that grows by appends (window contents, join buffers) costs one put per element however
 * long it gets, where one entry per list would read, decode, re-encode and rewrite the whole list
 * each time an element is added after the list was written out (quadratic in the list's length).
 *
 * The sequence number is the table's counter, counting up (a float64 key part, so it sorts in
 * byte order): the entries of one (key, namespace) are its elements in the order they were added,
 * and a range read of its prefix returns the list. The counter needs no persistence: the
 * environment starts empty (state comes from checkpoints, whose snapshots hold the elements, not
 * their numbers) and a restore numbers the elements it writes from the same counter.
 *
 * Writes go to a write-back cache per (key, namespace): the elements added since the last flush,
 * and whether the list was cleared first (`clear`, `update`). `get` reads the stored elements (a
 * range read, unless cleared) followed by the added ones; elements read from LMDB are decoded
 * afresh and not cached, so a change made to one in place is not kept (write it with `update`).
 * A flush removes the entries of cleared lists (LMDB has no range delete: one remove per element)
 * and puts each added element under the next number. The key layout is that of map state with the
 * sequence number as the map key, so the map's ranges apply; snapshots carry each (key, namespace)'s
 * elements as one list, the backend-independent form, so either backend restores them.
 */
import type { Key } from '../core/key.ts';
import { KeyMap, sameKey } from '../core/key-map.ts';
import { noCurrentKey } from './heap-state-table.ts';
import { type Namespace, VOID_NAMESPACE } from './internal-kv-state.ts';
import { sameNamespace } from './kv-state-merge.ts';
import { LmdbKey, MAP_ENTRY } from './lmdb-key-codec.ts';
import {
  type LmdbDatabase,
  LmdbEntriesTable,
  type LmdbReadTransaction,
  LmdbStoredEntry,
  type LmdbTableContext,
  mapRange,
  namespaceRange,
} from './lmdb-state-table.ts';

/** The cached changes of one (key, namespace)'s list: elements added, and whether it was cleared first. */
class ListChanges {
  cleared = false;
  added: unknown[] = [];
}

const NO_ELEMENTS: readonly never[] = Object.freeze([]);

export class LmdbListStateTable extends LmdbEntriesTable<ListChanges> {
  /** The number of the next element written (see the module comment). */
  private sequence = 0;

  constructor(name: string, db: LmdbDatabase, wrapped: boolean, shared: LmdbTableContext) {
    super(name, 'list', db, wrapped, shared);
  }

  protected newChanges(): ListChanges {
    return new ListChanges();
  }

  protected writeChanges(ref: LmdbKey, key: Key, changes: ListChanges): void {
    for (const element of changes.added) {
      ref.mapKey = this.sequence++;
      this.db.put(ref, this.encode(element, key));
    }
  }

  /**
   * The stored elements of the current (key, namespace): those in LMDB (unless the list was
   * cleared since the last flush), then those added since. A fresh array, or a frozen empty one.
   */
  elements(): readonly unknown[] {
    const ctx = this.shared.ctx;
    const changes = this.changesOf(ctx, false);
    if (changes?.cleared === true) return changes.added.length === 0 ? NO_ELEMENTS : changes.added.slice();
    const elements: unknown[] = [];
    const codec = this.shared.codec;
    for (const { value } of this.db.getRange(mapRange(ctx.keyGroup, ctx.key, this.namespace)))
      elements.push(codec.decode(value));
    if (changes !== undefined) for (const element of changes.added) elements.push(element);
    return elements.length === 0 ? NO_ELEMENTS : elements;
  }

  /** Whether the current (key, namespace) has an element (reads at most one entry). */
  hasElements(): boolean {
    const ctx = this.shared.ctx;
    const changes = this.changesOf(ctx, false);
    if (changes !== undefined && changes.added.length > 0) return true;
    if (changes?.cleared === true) return false;
    const range = mapRange(ctx.keyGroup, ctx.key, this.namespace);
    for (const _ of this.db.getKeys({ ...range, limit: 1 })) return true;
    return false;
  }

  /** Appends a stored element to the current (key, namespace)'s list. */
  append(element: unknown): void {
    const ctx = this.shared.ctx;
    this.changesOf(ctx, true)!.added.push(element);
    ctx.pending++;
  }

  /** Replaces the current (key, namespace)'s list with `elements` (stored form; taken, not copied). */
  replace(elements: unknown[]): void {
    const ctx = this.shared.ctx;
    const changes = this.changesOf(ctx, true)!;
    changes.cleared = true;
    changes.added = elements;
    ctx.pending += elements.length + 1;
  }

  /** Removes the current (key, namespace)'s list. */
  clearList(): void {
    this.replace([]);
  }

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
        if (this.hasElements()) found.push(namespace);
      }
    } finally {
      this.namespace = saved;
    }
    return found;
  }

  count(): number {
    let n = 0;
    let group = -1;
    let key: Key | undefined;
    let namespace: Namespace = VOID_NAMESPACE;
    for (const ref of this.db.getKeys({ start: LmdbKey.first() })) {
      if (
        key !== undefined &&
        ref.keyGroup === group &&
        sameKey(ref.key, key) &&
        sameNamespace(ref.namespace, namespace)
      )
        continue;
      n++;
      group = ref.keyGroup;
      key = ref.key;
      namespace = ref.namespace;
    }
    return n;
  }

  /** Each (key, namespace)'s list as the array of its stored elements (see {@link LmdbTable.storedEntries}). */
  *storedEntries(transaction?: LmdbReadTransaction): Generator<LmdbStoredEntry, void, undefined> {
    const codec = this.shared.codec;
    const out = new LmdbStoredEntry();
    let elements: unknown[] = [];
    for (const { key: ref, value } of this.db.getRange({ start: LmdbKey.first(), transaction })) {
      if (
        elements.length > 0 &&
        (ref.keyGroup !== out.keyGroup ||
          !sameKey(ref.key, out.key) ||
          !sameNamespace(ref.namespace, out.namespace))
      ) {
        out.stored = elements;
        yield out;
        elements = [];
      }
      if (elements.length === 0) {
        out.keyGroup = ref.keyGroup;
        out.key = ref.key;
        out.namespace = ref.namespace;
      }
      elements.push(codec.decode(value));
    }
    if (elements.length > 0) {
      out.stored = elements;
      yield out;
    }
  }

  /** Writes a restored list (the array of its stored elements), one entry per element. */
  writeRestored(keyGroup: number, key: Key, namespace: Namespace, stored: unknown): void {
    const ref = this.writeRef;
    ref.depth = MAP_ENTRY;
    ref.keyGroup = keyGroup;
    ref.key = key;
    ref.namespace = namespace;
    for (const element of stored as unknown[]) {
      ref.mapKey = this.sequence++;
      this.db.put(ref, this.encode(element, key));
    }
    ref.namespace = VOID_NAMESPACE;
  }
}
