/**
 * The logical plan: relational operators over rows, as the binder builds them from a query and the
 * planner's rules rewrite them before they become runtime operators. Each node knows its output
 * fields (names and types). Expressions in a node refer to its input's fields by index (rex.ts);
 * a join's condition sees the left fields, then the right ones.
 */
import type { UserFunctionLocation } from '../../core/user-function.ts';
import type { RowField } from '../types.ts';
import type { Rex } from './rex.ts';

export type Rel =
  | Scan
  | WatermarkAssigner
  | Project
  | Filter
  | Aggregate
  | WindowTable
  | Join
  | Union
  | Values
  | Sort
  | Over
  | Rank
  | LookupJoin
  | TemporalJoin
  | OverAggregate
  | SemiJoin
  | Correlate;

/** Reads a catalog table's physical and metadata columns through its connector. */
export interface Scan {
  kind: 'scan';
  table: string;
  /** The connector's options (`WITH (...)`), `connector` included. */
  options: Record<string, string>;
  /** For each output field: the column's physical or metadata name. */
  columns: { name: string; metadata: string | null }[];
  primaryKey: string[] | null;
  fields: RowField[];
}

/** Assigns event time and emits watermarks: the table's `WATERMARK FOR column AS expression`. */
export interface WatermarkAssigner {
  kind: 'watermark';
  input: Rel;
  /** The rowtime field. */
  rowtime: number;
  /** The watermark for a row, computed from the row (usually `rowtime - INTERVAL ...`). */
  watermark: Rex;
  fields: RowField[];
}

export interface Project {
  kind: 'project';
  input: Rel;
  exprs: Rex[];
  fields: RowField[];
  /**
   * Runs as a Calc of its own over its input's, not merged into it: the planner's narrowing of a
   * shared input (the input stays one operator for all its users).
   */
  separate?: boolean;
}

export interface Filter {
  kind: 'filter';
  input: Rel;
  condition: Rex;
  fields: RowField[];
}

/** An aggregate function applied to input fields. */
export interface AggCall {
  /** Upper-case name: COUNT, SUM, MIN, MAX, AVG... or a user aggregate's catalog name. */
  fn: string;
  /** Input fields of the arguments (none for `COUNT(*)`). */
  args: number[];
  distinct: boolean;
  /** The input field of the `FILTER (WHERE ...)` condition. */
  filter: number | null;
  udf?: string;
  /** A user aggregate's module and export: every slot imports it. */
  location?: UserFunctionLocation;
  name: string;
}

/** A legacy group window of `GROUP BY TUMBLE/HOP/SESSION(time, ...)`. */
export type GroupWindow =
  | { kind: 'tumble'; time: number; size: number; offset: number }
  | { kind: 'hop'; time: number; slide: number; size: number; offset: number }
  | { kind: 'session'; time: number; gap: number };

/**
 * Groups rows by the key fields and aggregates each group. Outputs the keys, then one field per
 * aggregate call, then, for a group window, its properties (start, end, rowtime or proctime).
 * Without a window the result updates as rows arrive (a changelog with retractions).
 */
export interface Aggregate {
  kind: 'aggregate';
  input: Rel;
  groupKeys: number[];
  aggs: AggCall[];
  window: GroupWindow | null;
  /** Properties of the group window appended to the output, in this order. */
  windowProperties: ('start' | 'end' | 'rowtime' | 'proctime')[];
  fields: RowField[];
}

/** The windowing table functions: TUMBLE, HOP, CUMULATE and SESSION over a time attribute. */
export type TableWindow =
  | { kind: 'tumble'; size: number; offset: number }
  | { kind: 'hop'; slide: number; size: number; offset: number }
  | { kind: 'cumulate'; step: number; size: number; offset: number }
  | { kind: 'session'; gap: number; partitionKeys: number[] };

/** A window table function: the input's fields, then window_start, window_end and window_time. */
export interface WindowTable {
  kind: 'window-table';
  input: Rel;
  window: TableWindow;
  /** The time attribute field the windows are assigned on. */
  time: number;
  fields: RowField[];
}

export interface Join {
  kind: 'join';
  joinType: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL';
  left: Rel;
  right: Rel;
  condition: Rex;
  fields: RowField[];
}

export interface Union {
  kind: 'union';
  inputs: Rel[];
  fields: RowField[];
}

