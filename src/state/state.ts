/**
 * Keyed state, as in Flink: each state object is scoped to the key of the record being processed
 * (or of the timer firing). Access is synchronous (docs/state.md): `value()` returns a value.
 */

export interface State {
  /** Removes the value of the current key. */
  clear(): void;
}

/** One value per key. `V` is `T` when the descriptor has a default, `T | undefined` otherwise. */
export interface ValueState<T, V = T | undefined> extends State {
  value(): V;
  update(value: T | undefined): void;
}

export interface ListState<T> extends State {
  /** The list of the current key (empty when none; a copy-free view, do not mutate). */
  get(): Iterable<T>;
  add(value: T): void;
  addAll(values: Iterable<T>): void;
  /** Replaces the list. */
  update(values: Iterable<T>): void;
}

export interface MapState<UK, UV> extends State {
  get(key: UK): UV | undefined;
  put(key: UK, value: UV): void;
  putAll(entries: Iterable<readonly [UK, UV]> | Map<UK, UV>): void;
  remove(key: UK): void;
  contains(key: UK): boolean;
  entries(): IterableIterator<[UK, UV]>;
  keys(): IterableIterator<UK>;
  values(): IterableIterator<UV>;
  isEmpty(): boolean;
}

/** Adds values with a reduce function and holds the result. */
export interface ReducingState<T> extends State {
  get(): T | undefined;
  add(value: T): void;
}

/** Adds values to an accumulator and returns the aggregate. */
export interface AggregatingState<IN, OUT> extends State {
  get(): OUT | undefined;
  add(value: IN): void;
}

export interface ReduceFunction<T> {
  reduce(a: T, b: T): T;
}

export interface AggregateFunction<IN, ACC, OUT> {
  createAccumulator(): ACC;
  add(value: IN, accumulator: ACC): ACC;
  getResult(accumulator: ACC): OUT;
  merge(a: ACC, b: ACC): ACC;
}
