/**
 * The aggregate functions of SQL's GROUP BY and windows, over the fields of input rows: COUNT,
 * SUM, SUM0, AVG, MIN, MAX, FIRST_VALUE, LAST_VALUE, each with DISTINCT and FILTER (WHERE ...).
 * One accumulator per aggregate call, in an array per group. Accumulators can take retractions
 * (a `-U`/`-D` input row), so a grouped aggregate over an updating input stays exact: MIN and MAX
 * then count each value (over an insert-only input they keep the extreme alone), DISTINCT counts
 * each distinct value.
 *
 * Results follow Flink: COUNT is 0 for no rows, SUM and AVG are NULL for no (non-NULL) values, AVG
 * of integers is an integer (truncated), DECIMAL results are rounded half-up to their scale.
 */
import type { SqlType } from '../../../core/sql-type.ts';
import type { AggCall } from '../../../sql/plan/rel.ts';
import { userAggregate } from './sql-user-aggregates.ts';

/** The aggregates of one operator: accumulators of a group and the result values. */
export interface SqlAggregates {
  /** A fresh accumulator array for a new group. */
  create(): unknown[];
  /** Adds a row's values (an insert or update-after). */
  add(acc: unknown[], values: unknown[]): void;
  /** Takes a row's values back (an update-before or delete). */
  retract(acc: unknown[], values: unknown[]): void;
  /** Folds `other` into `acc` (merging session windows, global after local aggregation). */
  merge(acc: unknown[], other: unknown[]): void;
  /** The result values, one per aggregate call. */
  results(acc: unknown[]): unknown[];
  /** The result of aggregate call `index` alone (no array made). */
  result(acc: unknown[], index: number): unknown;
  /** Rows counted into the accumulator, net of retractions: 0 means the group is empty. */
  count(acc: unknown[]): number;
}

/** A count of each value (multiset), for DISTINCT and for MIN/MAX under retraction. */
type Counts = Map<unknown, number>;

interface Agg {
  init(): unknown;
  add(a: unknown, v: unknown): unknown;
  retract(a: unknown, v: unknown): unknown;
  merge(a: unknown, b: unknown): unknown;
  result(a: unknown): unknown;
}

function roundTo(value: number, scale: number): number {
  const f = 10 ** scale;
  const r = Math.round(Math.abs(value) * f) / f;
  return value < 0 ? -r : r;
}

function finish(type: SqlType): (n: number) => number {
  if (type.kind === 'DECIMAL') return (n) => roundTo(n, type.scale);
  if (type.kind === 'INT') return (n) => n | 0;
  return (n) => n;
}

function countAgg(): Agg {
  return {
    init: () => 0,
    add: (a) => (a as number) + 1,
    retract: (a) => (a as number) - 1,
    merge: (a, b) => (a as number) + (b as number),
    result: (a) => a,
  };
}

/** SUM keeps [sum, count of values]: NULL for no values (SUM0: 0). */
function sumAgg(type: SqlType, zero: boolean): Agg {
  const done = finish(type);
  return {
    init: () => [0, 0],
    add: (a, v) => {
      const s = a as [number, number];
      s[0] += v as number;
      s[1]++;
      return s;
    },
    retract: (a, v) => {
      const s = a as [number, number];
      s[0] -= v as number;
      s[1]--;
      return s;
    },
    merge: (a, b) => {
      const s = a as [number, number];
      const t = b as [number, number];
      s[0] += t[0];
      s[1] += t[1];
      return s;
    },
    result: (a) => {
      const s = a as [number, number];
      return s[1] === 0 ? (zero ? 0 : null) : done(s[0]);
    },
  };
}

function avgAgg(type: SqlType): Agg {
  const sum = sumAgg({ kind: 'DOUBLE', nullable: true }, false);
  const integer =
    type.kind === 'TINYINT' || type.kind === 'SMALLINT' || type.kind === 'INT' || type.kind === 'BIGINT';
  const done = finish(type);
  return {
    ...sum,
    result: (a) => {
      const s = a as [number, number];
      if (s[1] === 0) return null;
      const avg = s[0] / s[1];
      return integer ? Math.trunc(avg) : done(avg);
    },
  };
}

