import {
  currentTtlSingle,
  type HeapKeyContext,
  readTtlSingle,
  type StateTable,
  writeTtlSingle,
} from './heap-state-table.ts';
import type { AggregateFunction, AggregatingState } from './state.ts';
import type { TtlPolicy } from './ttl-value.ts';

/**
 * {@link AggregatingState} on the heap backend: stores the accumulator; `get()` returns
 * `getResult(accumulator)`, or `undefined` when nothing was added.
 */
export class HeapAggregatingState<IN, ACC, OUT> implements AggregatingState<IN, OUT> {
  private readonly table: StateTable;
  private readonly ctx: HeapKeyContext;
  private readonly aggregate: AggregateFunction<IN, ACC, OUT>;
  private readonly ttl: TtlPolicy | undefined;

  constructor(
    table: StateTable,
    ctx: HeapKeyContext,
    aggregate: AggregateFunction<IN, ACC, OUT>,
    ttl: TtlPolicy | undefined,
  ) {
    this.table = table;
    this.ctx = ctx;
    this.aggregate = aggregate;
    this.ttl = ttl;
  }

  get(): OUT | undefined {
    const map = this.table.current(this.ctx);
    const acc = (
      this.ttl === undefined ? map.get(this.ctx.key) : readTtlSingle(map, this.ctx.key, this.ttl)
    ) as ACC | undefined;
    return acc === undefined ? undefined : this.aggregate.getResult(acc);
  }

  add(value: IN): void {
    const map = this.table.current(this.ctx);
    const key = this.ctx.key;
    if (this.ttl === undefined) {
      const acc = map.get(key) as ACC | undefined;
      map.set(key, this.aggregate.add(value, acc === undefined ? this.aggregate.createAccumulator() : acc));
    } else {
      const now = this.ttl.now();
      const acc = currentTtlSingle(map, key, this.ttl, now) as ACC | undefined;
      const next = this.aggregate.add(value, acc === undefined ? this.aggregate.createAccumulator() : acc);
      writeTtlSingle(map, key, next, now);
    }
  }

  clear(): void {
    this.table.current(this.ctx).delete(this.ctx.key);
  }
}
