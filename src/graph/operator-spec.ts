/**
 * Operator specs: the closed set of operator kinds a job graph holds, each with its typed, JSON
 * configuration. The runtime builds every kind from its spec (operator-factory.ts maps them
 * exhaustively); what a spec cannot hold (user functions, custom assigners, triggers, sources...)
 * is found by the operator's uid in the job's functions. A spec whose parts are all data needs no
 * job module (graph-functions.ts). New operators (SQL's among them) add their kind here.
 */
import type { ConnectorSpec } from '../core/connector-registry.ts';
import type { Boundedness } from '../core/source.ts';
import type { SqlType } from '../core/sql-type.ts';
import type { TableConnectorContext } from '../core/table-connectors.ts';
import type { UserFunctionLocation } from '../core/user-function.ts';
import type { AggCall, CorrelateCall, SortKey, TableWindow } from '../sql/plan/rel.ts';
import type { Rex } from '../sql/plan/rex.ts';
import type { WatermarkStrategySpec } from '../time/watermark-strategy-spec.ts';
import type { EvictorSpec } from '../time/windows/evictor-spec.ts';
import type { TriggerSpec } from '../time/windows/trigger-spec.ts';
import type { AlignedTimeWindowSpec, WindowAssignerSpec } from '../time/windows/window-assigner-spec.ts';
import type {
  SqlGlobalGroupAggregateOperatorConfig,
  SqlIncrementalGroupAggregateOperatorConfig,
  SqlLocalGroupAggregateOperatorConfig,
  SqlMiniBatchGroupAggregateOperatorConfig,
} from './sql-mini-batch-spec.ts';

/** Where an operator's output goes: to the next operator of its chain, or to an edge. */
export type OutputSpec =
  | { kind: 'chained'; operator: string; tag: string | null }
  | { kind: 'edge'; edge: string; tag: string | null };

/** The configuration of an operator whose behaviour is all in its user function. */
export type FunctionOperatorConfig = Record<string, never>;

export interface SourceOperatorConfig {
  boundedness: Boundedness;
  /** A registered connector with its options, or custom (the source object of the job module). */
  source: ConnectorSpec;
  watermarkStrategy: WatermarkStrategySpec;
}

export interface SinkOperatorConfig {
  /** Invocations of an asynchronous sink pending at once. */
  maxInFlight: number;
  /** A registered connector with its options, or custom (the sink object of the job module). */
  sink: ConnectorSpec;
}

export interface TimestampsWatermarksOperatorConfig {
  watermarkStrategy: WatermarkStrategySpec;
}

/** Rolling aggregations of a keyed stream (`sum`, `min`, `max`, `minBy`, `maxBy`). */
export interface AggregationOperatorConfig {
  aggregation: 'sum' | 'min' | 'max' | 'minBy' | 'maxBy';
  /** The aggregated field; null for a stream of numbers. */
  field: string | null;
  /** minBy / maxBy: on ties keep the first record (true) or the last one. */
  first: boolean;
}

/** What a window keeps: its elements, a reduced value, or an accumulator. */
export type WindowContents = 'list' | 'reduce' | 'aggregate';

export interface WindowOperatorConfig {
  contents: WindowContents;
  assigner: WindowAssignerSpec;
  /** null: the assigner's default trigger. */
  trigger: TriggerSpec | null;
  evictor: EvictorSpec | null;
  allowedLateness: number;
  /** Side output of late elements, or null (they are counted and dropped). */
  lateTag: string | null;
}

/**
 * Tumbling or sliding time windows with the default trigger and no evictor, contents as state
 * namespaced by window (aligned-time-window-operator.ts).
 */
export interface TimeWindowOperatorConfig {
  contents: WindowContents;
  assigner: AlignedTimeWindowSpec;
  allowedLateness: number;
  lateTag: string | null;
}

/** A window coGroup or join of two keyed inputs over tumbling or sliding time windows (window-co-group-operator.ts). */
export interface WindowCoGroupOperatorConfig {
  assigner: AlignedTimeWindowSpec;
  allowedLateness: number;
}

/** Sliding windows aggregated by slices (docs/windows-slicing.md). */
export interface SlicedWindowOperatorConfig {
  contents: 'reduce' | 'aggregate';
  assigner: Extract<WindowAssignerSpec, { kind: 'sliding-event-time' | 'sliding-processing-time' }>;
  size: number;
  slide: number;
  offset: number;
  allowedLateness: number;
  lateTag: string | null;
}

