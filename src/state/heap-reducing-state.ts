import {
  currentTtlSingle,
  type HeapKeyContext,
  readTtlSingle,
  type StateTable,
  writeTtlSingle,
} from './heap-state-table.ts';
import type { ReducingState } from './state.ts';
import type { TtlPolicy } from './ttl-value.ts';

/** {@link ReducingState} on the heap backend: holds the reduction of every value added for the key. */
export class HeapReducingState<T> implements ReducingState<T> {
  private readonly table: StateTable;
  private readonly ctx: HeapKeyContext;
  private readonly reduce: (a: T, b: T) => T;
  private readonly ttl: TtlPolicy | undefined;

  constructor(table: StateTable, ctx: HeapKeyContext, reduce: (a: T, b: T) => T, ttl: TtlPolicy | undefined) {
    this.table = table;
    this.ctx = ctx;
    this.reduce = reduce;
    this.ttl = ttl;
  }

  get(): T | undefined {
    const map = this.table.current(this.ctx);
    return (this.ttl === undefined ? map.get(this.ctx.key) : readTtlSingle(map, this.ctx.key, this.ttl)) as
      | T
      | undefined;
  }

  add(value: T): void {
    const map = this.table.current(this.ctx);
    const key = this.ctx.key;
    if (this.ttl === undefined) {
      const current = map.get(key) as T | undefined;
      map.set(key, current === undefined ? value : this.reduce(current, value));
    } else {
      const now = this.ttl.now();
      const current = currentTtlSingle(map, key, this.ttl, now) as T | undefined;
      writeTtlSingle(map, key, current === undefined ? value : this.reduce(current, value), now);
    }
  }

  clear(): void {
    this.table.current(this.ctx).delete(this.ctx.key);
  }
}
