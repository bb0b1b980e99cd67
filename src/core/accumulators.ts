/**
 * Accumulators collect a value per subtask that the job result merges, as Flink's
 * `getRuntimeContext().addAccumulator(...)`: counters and sums. Local values merge across subtasks
 * by `merge` (into an accumulator from `create()`), whether the subtasks ran in one thread or on
 * several, so an accumulator's local value must carry everything merging needs, as plain data that
 * survives a structured clone (numbers, strings, arrays, plain objects, Maps, Sets).
 */
export interface Accumulator<V> {
  add(value: V): void;
  getLocalValue(): V;
  /** Merges another subtask's local value into this one. */
  merge(other: V): void;
  /** A fresh accumulator of the same kind, for merging. */
  create(): Accumulator<V>;
}

/** Counts (or sums) numbers. */
export class Counter implements Accumulator<number> {
  private value = 0;
  add(value = 1): void {
    this.value += value;
  }
  getLocalValue(): number {
    return this.value;
  }
  merge(other: number): void {
    this.value += other;
  }
  create(): Counter {
    return new Counter();
  }
}

export { Counter as IntCounter, Counter as LongCounter, Counter as DoubleCounter };
