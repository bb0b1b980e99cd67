import { WeirError } from '../core/errors.ts';
import type { Key } from '../core/key.ts';
import type { HeapKeyContext, StateTable } from './heap-state-table.ts';
import type { ListState } from './state.ts';
import { type TtlPolicy, TtlValue } from './ttl-value.ts';

const EMPTY: readonly never[] = Object.freeze([]);

/**
 * {@link ListState} on the heap backend: an array per key. Without TTL, `get()` returns the stored
 * array itself (no copy). With TTL each element expires on its own, as in Flink: `get()` returns a
 * new array of the visible elements and drops the expired ones from the store. An empty list is
 * not stored.
 */
export class HeapListState<T> implements ListState<T> {
  private readonly table: StateTable;
  private readonly ctx: HeapKeyContext;
  private readonly ttl: TtlPolicy | undefined;

  constructor(table: StateTable, ctx: HeapKeyContext, ttl: TtlPolicy | undefined) {
    this.table = table;
    this.ctx = ctx;
    this.ttl = ttl;
  }

  get(): Iterable<T> {
    const map = this.table.current(this.ctx);
    const stored = map.get(this.ctx.key) as unknown[] | undefined;
    if (stored === undefined) return EMPTY;
    if (this.ttl === undefined) return stored as T[];
    return this.readTtl(map, this.ctx.key, stored as Array<TtlValue<T>>, this.ttl);
  }

  add(value: T): void {
    const map = this.table.current(this.ctx);
    if (value === undefined) throw this.undefinedElement();
    const element = this.ttl === undefined ? value : new TtlValue(value, this.ttl.now());
    const stored = map.get(this.ctx.key) as unknown[] | undefined;
    if (stored === undefined) map.set(this.ctx.key, [element]);
    else stored.push(element);
  }

  addAll(values: Iterable<T>): void {
    const map = this.table.current(this.ctx);
    const now = this.ttl === undefined ? 0 : this.ttl.now();
    let stored = map.get(this.ctx.key) as unknown[] | undefined;
    // `addAll(state.get())` must not iterate the array it is appending to.
    const source = (values as unknown) === stored ? (stored as T[]).slice() : values;
    for (const value of source) {
      if (value === undefined) throw this.undefinedElement();
      if (stored === undefined) map.set(this.ctx.key, (stored = []));
      stored.push(this.ttl === undefined ? value : new TtlValue(value, now));
    }
  }

  update(values: Iterable<T>): void {
    const map = this.table.current(this.ctx);
    const now = this.ttl === undefined ? 0 : this.ttl.now();
    const next: unknown[] = [];
    for (const value of values) {
      if (value === undefined) throw this.undefinedElement();
      next.push(this.ttl === undefined ? value : new TtlValue(value, now));
    }
    if (next.length === 0) map.delete(this.ctx.key);
    else map.set(this.ctx.key, next);
  }

  clear(): void {
    this.table.current(this.ctx).delete(this.ctx.key);
  }

  private readTtl(map: Map<Key, unknown>, key: Key, stored: Array<TtlValue<T>>, ttl: TtlPolicy): T[] {
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
    if (kept === 0) map.delete(key);
    else stored.length = kept;
    return result;
  }

  private undefinedElement(): WeirError {
    return new WeirError('STATE_ERROR', `list state "${this.table.name}" cannot hold undefined elements`);
  }
}
