import { WeirError } from '../../core/errors.ts';
import type { OperatorKind } from '../../graph/operator-spec.ts';
import { AggregationOperator } from './aggregation-operator.ts';
import { AsyncWaitOperator } from './async-wait-operator.ts';
import { BroadcastProcessOperator, KeyedBroadcastProcessOperator } from './broadcast-process-operator.ts';
import { CoFlatMapOperator } from './co-flat-map-operator.ts';
import { CoMapOperator } from './co-map-operator.ts';
import { CoProcessOperator, KeyedCoProcessOperator } from './co-process-operator.ts';
import { CollectOperator } from './collect-operator.ts';
import { FilterOperator } from './filter-operator.ts';
import { FlatMapOperator } from './flat-map-operator.ts';
import { IntervalJoinOperator } from './interval-join-operator.ts';
import { KeyedProcessOperator } from './keyed-process-operator.ts';
import { MapOperator } from './map-operator.ts';
import type { OperatorContext } from './operator-context.ts';
import { ProcessOperator } from './process-operator.ts';
import { ReduceOperator } from './reduce-operator.ts';
import { SessionWindowOperator } from './session-window-operator.ts';
import { SinkOperator } from './sink-operator.ts';
import { SlicedWindowOperator } from './sliced-window-operator.ts';
import { SourceOperator } from './source-operator.ts';
import { SqlAsyncLookupJoinOperator } from './sql/sql-async-lookup-join-operator.ts';
import { SqlCalcOperator } from './sql/sql-calc-operator.ts';
import { SqlChangelogNormalizeOperator } from './sql/sql-changelog-normalize-operator.ts';
import { SqlCorrelateOperator } from './sql/sql-correlate-operator.ts';
import { SqlCumulateWindowAggregateOperator } from './sql/sql-cumulate-window-aggregate-operator.ts';
import { SqlGlobalGroupAggregateOperator } from './sql/sql-global-group-aggregate-operator.ts';
import { SqlGroupAggregateOperator } from './sql/sql-group-aggregate-operator.ts';
import { SqlIncrementalGroupAggregateOperator } from './sql/sql-incremental-group-aggregate-operator.ts';
import { SqlIntervalJoinOperator } from './sql/sql-interval-join-operator.ts';
import { SqlJoinOperator } from './sql/sql-join-operator.ts';
import { SqlLocalGroupAggregateOperator } from './sql/sql-local-group-aggregate-operator.ts';
import { SqlLookupJoinOperator } from './sql/sql-lookup-join-operator.ts';
import { SqlMiniBatchGroupAggregateOperator } from './sql/sql-mini-batch-group-aggregate-operator.ts';
import { SqlOverAggregateOperator } from './sql/sql-over-aggregate-operator.ts';
import { SqlRankOperator } from './sql/sql-rank-operator.ts';
import { SqlSemiAntiJoinOperator } from './sql/sql-semi-anti-join-operator.ts';
import { SqlSlicingWindowAggregateOperator } from './sql/sql-slicing-window-aggregate-operator.ts';
import { SqlTemporalJoinOperator } from './sql/sql-temporal-join-operator.ts';
import { SqlWatermarkAssignerOperator } from './sql/sql-watermark-assigner-operator.ts';
import {
  SqlSlicedWindowAggregateOperator,
  SqlWindowAggregateOperator,
} from './sql/sql-window-aggregate-operator.ts';
import { SqlWindowJoinOperator } from './sql/sql-window-join-operator.ts';
import { SqlWindowRankOperator } from './sql/sql-window-rank-operator.ts';
import type { StreamOperator } from './stream-operator.ts';
import { TimeWindowOperator } from './time-window-operator.ts';
import { TimestampsAndWatermarksOperator } from './timestamps-and-watermarks-operator.ts';
import { WindowAllPreAggregateOperator } from './window-all-pre-aggregate-operator.ts';
import { WindowCoGroupOperator } from './window-co-group-operator.ts';
import { WindowOperator } from './window-operator.ts';

type OperatorClass = new (ctx: OperatorContext) => StreamOperator;

/**
 * The operator of every kind of the closed union in graph/operator-spec.ts: a kind added there
 * without an operator here does not compile.
 */
const operators: { readonly [K in OperatorKind]: OperatorClass } = {
  source: SourceOperator,
  map: MapOperator,
  filter: FilterOperator,
  'flat-map': FlatMapOperator,
  process: ProcessOperator,
  'keyed-process': KeyedProcessOperator,
  reduce: ReduceOperator,
  aggregation: AggregationOperator,
  'timestamps-watermarks': TimestampsAndWatermarksOperator,
  sink: SinkOperator,
  collect: CollectOperator,
  window: WindowOperator,
  'sliced-window': SlicedWindowOperator,
  'session-window': SessionWindowOperator,
  'window-all-pre-aggregate': WindowAllPreAggregateOperator,
  'time-window': TimeWindowOperator,
  'window-co-group': WindowCoGroupOperator,
  'co-map': CoMapOperator,
  'co-flat-map': CoFlatMapOperator,
  'co-process': CoProcessOperator,
  'keyed-co-process': KeyedCoProcessOperator,
  'broadcast-process': BroadcastProcessOperator,
  'keyed-broadcast-process': KeyedBroadcastProcessOperator,
  'interval-join': IntervalJoinOperator,
  'async-wait': AsyncWaitOperator,
  'sql-calc': SqlCalcOperator,
  'sql-watermark-assigner': SqlWatermarkAssignerOperator,
  'sql-group-aggregate': SqlGroupAggregateOperator,
  'sql-mini-batch-group-aggregate': SqlMiniBatchGroupAggregateOperator,
  'sql-local-group-aggregate': SqlLocalGroupAggregateOperator,
  'sql-global-group-aggregate': SqlGlobalGroupAggregateOperator,
  'sql-incremental-group-aggregate': SqlIncrementalGroupAggregateOperator,
  'sql-window-aggregate': SqlWindowAggregateOperator,
  'sql-sliced-window-aggregate': SqlSlicedWindowAggregateOperator,
  'sql-slicing-window-aggregate': SqlSlicingWindowAggregateOperator,
  'sql-join': SqlJoinOperator,
  'sql-interval-join': SqlIntervalJoinOperator,
  'sql-window-join': SqlWindowJoinOperator,
  'sql-rank': SqlRankOperator,
  'sql-window-rank': SqlWindowRankOperator,
  'sql-lookup-join': SqlLookupJoinOperator,
  'sql-async-lookup-join': SqlAsyncLookupJoinOperator,
  'sql-over-aggregate': SqlOverAggregateOperator,
  'sql-cumulate-window-aggregate': SqlCumulateWindowAggregateOperator,
  'sql-temporal-join': SqlTemporalJoinOperator,
  'sql-correlate': SqlCorrelateOperator,
  'sql-semi-anti-join': SqlSemiAntiJoinOperator,
  'sql-changelog-normalize': SqlChangelogNormalizeOperator,
};

/** @throws WeirError INVALID_GRAPH for a kind no operator implements (a graph from JSON may hold any). */
export function createOperator(ctx: OperatorContext): StreamOperator {
  const kind = ctx.spec.kind;
  const Operator = Object.hasOwn(operators, kind) ? operators[kind] : undefined;
  if (!Operator) throw new WeirError('INVALID_GRAPH', `unknown operator kind "${kind}" (${ctx.spec.name})`);
  return new Operator(ctx);
}