/**
 * The local phase of `windowAll(...).reduce` / `.aggregate` over event-time tumbling or sliding
 * windows (window-all-pre-aggregate-operator.ts): each input subtask folds its elements per slice
 * of the windows and sends the partials to the one global window operator. The function (the
 * reduce or the AggregateFunction) is the operator's own.
 */
export interface WindowAllPreAggregateOperatorConfig {
  contents: 'reduce' | 'aggregate';
  assigner: Extract<WindowAssignerSpec, { kind: 'tumbling-event-time' | 'sliding-event-time' }>;
}

/** Session windows with their default trigger, no evictor (session-window-operator.ts). */
export interface SessionWindowOperatorConfig {
  contents: WindowContents;
  assigner: Extract<
    WindowAssignerSpec,
    {
      kind:
        | 'event-time-session'
        | 'processing-time-session'
        | 'dynamic-event-time-session'
        | 'dynamic-processing-time-session';
    }
  >;
  allowedLateness: number;
  lateTag: string | null;
}

export interface BroadcastProcessOperatorConfig {
  /** Names of the broadcast states the operator keeps (their descriptors travel with the functions). */
  broadcastStates: string[];
}

export interface IntervalJoinOperatorConfig {
  /** Inclusive bounds, relative to the left element's timestamp. */
  lowerBound: number;
  upperBound: number;
  leftLateTag: string | null;
  rightLateTag: string | null;
}

export interface AsyncWaitOperatorConfig {
  mode: 'ordered' | 'unordered';
  /** ms; 0: none. */
  timeout: number;
  capacity: number;
  /** The retry strategy as it describes itself (the strategy object travels with the functions). */
  retry?: Record<string, unknown>;
}

/**
 * SQL's projection and filter over rows (core/row.ts): each output row is `exprs` of an input row
 * whose `condition` is TRUE, with the input row's kind. Expressions are bound plan data (sql/plan/rex.ts),
 * compiled by each task.
 */
export interface SqlCalcOperatorConfig {
  exprs: Rex[];
  condition: Rex | null;
  /** The user functions the expressions call, by catalog name: modules every slot imports. */
  functions?: Record<string, UserFunctionLocation>;
}

/**
 * SQL's `WATERMARK FOR rowtime AS expression`: a row's event time is its `rowtime` field; the
 * watermark is the largest `watermark` value over the rows so far, emitted every auto-watermark
 * interval when it advances (exactly the expression's value: no `- 1` as bounded out-of-orderness has).
 */
export interface SqlWatermarkAssignerOperatorConfig {
  /** The table's computed columns: the row the watermark sees, from the source's row (null: as it is). */
  pre?: Rex[] | null;
  /** The query's first Calc, applied to each row after the watermark has seen it (null: none). */
  post?: { exprs: Rex[]; condition: Rex | null } | null;
  /** User functions the expressions call. */
  functions?: Record<string, UserFunctionLocation>;
  rowtime: number;
  watermark: Rex;
  /** `table.exec.source.idle-timeout` in ms; 0: none. */
  idleTimeout: number;
}

/**
 * SQL's GROUP BY without a window over rows keyed by the group: each group's aggregates, emitted as
 * a changelog (`+I`, then `-U`/`+U` per change, `-D` when the group empties). Output: the group key
 * fields (`groupKeys`, input positions), then the aggregate results.
 */
export interface SqlGroupAggregateOperatorConfig {
  groupKeys: number[];
  aggs: AggCall[];
  inputTypes: SqlType[];
  resultTypes: SqlType[];
  /** `table.exec.state.ttl` (ms): a group not updated for this long is forgotten; 0 or absent: never. */
  stateTtl?: number;
  /** The input only inserts: MIN and MAX keep their extreme alone, not every value (Flink's MaxAggFunction). */
  insertOnly?: boolean;
}

/** One field of a window aggregate's output row: a group key, an aggregate result or a window property. */
export type SqlWindowOutputField =
  | { kind: 'key'; index: number }
  | { kind: 'agg'; index: number }
  | { kind: 'window'; prop: 'start' | 'end' | 'rowtime' };

/** SQL's window aggregation over rows keyed by the non-window group keys (`keyCount` of them). */
export interface SqlWindowAggregateOperatorConfig {
  keyCount: number;
  aggs: AggCall[];
  inputTypes: SqlType[];
  resultTypes: SqlType[];
  assigner: WindowAssignerSpec;
  output: SqlWindowOutputField[];
  /** The input only inserts: MIN and MAX keep their extreme alone, not every value (Flink's MaxAggFunction). */
  insertOnly?: boolean;
}

/**
 * SQL's regular inner join: both inputs keyed by the equality columns (`leftKeys` of the left row,
 * `rightKeys` of the right one, pairwise), joined rows (left fields, then right) filtered by the
 * rest of the condition, `residual`, over the joined row.
 */
