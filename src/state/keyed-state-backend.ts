import type { Key } from '../core/key.ts';
import type { Namespace } from './internal-kv-state.ts';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from './state.ts';
import type {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from './state-descriptor.ts';

/**
 * The keyed state of one operator in one subtask. The runtime sets the current key before each
 * record and each timer; state objects read and write the value of that key (in their current
 * namespace, see internal-kv-state.ts; the void one unless an operator sets another). State is stored per
 * key group so that a snapshot can be split and restored at another parallelism.
 */
export interface KeyedStateBackend {
  readonly maxParallelism: number;
  /** The key groups this subtask owns, `[start, end]` inclusive. */
  readonly keyGroupRange: KeyGroupRange;
  setCurrentKey(key: Key): void;
  /** Sets the current key when its key group is already known (saves a hash). */
  setCurrentKeyAndGroup(key: Key, keyGroup: number): void;
  getCurrentKey(): Key;
  getCurrentKeyGroup(): number;
  /** Time source for event-time TTL: the operator's current watermark. */
  setCurrentWatermark(watermark: number): void;

  getState<T, V>(descriptor: ValueStateDescriptor<T, V>): ValueState<T, V>;
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getMapState<UK, UV>(descriptor: MapStateDescriptor<UK, UV>): MapState<UK, UV>;
  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  getAggregatingState<IN, ACC, OUT>(
    descriptor: AggregatingStateDescriptor<IN, ACC, OUT>,
  ): AggregatingState<IN, OUT>;

  /** Keys that have a value in the named state (for `applyToAllKeys`-style processing). */
  keys(stateName: string): Iterable<Key>;
  /**
   * Keys that have a value in `namespace` of the named state (internal-kv-state.ts; Flink's
   * `getKeys(state, namespace)`). The heap reads one map per key group; LMDB scans the state.
   */
  keysInNamespace(stateName: string, namespace: Namespace): Iterable<Key>;
  /** Number of (state, key, namespace) entries held, for metrics. */
  size(): number;
  dispose(): void;
}

export interface KeyGroupRange {
  readonly start: number;
  readonly end: number;
}
