import { WeirError } from '../core/errors.ts';
import type { InternalListState } from './internal-kv-state.ts';
import { LmdbMergingKvState } from './lmdb-kv-state.ts';
import type { LmdbListStateTable } from './lmdb-list-state-table.ts';
import { type TtlPolicy, TtlValue } from './ttl-value.ts';

/**
 * {@link ListState} on the LMDB backend: one LMDB entry per element (lmdb-list-state-table.ts), so
 * `add` writes the new element alone, at the next flush, without reading the list. `get()` reads
 * the list's range and returns a fresh array: changing an element in place does not change the
 * state (write it back with `update`). With TTL each element expires on its own, as on the heap; a
 * read that drops expired elements or refreshes timestamps (`OnReadAndWrite`) rewrites the list.
 */
export class LmdbListState<T> extends LmdbMergingKvState<LmdbListStateTable> implements InternalListState<T> {
  private readonly ttl: TtlPolicy | undefined;

  constructor(table: LmdbListStateTable, ttl: TtlPolicy | undefined) {
    super(table);
    this.ttl = ttl;
  }

  get(): Iterable<T> {
    const stored = this.table.elements();
    if (this.ttl === undefined || stored.length === 0) return stored as readonly T[];
    return this.readTtl(stored as Array<TtlValue<T>>, this.ttl);
  }

  /** Whether the current (key, namespace)'s list has an element, expired ones included; reads at most one. */
  hasElements(): boolean {
    return this.table.hasElements();
  }

  add(value: T): void {
    if (value === undefined) throw this.undefinedElement();
    this.table.append(this.ttl === undefined ? value : new TtlValue(value, this.ttl.now()));
  }

  addAll(values: Iterable<T>): void {
    const now = this.ttl === undefined ? 0 : this.ttl.now();
    for (const value of values) {
      if (value === undefined) throw this.undefinedElement();
      this.table.append(this.ttl === undefined ? value : new TtlValue(value, now));
    }
  }

  update(values: Iterable<T>): void {
    const now = this.ttl === undefined ? 0 : this.ttl.now();
    const next: unknown[] = [];
    for (const value of values) {
      if (value === undefined) throw this.undefinedElement();
      next.push(this.ttl === undefined ? value : new TtlValue(value, now));
    }
    this.table.replace(next);
  }

  clear(): void {
    this.table.clearList();
  }

  /** For merging: the stored elements (wrapped with a TTL, the expired ones dropped), removed from the store. */
  take(): unknown {
    const stored = this.table.elements();
    if (stored.length === 0) return undefined;
    this.table.clearList();
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
    this.table.replace(value as unknown[]);
  }

  /** The live elements; the list is rewritten when elements expired or timestamps were refreshed. */
  private readTtl(stored: Array<TtlValue<T>>, ttl: TtlPolicy): T[] {
    const now = ttl.now();
    const result: T[] = [];
    const kept: Array<TtlValue<T>> = [];
    for (let i = 0; i < stored.length; i++) {
      const element = stored[i];
      if (ttl.isExpired(element.timestamp, now)) {
        if (ttl.returnExpired) result.push(element.value);
        continue;
      }
      if (ttl.updateOnRead) element.timestamp = now;
      result.push(element.value);
      kept.push(element);
    }
    if (kept.length !== stored.length || ttl.updateOnRead) this.table.replace(kept);
    return result;
  }

  private undefinedElement(): WeirError {
    return new WeirError('STATE_ERROR', `list state "${this.table.name}" cannot hold undefined elements`);
  }
}
