/**
 * Plan data of SQL's mini-batch and two-phase group aggregation (Flink's `table.exec.mini-batch.*`
 * and `table.optimizer.agg-phase-strategy`): when a bundle of buffered input ends, and the
 * configurations of the three operators the planner picks from instead of the one-phase group
 * aggregate.
 */
import type { SqlType } from '../core/sql-type.ts';
import type { AggCall } from '../sql/plan/rel.ts';

/**
 * When a bundle ends: after `latency` ms of processing time from its first row
 * (`table.exec.mini-batch.allow-latency`) or at `size` rows (`table.exec.mini-batch.size`),
 * whichever comes first; also on a watermark, before a checkpoint's snapshot and at end of input.
 */
export interface MiniBatchSpec {
  latency: number;
  size: number;
}

/** A group aggregate that folds its input per key and bundle (Flink's MiniBatchGroupAggFunction). */
export interface SqlMiniBatchGroupAggregateOperatorConfig {
  groupKeys: number[];
  aggs: AggCall[];
  inputTypes: SqlType[];
  resultTypes: SqlType[];
  stateTtl?: number;
  miniBatch: MiniBatchSpec;
}

/**
 * The local phase, before the hash exchange: per subtask and bundle, one accumulator per group;
 * emits `[...group key values, accumulators]` rows when the bundle ends. Keeps no state.
 */
export interface SqlLocalGroupAggregateOperatorConfig {
  groupKeys: number[];
  aggs: AggCall[];
  inputTypes: SqlType[];
  resultTypes: SqlType[];
  miniBatch: MiniBatchSpec;
}

/**
 * The global phase, keyed by the group key (the first `keyCount` fields of the local rows): merges
 * the local accumulators per bundle into its state and emits the group's changes, as the one-phase
 * aggregate would.
 */
export interface SqlGlobalGroupAggregateOperatorConfig {
  keyCount: number;
  aggs: AggCall[];
  /** The types of the local phase's input (the aggregates' arguments). */
  inputTypes: SqlType[];
  resultTypes: SqlType[];
  stateTtl?: number;
  miniBatch: MiniBatchSpec;
}

/**
 * Flink's IncrementalGroupAggregate: the global phase of a split distinct's partial aggregate fused
 * with the local phase of its final one. Keyed by the partial group key (`partialKeyCount` fields of
 * the local rows: the group keys, the bucket and, for several distinct columns, `$e`), it merges the
 * local accumulators into its state per bundle and emits, per final group (the first
 * `finalKeyCount` fields), one row `[...final key values, final accumulators]` holding the change of
 * its buckets' results: the old results taken back, the new ones added.
 */
export interface SqlIncrementalGroupAggregateOperatorConfig {
  partialKeyCount: number;
  partialAggs: AggCall[];
  partialInputTypes: SqlType[];
  partialResultTypes: SqlType[];
  finalKeyCount: number;
  finalAggs: AggCall[];
  /** The partial aggregate's output: its keys, then its results. */
  finalInputTypes: SqlType[];
  finalResultTypes: SqlType[];
  stateTtl?: number;
  miniBatch: MiniBatchSpec;
}
