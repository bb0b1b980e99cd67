/**
 * Time-bounded joins, as Flink plans them: a join whose condition bounds the time attribute of one
 * input by the other's is an interval join, and a join of two windowed inputs on their window_start
 * and window_end is a window join. Both keep only the rows that can still match and drop the rest
 * as the watermark (or the clock) moves on, where a regular join keeps every row for good.
 *
 * - Interval join: an equi-join (or none) plus two range predicates (`<`, `<=`, `>=`, `>`), a
 *   `BETWEEN` or an equality between a time attribute of the left input and one of the right input,
 *   each side optionally shifted by an interval literal; both time attributes of the same kind (both
 *   rowtime or both proctime). The bounds become `lower <= leftTime - rightTime <= upper`; the rest of
 *   the condition is a residual. A join over a time column that is not a time attribute (Nexmark q7's
 *   `window_end`, q9's `expires`) stays a regular join, as in Flink.
 * - Window join: both inputs carry window_start and window_end of the same event-time window
 *   (straight from a window table function, or through a window aggregate), and the condition equates
 *   both pairs. Windows of the two inputs must be the same (Flink's rule); a SESSION table function
 *   right under the join is refused as Flink refuses it.
 *
 * The binder asks `keepsTimeAttributes` so that the output of these joins keeps its time attributes
 * (a regular join's are materialized); the physical planner asks `planTimeBoundedJoin` for the
 * operators.
 */
import { WeirError } from '../../core/errors.ts';
import { isProctime, isRowtime, type SqlType } from '../../core/sql-type.ts';
import type { SqlWindowJoinSide } from '../../graph/operator-spec.ts';
import type { Transformation } from '../../graph/transformation.ts';
import { conjunction, equiKeys, keyEquality } from '../plan/join-keys.ts';
import type { Join, Rel, SemiJoin, TableWindow } from '../plan/rel.ts';
import { conjuncts, inputRef, type Rex } from '../plan/rex.ts';
import { overWindowTable } from './window-table-input.ts';

/** An interval join's bounds: `lowerBound <= left[leftTime] - right[rightTime] <= upperBound` (ms). */
export interface IntervalJoinBounds {
  leftTime: number;
  rightTime: number;
  lowerBound: number;
  upperBound: number;
  rowtime: boolean;
  /** The equi-join keys: equalities between a left and a right column other than the times. */
  leftKeys: number[];
  rightKeys: number[];
  /** The condition's parts that are neither the keys nor the time bounds. */
  rest: Rex[];
}

/** Two inputs and a condition over the left fields, then the right ones: a join or a semi join. */
type TwoInputs = Pick<Join, 'left' | 'right' | 'condition'>;

/** A time attribute field shifted by a constant: `field + offset` (ms). */
function timeOffset(rex: Rex, types: SqlType[]): { field: number; offset: number } | null {
  if (rex.kind === 'input') {
    const t = types[rex.index];
    return t !== undefined && (isRowtime(t) || isProctime(t)) ? { field: rex.index, offset: 0 } : null;
  }
  if (rex.kind !== 'call' || rex.args.length !== 2 || (rex.op !== '+' && rex.op !== '-')) return null;
  const [a, b] = rex.args;
  const interval = (r: Rex): number | null =>
    r.kind === 'literal' && r.type.kind === 'INTERVAL_DAY_TIME' && typeof r.value === 'number'
      ? r.value
      : null;
  const ib = interval(b);
  if (ib !== null) {
    const inner = timeOffset(a, types);
    return inner && { field: inner.field, offset: inner.offset + (rex.op === '+' ? ib : -ib) };
  }
  const ia = interval(a);
  if (ia !== null && rex.op === '+') {
    const inner = timeOffset(b, types);
    return inner && { field: inner.field, offset: inner.offset + ia };
  }
  return null;
}

const FLIP: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '=': '=' };

/**
 * The bounds of an interval join, or null when the condition does not bound a time attribute of
 * each input by the other's from both sides (then the join is a regular one). Predicates on another
 * pair of time attributes than the first one found stay in the residual condition.
 *
 * @example
 * // ON o.id = s.order_id AND o.order_time BETWEEN s.ship_time - INTERVAL '4' HOUR AND s.ship_time
 * intervalJoinBounds(join);
 * // { leftTime: 1, rightTime: 2, lowerBound: -14400000, upperBound: 0, rowtime: true,
 * //   leftKeys: [0], rightKeys: [1], rest: [] }
 */
