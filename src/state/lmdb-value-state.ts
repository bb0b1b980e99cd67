import type { InternalValueState } from './internal-kv-state.ts';
import { LmdbKvState } from './lmdb-kv-state.ts';
import { type LmdbStateTable, readTtlSingle, writeTtlSingle } from './lmdb-state-table.ts';
import type { TtlPolicy } from './ttl-value.ts';

/**
 * {@link ValueState} on the LMDB backend. An absent value reads as the descriptor's default, which
 * is never stored. `update(undefined)` clears the value.
 */
export class LmdbValueState<T, V> extends LmdbKvState<LmdbStateTable> implements InternalValueState<T, V> {
  private readonly defaultValue: T | undefined;
  private readonly ttl: TtlPolicy | undefined;

  constructor(table: LmdbStateTable, defaultValue: T | undefined, ttl: TtlPolicy | undefined) {
    super(table);
    this.defaultValue = defaultValue;
    this.ttl = ttl;
  }

  value(): V {
    const stored = this.ttl === undefined ? this.table.get() : readTtlSingle(this.table, this.ttl);
    return (stored === undefined ? this.defaultValue : stored) as V;
  }

  update(value: T | undefined): void {
    if (value === undefined) this.table.delete();
    else if (this.ttl === undefined) this.table.set(value);
    else writeTtlSingle(this.table, value, this.ttl.now());
  }

  clear(): void {
    this.table.delete();
  }
}
