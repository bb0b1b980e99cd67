import { type HeapKeyContext, readTtlSingle, type StateTable, writeTtlSingle } from './heap-state-table.ts';
import type { ValueState } from './state.ts';
import type { TtlPolicy } from './ttl-value.ts';

/**
 * {@link ValueState} on the heap backend. An absent value reads as the descriptor's default, which
 * is never stored (and is returned as is: do not mutate a default object). `update(undefined)`
 * clears the value.
 */
export class HeapValueState<T, V> implements ValueState<T, V> {
  private readonly table: StateTable;
  private readonly ctx: HeapKeyContext;
  private readonly defaultValue: T | undefined;
  private readonly ttl: TtlPolicy | undefined;

  constructor(
    table: StateTable,
    ctx: HeapKeyContext,
    defaultValue: T | undefined,
    ttl: TtlPolicy | undefined,
  ) {
    this.table = table;
    this.ctx = ctx;
    this.defaultValue = defaultValue;
    this.ttl = ttl;
  }

  value(): V {
    const map = this.table.current(this.ctx);
    const stored =
      this.ttl === undefined ? map.get(this.ctx.key) : readTtlSingle(map, this.ctx.key, this.ttl);
    return (stored === undefined ? this.defaultValue : stored) as V;
  }

  update(value: T | undefined): void {
    const map = this.table.current(this.ctx);
    if (value === undefined) map.delete(this.ctx.key);
    else if (this.ttl === undefined) map.set(this.ctx.key, value);
    else writeTtlSingle(map, this.ctx.key, value, this.ttl.now());
  }

  clear(): void {
    this.table.current(this.ctx).delete(this.ctx.key);
  }
}