export function intervalJoinBounds(join: Join): IntervalJoinBounds | null {
  const width = join.left.fields.length;
  const types = [...join.left.fields, ...join.right.fields].map((f) => f.type);
  let pair: { left: number; right: number } | null = null;
  let lower = Number.NEGATIVE_INFINITY;
  let upper = Number.POSITIVE_INFINITY;
  const leftKeys: number[] = [];
  const rightKeys: number[] = [];
  const rest: Rex[] = [];
  for (const c of conjuncts(join.condition)) {
    if (c.kind === 'literal' && c.value === true) continue;
    const bound = c.kind === 'call' && c.args.length === 2 && c.op in FLIP ? c : null;
    const a = bound && timeOffset(bound.args[0], types);
    const b = bound && timeOffset(bound.args[1], types);
    let used = false;
    if (bound && a && b && a.field < width !== b.field < width) {
      // Written as `left + oL  op  right + oR`, that is `leftTime - rightTime  op  oR - oL`.
      const aLeft = a.field < width;
      const [l, r] = aLeft ? [a, b] : [b, a];
      const op = aLeft ? bound.op : FLIP[bound.op];
      const rightField = r.field - width;
      if (pair === null && isRowtime(types[l.field]) === isRowtime(types[r.field]))
        pair = { left: l.field, right: rightField };
      if (pair !== null && pair.left === l.field && pair.right === rightField) {
        const d = r.offset - l.offset;
        if (op === '>=' || op === '=') lower = Math.max(lower, d);
        if (op === '>') lower = Math.max(lower, d + 1);
        if (op === '<=' || op === '=') upper = Math.min(upper, d);
        if (op === '<') upper = Math.min(upper, d - 1);
        used = true;
      }
    }
    if (used) continue;
    const key = keyEquality(c, width);
    if (key) {
      leftKeys.push(key[0]);
      rightKeys.push(key[1]);
    } else rest.push(c);
  }
  if (pair === null || !Number.isFinite(lower) || !Number.isFinite(upper)) return null;
  return {
    leftTime: pair.left,
    rightTime: pair.right,
    lowerBound: lower,
    upperBound: upper,
    rowtime: isRowtime(types[pair.left]),
    leftKeys,
    rightKeys,
    rest,
  };
}

/** Where a windowed relation's window_start and window_end are, and its window. */
export interface WindowProperties {
  start: number;
  end: number;
  window: TableWindow;
  rowtime: boolean;
  /** True when the window table function is right under (through projections and filters). */
  fromTable: boolean;
  /** The window_time field (the window's `end - 1`, a time attribute), or -1 when not selected. */
  time: number;
}

/**
 * The window properties of `rel`: fields that carry the window_start and window_end of a window
 * table function (through projections of plain columns, filters, and a window aggregate that groups
 * by them), or null.
 */
export function windowProperties(rel: Rel): WindowProperties | null {
  switch (rel.kind) {
    case 'window-table': {
      const width = rel.input.fields.length;
      return {
        start: width,
        end: width + 1,
        time: width + 2,
        window: rel.window,
        rowtime: isRowtime(rel.input.fields[rel.time].type),
        fromTable: true,
      };
    }
    case 'filter':
      return windowProperties(rel.input);
    case 'project': {
      const inner = windowProperties(rel.input);
      if (!inner) return null;
      const at = (field: number): number =>
        field < 0 ? -1 : rel.exprs.findIndex((e) => e.kind === 'input' && e.index === field);
      const start = at(inner.start);
      const end = at(inner.end);
      return start < 0 || end < 0 ? null : { ...inner, start, end, time: at(inner.time) };
    }
    case 'aggregate': {
      if (rel.window) return null;
      const pre = rel.input.kind === 'project' ? rel.input.exprs : null;
      const table = rel.input.kind === 'project' ? rel.input.input : rel.input;
      if (table.kind !== 'window-table') return null;
      const inner = windowProperties(table)!;
      const source = (k: number): number => {
        const e = pre ? pre[k] : inputRef(k, rel.input.fields[k].type);
        return e.kind === 'input' ? e.index : -1;
      };
      const start = rel.groupKeys.findIndex((k) => source(k) === inner.start);
      const end = rel.groupKeys.findIndex((k) => source(k) === inner.end);
      const time = rel.groupKeys.findIndex((k) => source(k) === inner.time);
      return start < 0 || end < 0 ? null : { ...inner, start, end, time, fromTable: false };
    }
    default:
      return null;
  }
}

/** A window join's sides and the parts of its condition that are not the window equalities. */
export interface WindowJoinShape {
  left: WindowProperties;
  right: WindowProperties;
  leftKeys: number[];
  rightKeys: number[];
  rest: Rex[];
}

/**
 * The shape of a window join, or null when the join is not one (an input without window
 * properties, or a condition that does not equate both window_start and window_end).
 * @throws WeirError SQL_UNSUPPORTED when the windows of the two inputs differ, or a SESSION window
 *   table function is right under the join (Flink's limits).
 */