export interface Values {
  kind: 'values';
  rows: Rex[][];
  fields: RowField[];
}

/** A sort key of OVER windows and Top-N: an input field, its direction and where NULLs go. */
export interface SortKey {
  field: number;
  descending: boolean;
  nullsFirst: boolean;
}

/**
 * Ranking over partitions (`ROW_NUMBER() OVER (PARTITION BY p ORDER BY o)`): the input's fields,
 * then one field per ranking call. It runs only as a Top-N (a filter on the rank below it).
 */
export interface Over {
  kind: 'over';
  input: Rel;
  partitionKeys: number[];
  orderBy: SortKey[];
  calls: ('ROW_NUMBER' | 'RANK' | 'DENSE_RANK')[];
  fields: RowField[];
}

/**
 * Top-N: per partition, the first `limit` rows by `orderBy` with their rank number (the input's
 * fields, then the rank). `dedup` is Flink's deduplication (a Top-1 ordered by a time attribute):
 * `last` keeps the latest row, ties going to the newer one; `first` keeps the earliest.
 */
export interface Rank {
  kind: 'rank';
  input: Rel;
  partitionKeys: number[];
  orderBy: SortKey[];
  rankFn: 'ROW_NUMBER' | 'RANK' | 'DENSE_RANK';
  limit: number;
  dedup: 'first' | 'last' | null;
  fields: RowField[];
}

/**
 * An event-time temporal join (`JOIN versioned FOR SYSTEM_TIME AS OF left.rowtime ON ...`): each left
 * row with the version of the right (versioned) table's row valid at its time `leftTime`; the
 * right's versions are timed by its row time `rightTime`. The left fields, then the right ones.
 */
export interface TemporalJoin {
  kind: 'temporal-join';
  joinType: 'INNER' | 'LEFT';
  left: Rel;
  right: Rel;
  leftTime: number;
  rightTime: number;
  condition: Rex;
  fields: RowField[];
}

/**
 * A lookup join: each input row looks up the rows of `table` (read through its connector by key)
 * that the condition matches; the input's fields, then the table's. LEFT keeps unmatched rows with NULLs.
 */
export interface LookupJoin {
  kind: 'lookup-join';
  joinType: 'INNER' | 'LEFT';
  input: Rel;
  table: Scan;
  condition: Rex;
  fields: RowField[];
}

/**
 * OVER aggregation: per partition, in the order of the time attribute `time`, each row with the
 * aggregates of its window: the `preceding` rows (ROWS) or ms (RANGE) before it and itself, or every
 * earlier row (`preceding` null). The input's fields, then one field per aggregate.
 */
export interface OverAggregate {
  kind: 'over-aggregate';
  input: Rel;
  partitionKeys: number[];
  time: number;
  /** Event time (a rowtime: rows wait for the watermark) or processing time (rows go at once). */
  rowtime: boolean;
  unit: 'ROWS' | 'RANGE';
  preceding: number | null;
  aggs: AggCall[];
  fields: RowField[];
}

/**
 * A correlated table function (Flink's Correlate): each input row joined with the rows a function
 * makes of it, `UNNEST(collection)` or a user table function (`LATERAL TABLE(f(x))`); the input's
 * fields, then the function's. LEFT keeps a row the function makes nothing of, padded with NULLs.
 */
export interface Correlate {
  kind: 'correlate';
  joinType: 'INNER' | 'LEFT';
  input: Rel;
  call: CorrelateCall;
  /** The function's arguments, over the input row. */
  args: Rex[];
  fields: RowField[];
}

/**
 * What a Correlate calls. UNNEST of an ARRAY or MULTISET gives a row per element (`elements`: one
 * column; `rows`: an element ROW's fields), of a MAP a row per entry (key, value); `ordinality`
 * adds the 1-based position. A user table function by catalog name; `row` when its rows are ROWs.
 */
export type CorrelateCall =
  | { kind: 'unnest'; mode: 'elements' | 'rows' | 'map'; ordinality: boolean }
  | { kind: 'udtf'; name: string; location: UserFunctionLocation; row: boolean; fieldNames: string[] };

/**
 * A semi join (`anti` false: the left rows with a right row that the condition matches) or an anti
 * join (the left rows without one), Flink's plan of `IN`, `EXISTS`, `NOT IN` and `NOT EXISTS`
 * subqueries in WHERE. The condition sees the left fields, then the right ones; the output is the
 * left rows, as they are.
 */