/**
 * MIN/MAX over a multiset of values, so that retracting the current extreme finds the next. A count
 * may go below zero (a local accumulator of two-phase aggregation that saw a retraction of a value
 * added in an earlier bundle); only values counted above zero take part in the result. When the
 * extreme leaves, the next one is found when the result is asked for, once for a whole bundle.
 */
function extremeAgg(max: boolean, insertOnly: boolean): Agg {
  const better = max
    ? (x: unknown, y: unknown) => (x as number) > (y as number)
    : (x: unknown, y: unknown) => (x as number) < (y as number);
  if (insertOnly) return insertOnlyExtremeAgg(better);
  // `best` is at least as good as every value counted above zero; `stale` when it may itself be gone.
  type S = { best: unknown; counts: Counts | null; stale?: boolean };
  const change = (s: S, v: unknown, n: number): void => {
    s.counts ??= new Map();
    const after = (s.counts.get(v) ?? 0) + n;
    if (after === 0) s.counts.delete(v);
    else s.counts.set(v, after);
    if (after > 0) {
      if (s.best === null || better(v, s.best)) {
        s.best = v;
        s.stale = false;
      }
    } else if (v === s.best) s.stale = true;
  };
  return {
    init: () => ({ best: null, counts: null }) as S,
    add: (a, v) => {
      change(a as S, v, 1);
      return a;
    },
    retract: (a, v) => {
      change(a as S, v, -1);
      return a;
    },
    merge: (a, b) => {
      for (const [k, n] of (b as S).counts ?? []) change(a as S, k, n);
      return a;
    },
    result: (a) => {
      const s = a as S;
      if (s.stale) {
        s.best = null;
        for (const [k, n] of s.counts ?? []) if (n > 0 && (s.best === null || better(k, s.best))) s.best = k;
        s.stale = false;
      }
      return s.best;
    },
  };
}

/**
 * MIN/MAX over an input that only inserts (Flink's MinAggFunction/MaxAggFunction rather than the
 * ...WithRetract ones): the extreme alone, no multiset. A window's MAX(price) over millions of
 * distinct prices then keeps one value, not a Map of millions. The accumulator has the multiset
 * form's shape with `counts` null, so either reads the other's state.
 */
function insertOnlyExtremeAgg(better: (x: unknown, y: unknown) => boolean): Agg {
  type S = { best: unknown; counts: Counts | null; stale?: boolean };
  const retracting = extremeAgg(better(1, 0), false);
  return {
    init: () => ({ best: null, counts: null }) as S,
    add: (a, v) => {
      const s = a as S;
      if (s.counts !== null) return retracting.add(s, v);
      if (s.best === null || better(v, s.best)) s.best = v;
      return s;
    },
    // Never called for an insert-only input; exact anyway for state written with counts.
    retract: (a, v) => retracting.retract(a, v),
    merge: (a, b) => {
      const s = a as S;
      const t = b as S;
      if (s.counts !== null || t.counts !== null) return retracting.merge(s, t);
      if (t.best !== null && (s.best === null || better(t.best, s.best))) s.best = t.best;
      return s;
    },
    result: (a) => retracting.result(a),
  };
}

/** FIRST_VALUE / LAST_VALUE of the non-NULL values, in arrival order. */
function edgeAgg(last: boolean): Agg {
  return {
    init: () => ({ value: null as unknown, set: false }),
    add: (a, v) => {
      const s = a as { value: unknown; set: boolean };
      if (last || !s.set) {
        s.value = v;
        s.set = true;
      }
      return s;
    },
    retract: (a, v) => {
      const s = a as { value: unknown; set: boolean };
      if (s.value === v) {
        s.value = null;
        s.set = false;
      }
      return s;
    },
    merge: (a, b) => {
      const s = a as { value: unknown; set: boolean };
      const t = b as { value: unknown; set: boolean };
      if (t.set && (last || !s.set)) {
        s.value = t.value;
        s.set = true;
      }
      return s;
    },
    result: (a) => (a as { value: unknown }).value,
  };
}

/**
 * Adds `c` (either sign) copies of `v` to the counts of DISTINCT aggregate `i` (in `acc[slot]`, made
 * on first use: an accumulator whose FILTER lets nothing through never makes one), updating `acc[i]`.
 */
