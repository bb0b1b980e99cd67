import { HeapMergingKvState } from './heap-kv-state.ts';
import {
  currentTtlSingle,
  type HeapKeyContext,
  readTtlSingle,
  type StateTable,
  writeTtlSingle,
} from './heap-state-table.ts';
import type { InternalReducingState } from './internal-kv-state.ts';
import type { TtlPolicy } from './ttl-value.ts';

/** {@link ReducingState} on the heap backend: holds the reduction of every value added for the key. */
export class HeapReducingState<T> extends HeapMergingKvState implements InternalReducingState<T> {
  private readonly reduce: (a: T, b: T) => T;
  private readonly ttl: TtlPolicy | undefined;

  constructor(table: StateTable, ctx: HeapKeyContext, reduce: (a: T, b: T) => T, ttl: TtlPolicy | undefined) {
    super(table, ctx);
    this.reduce = reduce;
    this.ttl = ttl;
  }

  get(): T | undefined {
    return (
      this.ttl === undefined ? this.table.get(this.ctx) : readTtlSingle(this.table, this.ctx, this.ttl)
    ) as T | undefined;
  }

  add(value: T): void {
    const table = this.table;
    const ctx = this.ctx;
    if (this.ttl === undefined) {
      const current = table.get(ctx) as T | undefined;
      table.set(ctx, current === undefined ? value : this.reduce(current, value));
    } else {
      const now = this.ttl.now();
      const current = currentTtlSingle(table, ctx, this.ttl, now) as T | undefined;
      writeTtlSingle(table, ctx, current === undefined ? value : this.reduce(current, value), now);
    }
  }

  take(): unknown {
    const value = this.get();
    this.table.delete(this.ctx);
    return value;
  }

  combine(a: unknown, b: unknown): unknown {
    return this.reduce(a as T, b as T);
  }

  put(value: unknown): void {
    if (this.ttl === undefined) this.table.set(this.ctx, value);
    else writeTtlSingle(this.table, this.ctx, value, this.ttl.now());
  }
}
