import type { Key } from '../core/key.ts';
import { KeyMap } from '../core/key-map.ts';
import { noCurrentKey } from './heap-state-table.ts';
import { type Namespace, VOID_NAMESPACE } from './internal-kv-state.ts';
import type { LmdbKey } from './lmdb-key-codec.ts';

/**
 * The write-back cache of one LMDB table: what the table writes at its next flush, per key, in one
 * `KeyMap` per owned key group for the void namespace and, for other namespaces, one per group and
 * namespace (made when first used). A value table caches stored values, a map or list table each
 * touched key's changes (`V`).
 */
export class LmdbWriteCache<V> {
  /** Per owned key group (`keyGroup - range.start`): key -> V in the void namespace. */
  readonly groups: Array<KeyMap<V>>;
  /** Per owned key group: namespace -> key -> V; undefined until used. */
  readonly namespaced: Array<KeyMap<KeyMap<V>> | undefined>;

  constructor(groupCount: number) {
    this.groups = new Array(groupCount);
    this.namespaced = new Array(groupCount).fill(undefined);
    for (let i = 0; i < groupCount; i++) this.groups[i] = new KeyMap();
  }

  /**
   * The cache of the group at `index` in `namespace`: a namespace's is made when missing and
   * `create` is set, else undefined. Throws NO_CURRENT_KEY (naming `table`) when `index` is no owned
   * group (no key is set).
   */
  of(index: number, namespace: Namespace, create: boolean, table: string): KeyMap<V> | undefined {
    if (namespace === VOID_NAMESPACE) {
      const cache = this.groups[index];
      if (cache === undefined) throw noCurrentKey(table);
      return cache;
    }
    if (index < 0 || index >= this.groups.length) throw noCurrentKey(table);
    let namespaces = this.namespaced[index];
    if (namespaces === undefined) {
      if (!create) return undefined;
      this.namespaced[index] = namespaces = new KeyMap();
    }
    let cache = namespaces.get(namespace);
    if (cache === undefined && create) namespaces.set(namespace, (cache = new KeyMap()));
    return cache;
  }

  /** The cached value of `key` in `namespace` of the group at `index`, if any (no checks). */
  lookup(index: number, namespace: Namespace, key: Key): V | undefined {
    const cache = namespace === VOID_NAMESPACE ? this.groups[index] : this.namespaced[index]?.get(namespace);
    return cache?.get(key);
  }

  /**
   * Hands every non-empty cache to `write` with `ref.keyGroup` and `ref.namespace` set (group
   * `rangeStart + index`), then empties it; `ref.namespace` ends void.
   */
  drain(ref: LmdbKey, rangeStart: number, write: (ref: LmdbKey, cache: KeyMap<V>) => void): void {
    for (let i = 0; i < this.groups.length; i++) {
      ref.keyGroup = rangeStart + i;
      const cache = this.groups[i];
      if (cache.size > 0) {
        ref.namespace = VOID_NAMESPACE;
        write(ref, cache);
        cache.clear();
      }
      const namespaces = this.namespaced[i];
      if (namespaces === undefined) continue;
      for (const [namespace, nsCache] of namespaces) {
        ref.namespace = namespace;
        write(ref, nsCache);
      }
      this.namespaced[i] = undefined;
    }
    ref.namespace = VOID_NAMESPACE;
  }

  /** Forgets everything cached, without writing it. */
  clear(): void {
    for (const cache of this.groups) cache.clear();
    this.namespaced.fill(undefined);
  }
}