function countDistinct(acc: unknown[], slot: number, v: unknown, c: number, i: number, impl: Agg): void {
  let seen = acc[slot] as Counts | null;
  if (seen === null) acc[slot] = seen = new Map();
  const before = seen.get(v) ?? 0;
  const after = before + c;
  if (after === 0) seen.delete(v);
  else seen.set(v, after);
  if (before <= 0 && after > 0) acc[i] = impl.add(acc[i], v);
  else if (before > 0 && after <= 0) acc[i] = impl.retract(acc[i], v);
}

function baseAgg(call: AggCall, argType: SqlType | undefined, resultType: SqlType, insertOnly: boolean): Agg {
  switch (call.fn) {
    case 'COUNT':
      return countAgg();
    case 'SUM':
      return sumAgg(resultType, false);
    case 'SUM0':
      return sumAgg(resultType, true);
    case 'AVG':
      return avgAgg(resultType);
    case 'MIN':
      return extremeAgg(false, insertOnly);
    case 'MAX':
      return extremeAgg(true, insertOnly);
    case 'FIRST_VALUE':
      return edgeAgg(false);
    case 'LAST_VALUE':
      return edgeAgg(true);
    default:
      void argType;
      if (call.location) return userAggregate(call);
      throw new Error(`the aggregate ${call.fn} has no runtime implementation`);
  }
}

/**
 * The runtime of `aggs` over input rows with fields of `inputTypes`; `resultTypes` are the
 * aggregates' result types (for DECIMAL scales and integer averages). `insertOnly`: the input never
 * retracts, so MIN and MAX need not keep every value.
 */
export function createAggregates(
  aggs: AggCall[],
  inputTypes: SqlType[],
  resultTypes: SqlType[],
  insertOnly = false,
): SqlAggregates {
  const n = aggs.length;
  const impls = aggs.map((a, i) => baseAgg(a, inputTypes[a.args[0]], resultTypes[i], insertOnly));
  // -2: a user aggregate reads its arguments from the row itself (NULLs included).
  const arg = aggs.map((a) => (a.location && !a.distinct ? -2 : a.args.length > 0 ? a.args[0] : -1));
  const filter = aggs.map((a) => (a.filter === null ? -1 : a.filter));
  const distinct = aggs.map((a) => a.distinct);
  // Slot n of an accumulator array counts the rows, net of retractions.
  const apply = (acc: unknown[], values: unknown[], sign: 1 | -1): void => {
    acc[n] = (acc[n] as number) + sign;
    for (let i = 0; i < n; i++) {
      const f = filter[i];
      if (f >= 0 && values[f] !== true) continue;
      const a = arg[i];
      const v = a >= 0 ? values[a] : a === -2 ? values : 1;
      if (v === null || v === undefined) continue;
      const impl = impls[i];
      if (distinct[i]) {
        // The value counts into the aggregate when its count rises above zero and leaves when it
        // falls back (the local accumulator of two-phase aggregation may count a value below zero).
        countDistinct(acc, n + 1 + i, v, sign, i, impl);
        continue;
      }
      acc[i] = sign > 0 ? impl.add(acc[i], v) : impl.retract(acc[i], v);
    }
  };
  return {
    create() {
      const acc = new Array<unknown>(2 * n + 1);
      for (let i = 0; i < n; i++) {
        acc[i] = impls[i].init();
        acc[n + 1 + i] = null;
      }
      acc[n] = 0;
      return acc;
    },
    add(acc, values) {
      apply(acc, values, 1);
    },
    retract(acc, values) {
      apply(acc, values, -1);
    },
    merge(acc, other) {
      acc[n] = (acc[n] as number) + (other[n] as number);
      for (let i = 0; i < n; i++) {
        if (distinct[i]) {
          const theirs = other[n + 1 + i] as Counts | null;
          if (theirs !== null) for (const [v, c] of theirs) countDistinct(acc, n + 1 + i, v, c, i, impls[i]);
          continue;
        }
        acc[i] = impls[i].merge(acc[i], other[i]);
      }
    },
    results(acc) {
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) out[i] = impls[i].result(acc[i]);
      return out;
    },
    result(acc, index) {
      return impls[index].result(acc[index]);
    },
    count(acc) {
      return acc[n] as number;
    },
  };
}
