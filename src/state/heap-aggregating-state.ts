import { HeapMergingKvState } from './heap-kv-state.ts';
import {
  currentTtlSingle,
  type HeapKeyContext,
  readTtlSingle,
  type StateTable,
  writeTtlSingle,
} from './heap-state-table.ts';
import type { InternalAggregatingState } from './internal-kv-state.ts';
import type { AggregateFunction } from './state.ts';
import type { TtlPolicy } from './ttl-value.ts';

/**
 * {@link AggregatingState} on the heap backend: stores the accumulator; `get()` returns
 * `getResult(accumulator)`, or `undefined` when nothing was added.
 */
export class HeapAggregatingState<IN, ACC, OUT>
  extends HeapMergingKvState
  implements InternalAggregatingState<IN, OUT>
{
  private readonly aggregate: AggregateFunction<IN, ACC, OUT>;
  private readonly ttl: TtlPolicy | undefined;

  constructor(
    table: StateTable,
    ctx: HeapKeyContext,
    aggregate: AggregateFunction<IN, ACC, OUT>,
    ttl: TtlPolicy | undefined,
  ) {
    super(table, ctx);
    this.aggregate = aggregate;
    this.ttl = ttl;
  }

  get(): OUT | undefined {
    const acc = this.accumulator();
    return acc === undefined ? undefined : this.aggregate.getResult(acc);
  }

  add(value: IN): void {
    const table = this.table;
    const ctx = this.ctx;
    if (this.ttl === undefined) {
      const acc = table.get(ctx) as ACC | undefined;
      table.set(ctx, this.aggregate.add(value, acc === undefined ? this.aggregate.createAccumulator() : acc));
    } else {
      const now = this.ttl.now();
      const acc = currentTtlSingle(table, ctx, this.ttl, now) as ACC | undefined;
      const next = this.aggregate.add(value, acc === undefined ? this.aggregate.createAccumulator() : acc);
      writeTtlSingle(table, ctx, next, now);
    }
  }

  private accumulator(): ACC | undefined {
    return (
      this.ttl === undefined ? this.table.get(this.ctx) : readTtlSingle(this.table, this.ctx, this.ttl)
    ) as ACC | undefined;
  }

  take(): unknown {
    const acc = this.accumulator();
    this.table.delete(this.ctx);
    return acc;
  }

  combine(a: unknown, b: unknown): unknown {
    return this.aggregate.merge(a as ACC, b as ACC);
  }

  put(value: unknown): void {
    if (this.ttl === undefined) this.table.set(this.ctx, value);
    else writeTtlSingle(this.table, this.ctx, value, this.ttl.now());
  }
}
