import { WeirError } from '../core/errors.ts';
import type { InternalListState } from './internal-kv-state.ts';
import { LmdbMergingKvState } from './lmdb-kv-state.ts';
import type { LmdbStateTable } from './lmdb-state-table.ts';
import { type TtlPolicy, TtlValue } from './ttl-value.ts';

const EMPTY: readonly never[] = Object.freeze([]);

/**
 * {@link ListState} on the LMDB backend: one LMDB entry holds a key's whole list. The list is read
 * once and then cached (see lmdb-state-table.ts), so a run of `add`s for one key appends to an
 * array, and the list is written once per flush. Without TTL, `get()` returns the cached array
 * (do not mutate it). With TTL each element expires on its own, as on the heap. An empty list is
 * not stored.
 */
export class LmdbListState<T> extends LmdbMergingKvState<LmdbStateTable> implements InternalListState<T> {
  private readonly ttl: TtlPolicy | undefined;

  constructor(table: LmdbStateTable, ttl: TtlPolicy | undefined) {
    super(table);
    this.ttl = ttl;
  }

  get(): Iterable<T> {
    const stored = this.table.get() as unknown[] | undefined;
    if (stored === undefined) return EMPTY;
    if (this.ttl === undefined) return stored as T[];
    return this.readTtl(stored as Array<TtlValue<T>>, this.ttl);
  }

  add(value: T): void {
    if (value === undefined) throw this.undefinedElement();
    const element = this.ttl === undefined ? value : new TtlValue(value, this.ttl.now());
    const stored = this.table.get() as unknown[] | undefined;
    // A stored list is cached once read: appending to it is enough.
    if (stored === undefined) this.table.set([element]);
    else stored.push(element);
  }

  addAll(values: Iterable<T>): void {
    const now = this.ttl === undefined ? 0 : this.ttl.now();
    let stored = this.table.get() as unknown[] | undefined;
    // `addAll(state.get())` must not iterate the array it is appending to.
    const source = (values as unknown) === stored ? (stored as T[]).slice() : values;
    for (const value of source) {
      if (value === undefined) throw this.undefinedElement();
      if (stored === undefined) this.table.set((stored = []));
      stored.push(this.ttl === undefined ? value : new TtlValue(value, now));
    }
  }

  update(values: Iterable<T>): void {
    const now = this.ttl === undefined ? 0 : this.ttl.now();
    const next: unknown[] = [];
    for (const value of values) {
      if (value === undefined) throw this.undefinedElement();
      next.push(this.ttl === undefined ? value : new TtlValue(value, now));
    }
    if (next.length === 0) this.table.delete();
    else this.table.set(next);
  }

  clear(): void {
    this.table.delete();
  }

  /** For merging: the stored elements (wrapped with a TTL, the expired ones dropped), removed from the store. */
  take(): unknown {
    const stored = this.table.get() as unknown[] | undefined;
    if (stored === undefined) return undefined;
    this.table.delete();
    const ttl = this.ttl;
    if (ttl === undefined) return stored;
    const now = ttl.now();
    const live = (stored as Array<TtlValue<T>>).filter((e) => !ttl.isExpired(e.timestamp, now));
    return live.length === 0 ? undefined : live;
  }

  combine(a: unknown, b: unknown): unknown {
    const list = a as unknown[];
    for (const element of b as unknown[]) list.push(element);
    return list;
  }

  put(value: unknown): void {
    this.table.set(value);
  }

  private readTtl(stored: Array<TtlValue<T>>, ttl: TtlPolicy): T[] {
    const now = ttl.now();
    const result: T[] = [];
    let kept = 0;
    for (let i = 0; i < stored.length; i++) {
      const element = stored[i];
      if (ttl.isExpired(element.timestamp, now)) {
        if (ttl.returnExpired) result.push(element.value);
        continue;
      }
      if (ttl.updateOnRead) element.timestamp = now;
      result.push(element.value);
      stored[kept++] = element;
    }
    if (kept === 0) this.table.delete();
    else stored.length = kept;
    return result;
  }

  private undefinedElement(): WeirError {
    return new WeirError('STATE_ERROR', `list state "${this.table.name}" cannot hold undefined elements`);
  }
}
