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

/** The records one source could not read: how many, and what it did with them. */
export interface SourceRecordsInErrors {
  count: number;
  /** What the source does with a record it cannot read, e.g. `onError: skip`. */
  policy: string;
}

/**
 * The records each source could not read, by source name: the value of the `numRecordsInErrorsBySource`
 * accumulator. A reader's instance is a view of its `numRecordsInErrors` counter, so one count
 * feeds both; merging adds the counts of equal source names.
 */
export class RecordsInErrorsBySource implements Accumulator<Record<string, SourceRecordsInErrors>> {
  private readonly merged: Record<string, SourceRecordsInErrors> = {};
  private readonly source: { name: string; policy: string; counter: Counter } | undefined;

  constructor(source?: { name: string; policy: string; counter: Counter }) {
    this.source = source;
  }

  add(value: Record<string, SourceRecordsInErrors>): void {
    this.merge(value);
  }

  getLocalValue(): Record<string, SourceRecordsInErrors> {
    const value: Record<string, SourceRecordsInErrors> = {};
    for (const [name, entry] of Object.entries(this.merged)) value[name] = { ...entry };
    const source = this.source;
    if (source !== undefined) {
      const own = value[source.name];
      const count = source.counter.getLocalValue();
      value[source.name] =
        own === undefined ? { count, policy: source.policy } : { ...own, count: own.count + count };
    }
    return value;
  }

  merge(other: Record<string, SourceRecordsInErrors>): void {
    for (const [name, entry] of Object.entries(other)) {
      const into = this.merged[name];
      if (into === undefined) this.merged[name] = { ...entry };
      else into.count += entry.count;
    }
  }

  create(): RecordsInErrorsBySource {
    return new RecordsInErrorsBySource();
  }
}
