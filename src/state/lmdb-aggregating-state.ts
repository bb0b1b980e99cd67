import type { InternalAggregatingState } from './internal-kv-state.ts';
import { LmdbMergingKvState } from './lmdb-kv-state.ts';
import { currentTtlSingle, type LmdbStateTable, readTtlSingle, writeTtlSingle } from './lmdb-state-table.ts';
import type { AggregateFunction } from './state.ts';
import type { TtlPolicy } from './ttl-value.ts';

/**
 * {@link AggregatingState} on the LMDB backend: stores the accumulator; `get()` returns
 * `getResult(accumulator)`, or `undefined` when nothing was added.
 */
export class LmdbAggregatingState<IN, ACC, OUT>
  extends LmdbMergingKvState<LmdbStateTable>
  implements InternalAggregatingState<IN, OUT>
{
  private readonly aggregate: AggregateFunction<IN, ACC, OUT>;
  private readonly ttl: TtlPolicy | undefined;

  constructor(table: LmdbStateTable, aggregate: AggregateFunction<IN, ACC, OUT>, ttl: TtlPolicy | undefined) {
    super(table);
    this.aggregate = aggregate;
    this.ttl = ttl;
  }

  get(): OUT | undefined {
    const acc = this.accumulator();
    return acc === undefined ? undefined : this.aggregate.getResult(acc);
  }

  private accumulator(): ACC | undefined {
    return (this.ttl === undefined ? this.table.get() : readTtlSingle(this.table, this.ttl)) as
      | ACC
      | undefined;
  }

  add(value: IN): void {
    const aggregate = this.aggregate;
    if (this.ttl === undefined) {
      const acc = this.table.get() as ACC | undefined;
      this.table.set(aggregate.add(value, acc === undefined ? aggregate.createAccumulator() : acc));
    } else {
      const now = this.ttl.now();
      const acc = currentTtlSingle(this.table, this.ttl, now) as ACC | undefined;
      writeTtlSingle(
        this.table,
        aggregate.add(value, acc === undefined ? aggregate.createAccumulator() : acc),
        now,
      );
    }
  }

  clear(): void {
    this.table.delete();
  }

  take(): unknown {
    const acc = this.accumulator();
    this.table.delete();
    return acc;
  }

  combine(a: unknown, b: unknown): unknown {
    return this.aggregate.merge(a as ACC, b as ACC);
  }

  put(value: unknown): void {
    if (this.ttl === undefined) this.table.set(value);
    else writeTtlSingle(this.table, value, this.ttl.now());
  }
}
