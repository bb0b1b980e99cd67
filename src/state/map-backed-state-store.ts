import type { KeyedStateStore } from './keyed-state-store.ts';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from './state.ts';
import type {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from './state-descriptor.ts';

/**
 * State kept in one plain Map, name → value: the state of one key and one window (trigger state,
 * `windowState()`), which lives and dies with the window's entry in the window operator's keyed
 * state. No TTL: windows end by time already.
 */
export class MapBackedStateStore implements KeyedStateStore {
  /** The map the state objects read and write (may be swapped to reuse the store). */
  values: Map<string, unknown>;

  constructor(values: Map<string, unknown> = new Map()) {
    this.values = values;
  }

  getState<T, V>(d: ValueStateDescriptor<T, V>): ValueState<T, V> {
    const m = this.values;
    return {
      value: () => (m.has(d.name) ? m.get(d.name) : d.defaultValue) as V,
      update: (v) => (v === undefined ? m.delete(d.name) : m.set(d.name, v)),
      clear: () => m.delete(d.name),
    } as ValueState<T, V>;
  }

  getListState<T>(d: ListStateDescriptor<T>): ListState<T> {
    const m = this.values;
    const list = (): T[] => {
      let l = m.get(d.name) as T[] | undefined;
      if (!l) m.set(d.name, (l = []));
      return l;
    };
    return {
      get: () => (m.get(d.name) as T[] | undefined) ?? [],
      add: (v) => list().push(v),
      addAll: (vs) => list().push(...vs),
      update: (vs) => m.set(d.name, [...vs]),
      clear: () => m.delete(d.name),
    };
  }

  getMapState<UK, UV>(d: MapStateDescriptor<UK, UV>): MapState<UK, UV> {
    const m = this.values;
    const map = (): Map<UK, UV> => {
      let x = m.get(d.name) as Map<UK, UV> | undefined;
      if (!x) m.set(d.name, (x = new Map()));
      return x;
    };
    const peek = () => (m.get(d.name) as Map<UK, UV> | undefined) ?? new Map<UK, UV>();
    return {
      get: (k) => peek().get(k),
      put: (k, v) => void map().set(k, v),
      putAll: (entries) => {
        for (const [k, v] of entries) map().set(k, v);
      },
      remove: (k) => void peek().delete(k),
      contains: (k) => peek().has(k),
      entries: () => peek().entries(),
      keys: () => peek().keys(),
      values: () => peek().values(),
      isEmpty: () => peek().size === 0,
      clear: () => m.delete(d.name),
    };
  }

  getReducingState<T>(d: ReducingStateDescriptor<T>): ReducingState<T> {
    const m = this.values;
    return {
      get: () => m.get(d.name) as T | undefined,
      add: (v) => m.set(d.name, m.has(d.name) ? d.reduce(m.get(d.name) as T, v) : v),
      clear: () => m.delete(d.name),
    };
  }

  getAggregatingState<IN, ACC, OUT>(d: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT> {
    const m = this.values;
    return {
      get: () => (m.has(d.name) ? d.aggregate.getResult(m.get(d.name) as ACC) : undefined),
      add: (v) =>
        m.set(
          d.name,
          d.aggregate.add(v, m.has(d.name) ? (m.get(d.name) as ACC) : d.aggregate.createAccumulator()),
        ),
      clear: () => m.delete(d.name),
    };
  }
}