export interface SqlJoinOperatorConfig {
  joinType: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL';
  /** Fields of the left and of the right rows (the NULL padding of an outer join's unmatched rows). */
  leftWidth: number;
  rightWidth: number;
  leftKeys: number[];
  rightKeys: number[];
  residual: Rex | null;
  /** `table.exec.state.ttl` (ms): rows kept for a key not written for this long are forgotten. */
  stateTtl?: number;
  /** The left row's column types (an inner join keeps left rows column-wise with them). */
  leftTypes?: SqlType[];
}

/**
 * SQL's interval join (sql-interval-join-operator.ts): rows of both inputs keyed by the equi-join
 * keys, a left row joining the right rows with `lowerBound <= left[leftTime] - right[rightTime] <=
 * upperBound` (ms, inclusive) for which `residual` holds, each row kept until no row can match it.
 */
export interface SqlIntervalJoinOperatorConfig {
  joinType: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL';
  leftWidth: number;
  rightWidth: number;
  leftKeys: number[];
  rightKeys: number[];
  leftTime: number;
  rightTime: number;
  lowerBound: number;
  upperBound: number;
  /** Event time (the watermark cleans up) or processing time (the clock does). */
  rowtime: boolean;
  residual: Rex | null;
}

/**
 * One input of a window join: where its rows hold window_end, and, for an input right from a window
 * table function, the windows to assign from the time field `time` and the projection and filter
 * (`exprs`, `condition`, over the input's fields then window_start, window_end, window_time) that
 * make the side's row of each window.
 */
export interface SqlWindowJoinSide {
  end: number;
  assign: { window: TableWindow; time: number; exprs: Rex[]; condition: Rex | null } | null;
}

/**
 * SQL's window join (sql-window-join-operator.ts), keyed by the equi-join keys. SEMI and ANTI emit
 * the left rows with (without) a matching right row in their window.
 */
export interface SqlWindowJoinOperatorConfig {
  joinType: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL' | 'SEMI' | 'ANTI';
  leftWidth: number;
  rightWidth: number;
  leftKeys: number[];
  rightKeys: number[];
  left: SqlWindowJoinSide;
  right: SqlWindowJoinSide;
  residual: Rex | null;
}

/** SQL's Top-N (ROW_NUMBER ... <= limit) and deduplication, keyed by the partition. */
export interface SqlRankOperatorConfig {
  /** ROW_NUMBER numbers rows 1, 2, 3...; RANK gives ties one rank and skips after them; DENSE_RANK does not skip. */
  rankFn?: 'ROW_NUMBER' | 'RANK' | 'DENSE_RANK';
  orderBy: SortKey[];
  limit: number;
  dedup: 'first' | 'last' | null;
  /** `table.exec.state.ttl` (ms). */
  stateTtl?: number;
}

/**
 * SQL's window Top-N and window deduplication (sql-window-rank-operator.ts), keyed by the partition
 * keys other than the window's: each window ranked once, when the watermark passes its end. `end`
 * is where rows hold window_end; `assign`, right over a window table function, as a window join side's.
 */
export interface SqlWindowRankOperatorConfig {
  rankFn: 'ROW_NUMBER' | 'RANK' | 'DENSE_RANK';
  orderBy: SortKey[];
  limit: number;
  dedup: 'first' | 'last' | null;
  end: number;
  assign: SqlWindowJoinSide['assign'];
}

/**
 * SQL's lookup join: `keys` (expressions over the input row) looked up in columns `tableKeys` of the
 * table that connector `connector` reads with `table`'s context; `residual` over the joined row.
 */
export interface SqlLookupJoinOperatorConfig {
  joinType: 'INNER' | 'LEFT';
  connector: string;
  table: TableConnectorContext;
  keys: Rex[];
  tableKeys: number[];
  residual: Rex | null;
}

/**
 * SQL's lookup join on a connector that looks up through I/O (`jdbc`): the lookup join's
 * configuration run in an Async I/O operator (`mode`, `timeout`, `capacity` as `async-wait`),
 * as Flink runs its async lookup joins (`table.exec.async-lookup.*`).
 */
export interface SqlAsyncLookupJoinOperatorConfig
  extends SqlLookupJoinOperatorConfig,
    AsyncWaitOperatorConfig {}

