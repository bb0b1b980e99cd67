import { WeirError } from '../core/errors.ts';
import { HeapMergingKvState } from './heap-kv-state.ts';
import type { HeapKeyContext, StateTable } from './heap-state-table.ts';
import type { InternalListState } from './internal-kv-state.ts';
import { type TtlPolicy, TtlValue } from './ttl-value.ts';

const EMPTY: readonly never[] = Object.freeze([]);

/**
 * {@link ListState} on the heap backend: an array per key. Without TTL, `get()` returns the stored
 * array itself (no copy). With TTL each element expires on its own, as in Flink: `get()` returns a
 * new array of the visible elements and drops the expired ones from the store. An empty list is
 * not stored.
 */
export class HeapListState<T> extends HeapMergingKvState implements InternalListState<T> {
  private readonly ttl: TtlPolicy | undefined;

  constructor(table: StateTable, ctx: HeapKeyContext, ttl: TtlPolicy | undefined) {
    super(table, ctx);
    this.ttl = ttl;
  }

  get(): Iterable<T> {
    const stored = this.table.get(this.ctx) as unknown[] | undefined;
    if (stored === undefined) return EMPTY;
    if (this.ttl === undefined) return stored as T[];
    return this.readTtl(stored as Array<TtlValue<T>>, this.ttl);
  }

  add(value: T): void {
    if (value === undefined) throw this.undefinedElement();
    const element = this.ttl === undefined ? value : new TtlValue(value, this.ttl.now());
    const stored = this.table.get(this.ctx) as unknown[] | undefined;
    if (stored === undefined) this.table.set(this.ctx, [element]);
    else stored.push(element);
  }

  addAll(values: Iterable<T>): void {
    const now = this.ttl === undefined ? 0 : this.ttl.now();
    let stored = this.table.get(this.ctx) as unknown[] | undefined;
    // `addAll(state.get())` must not iterate the array it is appending to.
    const source = (values as unknown) === stored ? (stored as T[]).slice() : values;
    for (const value of source) {
      if (value === undefined) throw this.undefinedElement();
      if (stored === undefined) this.table.set(this.ctx, (stored = []));
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
    if (next.length === 0) this.table.delete(this.ctx);
    else this.table.set(this.ctx, next);
  }

  /** For merging: the stored elements (wrapped with a TTL, the expired ones dropped), removed from the store. */
  take(): unknown {
    const stored = this.table.get(this.ctx) as unknown[] | undefined;
    if (stored === undefined) return undefined;
    this.table.delete(this.ctx);
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
    this.table.set(this.ctx, value);
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
    if (kept === 0) this.table.delete(this.ctx);
    else stored.length = kept;
    return result;
  }

  private undefinedElement(): WeirError {
    return new WeirError('STATE_ERROR', `list state "${this.table.name}" cannot hold undefined elements`);
  }
}
