/**
 * The namespace side shared by the LMDB backend's state objects (internal-kv-state.ts): the
 * current namespace is the table's (one state object per table), which addresses its cache and its
 * LMDB keys.
 */
import type { Key } from '../core/key.ts';
import type { InternalKvState, Namespace } from './internal-kv-state.ts';
import { type MergeOps, mergeNamespaces } from './kv-state-merge.ts';
import type { LmdbTable } from './lmdb-state-table.ts';

export abstract class LmdbKvState<T extends LmdbTable> implements InternalKvState {
  protected readonly table: T;

  constructor(table: T) {
    this.table = table;
  }

  setCurrentNamespace(namespace: Namespace): void {
    this.table.namespace = namespace;
  }

  getCurrentNamespace(): Namespace {
    return this.table.namespace;
  }

  namespaces(): Iterable<Key> {
    return this.table.namespacesOf();
  }

  abstract clear(): void;
}

/** A state whose values merge: subclasses say how to take, combine and put back a value (merge steps, internal). */
export abstract class LmdbMergingKvState<T extends LmdbTable> extends LmdbKvState<T> implements MergeOps {
  // Merge steps (kv-state-merge.ts): internal, not for user functions.
  abstract take(): unknown;
  abstract combine(a: unknown, b: unknown): unknown;
  abstract put(value: unknown): void;

  mergeNamespaces(target: Namespace, sources: Iterable<Namespace>): void {
    mergeNamespaces(this.table, this, target, sources);
  }
}