/** SQL's OVER aggregation, keyed by the partition (see sql-over-aggregate-operator.ts). */
export interface SqlOverAggregateOperatorConfig {
  time: number;
  rowtime: boolean;
  unit: 'ROWS' | 'RANGE';
  /** Rows (ROWS) or ms (RANGE) before the current row; null: unbounded. */
  preceding: number | null;
  aggs: AggCall[];
  inputTypes: SqlType[];
  resultTypes: SqlType[];
  stateTtl?: number;
}

/** SQL's CUMULATE window aggregation: windows of a `size`-long cycle ending every `step`. */
export interface SqlCumulateWindowAggregateOperatorConfig {
  keyCount: number;
  aggs: AggCall[];
  inputTypes: SqlType[];
  resultTypes: SqlType[];
  step: number;
  size: number;
  offset: number;
  output: SqlWindowOutputField[];
  /** Event time (default) or processing time (false: windows end by the clock, rows are never late). */
  rowtime?: boolean;
}

/**
 * SQL's event-time temporal join (sql-temporal-join-operator.ts): both inputs keyed by the ON
 * condition's equalities; the left row's time `leftTime`, the right (versioned) row's `rightTime`.
 */
export interface SqlTemporalJoinOperatorConfig {
  joinType: 'INNER' | 'LEFT';
  leftTime: number;
  rightTime: number;
  /** Fields of the right row (the NULL padding of LEFT). */
  rightWidth: number;
  leftKeys: number[];
  rightKeys: number[];
  residual: Rex | null;
  /** `table.exec.state.ttl` (ms). */
  stateTtl?: number;
}

/** Flink's ChangelogNormalize over an upsert source, keyed by the primary key (sql-changelog-normalize-operator.ts). */
export interface SqlChangelogNormalizeOperatorConfig {
  /** `table.exec.state.ttl` (ms); without one, an upsert equal to the row held emits nothing. */
  stateTtl?: number;
}

/**
 * SQL's Correlate: each input row with the rows `call` (UNNEST or a user table function) makes of
 * `args` (over the input row), appended to it; LEFT pads a row without results with `width` NULLs.
 */
export interface SqlCorrelateOperatorConfig {
  joinType: 'INNER' | 'LEFT';
  call: CorrelateCall;
  args: Rex[];
  /** The number of columns the function adds. */
  width: number;
  /** User scalar functions the arguments call. */
  functions?: Record<string, UserFunctionLocation>;
}

/**
 * SQL's semi and anti joins (IN / EXISTS and NOT IN / NOT EXISTS subqueries), keyed on both sides
 * by `leftKeys` and `rightKeys`; `residual` over the left row's fields, then the right row's.
 */
export interface SqlSemiAntiJoinOperatorConfig {
  anti: boolean;
  leftKeys: number[];
  rightKeys: number[];
  residual: Rex | null;
  /** `table.exec.state.ttl` (ms). */
  stateTtl?: number;
}

/** Every operator kind and its configuration. */
export interface OperatorConfigs {
  source: SourceOperatorConfig;
  map: FunctionOperatorConfig;
  filter: FunctionOperatorConfig;
  'flat-map': FunctionOperatorConfig;
  process: FunctionOperatorConfig;
  'keyed-process': FunctionOperatorConfig;
  reduce: FunctionOperatorConfig;
  aggregation: AggregationOperatorConfig;
  'timestamps-watermarks': TimestampsWatermarksOperatorConfig;
  sink: SinkOperatorConfig;
  /** Records to the job's client (executeAndCollect, CollectSink). */
  collect: FunctionOperatorConfig;
  window: WindowOperatorConfig;
  'sliced-window': SlicedWindowOperatorConfig;
  'session-window': SessionWindowOperatorConfig;
  'window-all-pre-aggregate': WindowAllPreAggregateOperatorConfig;
  'time-window': TimeWindowOperatorConfig;
  'window-co-group': WindowCoGroupOperatorConfig;
  'co-map': FunctionOperatorConfig;
  'co-flat-map': FunctionOperatorConfig;
  'co-process': FunctionOperatorConfig;
  'keyed-co-process': FunctionOperatorConfig;
  'broadcast-process': BroadcastProcessOperatorConfig;
  'keyed-broadcast-process': BroadcastProcessOperatorConfig;
  'interval-join': IntervalJoinOperatorConfig;
  'async-wait': AsyncWaitOperatorConfig;
  'sql-calc': SqlCalcOperatorConfig;
  'sql-watermark-assigner': SqlWatermarkAssignerOperatorConfig;
  'sql-group-aggregate': SqlGroupAggregateOperatorConfig;
  /** Mini-batch and two-phase group aggregation (sql-mini-batch-spec.ts). */
  'sql-mini-batch-group-aggregate': SqlMiniBatchGroupAggregateOperatorConfig;
  'sql-local-group-aggregate': SqlLocalGroupAggregateOperatorConfig;
  'sql-global-group-aggregate': SqlGlobalGroupAggregateOperatorConfig;
  'sql-incremental-group-aggregate': SqlIncrementalGroupAggregateOperatorConfig;
  'sql-window-aggregate': SqlWindowAggregateOperatorConfig;
  /** The same for sliding windows, aggregated by slices: the planner picks it for HOP. */
  'sql-sliced-window-aggregate': SqlWindowAggregateOperatorConfig;
  'sql-slicing-window-aggregate': SqlWindowAggregateOperatorConfig;
  'sql-join': SqlJoinOperatorConfig;
  'sql-interval-join': SqlIntervalJoinOperatorConfig;
  'sql-window-join': SqlWindowJoinOperatorConfig;
  'sql-rank': SqlRankOperatorConfig;
  'sql-window-rank': SqlWindowRankOperatorConfig;
  'sql-lookup-join': SqlLookupJoinOperatorConfig;
  'sql-async-lookup-join': SqlAsyncLookupJoinOperatorConfig;
  'sql-over-aggregate': SqlOverAggregateOperatorConfig;
  'sql-cumulate-window-aggregate': SqlCumulateWindowAggregateOperatorConfig;
  'sql-temporal-join': SqlTemporalJoinOperatorConfig;
  'sql-changelog-normalize': SqlChangelogNormalizeOperatorConfig;
  'sql-correlate': SqlCorrelateOperatorConfig;
  'sql-semi-anti-join': SqlSemiAntiJoinOperatorConfig;
}

