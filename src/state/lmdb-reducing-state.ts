import type { InternalReducingState } from './internal-kv-state.ts';
import { LmdbMergingKvState } from './lmdb-kv-state.ts';
import { currentTtlSingle, type LmdbStateTable, readTtlSingle, writeTtlSingle } from './lmdb-state-table.ts';
import type { TtlPolicy } from './ttl-value.ts';

/** {@link ReducingState} on the LMDB backend: holds the reduction of every value added for the key. */
export class LmdbReducingState<T>
  extends LmdbMergingKvState<LmdbStateTable>
  implements InternalReducingState<T>
{
  private readonly reduce: (a: T, b: T) => T;
  private readonly ttl: TtlPolicy | undefined;

  constructor(table: LmdbStateTable, reduce: (a: T, b: T) => T, ttl: TtlPolicy | undefined) {
    super(table);
    this.reduce = reduce;
    this.ttl = ttl;
  }

  get(): T | undefined {
    return (this.ttl === undefined ? this.table.get() : readTtlSingle(this.table, this.ttl)) as T | undefined;
  }

  add(value: T): void {
    if (this.ttl === undefined) {
      const current = this.table.get() as T | undefined;
      this.table.set(current === undefined ? value : this.reduce(current, value));
    } else {
      const now = this.ttl.now();
      const current = currentTtlSingle(this.table, this.ttl, now) as T | undefined;
      writeTtlSingle(this.table, current === undefined ? value : this.reduce(current, value), now);
    }
  }

  clear(): void {
    this.table.delete();
  }

  take(): unknown {
    const value = this.get();
    this.table.delete();
    return value;
  }

  combine(a: unknown, b: unknown): unknown {
    return this.reduce(a as T, b as T);
  }

  put(value: unknown): void {
    if (this.ttl === undefined) this.table.set(value);
    else writeTtlSingle(this.table, value, this.ttl.now());
  }
}