export interface SemiJoin {
  kind: 'semi-join';
  anti: boolean;
  left: Rel;
  right: Rel;
  condition: Rex;
  fields: RowField[];
}

/** ORDER BY / LIMIT / OFFSET. */
export interface Sort {
  kind: 'sort';
  input: Rel;
  orderBy: { field: number; descending: boolean; nullsFirst: boolean }[];
  limit: number | null;
  offset: number;
  fields: RowField[];
}

/** The plan as an indented tree, one node per line, children under their parent, as EXPLAIN prints it. */
export function formatRel(rel: Rel): string {
  const lines: string[] = [];
  const walk = (node: Rel, depth: number): void => {
    lines.push(`${depth === 0 ? '' : `${'   '.repeat(depth - 1)}+- `}${describeRel(node)}`);
    for (const child of inputsOf(node)) walk(child, depth + 1);
  };
  walk(rel, 0);
  return lines.join('\n');
}

/** The inputs of a node, left to right. */
export function inputsOf(rel: Rel): Rel[] {
  switch (rel.kind) {
    case 'join':
    case 'temporal-join':
    case 'semi-join':
      return [rel.left, rel.right];
    case 'union':
      return rel.inputs;
    case 'scan':
    case 'values':
      return [];
    default:
      return [rel.input];
  }
}

function fieldNames(rel: Rel): string {
  return rel.fields.map((f) => f.name).join(', ');
}

function describeRel(rel: Rel): string {
  switch (rel.kind) {
    case 'scan':
      return `TableSourceScan(table=[${rel.table}], fields=[${fieldNames(rel)}])`;
    case 'watermark':
      return `WatermarkAssigner(rowtime=[${rel.fields[rel.rowtime].name}])`;
    case 'project':
      return `Calc(select=[${fieldNames(rel)}])`;
    case 'filter':
      return 'Calc(where=[condition])';
    case 'aggregate': {
      const keys = rel.groupKeys.map((k) => rel.input.fields[k].name).join(', ');
      return `${rel.window ? `GroupWindowAggregate(window=[${rel.window.kind.toUpperCase()}], ` : 'GroupAggregate('}groupBy=[${keys}], select=[${fieldNames(rel)}])`;
    }
    case 'window-table':
      return `WindowTableFunction(window=[${rel.window.kind.toUpperCase()}], time=[${rel.input.fields[rel.time].name}])`;
    case 'join':
      return `Join(joinType=[${rel.joinType}])`;
    case 'union':
      return `Union(all=[true], fields=[${fieldNames(rel)}])`;
    case 'values':
      return `Values(tuples=[${rel.rows.length}])`;
    case 'sort':
      return `SortLimit(limit=[${rel.limit ?? 'none'}], offset=[${rel.offset}])`;
    case 'over':
      return `OverAggregate(partitionBy=[${rel.partitionKeys.map((k) => rel.input.fields[k].name).join(', ')}], select=[${fieldNames(rel)}])`;
    case 'over-aggregate':
      return `OverAggregate(partitionBy=[${rel.partitionKeys.map((k) => rel.input.fields[k].name).join(', ')}], orderBy=[${rel.input.fields[rel.time].name}], ${rel.unit} ${rel.preceding ?? 'UNBOUNDED'} PRECEDING)`;
    case 'lookup-join':
      return `LookupJoin(table=[${rel.table.table}], joinType=[${rel.joinType}])`;
    case 'temporal-join':
      return `TemporalJoin(joinType=[${rel.joinType}], asOf=[${rel.left.fields[rel.leftTime].name}])`;
    case 'semi-join':
      return `Join(joinType=[${rel.anti ? 'LeftAntiJoin' : 'LeftSemiJoin'}])`;
    case 'correlate':
      return `Correlate(invocation=[${rel.call.kind === 'unnest' ? 'UNNEST' : rel.call.name}], joinType=[${rel.joinType}], select=[${fieldNames(rel)}])`;
    case 'rank':
      return `Rank(rankType=[${rel.rankFn}], rankRange=[rankStart=1, rankEnd=${rel.limit}], partitionBy=[${rel.partitionKeys.map((k) => rel.input.fields[k].name).join(', ')}])`;
  }
}
