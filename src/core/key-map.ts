/**
 * A `Map` from {@link Key} to values in which tuples ({@link CompositeKey}) are equal by value.
 *
 * A native `Map` compares arrays by identity: two equal tuples from two records would be two keys.
 * A `KeyMap` is a native `Map` (a subclass: no wrapper object between the caller and the entries,
 * which matters when the entries miss the cache); a primitive key is its own Map key (one `typeof`
 * check, then the native call), and a tuple is stored under a canonical instance: a copy of the
 * first equal tuple set, found through an index from the tuple's hash ({@link hashKey}, Java's
 * `Arrays.hashCode`) to the canonical tuples with that hash, compared field by field with
 * SameValueZero (as `Map` compares keys: `NaN` equals `NaN`, `-0` equals `0`, `1` differs from `1n`).
 * Looking a tuple up hashes it and allocates nothing; inserting a new tuple copies it (so a caller
 * may reuse one tuple buffer for lookups).
 *
 * Iteration is the native Map's: insertion order, live (entries added during iteration are
 * visited, deleted ones skipped), and tuples come out as their canonical copies.
 */
import { type CompositeKey, hashKey, type Key } from './key.ts';

export class KeyMap<V> extends Map<Key, V> {
  /** Canonical tuples; absent until the first tuple is set. */
  private tuples: TupleIndex | undefined = undefined;

  override get(key: Key): V | undefined {
    if (typeof key !== 'object') return super.get(key);
    const canonical = this.tuples?.find(key);
    return canonical === undefined ? undefined : super.get(canonical);
  }

  override has(key: Key): boolean {
    if (typeof key !== 'object') return super.has(key);
    return this.tuples?.find(key) !== undefined;
  }

  override set(key: Key, value: V): this {
    if (typeof key !== 'object') return super.set(key, value);
    return super.set((this.tuples ??= new TupleIndex()).intern(key), value);
  }

  override delete(key: Key): boolean {
    if (typeof key !== 'object') return super.delete(key);
    const canonical = this.tuples?.remove(key);
    return canonical !== undefined && super.delete(canonical);
  }

  override clear(): void {
    super.clear();
    this.tuples = undefined;
  }
}

/**
 * The canonical instances of a set of tuples, found by value: an index from a tuple's hash to the
 * canonical tuples with that hash. {@link KeyMap} uses one; a hot path that keeps primitive keys in
 * a native `Map` of its own (and so calls the native methods directly) keeps one beside it for the
 * tuple keys of that Map.
 */
export class TupleIndex {
  private readonly byHash = new Map<number, CompositeKey[]>();

  /** The canonical tuple equal to `key`, or undefined. Allocates nothing. */
  find(key: CompositeKey): CompositeKey | undefined {
    const bucket = this.byHash.get(hashKey(key));
    if (bucket === undefined) return undefined;
    for (let i = 0; i < bucket.length; i++) {
      const canonical = bucket[i];
      if (canonical === key || sameTuple(canonical, key)) return canonical;
    }
    return undefined;
  }

  /** The canonical tuple equal to `key`, registering a copy of `key` when there is none. */
  intern(key: CompositeKey): CompositeKey {
    const hash = hashKey(key);
    const bucket = this.byHash.get(hash);
    if (bucket !== undefined) {
      for (let i = 0; i < bucket.length; i++) {
        const canonical = bucket[i];
        if (canonical === key || sameTuple(canonical, key)) return canonical;
      }
    }
    const copy = key.slice();
    if (bucket === undefined) this.byHash.set(hash, [copy]);
    else bucket.push(copy);
    return copy;
  }

  /** Unregisters the tuple equal to `key`; returns its canonical instance, or undefined if none. */
  remove(key: CompositeKey): CompositeKey | undefined {
    const hash = hashKey(key);
    const bucket = this.byHash.get(hash);
    if (bucket === undefined) return undefined;
    for (let i = 0; i < bucket.length; i++) {
      const canonical = bucket[i];
      if (canonical !== key && !sameTuple(canonical, key)) continue;
      if (bucket.length === 1) this.byHash.delete(hash);
      else bucket.splice(i, 1);
      return canonical;
    }
    return undefined;
  }

  clear(): void {
    this.byHash.clear();
  }
}

/** Element-wise SameValueZero, as `Map` compares keys. */
export function sameTuple(a: CompositeKey, b: CompositeKey): boolean {
  const n = a.length;
  if (b.length !== n) return false;
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x !== y && !(Number.isNaN(x) && Number.isNaN(y))) return false;
  }
  return true;
}

/** Whether two keys are the same key: `===` for primitives (NaN equal to NaN), element-wise for tuples. */
export function sameKey(a: Key, b: Key): boolean {
  if (typeof a !== 'object' || typeof b !== 'object') return a === b || (Number.isNaN(a) && Number.isNaN(b));
  return a === b || sameTuple(a, b);
}