export type OperatorKind = keyof OperatorConfigs;

/** Every kind, in one list (for validation of graphs that come as JSON). */
export const OPERATOR_KINDS: readonly OperatorKind[] = [
  'source',
  'map',
  'filter',
  'flat-map',
  'process',
  'keyed-process',
  'reduce',
  'aggregation',
  'timestamps-watermarks',
  'sink',
  'collect',
  'window',
  'sliced-window',
  'session-window',
  'window-all-pre-aggregate',
  'time-window',
  'window-co-group',
  'co-map',
  'co-flat-map',
  'co-process',
  'keyed-co-process',
  'broadcast-process',
  'keyed-broadcast-process',
  'interval-join',
  'async-wait',
  'sql-calc',
  'sql-watermark-assigner',
  'sql-group-aggregate',
  'sql-mini-batch-group-aggregate',
  'sql-local-group-aggregate',
  'sql-global-group-aggregate',
  'sql-incremental-group-aggregate',
  'sql-window-aggregate',
  'sql-sliced-window-aggregate',
  'sql-slicing-window-aggregate',
  'sql-join',
  'sql-interval-join',
  'sql-window-join',
  'sql-rank',
  'sql-window-rank',
  'sql-lookup-join',
  'sql-async-lookup-join',
  'sql-over-aggregate',
  'sql-cumulate-window-aggregate',
  'sql-temporal-join',
  'sql-changelog-normalize',
  'sql-correlate',
  'sql-semi-anti-join',
];

/** Kinds whose behaviour is a user function: they always need the job module. */
export const FUNCTION_KINDS: ReadonlySet<OperatorKind> = new Set<OperatorKind>([
  'map',
  'filter',
  'flat-map',
  'process',
  'keyed-process',
  'reduce',
  'window',
  'sliced-window',
  'session-window',
  'window-all-pre-aggregate',
  'time-window',
  'window-co-group',
  'co-map',
  'co-flat-map',
  'co-process',
  'keyed-co-process',
  'broadcast-process',
  'keyed-broadcast-process',
  'interval-join',
  'async-wait',
]);

export interface OperatorSpecOf<K extends OperatorKind> {
  /** Stable id: the user's `.uid()` or derived from the position and name. */
  uid: string;
  kind: K;
  name: string;
  /** True when the operator runs on a keyed stream (has keyed state and timers). */
  keyed: boolean;
  config: OperatorConfigs[K];
  outputs: OutputSpec[];
}

/** An operator of the job graph: a union discriminated by `kind`. */
export type OperatorSpec = { [K in OperatorKind]: OperatorSpecOf<K> }[OperatorKind];

/** `spec`'s configuration, typed by its kind. */
export function operatorConfig<K extends OperatorKind>(
  spec: { kind: string; config: unknown },
  _kind: K,
): Partial<OperatorConfigs[K]> {
  // Partial: a harness may give an operator only some of its configuration (defaults apply).
  return (spec.config ?? {}) as Partial<OperatorConfigs[K]>;
}