export function windowJoinShape(join: TwoInputs): WindowJoinShape | null {
  const left = windowProperties(join.left);
  const right = windowProperties(join.right);
  if (!left || !right || !left.rowtime || !right.rowtime) return null;
  const { leftKeys, rightKeys, rest } = equiKeys(join.condition, join.left.fields.length);
  let starts = false;
  let ends = false;
  const keys: [number[], number[]] = [[], []];
  leftKeys.forEach((l, i) => {
    const r = rightKeys[i];
    if (l === left.start && r === right.start) starts = true;
    else if (l === left.end && r === right.end) ends = true;
    else {
      keys[0].push(l);
      keys[1].push(r);
    }
  });
  if (!starts || !ends) return null;
  if (JSON.stringify(left.window) !== JSON.stringify(right.window)) {
    throw new WeirError(
      'SQL_UNSUPPORTED',
      'a window join needs the same window table function on both inputs (Flink’s limit): ' +
        `${describeWindow(left.window)} and ${describeWindow(right.window)}`,
    );
  }
  if ((left.fromTable || right.fromTable) && left.window.kind === 'session') {
    throw new WeirError(
      'SQL_UNSUPPORTED',
      'a window join right after a SESSION window table function is not supported (as in Flink): use TUMBLE, HOP or CUMULATE',
    );
  }
  return { left, right, leftKeys: keys[0], rightKeys: keys[1], rest };
}

/**
 * The output fields of `join` that stay time attributes, or null for a regular join (whose time
 * attributes are all materialized). A joined row carries one event time, and only the fields that
 * hold it stay time attributes, so that a window over them sees the time the runtime uses:
 * - a window join: the window_time of both inputs (the rows' time is their window's `end - 1`);
 * - an interval join: the left input's bounded time (the right one's for a RIGHT join, none for
 *   FULL, whose rows may lack either). Flink keeps every time attribute of both inputs.
 */
export function keptTimeAttributes(join: Join): number[] | null {
  const width = join.left.fields.length;
  try {
    const shape = windowJoinShape(join);
    if (shape) {
      const kept: number[] = [];
      if (shape.left.time >= 0 && join.joinType !== 'RIGHT' && join.joinType !== 'FULL')
        kept.push(shape.left.time);
      if (shape.right.time >= 0 && join.joinType !== 'LEFT' && join.joinType !== 'FULL')
        kept.push(width + shape.right.time);
      return kept;
    }
  } catch {
    // Refused at planning, with its reason.
  }
  const bounds = intervalJoinBounds(join);
  if (!bounds) return null;
  if (join.joinType === 'FULL') return [];
  return [join.joinType === 'RIGHT' ? width + bounds.rightTime : bounds.leftTime];
}

/** True for an interval or window join: its outer rows are padded once, so it only inserts. */
export function isTimeBoundedJoin(join: Join): boolean {
  return keptTimeAttributes(join) !== null;
}

/**
 * The inner join `join` with its inputs' time attributes back, when the WHERE condition `where` over
 * it makes it an interval or window join (`FROM a, b WHERE ...`, Flink's example form); else null.
 */
export function withTimeAttributes(join: Join, where: Rex): Join | null {
  if (join.joinType !== 'INNER') return null;
  const inputs = [...join.left.fields, ...join.right.fields];
  if (inputs.every((f, i) => f.type === join.fields[i].type)) return null;
  const condition = conjunction([...conjuncts(join.condition), ...conjuncts(where)])!;
  const kept = keptTimeAttributes({ ...join, condition });
  if (kept === null || kept.length === 0) return null;
  return {
    ...join,
    fields: join.fields.map((f, i) => ({ name: f.name, type: kept.includes(i) ? inputs[i].type : f.type })),
  };
}

function describeWindow(w: TableWindow): string {
  const args = Object.entries(w)
    .filter(([k]) => k !== 'kind')
    .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
    .join(', ');
  return `${w.kind.toUpperCase()}(${args})`;
}

/** What the physical planner lends the join rules to build transformations. */
export interface JoinPlanContext {
  translate(rel: Rel): Transformation;
  /** A hash exchange on the row fields `keys`. */
  keyed(input: Transformation, keys: number[]): Transformation;
  id(): number;
  uid(kind: string, id: number): string;
}

const JOIN_NAMES = {
  INNER: 'InnerJoin',
  LEFT: 'LeftOuterJoin',
  RIGHT: 'RightOuterJoin',
  FULL: 'FullOuterJoin',
  SEMI: 'LeftSemiJoin',
  ANTI: 'LeftAntiJoin',
};

const names = (keys: number[], fields: Rel['fields']): string => keys.map((k) => fields[k].name).join(', ');

/**
 * The operator of an interval or window join, or null for a regular join (the planner's own).
 * An interval join's inputs are keyed by the equi-join keys; a window join's by the keys other than
 * the window equalities. A window join right over a window table function assigns the windows
 * itself: its input is the table function's input, and the projections and filters between the
 * table function and the join run in the operator after the windows are assigned.
 */
