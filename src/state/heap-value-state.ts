import { HeapKvState } from './heap-kv-state.ts';
import { type HeapKeyContext, readTtlSingle, type StateTable, writeTtlSingle } from './heap-state-table.ts';
import type { InternalValueState } from './internal-kv-state.ts';
import type { TtlPolicy } from './ttl-value.ts';

/**
 * {@link ValueState} on the heap backend. An absent value reads as the descriptor's default, which
 * is never stored (and is returned as is: do not mutate a default object). `update(undefined)`
 * clears the value.
 */
export class HeapValueState<T, V> extends HeapKvState implements InternalValueState<T, V> {
  private readonly defaultValue: T | undefined;
  private readonly ttl: TtlPolicy | undefined;

  constructor(
    table: StateTable,
    ctx: HeapKeyContext,
    defaultValue: T | undefined,
    ttl: TtlPolicy | undefined,
  ) {
    super(table, ctx);
    this.defaultValue = defaultValue;
    this.ttl = ttl;
  }

  value(): V {
    const stored =
      this.ttl === undefined ? this.table.get(this.ctx) : readTtlSingle(this.table, this.ctx, this.ttl);
    return (stored === undefined ? this.defaultValue : stored) as V;
  }

  update(value: T | undefined): void {
    if (value === undefined) this.table.delete(this.ctx);
    else if (this.ttl === undefined) this.table.set(this.ctx, value);
    else writeTtlSingle(this.table, this.ctx, value, this.ttl.now());
  }
}
