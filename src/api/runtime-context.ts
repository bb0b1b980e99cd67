import type { Key } from '../core/key.ts';
import type { OperatorStateStore } from '../state/operator-state-store.ts';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from '../state/state.ts';
import type {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from '../state/state-descriptor.ts';
import type { Accumulator } from './accumulators.ts';
import type { MetricGroup } from './metrics.ts';

/**
 * What a rich function sees of the task running it: its subtask, keyed state (on keyed streams),
 * operator state, accumulators, metrics and processing time.
 */
export interface RuntimeContext {
  getJobId(): string;
  getTaskName(): string;
  getOperatorUid(): string;
  getIndexOfThisSubtask(): number;
  getNumberOfParallelSubtasks(): number;
  getMaxNumberOfParallelSubtasks(): number;
  getAttemptNumber(): number;
  /** Processing time from the job's clock. */
  currentProcessingTime(): number;
  /**
   * The id of the checkpoint (or savepoint) this subtask's state was restored from, after a restart
   * or a start with `--from-checkpoint`/`--from-savepoint`; undefined on a fresh start. Flink's
   * `FunctionInitializationContext.getRestoredCheckpointId()`; read it in `open()`.
   */
  getRestoredCheckpointId(): number | undefined;

  /** Keyed state of the current key; only on a keyed stream. */
  getState<T, V>(descriptor: ValueStateDescriptor<T, V>): ValueState<T, V>;
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getMapState<UK, UV>(descriptor: MapStateDescriptor<UK, UV>): MapState<UK, UV>;
  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  getAggregatingState<IN, ACC, OUT>(
    descriptor: AggregatingStateDescriptor<IN, ACC, OUT>,
  ): AggregatingState<IN, OUT>;
  /** Non-keyed state of this operator instance (lists redistributed on rescale). */
  getOperatorStateStore(): OperatorStateStore;

  /** Registers an accumulator; its merged value is in the job's result under `name`. */
  addAccumulator<V>(name: string, accumulator: Accumulator<V>): void;
  getAccumulator<V>(name: string): Accumulator<V> | undefined;

  /**
   * The metric group of this operator instance (docs/observability.md): register counters, gauges,
   * histograms and meters in `open()`, update them per record.
   */
  getMetricGroup(): MetricGroup;
}

/** The keyed part of a context, for functions on keyed streams. */
export interface KeyContext<K extends Key> {
  getCurrentKey(): K;
}
