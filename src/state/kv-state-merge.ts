/**
 * Merging namespaces (internal-kv-state.ts), the same on every backend: take each source
 * namespace's value of the current key (removing it), combine them in order, then combine the
 * target's value with the result and store it in the target. Each backend's state says how to take,
 * combine and put a value; the namespace is the state's table's, restored afterwards.
 */
import { sameKey } from '../core/key-map.ts';
import { type Namespace, VOID_NAMESPACE } from './internal-kv-state.ts';

/** Where a state object keeps its current namespace (its table), which merging moves around. */
export interface MergeAccess {
  /** The namespace the state's accesses use. */
  namespace: Namespace;
}

/** How one merging state object takes, combines and puts values of its current (key, namespace). */
export interface MergeOps {
  /** Removes and returns the visible value of the current (key, namespace), or undefined. */
  take(): unknown;
  /** Combines two taken values, `a` first. */
  combine(a: unknown, b: unknown): unknown;
  /** Stores a combined value for the current (key, namespace). */
  put(value: unknown): void;
}

export function mergeNamespaces(
  access: MergeAccess,
  ops: MergeOps,
  target: Namespace,
  sources: Iterable<Namespace>,
): void {
  const saved = access.namespace;
  try {
    let merged: unknown;
    for (const source of sources) {
      if (sameNamespace(source, target)) continue;
      access.namespace = source;
      const value = ops.take();
      if (value !== undefined) merged = merged === undefined ? value : ops.combine(merged, value);
    }
    if (merged === undefined) return;
    access.namespace = target;
    const current = ops.take();
    ops.put(current === undefined ? merged : ops.combine(current, merged));
  } finally {
    access.namespace = saved;
  }
}

/** Whether two namespaces are one: the void namespace only equals itself, keys as keys. */
export function sameNamespace(a: Namespace, b: Namespace): boolean {
  if (a === VOID_NAMESPACE || b === VOID_NAMESPACE) return a === b;
  return sameKey(a, b);
}
