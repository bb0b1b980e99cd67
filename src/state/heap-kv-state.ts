/**
 * The namespace side shared by the heap backend's state objects (internal-kv-state.ts): the
 * current namespace is the table's (one state object per table), reads and writes go through the
 * table, and merging takes each source namespace's value, combines them, and adds them to the
 * target's.
 */
import type { Key } from '../core/key.ts';
import type { HeapKeyContext, StateTable } from './heap-state-table.ts';
import type { InternalKvState, Namespace } from './internal-kv-state.ts';
import { type MergeOps, mergeNamespaces } from './kv-state-merge.ts';

export abstract class HeapKvState implements InternalKvState {
  protected readonly table: StateTable;
  protected readonly ctx: HeapKeyContext;

  constructor(table: StateTable, ctx: HeapKeyContext) {
    this.table = table;
    this.ctx = ctx;
  }

  setCurrentNamespace(namespace: Namespace): void {
    this.table.namespace = namespace;
  }

  getCurrentNamespace(): Namespace {
    return this.table.namespace;
  }

  namespaces(): Iterable<Key> {
    return this.table.namespacesOf(this.ctx);
  }

  clear(): void {
    this.table.delete(this.ctx);
  }
}

/** A state whose values merge: subclasses say how to take, combine and put back a value. */
export abstract class HeapMergingKvState extends HeapKvState implements MergeOps {
  // Merge steps (kv-state-merge.ts): internal, not for user functions.
  abstract take(): unknown;
  abstract combine(a: unknown, b: unknown): unknown;
  abstract put(value: unknown): void;

  mergeNamespaces(target: Namespace, sources: Iterable<Namespace>): void {
    mergeNamespaces(this.table, this, target, sources);
  }
}