export function planTimeBoundedJoin(join: Join, ctx: JoinPlanContext): Transformation | null {
  // A window join first: its inputs may hold time attributes an interval join would see too.
  const shape = windowJoinShape(join);
  if (shape) return planWindowJoin(join, shape, ctx);
  const bounds = intervalJoinBounds(join);
  if (bounds) return planIntervalJoin(join, bounds, ctx);
  return null;
}

function planIntervalJoin(join: Join, bounds: IntervalJoinBounds, ctx: JoinPlanContext): Transformation {
  const { leftKeys, rightKeys } = bounds;
  const left = ctx.keyed(ctx.translate(join.left), leftKeys);
  const right = ctx.keyed(ctx.translate(join.right), rightKeys);
  const id = ctx.id();
  return {
    kind: 'physical',
    id,
    operator: 'sql-interval-join',
    name: `IntervalJoin(joinType=[${JOIN_NAMES[join.joinType]}], windowBounds=[isRowTime=${bounds.rowtime}, leftLowerBound=${bounds.lowerBound}, leftUpperBound=${bounds.upperBound}, leftTimeIndex=${bounds.leftTime}, rightTimeIndex=${bounds.rightTime}], leftKeys=[${names(leftKeys, join.left.fields)}], rightKeys=[${names(rightKeys, join.right.fields)}])`,
    uid: ctx.uid('interval-join', id),
    inputs: [[left], [right]],
    config: {
      joinType: join.joinType,
      leftWidth: join.left.fields.length,
      rightWidth: join.right.fields.length,
      leftKeys,
      rightKeys,
      leftTime: bounds.leftTime,
      rightTime: bounds.rightTime,
      lowerBound: bounds.lowerBound,
      upperBound: bounds.upperBound,
      rowtime: bounds.rowtime,
      residual: conjunction(bounds.rest),
    },
    parallelism: leftKeys.length === 0 ? 1 : undefined,
    chainable: true,
    source: false,
  };
}

/**
 * A window join side: translated as it is (window properties through a window aggregate), or, right
 * over a window table function, the table function's input with the window assignment and the
 * projections and filters above it for the operator to run.
 */
function windowJoinSide(
  rel: Rel,
  props: WindowProperties,
  keys: number[],
  ctx: JoinPlanContext,
): { input: Transformation; side: SqlWindowJoinSide } {
  if (!props.fromTable) {
    return { input: ctx.keyed(ctx.translate(rel), keys), side: { end: props.end, assign: null } };
  }
  // The projections and filters down to the table function, composed: expressions over its fields.
  const {
    table,
    exprs,
    condition,
    keys: inputKeys,
  } = overWindowTable(rel, keys, {
    operator: 'a window join side',
    keysMessage: 'joins on columns of the table',
  });
  return {
    input: ctx.keyed(ctx.translate(table.input), inputKeys),
    side: {
      end: props.end,
      assign: { window: table.window, time: table.time, exprs, condition },
    },
  };
}

/**
 * A window semi or anti join (`IN`/`EXISTS` and `NOT IN`/`NOT EXISTS` subqueries that equate the
 * window_start and window_end of both sides), or null when the semi join is not windowed.
 */
export function planWindowSemiJoin(join: SemiJoin, ctx: JoinPlanContext): Transformation | null {
  const shape = windowJoinShape(join);
  return shape && planWindowJoin({ ...join, joinType: join.anti ? 'ANTI' : 'SEMI' }, shape, ctx);
}

function planWindowJoin(
  join: TwoInputs & { joinType: keyof typeof JOIN_NAMES },
  shape: WindowJoinShape,
  ctx: JoinPlanContext,
): Transformation {
  const left = windowJoinSide(join.left, shape.left, shape.leftKeys, ctx);
  const right = windowJoinSide(join.right, shape.right, shape.rightKeys, ctx);
  const id = ctx.id();
  return {
    kind: 'physical',
    id,
    operator: 'sql-window-join',
    name: `WindowJoin(joinType=[${JOIN_NAMES[join.joinType]}], window=[${describeWindow(shape.left.window)}], leftKeys=[${names(shape.leftKeys, join.left.fields)}], rightKeys=[${names(shape.rightKeys, join.right.fields)}])`,
    uid: ctx.uid('window-join', id),
    inputs: [[left.input], [right.input]],
    config: {
      joinType: join.joinType,
      leftWidth: join.left.fields.length,
      rightWidth: join.right.fields.length,
      leftKeys: shape.leftKeys,
      rightKeys: shape.rightKeys,
      left: left.side,
      right: right.side,
      residual: conjunction(shape.rest),
    },
    parallelism: shape.leftKeys.length === 0 ? 1 : undefined,
    chainable: true,
    source: false,
  };
}
